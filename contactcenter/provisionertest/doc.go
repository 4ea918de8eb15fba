// Package provisionertest is the conformance suite of
// [contactcenter.Provisioner], and a fault-injecting wrapper for testing
// code that uses one.
//
// Every Provisioner, the in-memory reference implementation
// [github.com/eventcc/eventcc/contactcenter/memprovisioner] as much as an
// adapter of a real provider, runs [Run] from its own tests:
//
//	func TestConformance(t *testing.T) {
//		provisionertest.Run(t, provisionertest.Harness{
//			New:      func(t *testing.T) contactcenter.Provisioner { return newSandboxProvisioner(t) },
//			Capacity: 20, // units of each kind the sandbox account holds
//		})
//	}
//
// Run checks each sentence of the Provisioner contract in a named subtest:
// Set up, down and to zero, idempotence, items of the right kind sorted by
// ID with unique IDs, released IDs never given to the same service again,
// a negative count or an unknown kind refused with a
// [contactcenter.Permanent] error, Inventory of every kind sorted by kind
// (in the order of [contactcenter.Resources]) then ID, services and kinds
// kept apart, ErrQuota with nothing changed when the capacity cannot hold
// a request, done contexts, and concurrent Sets (run it with -race).
//
// [Faulty] wraps any Provisioner to make Set fail on demand, so that
// lifecycle tests and integrators can exercise retries, quota failures and
// compensation.
package provisionertest
