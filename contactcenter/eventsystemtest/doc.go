// Package eventsystemtest is the conformance suite of
// [contactcenter.EventSystem].
//
// Every EventSystem, the in-memory reference implementation
// [github.com/eventcc/eventcc/contactcenter/memevents] as much as an
// adapter of a real event platform, runs [Run] from its own tests:
//
//	func TestConformance(t *testing.T) {
//		eventsystemtest.Run(t, eventsystemtest.Harness{
//			New:       func(t *testing.T) contactcenter.EventSystem { return newSandboxAdapter(t) },
//			Published: func(es contactcenter.EventSystem, id string) (contactcenter.Publication, bool) { return readBack(es, id) },
//		})
//	}
//
// Run checks each sentence of the EventSystem contract in a named
// subtest: Publish shows, replaces and is idempotent, the caller keeps
// ownership of what it passed, Retract withdraws, is idempotent and is no
// error when nothing was published, services are kept apart, done
// contexts, and concurrent calls (run it with -race). Cases that must see
// what is published need [Harness.Published]; without it they are skipped
// with a message, and the others still run.
package eventsystemtest
