// Package storetest is the conformance suite of [contactcenter.Store].
//
// Every Store, the in-memory reference implementation
// [github.com/eventcc/eventcc/contactcenter/memstore] as much as a durable
// one an integrator writes, runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Harness{
//			New: func(t *testing.T) contactcenter.Store { return newEmptyStore(t) },
//		})
//	}
//
// [Run] checks each sentence of the Store contract in a named subtest:
// round trips that keep every field of a fully populated Service and Plan,
// copies in both directions, revisions and ErrConflict, ErrExists,
// ErrNotFound, List's filter and order, plan immutability by Digest,
// journal sequencing, done contexts, and concurrent writers (run it with
// -race). Stores may return instants in another zone and empty slices as
// nil: the suite compares instants as instants and does not tell nil from
// empty.
package storetest
