// Package versionstest is the conformance suite of
// [webhook.VersionStore].
//
// A durable VersionStore (so that webhook Handlers order deliveries
// across restarts and replicas) runs [Run] from its own tests:
//
//	func TestConformance(t *testing.T) {
//		versionstest.Run(t, versionstest.Harness{
//			New: func(t *testing.T) webhook.VersionStore { return newMyStore(t) },
//		})
//	}
//
// Run checks each sentence of the VersionStore contract in a named
// subtest: no record before a Put, Put then Last, Put replaces a record
// only with a newer one (ordered as [webhook.Stamp.Compare] orders, to
// the nanosecond) and otherwise returns [webhook.ErrNotNewer], subjects
// kept apart, done contexts change nothing, concurrent use across
// subjects, and concurrent Puts to one subject: of writers racing one
// stamp exactly one succeeds, and of writers racing several the newest
// is kept (run it with -race).
package versionstest
