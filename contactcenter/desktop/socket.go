package desktop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/go-logr/logr"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/desk"
	"github.com/eventcc/eventcc/internal/wsock"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/modality/transcript"
)

// socket is one agent's desktop connection. The ServeHTTP goroutine
// reads and acts; frames go out through the queue's writer.
type socket struct {
	h    *Handler
	conn *websocket.Conn
	svc  string
	log  logr.Logger
	out  *wsock.Queue

	// Set once by the hello, before the socket is attached.
	token string
	agent string

	// What the socket knows the agent holds: set from the router at the
	// hello, then only by the events, in their order. A snapshot taken
	// later may be older than an event not yet here; it never overwrites
	// them, or a frame such an event owes the page (offer_gone, ended)
	// would be lost.
	mu       sync.Mutex
	convs    map[string]bool // engagements the agent is connected with
	offer    string          // the engagement offered to them, or ""
	welcomed bool            // the welcome is out; before it, events wait in early
	early    []func()        // events that came between attach and welcome

	malformed int // only the reading goroutine uses it
}

func (s *socket) send(f serverFrame) {
	b, err := json.Marshal(f)
	if err != nil {
		panic(fmt.Sprintf("desktop: server frame does not marshal: %v", err))
	}
	s.out.Send(b)
}

// close sends closed{reason, message} and closes the socket after it.
func (s *socket) close(reason, message string) {
	s.send(serverFrame{Type: "closed", Reason: reason, Message: message})
	code := websocket.StatusNormalClosure
	if reason == reasonUnauthorized {
		code = websocket.StatusPolicyViolation
	}
	s.out.Finish(code, reason)
}

// serve runs the protocol until the socket closes.
func (s *socket) serve() {
	ctx := context.Background() // the socket outlives the request
	timer := time.AfterFunc(s.h.cfg.HelloTimeout, func() {
		s.log.Info("socket closed: no hello in time")
		s.out.Finish(websocket.StatusPolicyViolation, "no hello")
	})
	typ, data, err := s.conn.Read(ctx)
	if !timer.Stop() {
		return
	}
	if err != nil {
		s.logRead(err)
		return
	}
	f, err := decodeFrame(data)
	if typ != websocket.MessageText || err != nil || f.Type != frameHello {
		s.log.Info("first frame is not a hello", "error", fmt.Sprint(err))
		s.send(serverFrame{Type: "error", Code: "hello_required", Message: "the first frame must be a hello with the agent's token"})
		s.out.Finish(websocket.StatusPolicyViolation, "hello required")
		return
	}
	if !s.hello(ctx, f.Token) {
		return
	}
	defer s.h.detach(s)
	for {
		typ, data, err := s.conn.Read(ctx)
		if err != nil {
			s.logRead(err)
			return
		}
		f, err := decodeFrame(data)
		if typ != websocket.MessageText && err == nil {
			err = fmt.Errorf("%w: binary frame", errFrame)
		}
		if err == nil && f.Type == frameHello {
			err = fmt.Errorf("%w: hello after hello", errFrame)
		}
		if err != nil {
			s.malformed++
			code := "bad_frame"
			if errors.Is(err, errUnknownType) {
				code = "unknown_type"
			}
			s.log.Info("bad frame", "error", err.Error(), "strikes", s.malformed)
			s.send(serverFrame{Type: "error", Code: code, Message: err.Error()})
			if s.malformed >= maxMalformed {
				s.out.Finish(websocket.StatusPolicyViolation, "bad frames")
				return
			}
			continue
		}
		if !s.act(ctx, f) {
			return
		}
	}
}

func (s *socket) logRead(err error) {
	switch st := websocket.CloseStatus(err); {
	case st == websocket.StatusNormalClosure || st == websocket.StatusGoingAway:
	case st == -1 && strings.Contains(err.Error(), "read limited"):
		s.log.Info("socket closed: frame too big")
	default:
		s.log.V(1).Info("socket closed", "status", int(st), "error", err.Error())
	}
}

// hello opens the agent's session at the service's desk (again, after a
// reload: what they hold is kept) and sends welcome with it.
func (s *socket) hello(ctx context.Context, token string) bool {
	d, err := s.h.cfg.Lifecycle.Desk(ctx, s.svc)
	if err != nil {
		s.log.Info("hello refused: no desk", "error", err.Error())
		s.close(reasonClosed, "This contact center is not open.")
		return false
	}
	who, err := d.Open(ctx, token, routing.Agent{})
	if err != nil {
		s.log.Info("hello refused", "error", err.Error())
		if errors.Is(err, access.ErrDenied) || errors.Is(err, access.ErrMalformedToken) || errors.Is(err, access.ErrNotFound) || errors.Is(err, access.ErrRevoked) {
			s.close(reasonUnauthorized, "This token does not sign anyone in here.")
		} else {
			s.close(reasonClosed, "The desk cannot be opened: "+err.Error())
		}
		return false
	}
	s.token, s.agent = token, who
	s.log = s.log.WithValues("agent", who)
	// Attached before what they hold is read: an event from then on is
	// not lost between the two. It waits for the welcome and then goes
	// out after it, in order; applied over the snapshot, the page ends
	// where the router is (an event the snapshot has already is sent
	// again, which the page takes as it is).
	if !s.h.attach(s) {
		s.out.Finish(websocket.StatusGoingAway, "going away")
		return false
	}
	hold, err := d.Holding(ctx, token)
	if err != nil {
		s.log.Info("hello refused: holding", "error", err.Error())
		s.close(reasonClosed, "The desk cannot be opened: "+err.Error())
		return false
	}
	var queues []string
	if svc, err := s.h.cfg.Lifecycle.Get(ctx, s.svc); err == nil {
		for _, q := range svc.Config.Queues {
			queues = append(queues, q.Name)
		}
	}
	s.log.Info("signed in")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range hold.Connected {
		s.convs[id] = true
	}
	s.offer = hold.Offered
	s.send(serverFrame{Type: "welcome", Agent: who, Service: s.svc, Queues: queues, Holding: holdingOf(hold)})
	for _, ev := range s.early {
		ev()
	}
	s.early, s.welcomed = nil, true
	return true
}

func holdingOf(h desk.Holding) *holdingFrame {
	c := h.Connected
	if c == nil {
		c = []string{}
	}
	return &holdingFrame{Presence: h.Presence, Connected: c, Offered: h.Offered}
}

// act performs one client frame's action and answers it. It reports
// false when the socket is to close.
func (s *socket) act(ctx context.Context, f clientFrame) bool {
	if f.Type == frameSignOut {
		d, err := s.h.cfg.Lifecycle.Desk(ctx, s.svc)
		if err == nil {
			err = d.Close(ctx, s.token)
		}
		if err != nil {
			s.log.Info("sign out failed", "error", err.Error())
		}
		s.log.Info("signed out")
		s.close(reasonSignedOut, "Signed out.")
		return false
	}
	d, err := s.h.cfg.Lifecycle.Desk(ctx, s.svc)
	if err != nil {
		s.log.Info("action refused: no desk", "op", f.Type, "error", err.Error())
		s.close(reasonClosed, "This contact center is not open.")
		return false
	}
	switch f.Type {
	case frameHistory, frameMessage, frameTyping, frameRead:
		err = s.chat(ctx, d, f)
	case frameStatus:
		err = d.SetStatus(ctx, s.token, f.Status)
	case frameAccept:
		err = d.Accept(ctx, s.token, f.Engagement)
	case frameDecline:
		err = d.Decline(ctx, s.token, f.Engagement)
	case frameEnd:
		err = d.End(ctx, s.token, f.Engagement)
	case frameTransfer:
		err = d.Transfer(ctx, s.token, f.Engagement, f.Queue)
	}
	if err != nil {
		return s.refused(ctx, d, f, err)
	}
	switch f.Type {
	case frameStatus, frameAccept, frameDecline, frameEnd, frameTransfer:
		// What the agent holds now, for the page's presence. Offers and
		// conversations come and go by their own frames, which may reach
		// the page before this one or after it.
		h, err := d.Holding(ctx, s.token)
		if err != nil {
			return s.refused(ctx, d, f, err)
		}
		s.send(serverFrame{Type: "holding", Ref: f.Ref, Holding: holdingOf(h)})
	}
	if f.Ref != "" {
		s.send(serverFrame{Type: "done", Ref: f.Ref, Op: f.Type})
	}
	return true
}

// chat performs a conversation action at the desk, which authorises it
// and checks the agent is connected with the conversation (or, to read
// its history, offered it).
func (s *socket) chat(ctx context.Context, d contactcenter.Desk, f clientFrame) error {
	switch f.Type {
	case frameHistory:
		ms, err := d.Transcript(ctx, s.token, f.Engagement, f.AfterSeq)
		if err != nil {
			return err
		}
		frames := make([]messageFrame, len(ms))
		for i, m := range ms {
			frames[i] = messageFrame{ID: m.ID, Seq: m.Seq, Author: m.Author, Body: m.Body, At: m.At}
		}
		isChat := ms != nil
		s.send(serverFrame{Type: "history", Ref: f.Ref, Engagement: f.Engagement, Chat: &isChat, Messages: frames})
	case frameMessage:
		m, err := d.Post(ctx, s.token, f.Engagement, f.Body)
		if err != nil {
			return err
		}
		s.send(serverFrame{Type: "ack", Ref: f.Ref, ClientMsg: f.ClientMsgID, Engagement: f.Engagement, ID: m.ID, Seq: m.Seq})
	case frameTyping:
		return d.Typing(ctx, s.token, f.Engagement)
	case frameRead:
		return d.MarkRead(ctx, s.token, f.Engagement, f.UpToSeq)
	}
	return nil
}

// refused answers an action that failed with an error frame; a session
// that is over (access ended, the service closed) closes the socket.
func (s *socket) refused(ctx context.Context, d contactcenter.Desk, f clientFrame, err error) bool {
	code := errorCode(err)
	s.log.Info("action refused", "op", f.Type, "engagement", f.Engagement, "code", code, "error", err.Error())
	switch code {
	case "no_session":
		s.close(reasonUnauthorized, "Your session at this desk has ended.")
		return false
	case "closed":
		s.close(reasonClosed, "This contact center is not open.")
		return false
	case "denied":
		// The action's privilege, or the session's? Ask once more.
		if _, herr := d.Holding(ctx, s.token); herr != nil {
			s.close(reasonUnauthorized, "Your access to this desk has ended.")
			return false
		}
	}
	s.send(serverFrame{Type: "error", Ref: f.Ref, Op: f.Type, Engagement: f.Engagement, Code: code, Message: err.Error()})
	return true
}

// errorCodes name the errors an agent's action can meet, for the page.
var errorCodes = []struct {
	code string
	err  error
}{
	{"no_session", desk.ErrNoSession},
	{"denied", access.ErrDenied},
	{"closed", contactcenter.ErrInvalidState},
	{"closed", contactcenter.ErrNotFound},
	{"retiring", desk.ErrRetiring},
	{"not_offered", routing.ErrNotOffered},
	{"not_connected", routing.ErrNotConnected},
	{"not_connected", modality.ErrNotConnected},
	{"unknown_engagement", routing.ErrUnknownEngagement},
	{"unknown_queue", routing.ErrUnknownQueue},
	{"ineligible", routing.ErrIneligible},
	{"unavailable", routing.ErrUnavailable},
	{"not_found", modality.ErrNotFound},
	{"bad_message", transcript.ErrInvalid},
}

func errorCode(err error) string {
	for _, c := range errorCodes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return "failed"
}

// onEngagement turns a router decision into what the agent's page
// shows: offers, offers taken back, engagements ended or moved away.
// It sends with s.mu held, so a socket's frames keep the decisions'
// order (the queue has its own lock).
func (s *socket) onEngagement(ev routing.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.welcomed {
		s.early = append(s.early, func() { s.engagementLocked(ev) })
		return
	}
	s.engagementLocked(ev)
}

func (s *socket) engagementLocked(ev routing.Event) {
	mine := ev.Agent == s.agent
	switch ev.Kind {
	case routing.EventOffered:
		if mine {
			s.offer = ev.Engagement
			w := int64(ev.Wait / time.Second)
			s.send(serverFrame{Type: "offer", Engagement: ev.Engagement, Queue: ev.Queue, WaitS: &w})
		}
	case routing.EventMissed, routing.EventWithdrawn:
		// Sent even for an offer the socket no longer knows of (an
		// offer made and taken back before the welcome): the page
		// removes what it shows, or nothing.
		if mine {
			if s.offer == ev.Engagement {
				s.offer = ""
			}
			s.send(serverFrame{Type: "offer_gone", Engagement: ev.Engagement, Reason: ev.Kind.String()})
		}
	case routing.EventAccepted:
		if mine {
			s.convs[ev.Engagement] = true
			if s.offer == ev.Engagement {
				s.offer = ""
			}
			s.send(serverFrame{Type: "assigned", Engagement: ev.Engagement, Queue: ev.Queue})
		}
	case routing.EventQueued, routing.EventEnded:
		if s.convs[ev.Engagement] {
			delete(s.convs, ev.Engagement)
			reason := "transferred"
			if ev.Kind == routing.EventEnded {
				reason = string(ev.Outcome)
			}
			s.send(serverFrame{Type: "ended", Engagement: ev.Engagement, Reason: reason})
		}
		if s.offer == ev.Engagement && ev.Kind == routing.EventEnded {
			s.offer = ""
			s.send(serverFrame{Type: "offer_gone", Engagement: ev.Engagement, Reason: "withdrawn"})
		}
	case routing.EventAgentBreak:
		if mine {
			s.send(serverFrame{Type: "presence", Holding: &holdingFrame{Presence: routing.PresenceBreak, Connected: s.connectedLocked(), Offered: s.offer}})
		}
	}
}

func (s *socket) connectedLocked() []string {
	c := make([]string, 0, len(s.convs))
	for id := range s.convs {
		c = append(c, id)
	}
	return c
}

// onConversation passes the events of the agent's conversations, in
// their order with the router's.
func (s *socket) onConversation(ev *contactcenter.ConversationEvent) {
	if ev.Agent != s.agent {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.welcomed {
		e := *ev
		s.early = append(s.early, func() { s.conversationLocked(&e) })
		return
	}
	s.conversationLocked(ev)
}

func (s *socket) conversationLocked(ev *contactcenter.ConversationEvent) {
	switch ev.Kind {
	case modality.ConversationMessage:
		m := ev.Message
		at := m.At
		s.send(serverFrame{Type: "message", Engagement: ev.Conversation, ID: m.ID, Seq: m.Seq, Author: m.Author, Body: m.Body, At: &at})
	case modality.ConversationTyping:
		s.send(serverFrame{Type: "typing", Engagement: ev.Conversation})
	case modality.ConversationRead:
		s.send(serverFrame{Type: "read", Engagement: ev.Conversation, UpToSeq: ev.UpToSeq})
	case modality.ConversationEnded:
		if s.convs[ev.Conversation] {
			delete(s.convs, ev.Conversation) // ended once, by whichever says so first
			s.send(serverFrame{Type: "ended", Engagement: ev.Conversation, Reason: ev.Reason})
		}
	}
}
