// Package relaytest is the conformance suite of [contactcenter.Relay].
//
// A relay (what carries agents' actions and engagement events between
// the replicas of a host) runs [Run] from its own tests:
//
//	func TestRelay_Conformance(t *testing.T) {
//		relaytest.Run(t, relaytest.Harness{
//			New: func(t testing.TB) contactcenter.Relay { return newMyRelay(t) },
//		})
//	}
//
// Run checks each sentence of the Relay contract in a named subtest: a
// message sent to an owner reaches the handler of the Listen for that
// owner with the very bytes sent (non-ASCII text, JSON with escapes, an
// empty message, one of [contactcenter.MaxRelayMessage] bytes), which
// the handler may keep, and whatever the sender does with its buffer
// afterwards; owners that share the relay never get each other's
// messages, even owners whose names prefix one another's; a message to
// an owner nobody listens for is dropped without an error, and not kept
// for a later listener; Listen returns ctx's error when ctx is done (at
// once if it already is), hands nothing sent after that to its handler,
// and the owner may be listened for again; Send refuses a message larger
// than MaxRelayMessage with an error, returns a done ctx's error, and
// does not wait for the handler (a stuck handler does not hold up two
// thousand Sends); and, under -race, several senders' messages to two
// listeners each reach the right one exactly once, never two handler
// calls at a time, while listeners for another owner come and go.
//
// Delivery is at most once by contract, but the suite runs on a healthy
// relay and requires it: once a listener is in place, whatever is sent
// to it must arrive, within a bounded wait. Listen has no "ready"
// signal, so the suite knows a listener is in place when a probe it
// sends (again every 20ms) arrives. To check that something did not
// arrive, the suite waits for a probe sent after it: it relies on a
// relay delivering the messages that one goroutine sends one after the
// other in the order sent, as memrelay and pgstore's relay do (a relay
// that reordered them could only make such a check pass wrongly, never
// fail). The suite never sleeps to assert.
//
// A relay over a medium that carries only text (PostgreSQL's
// notifications) sets [Harness].TextOnly: the suite then checks that Send
// refuses a message that is not UTF-8 text without NUL bytes, where
// otherwise it checks that such messages arrive intact. The Lifecycle's
// messages are JSON, which is such text. [Benchmark] measures Send and a
// round trip.
package relaytest
