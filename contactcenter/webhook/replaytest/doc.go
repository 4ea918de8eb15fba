// Package replaytest is the conformance suite of [webhook.ReplayStore].
//
// A ReplayStore shared by replicas (so that a signed delivery received by
// one webhook Handler is refused as a replay by every other) runs [Run]
// from its own tests:
//
//	func TestReplays_Conformance(t *testing.T) {
//		replaytest.Run(t, replaytest.Harness{
//			New: func(t testing.TB) webhook.ReplayStore { return newMyStore(t) },
//		})
//	}
//
// Run checks each sentence of the ReplayStore contract in a named
// subtest: a first claim passes and the same claim again is a replay;
// a claim is held through its Until, whatever claims come meanwhile, and
// forgotten after it; the same delivery signed afresh, and other
// deliveries, are not replays; a released claim may be claimed again;
// done contexts change nothing; a bounded store reports
// [webhook.ErrReplayFull]; and of concurrent claims of one delivery
// exactly one passes (run it with -race). [Benchmark] measures Claim.
package replaytest
