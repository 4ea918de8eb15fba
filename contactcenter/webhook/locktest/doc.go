// Package locktest is the conformance suite of [webhook.Locker].
//
// A Locker shared by replicas (so that webhook Handlers in several
// processes apply the deliveries about one event one at a time) runs
// [Run] from its own tests:
//
//	func TestLocks_Conformance(t *testing.T) {
//		locktest.Run(t, locktest.Harness{
//			New: func(t testing.TB, n int) []webhook.Locker { return newMyLockers(t, n) },
//		})
//	}
//
// Run checks each sentence of the Locker contract in a named subtest: a
// held key is refused to every Locker sharing it, in the same Locker or
// another, until its unlock, which may come from any goroutine; distinct
// keys (prefixes of each other among them) are independent; a ctx done
// before Lock, or while it waits, makes it return ctx.Err() holding
// nothing; a second unlock does nothing, even once another holds the
// key; a bounded Locker waits for a release; the locks of a holder whose
// sessions end are released to the others; and under concurrent use
// across Lockers at most one holds a key at a time (run it with -race).
// [Benchmark] measures Lock and unlock.
package locktest
