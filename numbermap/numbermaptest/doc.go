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
// ErrInvalid, keeping every attribute; Claim's count, criteria (country,
// region, type, capabilities), all-or-none [*numbermap.InsufficientError],
// validation, aging (a number is not claimable until its policy period and
// aging have passed, and is exactly when they have; zero aging is the
// default), preference for the numbers available longest, the previous
// lease kept, idempotence and ErrConflict, and claims from many goroutines
// never sharing a number; Get and ErrNotFound; ListByService sorted and
// isolated; SetExpiry moving routing, retirement and availability;
// Release; routing through [numbermap.Lookup] at every phase boundary of
// every policy, with what the stale-call guard needs; [numbermap.Router],
// if the Store has it, agreeing with Get; revisions; a cancelled context
// changing nothing; and records being copies. A property test then drives
// a long random sequence of claims, extensions, shortenings, expiries,
// releases and re-leases on one shared pool against a model of the
// contract: no number is ever routed to two services at once, and none is
// leased again before its aging ends. Run it with -race.
//
// The suite uses fixed instants, never the wall clock, and starts no
// goroutine that outlives a subtest.
package numbermaptest
