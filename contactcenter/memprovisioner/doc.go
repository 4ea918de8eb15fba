// Package memprovisioner is an in-memory [contactcenter.Provisioner]: one
// pre-sized account of server space, licences, agents and supervisors,
// leased to services and tagged with them.
//
// It is the reference implementation of the Provisioner contract, written
// only against the exported API of package contactcenter and held to the
// same conformance suite,
// [github.com/eventcc/eventcc/contactcenter/provisionertest], as adapters
// of real providers. Use it in tests, simulations and examples.
//
// The account's capacity is fixed by [Limits] and shared by every service,
// as with the long-lived accounts real adapters lease from: a Set that the
// free capacity cannot hold fails with an error wrapping
// [contactcenter.ErrQuota] and changes nothing. Each item gets an ID
// naming its kind, its service and a number, "agent-expo-2026-000001",
// that is never used again for that service within the Provisioner's
// life, so a released agent can never be mistaken for one added later
// (its access grants, say). Releasing items releases the highest-numbered,
// most recently added, first.
//
// Set with a kind other than those of [contactcenter.Resources], a
// negative count or an empty service ID fails with an error marked
// [contactcenter.Permanent]. A done context makes a method return
// ctx.Err() with nothing changed.
//
// A *Provisioner is safe for concurrent use by multiple goroutines.
package memprovisioner
