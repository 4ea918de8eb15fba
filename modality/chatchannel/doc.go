// Package chatchannel is the chat [modality.Channel]: attendees chat with
// the contact center over WebSockets (github.com/coder/websocket), and
// the channel runs the virtual receptionist, hands conversations to the
// service's router, keeps transcripts and lets agents answer.
//
// A [Channel] is a [net/http.Handler]. Mount it where the entry points'
// addresses point (contactcenter publishes BaseURL/<serviceID>/chat):
//
//	ch, err := chatchannel.New(chatchannel.Config{Tokens: tokens})
//	mux.Handle("/chat/", http.StripPrefix("/chat", ch)) // sockets at /chat/<serviceID>/chat
//	go ch.Run(ctx)                                      // ends conversations abandoned past the grace
//	defer ch.Close()
//
// It serves sockets at "/<serviceID>/chat" relative to its mount, with an
// optional "?entry=<name>" choosing one of the service's chat entry
// points (default: the first in the Setup). Anything else is refused
// before the upgrade: another path 404, a request that is not a
// WebSocket upgrade 426, an Origin not in [Config.Origins] 403 (empty
// Origins: the page must be served from the socket's own host), after
// [Channel.Close] 503.
//
// # Attendees and tokens
//
// The event platform registers an attendee (contactcenter's attendee
// webhook and grant) and embeds a session token minted for that grant in
// the page. The hello carries it; [Config.Tokens] checks it holds
// [StartPrivilege] ("engagement.start") for the service, and the
// engagement's From is the grant's principal. modality does not import
// access, so the host adapts its *access.Authority in one line:
//
//	tokens := chatchannel.TokensFunc(func(ctx context.Context, tok, svc, p string) (string, error) {
//		g, err := auth.AuthorizeToken(ctx, tok, svc, access.Privilege(p))
//		return g.Principal, err
//	})
//
// A hello without a token is an anonymous visitor, admitted only where
// the service's [modality.Setup] lists [modality.Chat] in Anonymous (the
// template's chat modality is "anonymous"); their From is
// "anonymous:<random>". The queues of the setup's RegisteredOnly (a VIP
// queue) are for token holders: an anonymous visitor's menu, the one the
// fallback shows after an overflow included, leaves out the options that
// hand off to them, and choosing one anyway, by key or label, is not
// understood, as any unknown input. A hello without a token where the
// service admits no anonymous visitors, on an entry point that leads to
// a registered-only queue, or at a menu with nothing else, is refused as
// a refused token (another service's, expired, revoked) is:
// closed{reason:"unauthorized"} and close code 1008, logged; nothing is
// created. When the attendee's access ends (the event
// platform unregisters them), [Channel.EndAttendee] ends their
// conversations with closed{reason:"unregistered"}; the contactcenter
// lifecycle calls it ([modality.AttendeeEnder]).
//
// # Protocol
//
// JSON text frames, one object per frame, each with a "type". The shapes
// follow three products that do this at scale: Chatwoot's website
// widget (a client-generated echo id on each message, matched to the
// server's copy, and typing on/off events; here client_msg_id and ack),
// Papercups' chat widget (messages as {body, sent_at} with an author
// that is the customer or a user, and seen receipts; here message and
// read), and Amazon Connect's Participant Service (a participant token
// exchanged for a connection, SendMessage with a ClientToken for
// idempotency, GetTranscript from a start position, typing and read
// receipt events, participant-joined and chat-ended events; here the
// hello's token, client_msg_id, last_seq, typing, read, the agent-joined
// message and closed).
//
// Client frames:
//
//	{"type":"hello","token":"eventcc_...","conversation":"chat-…","last_seq":12} // first frame; token, conversation and last_seq optional
//	{"type":"message","client_msg_id":"c-42","body":"Where is hall B?"}
//	{"type":"typing"}
//	{"type":"read","up_to_seq":14}
//	{"type":"choose","key":"2"}   // a receptionist menu choice; a message is the receptionist's input too
//	{"type":"leave"}              // ends the conversation now
//
// Server frames:
//
//	{"type":"welcome","conversation":"chat-…","seq":12}   // seq: the conversation's last seq
//	{"type":"message","id":"chat-…-13","seq":13,"author":"agent:bob","body":"Hall B is upstairs.","at":"2030-06-01T09:01:00Z"}
//	{"type":"ack","client_msg_id":"c-42","id":"chat-…-14","seq":14}
//	{"type":"typing","author":"agent:bob"}
//	{"type":"read","author":"agent:bob","up_to_seq":14}
//	{"type":"queue","position":3,"expected_wait_s":90}     // position 0: being offered, or unknown
//	{"type":"menu","text":"Welcome…","options":[{"key":"1","label":"Opening hours"},{"key":"2","label":"Speak to someone"}]}
//	{"type":"closed","reason":"closed","message":"The contact center is closed."}
//	{"type":"error","code":"rate_limited","message":"too many frames; this one was dropped"}
//
// Authors are "attendee", "agent:<id>", "receptionist" and "system".
// Unknown fields are ignored, so newer clients can talk to older servers.
//
// Every message of a conversation (the attendee's, the receptionist's,
// agents', the system's) is stored in the [Transcripts] with the next
// sequence number of the conversation, from 1. The attendee's own
// messages are acknowledged (ack), not echoed. A hello with a
// conversation (and the same attendee: the same token principal, or, for
// anonymous visitors, the unguessable conversation ID itself) resumes
// it: welcome, every message above last_seq, then the menu or the queue
// position, then live; a previous socket of the conversation gets
// closed{reason:"replaced"}. A message resent with a client_msg_id the
// conversation already has is acknowledged again with the same id and
// seq and stored once.
//
// # Conversations
//
// A hello without a conversation, for an open service taking
// conversations, starts one: a [modality.Engagement] (ID = the
// conversation's) on the entry point. On an entry point without a queue
// and a service with a receptionist, the receptionist greets (a message
// and a menu); the attendee's choice (choose, or a message naming a key
// or label) gets an answer and the menu again, or hands the conversation
// to a queue. On an entry point with a queue, or without a receptionist,
// it is enqueued at once. Enqueueing goes to [modality.Setup.Router];
// without one the conversation waits on the channel. A router's refusal
// (an error wrapping [modality.ErrBusy]) is a system message "try later"
// with the *[modality.BusyError]'s retry time, then closed{reason:"busy"};
// so is an arrival over the capacity set by [Channel.SetCapacity] (its
// system message has seq 0: no conversation was started).
//
// The router's decisions reach the attendee: Connected as a message from
// "agent:<id>" saying they joined; Requeued as a queue frame; Finished
// as closed{reason: the outcome} and the socket closes, or, with
// BackToReceptionist, the receptionist's fallback and the menu again;
// Supervised as nothing.
//
// An attendee's socket closing does not end the conversation: they may
// reconnect and resume within [Config.Grace] (default 2 minutes), after
// which [Channel.Sweep] (called by [Channel.Run]) ends it as abandoned
// and hangs it up at the router. leave ends it at once.
//
// The channel is a [modality.Conversations]: agents answer with
// [Channel.Post], [Channel.Typing] and [Channel.MarkRead] on a
// conversation connected to them, read a transcript with
// [Channel.Messages], and see conversations start, attendees' messages,
// typing and reads, and ends with [Channel.Watch]. Agents at the
// contactcenter/desktop page reach these through the service's desk,
// which authorises each action with their token, on whichever replica
// they signed in.
//
// At expiry [Channel.Disconnect] sends every open conversation of the
// service closed{reason:"closed"} with the receptionist's ClosedMessage
// (else "The contact center is closed."), closes the sockets and ends
// the engagements; a hello after [Channel.StopIntake] gets
// closed{reason:"stopped"}, and after [Channel.Remove] (or for a service
// never opened) closed{reason:"closed"}, both with that message.
//
// # The widget
//
// The channel also serves the attendee's chat widget at "/widget.js"
// relative to its mount (GET and HEAD; an ETag, revalidated with
// If-None-Match; cached five minutes): one script, no build step, no
// framework. An event page embeds the chat with one tag:
//
//	<script src="https://host/chat/widget.js" data-service="svc-1" data-token="eventcc_..." defer></script>
//
// data-service names the service (required); data-token is the
// attendee's session token (without it, an anonymous visitor);
// data-entry the entry point (sent as ?entry=); data-title the panel's
// heading; data-open="true" opens the panel at load. The socket's
// address is the script's own, with "widget.js" replaced by
// "<service>/chat" (ws: or wss:), so the page's origin must be allowed
// by [Config.Origins] when the chat is on another host. The widget
// connects when first opened (or at once, to resume after a reload),
// keeps {conversation, last_seq} and the messages shown in the tab's
// sessionStorage, resends unacknowledged messages with their
// client_msg_id, and reconnects after a lost socket with a backoff
// (0.5 s doubling to 30 s, with jitter), but not after a closed frame
// or a close with 1008.
//
// Its elements, stable for integrators and tests: #eventcc-launcher (a
// button with aria-expanded), #eventcc-panel (role dialog; data-state
// idle, connecting, open, reconnecting or closed), #eventcc-log (role
// log; each message an element with data-author, data-seq, and for the
// attendee's own data-status pending, sent, delivered or read),
// #eventcc-input, #eventcc-send, #eventcc-end ("End chat": leave),
// #eventcc-menu with a button.eventcc-option[data-key] per choice,
// #eventcc-queue, #eventcc-typing, #eventcc-status and
// #eventcc-restart. window.eventccChat.open() and .close() open and
// close the panel.
//
// # Bad input and limits
//
// A frame over [Config.MaxFrame] (default 32 KiB: a body of [MaxBody] bytes,
// each escaped to six in JSON, fits) closes the socket with
// 1009. Malformed JSON, a missing or unknown type, or a field out of
// range (a message body over [MaxBody], 4 KiB) gets an error frame
// ("bad_frame", "unknown_type"); the third
// closes the socket with 1008. A first frame that is not a hello, or
// none within [Config.HelloTimeout], closes it with 1008. Frames beyond the session's rate ([Config.Rate], default
// 5 a second, burst 10) are dropped with an error frame "rate_limited";
// [Config.MaxDropped] drops in a row close the socket with 1008. A
// socket that falls 64 frames behind is closed (1008); its attendee
// resumes. Each of these is logged and changes nothing else.
//
// # Replicas
//
// A host with several replicas (one PostgreSQL, a load balancer in
// front) serves the chat on each, and an attendee may reach any of them.
// Their conversation lives in the channel of the replica that drives the
// service, with its router. Given a [modality.Forwarder]
// ([Channel.SetForwarder]; the contactcenter lifecycle with a Relay gives
// itself), a channel passes each socket of a service not open here to
// that replica over a [modality.Link], and serves the links that others
// pass it ([Channel.ServeLink]) as if the attendee had connected here:
// a conversation started on one replica resumes on any. A service no
// replica drives is closed, in the words the forwarder gives (a
// [modality.NotOpenError]); one between owners (a replica died, its lease
// not yet taken over) is a 503 the widget retries. A hello for a service
// not open says closed{reason:"closed"} with the closed message, whoever
// sends it: after the close, tokens are void, and the attendee is told
// why rather than refused.
//
// # Concurrency and lifetime
//
// A Channel is safe for concurrent use. Each socket has a goroutine of
// its own (reading; the HTTP handler returns after the upgrade) and,
// while frames wait to be written, a writer; a forwarded socket has two,
// one each way. [Channel.Close] closes every socket as going away (1001)
// without ending conversations and returns once those goroutines have
// exited. Time decisions (messages' times,
// the grace, the rate limit) use [Config.Now].
package chatchannel
