// Package scalingtest is the conformance suite for implementations of
// [scaling.TrafficSource]. Every source, the lifecycle's one built on
// channel counts and integrators' alike, runs it against itself, so the
// [scaling.Autoscaler] sees the same traffic semantics whoever measures
// it.
//
// # Running the suite
//
// An integrator calls [Run] from an ordinary test with a [Harness]:
//
//	func TestConformance(t *testing.T) {
//		scalingtest.Run(t, scalingtest.Harness{
//			New: func(t *testing.T) (scaling.TrafficSource, scalingtest.Feeder) {
//				src := myacd.NewTraffic(testClient(t))
//				return src, acdFeeder{src} // places test contacts
//			},
//		})
//	}
//
// Harness.New is called once per subtest and must return a source that
// has seen no service, with the [Feeder] that makes traffic on it. Each
// subtest is named after the sentence of the contract it checks (for
// example "Arrivals/CountedOnce"), so a failure points at the sentence
// broken, and go test -run selects a single case. Run the suite with
// -race: one case drives several services from several goroutines.
//
// # What the suite checks
//
//   - The first Samples of a service covers nothing before it: zero
//     arrivals, completions and abandonments, and a zero Interval.
//   - Arrivals fed between two calls show up in the second call's Sample
//     of their modality, and only there.
//   - One Sample per modality in each call.
//   - Interval is the time since the previous call for the same service;
//     At is now.
//   - Services are isolated: one's traffic never shows in another's, and
//     each has its own intervals.
//   - The returned slice belongs to the caller: changing it changes
//     nothing the source reports later.
//   - A cancelled ctx makes Samples fail with an error that is
//     context.Canceled under errors.Is.
//   - Calls for different services may run concurrently.
//
// # What Feeder is for
//
// [scaling.TrafficSource] only reports traffic; on a real system traffic
// comes from outside, from attendees who call and chat. [Feeder] is that
// outside world: the suite calls it to make engagements arrive. The suite
// feeds the modalities [Telephony] and [Chat] only, on service IDs it
// makes up, at instants that never go back within a subtest; it checks
// arrivals, intervals and instants, never Concurrent, Queued, completions
// or handle times, which depend on agents the suite does not model. A
// source may report other modalities too, as long as they show no
// arrivals the suite did not feed.
//
// The suite uses only the exported API of package scaling and nothing
// but the standard library and testify, so adapters in their own modules
// can run it.
package scalingtest
