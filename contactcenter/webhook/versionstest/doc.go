// Package versionstest is the conformance suite of
// [webhook.VersionStore].
//
// A durable VersionStore (so that the webhook Handler orders deliveries
// across restarts) runs [Run] from its own tests:
//
//	func TestConformance(t *testing.T) {
//		versionstest.Run(t, versionstest.Harness{
//			New: func(t *testing.T) webhook.VersionStore { return newMyStore(t) },
//		})
//	}
//
// Run checks each sentence of the VersionStore contract in a named
// subtest: no record before a Put, Put then Last, Put replaces, subjects
// kept apart, done contexts change nothing, and concurrent use across
// subjects (run it with -race).
package versionstest
