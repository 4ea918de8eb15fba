// Package memchannel is an in-memory [modality.Channel] that serves any of
// the five kinds. It is the reference implementation of the contract,
// checked by the channeltest conformance suite, and what tests,
// simulations and examples use instead of a real telephone or chat
// platform.
//
// # Driving traffic
//
// A real channel's traffic comes from outside. A memchannel [Channel] is
// given its traffic by the methods that stand in for attendees and agents:
//
//   - [Channel.Arrive]: an attendee reaches a service through one of its
//     entry points; the engagement waits.
//   - [Channel.Answer]: an agent takes a waiting engagement.
//   - [Channel.End]: the attendee or the agent ends it.
//   - [Channel.Engagements]: what is live for a service right now.
//
// Each takes the instant it happens at, so tests and simulations control
// time; the channel has no clock of its own. [Channel.Disconnect], which
// takes no instant, ends engagements at the latest instant the channel has
// been given.
//
// # Setups
//
// [Channel.Open] checks a [modality.Setup] before anything is opened:
// entry point names unique, kinds served ([modality.ErrUnsupported]),
// queues named by entry points and receptionist options listed in the
// setup's queues, and the receptionist valid. Everything wrong is reported
// at once.
//
// # Errors
//
// Sentinels of package modality, checked with [errors.Is]:
// [modality.ErrUnsupported] from Open, [modality.ErrNotOpen] and
// [modality.ErrIntakeStopped] from Arrive, [modality.ErrNotFound] from
// Answer and End for an engagement that is not live, and
// [modality.ErrUnknownKind] from [New]. A done context makes every method
// return ctx.Err().
//
// # Concurrency and memory
//
// A Channel is safe for concurrent use by multiple goroutines. It keeps
// live engagements indexed by service, so Disconnect costs time in
// proportion to the service's live engagements, and it forgets an
// engagement as soon as it ends: memory follows the traffic of the moment,
// not its history. Per service it keeps only the setup and the counts.
package memchannel
