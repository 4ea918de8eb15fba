// Package modality is how attendees reach an event's contact center: the
// modality kinds, the [Channel] contract that carries engagements of those
// kinds, and the virtual [Receptionist] that answers them first.
//
// # Kinds
//
// There are five kinds, listed by [Kinds] in this fixed order:
//
//   - [Telephony]: voice calls to an E.164 number.
//   - [Video]: video sessions joined from a URL.
//   - [Chat]: web chat started from a URL.
//   - [SMS]: text-message threads with an E.164 number.
//   - [Social]: message threads with a social-network handle.
//
// [ParseKind] turns the exact lower-case word back into a [Kind].
//
// # Channels
//
// A [Channel] carries engagements of one or more kinds for many services
// at once. Sub-package memchannel is an in-memory channel for every kind;
// the real ones live in their own sub-packages: sipchannel (telephony on
// SIP) and chatchannel (web chat on WebSockets). Sub-package channeltest
// is the conformance suite every channel runs against itself; routing is
// the router channels hand engagements to ([Setup.Router]).
//
// A service's life on a channel follows its term:
//
//  1. [Channel.Open] configures the service's entry points, queues and
//     receptionist from a [Setup] and starts accepting engagements. Opening
//     again replaces the setup, so a deploy step that runs twice does what
//     it does once.
//  2. [Channel.StopIntake] refuses new engagements at the end of the term;
//     live ones go on so they can finish.
//  3. [Channel.Disconnect] force-ends whatever is still live and says how
//     many it ended.
//  4. [Channel.Remove] forgets the entry points, so nothing of the service
//     is left on the channel.
//
// Every method is idempotent and scoped to one service: nothing done for
// one service touches another's engagements.
//
// A channel may also admit only as many engagements of a service as its
// current capacity allows, by implementing the optional [CapacitySetter]
// (sub-package sipchannel does): the lifecycle sets each service's
// capacity when it opens and after each scaling decision.
//
// # Engagements and counts
//
// An [Engagement] is one attendee's contact: a call, a chat, a video
// session, a message thread. It arrives [Waiting] on an entry point,
// becomes [Active] when an agent takes it and ends [Ended], either after
// being answered (completed) or while still waiting (abandoned).
//
// [Channel.Counts] reports a service's traffic per kind served, in the
// order of [Channel.Kinds]: how many engagements wait and are active now,
// and cumulative arrivals, completions, abandonments and handle time.
// The scaling package turns these into staffing decisions.
//
// # The receptionist flow
//
// An entry point without a queue leads to the service's [Receptionist]
// (or, without one, to the first queue of the setup). The channel calls
// [Receptionist.Start] when the engagement arrives: outside the term the
// [Reply] is the closed message and the flow ends; otherwise it is the
// greeting and the menu. Each input of the attendee then goes to
// [Receptionist.Respond], which answers from the menu (the flow goes on),
// hands off to a queue ([Reply].Queue set, the flow ends) or says it did
// not understand. The receptionist is plain data and keeps no state
// between turns; [Receptionist.Validate] checks it before it is used.
//
// # Errors
//
// Sentinel errors are checked with [errors.Is]; implementations wrap them
// with context:
//
//   - [ErrUnknownKind]: a kind that is none of the five.
//   - [ErrUnsupported]: a setup names a kind the channel does not serve.
//   - [ErrNotOpen]: the service is not open on the channel, or the entry
//     point is not one of its entry points.
//   - [ErrIntakeStopped]: the service no longer accepts engagements.
//   - [ErrNotFound]: no live engagement has that id.
//
// A done context makes a channel method return ctx.Err(), possibly
// wrapped, so [context.Canceled] stays detectable.
//
// # Concurrency
//
// Channels are safe for concurrent use by multiple goroutines, across
// services and within one. Values passed in (a [Setup] and its slices) are
// copied by the channel; values returned (slices of [Kind] or [Counts])
// belong to the caller. [Receptionist], [Option], [Reply], [Engagement]
// and [Counts] are plain data.
package modality
