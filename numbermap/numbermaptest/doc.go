// Package numbermaptest is the conformance suite for implementations of
// [numbermap.Store]. Every implementation, ours and integrators', runs it
// against itself:
//
//	func TestStore(t *testing.T) {
//		numbermaptest.Run(t, numbermaptest.Harness{
//			New: func(t *testing.T) numbermap.Store { return mystore.New(...) },
//		})
//	}
//
//	func BenchmarkStore(b *testing.B) {
//		numbermaptest.RunBenchmarks(b, func(b *testing.B) numbermap.Store { return mystore.New(...) })
//	}
//
// [Run] checks every sentence of the Store contract in a named subtest, each
// with a fresh Store from [Harness].New: Add all or none with ErrExists and
// ErrInvalid; Claim's count, country filter, all-or-none ErrInsufficient,
// validation, aging (a number is not claimable until its policy period and
// aging have passed, and is exactly when they have), preference for the
// numbers available longest, idempotence and ErrConflict, and claims from
// many goroutines never sharing a number; Get and ErrNotFound;
// ListByService sorted and isolated; SetExpiry moving routing and
// availability; Release; routing through [numbermap.Lookup] at every phase
// boundary; revisions; a cancelled context changing nothing; and records
// being copies. Run it with -race.
//
// The suite uses fixed instants, never the wall clock, and starts no
// goroutine that outlives a subtest.
package numbermaptest
