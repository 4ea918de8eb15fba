// Package desktop serves the agent desktop: a page, and the WebSocket
// through which agents work a service's desk. Agents sign in with the
// bearer token of their grant, say they are available, get offers,
// accept or decline them, chat with several attendees at once up to
// their chat capacity, transfer, and end each conversation into wrap-up.
// Every action goes through the service's desk ([contactcenter.Desk]),
// which authorises it with the agent's token and hands it to the router,
// or, for a message, to the channel holding the conversation; on a
// replica that does not drive the service, the desk relays it there, and
// the lifecycle's events ([contactcenter.EngagementEvent],
// [contactcenter.ConversationEvent]) come back to the replica the agent
// signed in on. An attendee and an agent on different replicas talk.
//
// A host mounts one Handler, next to the chat channel the lifecycle
// serves:
//
//	desk, err := desktop.New(desktop.Config{Lifecycle: lc})
//	mux.Handle("/desk/", http.StripPrefix("/desk", desk)) // the page at /desk/
//	defer desk.Close()
//
// The page at "/" asks for the service and the token, or reads them from
// the URL's fragment (never sent to the server):
// /desk/#service=<serviceID>&token=<token>. The event platform links its
// agents there; [contactcenter.Lifecycle.Desk]'s doc says how tokens are
// minted.
//
// # Protocol
//
// JSON text frames at "/<serviceID>/socket", one object per frame, each
// with a "type". Any client frame may carry a "ref", echoed by the answer
// (done, holding, history, ack or error).
//
// Client frames:
//
//	{"type":"hello","token":"eventcc_…"}                  // first frame
//	{"type":"status","status":"available"}                 // or "break", "offline"
//	{"type":"accept","engagement":"chat-…"}
//	{"type":"decline","engagement":"chat-…"}
//	{"type":"history","engagement":"chat-…","after_seq":0} // connected or offered
//	{"type":"message","engagement":"chat-…","body":"Hall B is upstairs.","client_msg_id":"a-1"}
//	{"type":"typing","engagement":"chat-…"}
//	{"type":"read","engagement":"chat-…","up_to_seq":7}
//	{"type":"transfer","engagement":"chat-…","queue":"registration"}
//	{"type":"end","engagement":"chat-…"}                   // ends it; wrap-up follows
//	{"type":"sign_out"}
//
// Server frames:
//
//	{"type":"welcome","agent":"ana","service":"svc-…","queues":["general"],"holding":{"presence":"offline","connected":[]}}
//	{"type":"holding","holding":{"presence":"busy","connected":["chat-…"],"offered":""}} // after each desk action: the router's word then; the frames of what the action changed may come before it or after
//	{"type":"presence","holding":{…}}                     // the router set the agent to a break
//	{"type":"offer","engagement":"chat-…","queue":"general","wait_s":12}
//	{"type":"offer_gone","engagement":"chat-…","reason":"missed"} // or "withdrawn"
//	{"type":"assigned","engagement":"chat-…","queue":"general"}
//	{"type":"history","engagement":"chat-…","chat":true,"messages":[{"id":"…","seq":1,"author":"attendee","body":"…","at":"…"}]}
//	{"type":"message","engagement":"chat-…","id":"…","seq":8,"author":"attendee","body":"…","at":"…"}
//	{"type":"ack","client_msg_id":"a-1","engagement":"chat-…","id":"…","seq":9}
//	{"type":"typing","engagement":"chat-…"}               // the attendee is typing
//	{"type":"read","engagement":"chat-…","up_to_seq":9}   // the attendee read up to 9
//	{"type":"ended","engagement":"chat-…","reason":"answered"} // or "transferred", "abandoned", "left", "closed"…
//	{"type":"done","ref":"r-3","op":"accept"}
//	{"type":"error","ref":"r-3","op":"accept","code":"not_offered","message":"…"}
//	{"type":"closed","reason":"closed","message":"The contact center is closed."}
//
// Messages are every message of the agent's conversations, theirs
// included, with the conversation's sequence numbers: a page keeps one
// copy per seq. Error codes: denied (the agent's grant does not allow it,
// such as a queue they may not serve), not_offered, not_connected,
// unknown_engagement, unknown_queue, ineligible, unavailable, retiring
// (released by the scaler: finish what you hold), not_found, bad_message,
// failed; bad_frame, unknown_type and hello_required for bad input.
//
// A closed frame ends the socket: "unauthorized" (the token was refused,
// or the agent's access ended: the term expired, or they were released
// or revoked), "closed" (the service is not open, or has ended),
// "signed_out".
//
// # Sessions outlive sockets
//
// Closing or reloading the page is not signing out: the session stays at
// the desk, with what the agent holds, and a hello with the same token
// gets it back (welcome's holding; the page asks each conversation's
// history). Offers to an agent whose page is gone time out, and after the
// template's missed offers the router sets them on a break. sign_out
// ends the session: the agent leaves the router and what they held is
// requeued.
//
// # Bad input and limits
//
// A frame over Config.MaxFrame (32 KiB) closes the socket with 1009; malformed
// JSON, a missing or unknown type or a missing field gets an error frame,
// and the third closes the socket with 1008; so does a first frame that
// is not a hello, or none within Config.HelloTimeout. A socket 256 frames
// behind is closed (1008) and the page reconnects.
package desktop
