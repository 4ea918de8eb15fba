// Package recordstest is the conformance suite of [routing.Records].
//
// A store of engagement records (so that a replica taking a service over
// rebuilds its router from what the previous owner wrote) runs [Run]
// from its own tests:
//
//	func TestRecords_Conformance(t *testing.T) {
//		recordstest.Run(t, recordstest.Harness{
//			New: func(t testing.TB) routing.Records { return newMyStore(t) },
//		})
//	}
//
// Run checks each sentence of the Records contract in a named subtest:
// Put then Live and Ended keep every field; Live lists the live records
// in the order they arrived, then by ID, and Ended the ended ones with
// Ended in [from, to), in the order they ended, then by ID, each in a
// new slice; a record replaces a live one of a lower Seq, and is skipped
// otherwise (an equal or lower Seq, or an ended record stored) with the
// rest of the batch stored and an error wrapping [routing.ErrStale];
// a batch is applied in order; a batch with an invalid record stores
// nothing and wraps [routing.ErrInvalidRecord]; Delete counts and
// forgets one service's records; services are kept apart; a done context
// makes every method return ctx.Err() (possibly wrapped) and Put store
// nothing; and under concurrent Puts of increasing Seqs to the same
// engagements the highest Seq is what stays, never a torn record (run it
// with -race).
//
// Instants in the suite are whole microseconds in UTC, which a SQL
// timestamp keeps exactly; they are compared with [time.Time.Equal], so
// a store may drop monotonic readings and change locations.
// [Benchmark] measures Put and Live.
package recordstest
