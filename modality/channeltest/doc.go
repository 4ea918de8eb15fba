// Package channeltest is the conformance suite for implementations of
// [modality.Channel]. Every channel, the in-memory one and integrators'
// alike, runs it against itself, so they all behave alike where the
// contract speaks.
//
// # Running the suite
//
// An integrator calls [Run] from an ordinary test with a [Harness]:
//
//	func TestConformance(t *testing.T) {
//		channeltest.Run(t, channeltest.Harness{
//			New: func(t *testing.T) modality.Channel {
//				ch, err := sipchannel.New(testConfig(t))
//				require.NoError(t, err)
//				t.Cleanup(func() { ch.Shutdown() })
//				return ch
//			},
//			Drive: sipDriver{}, // places and answers real calls
//		})
//	}
//
// Harness.New is called once per subtest and must return a channel with no
// service open; it may register cleanups with t. Each subtest is named
// after the sentence of the contract it checks (for example
// "Disconnect/SecondReturnsZero"), so a failure points at the sentence
// broken, and go test -run selects a single case. Run the suite with
// -race: one case drives several services from several goroutines while
// one of them is disconnected.
//
// # What Driver is for
//
// The [modality.Channel] interface is what a host uses to configure and
// tear down services; it has no way to create traffic, because on a real
// channel traffic comes from outside: attendees dial numbers, open chat
// links, join video rooms, and agents pick engagements up. The suite still
// needs engagements to check that StopIntake refuses them, that Disconnect
// ends them and that Counts counts them. [Driver] is that outside world: a
// small interface the suite calls to make an attendee arrive on an entry
// point and an agent answer an engagement. For the in-memory channel it
// calls the channel's own traffic methods; for a SIP channel it would place
// real calls to the entry point's number and answer them as an agent.
//
// Each subtest opens services with entry points of every kind the channel
// serves, each leading to the queue "general", and with a receptionist.
// Addresses are fictional and unique within a test binary: telephone
// numbers +1555NNNNNNN, URLs under https://eventcc.example/, handles
// starting with "@". Instants passed to the Driver start at 2030-06-01
// 09:00 UTC and only move forward within a subtest.
package channeltest
