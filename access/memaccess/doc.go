// Package memaccess is an in-memory [access.Store], the reference
// implementation of the contract the package access documents and the
// package accesstest checks, with every optional interface:
// [access.Decider], [access.BulkCreator], [access.BulkRevoker] and
// [access.TokenStore].
//
// A [Store] indexes grants by ID, by principal and by service, so
// [access.Authorize] (through [Store.Decide]) and the revocations cost
// time linear in the grants of the principal or service concerned, not in
// the store's size. Decide walks the principal's grants in place under a
// read lock and allocates nothing. It copies every grant in and out, is
// safe for concurrent use (one read-write mutex), and checks ctx before
// doing anything: a done ctx returns ctx.Err() with nothing changed.
//
// Grants are kept compactly, so that a million fit in well under 256 MB:
// the fields grants share (service, kind, role, issuer, reason,
// privileges) are interned, instants are kept as Unix seconds and
// nanoseconds (they come back in UTC: the same instants, in another
// location), and the indexes by ID and principal are open-addressing tables
// of pointers. See BENCHMARKS.md for the figures.
//
// It is written only against the exported API of access, so it doubles as a
// model for integrators writing a durable store. Its contents die with the
// process: use it for tests, simulations and single-process hosts that do
// not need grants to survive a restart.
package memaccess
