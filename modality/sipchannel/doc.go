// Package sipchannel is a [modality.Channel] for telephony over real SIP:
// a user agent server on UDP and TCP, built on github.com/emiago/sipgo,
// that answers attendees' calls to an event's numbers, refuses what it
// must with the right response, and hangs calls up when a service closes.
// It also implements [modality.CapacitySetter].
//
// # Life of a channel
//
// [New] validates a [Config] (reporting every problem at once) and binds
// the listening sockets, so [Channel.Addrs] knows the ports even when the
// configuration asked for port 0. [Channel.Run] serves until its context
// is done or [Channel.Shutdown] is called; Shutdown stops admitting calls
// (503 with Retry-After), hangs up every live call while the sockets are
// still open, then closes the sockets and the SIP stack and waits for the
// channel's goroutines. A host typically runs:
//
//	ch, err := sipchannel.New(sipchannel.Config{Listen: []string{"127.0.0.1:5060"}, Numbers: pool, Now: clock})
//	...
//	go ch.Run(ctx) // returns once ctx is done and the channel is shut down
//
// and passes ch to contactcenter.Config.Channels, which opens services on
// it at their term's start, sets their capacity as it scales them, and
// stops intake, disconnects and closes them at the term's end.
//
// # Routing a call
//
// The dialled number comes from the request line ([DialledNumber]): the
// user part of a sip: URI or the number of a tel: URI, percent-decoded
// and normalised to E.164 by [numberplan.ParseWith], falling back to the To
// header. A request without a valid international number gets 404.
//
// With Config.Numbers set, the number is looked up at the instant of the
// call on the configured clock ([numbermap.LookupTo]), so a number fails
// closed at its lease's expiry whatever ran or did not run:
//
//	route                   response
//	service, open here      admitted (below)
//	service, not open here  480 Config.NotOpenReason ("Not Open Yet": before the term opens)
//	service, intake stopped 480 Config.ClosedReason
//	forward                 302 with Contact <tel:+E164> (or sip:+E164@Config.ForwardDomain;user=phone)
//	announce                Config.AnnounceStatus (480, or 410) with the announcement as reason phrase (see Media)
//	vacant                  Config.VacantStatus (404, or 410) with Config.VacantReason
//	unassigned, not in pool 404
//	look-up failed          503 with Retry-After
//
// Without Config.Numbers, a number routes to the open service whose setup
// lists it (480 Config.ClosedReason after StopIntake) and is otherwise
// unknown (404).
//
// # Admission and answering
//
// A call to an open service beyond its capacity ([Channel.SetCapacity])
// is refused with Config.BusyStatus (486 or 503) and a Retry-After, so a
// surge degrades the service instead of collapsing it; refused calls are
// not counted. An admitted call becomes an engagement of the service,
// waiting: it rings for Config.RingTime (180), then the channel answers
// it with 200 and an SDP answer to the caller's offer (see Media, below).
// The engagement's ID is the local tag of the SIP dialog (the To tag of
// the 200), so a caller can name its call. An entry point with a queue
// puts the call in it; one without goes to the service's virtual
// receptionist, which takes keys the caller presses (as RFC 4733
// telephone-events, or as SIP INFO with application/dtmf-relay or
// application/dtmf) and hands the call to a queue; without a receptionist
// the call waits in the setup's first queue. [Channel.Calls] lists live
// calls, [Channel.Answer] is an agent taking one (for a service without a
// router), [Channel.Hangup] ends one. [Channel.Counts] feeds the scaling
// of the service.
//
// # Media
//
// Every answered call has audio over RTP, on github.com/emiago/diago's
// media stack: the first audio stream of the offer is answered on a port
// of the call's own (at Config.MediaAddr, or the address the INVITE
// reached; within Config.RTPPortMin to RTPPortMax when set, 503 when no
// pair is free) with the first of PCMU and PCMA the caller offered, and
// telephone-event when offered, in the direction that mirrors the
// offer's; other streams are rejected (port 0). An offer without PCMU or
// PCMA, with secure RTP only, or without an audio stream gets 488, with
// nothing left bound. From the 200 on, the channel sends a 20 ms frame
// every 20 ms: what the call is told to say, silence in between (the
// marker bit starts each talkspurt). The receptionist's greeting and menu
// are ready before the 200, so the first frame of speech leaves with the
// answer; each key the caller presses interrupts what is being said with
// the reply. A phrase is played from the prompt file its role names
// ([modality.Receptionist.Prompts], looked up in Config.Prompts, by
// default [voice.Builtin], which also supplies any file Config.Prompts
// lacks); without one, Config.Speaker speaks its text; without a Speaker
// it is skipped.
//
// A call to a number retired with an announcement hears it before its
// refusal, as early media: 183 Session Progress with the SDP answer, the
// announcement over RTP, then Config.AnnounceStatus in the same early
// dialog. The announcement is played from the prompt file it names (a
// .wav file), or its text is spoken by Config.Speaker; without either,
// or without media, the refusal alone carries it as its reason phrase.
// At most 256 calls hear announcements at once; the others get the
// refusal alone.
//
// A caller waiting in a queue hears the service's hold
// ([modality.Setup.Hold]): first, and every AnnounceEvery, their place in
// line and expected wait ([voice.PlaceWords], when the router is a
// [modality.Placer]), and the hold music looped in between. The music
// stops when an agent takes the call and starts again if the call goes
// back to a queue.
//
// The caller's RTP is taken only from the address its SDP named, and
// never with the channel's own SSRC (its audio come back: an echo or a
// loop); a key is one RFC 4733 event however often its packets are
// repeated, and keys beyond a burst of 10 are taken at 5 a second. What
// is refused is counted ([MediaStats.Dropped]). A re-INVITE keeps the
// call's port and codec and follows the offer's direction: a caller that
// holds (sendonly or inactive) is sent nothing until it resumes; a new
// remote address in a re-INVITE is not followed. An INVITE without an
// offer (the offer in the ACK) is answered without media, as is every
// call with Config.NoMedia.
//
// # Agents' phones
//
// With Config.Registrar (the lifecycle: contactcenter.Lifecycle's
// PhonePassword), agents register SIP phones to take a service's calls:
// REGISTER with To sip:<agent>@<service>, authenticated by HTTP digest
// (MD5, qop=auth or none) in the realm of the service's ID against the
// password the Registrar derives from the agent's grant. A phone without
// credentials, with wrong ones or with a nonce over five minutes old is
// challenged (401; nonces are stateless, an HMAC of their time under a
// key of the channel's), an agent without a grant is refused (403), a
// service not open here is 404. A binding lasts what the phone asks,
// within a minute (423 below) and an hour; Expires 0 removes it. Refusals
// are logged with the agent and the source. [Channel.Phones] lists the
// bindings, [Channel.Unregister] ends one (the lifecycle calls it when it
// revokes the agent's grant), and [Channel.Remove] ends the service's.
//
// When the service's router offers engagements to phones
// ([modality.Phones]; the lifecycle's does), a phone's registration puts
// its agent on duty (available), and its end (expiry seen at the next
// offer, Expires 0, Unregister, Remove) takes them off. An offer rings
// the phone: an INVITE to the Contact it registered, from the socket it
// registered on, with an SDP offer of a media session of its own
// (PCMU, PCMA, telephone-event). Answered, the two calls' audio is
// bridged both ways (20 ms frames, transcoded between PCMU and PCMA,
// re-framed from other packet times) and the router told; refused,
// unanswered within 30 s or impossible, the offer is given back. The
// agent hanging up (BYE from the phone) ends the caller's call through
// the router; the caller hanging up, or the router sending the call back
// to a queue (a transfer), sends the phone a BYE.
//
// # The service's router
//
// A service whose setup has a router ([modality.Setup.Router]; the
// contactcenter lifecycle always sets one, the service's ACD) hands its
// calls to it: the router, not the channel, decides who answers a call
// and when it ends. The channel enqueues a call ([modality.Router.Enqueue])
// once it has a queue: at the INVITE, or when the receptionist hands it
// off.
//
//   - Turned away at the INVITE because the queue is full beyond its
//     longest wait (a [modality.BusyError]), the caller hears
//     Config.BusyStatus (486 Busy Here by default) with a Retry-After of
//     the router's RetryAfter rounded up to whole seconds; any other
//     refusal is 503. Either way the call is not counted, as with
//     SetCapacity. Turned away at the receptionist's hand-off, the call,
//     answered already, gets a BYE and is counted abandoned.
//   - Admitted, the call is answered as above and waits.
//     [modality.Connected] makes it Active, [modality.Requeued] Waiting
//     again, and [modality.Finished] makes the channel hang it up (a BYE,
//     or 480 while it rings), paced and bounded like Disconnect, unless
//     the caller left first.
//   - When the caller hangs up (BYE, or CANCEL while it rings) or the
//     channel ends the call ([Channel.Hangup], Disconnect, Shutdown), the
//     router is told ([modality.Router.Hangup]).
//   - [Channel.Answer] is refused with [ErrRouted].
//
// The channel calls the router outside its own locks and applies the
// router's decisions without blocking, so the router may deliver them on
// any goroutine, within Enqueue or Hangup too.
//
// # Teardown
//
// [Channel.StopIntake] refuses new calls at once (480) and leaves live
// ones alone. [Channel.Disconnect] hangs up every live call of one
// service: every answered call with media first hears the receptionist's
// closed message (all of them at once), then a BYE goes to each answered
// call and 480 to each ringing one, at most
// Config.MaxHangupsInFlight at once across the channel and at most
// Config.HangupRate per second, and calls of other services untouched. It
// returns how many calls it ended once they have all ended; a call whose
// BYE goes unanswered for Config.HangupTimeout is released anyway. When
// its context ends first, the calls left stay live and counted, so the
// lifecycle's "disconnect end points" step, which checks Counts, fails and
// is retried.
//
// # Robustness
//
// Malformed or hostile input (garbage datagrams, oversized messages,
// missing headers, numbers with letters, broken SDP) is refused or
// dropped, never a crash, and a flood of it costs bounded memory:
//
//   - UDP datagrams that cannot be SIP (no request or status line, a
//     first line over 1 KiB), with more than Config.MaxHeaderLines header
//     lines, or beyond their source address's Config.SourceRate (when
//     set: not behind a trunk) are dropped before they are parsed
//     ([Channel.Dropped] counts them): no transaction, no goroutine,
//     nothing kept.
//   - A refused INVITE's transaction retransmits the refusal until the
//     caller's ACK for at most 2 s (not Timer H's 32 s), and at most
//     Config.MaxRejectsPending of them are kept at once; beyond that a
//     refusal is sent once and forgotten. What refusals hold is therefore
//     about MaxRejectsPending times the size of a request (a few KiB).
//   - TCP connections are bounded (Config.MaxConnections).
//
// Configured reason phrases and forwarding domains are validated by New
// (no CR, LF or other control characters, URIs that parse, sizes that
// keep every response within one UDP datagram); announcements from the
// number pool are sanitised the same way before they go on the wire.
//
// # Logging and global state
//
// The channel logs through Config.Logger (logr); sipgo's own logs are
// routed there too, demoted to V(1) and below so a peer cannot flood the
// host's error log. The channel changes no package-wide sipgo state: not
// the default logger, not the SIP timers (sip.SetTimers), which it reads
// as the host left them.
//
// # Errors and concurrency
//
// Methods return the sentinels of [modality.Channel] ([modality.ErrNotFound],
// [modality.ErrUnsupported] ...) wrapped with context, plus [ErrClosed]
// after Shutdown and [ErrAddressInUse] when two services claim one
// number. A done context makes a method return ctx.Err(), possibly
// wrapped. A Channel is safe for concurrent use; values passed in are
// copied and values returned belong to the caller.
package sipchannel
