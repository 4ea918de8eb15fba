// Package memaccess is an in-memory [access.Store], the reference
// implementation of the contract the package access documents and the
// package accesstest checks.
//
// A [Store] keeps grants in a map by ID, with indexes by service and by
// principal, so [Store.ListByPrincipal] (what [access.Authorize] calls) and
// [Store.RevokeService] cost time linear in the grants they return or
// revoke, not in the store's size. It copies every grant in and out, is
// safe for concurrent use (one read-write mutex), and checks ctx before
// doing anything: a done ctx returns ctx.Err() with nothing changed.
//
// It is written only against the exported API of access, so it doubles as a
// model for integrators writing a durable store. Its contents die with the
// process: use it for tests, simulations and single-process hosts that do
// not need grants to survive a restart.
package memaccess
