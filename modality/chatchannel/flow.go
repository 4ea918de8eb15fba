package chatchannel

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coder/websocket"

	"github.com/eventcc/eventcc/modality"
)

// storeTimeout bounds a transcript append made outside an attendee's
// frame (a router's decision, an agent's post after its ctx).
const storeTimeout = 10 * time.Second

// start opens a new conversation for s; false if it was refused.
func (c *Channel) start(ctx context.Context, s *session, from, entry string) bool {
	now := c.cfg.Now()
	c.mu.Lock()
	svc := c.services[s.svcID]
	var ep *modality.EntryPoint
	if svc != nil && svc.open {
		for i := range svc.eps {
			if entry == "" || svc.eps[i].Name == entry {
				ep = &svc.eps[i]
				break
			}
		}
	}
	queue := ""
	if ep != nil {
		queue = ep.Queue
		if queue == "" && svc.reception == nil && len(svc.queues) > 0 {
			queue = svc.queues[0]
		}
	}
	refuse, why := "", ""
	switch anon := isAnonymous(from); {
	case ep == nil:
		refuse = ReasonClosed
	case anon && !svc.anonymous:
		refuse, why = ReasonUnauthorized, "no token, and the service admits no anonymous visitors"
	case anon && svc.registered[queue]:
		refuse, why = ReasonUnauthorized, "no token, at an entry point of a queue for registered attendees only"
	case anon && queue == "" && svc.public != nil && len(svc.public.Options) == 0:
		refuse, why = ReasonUnauthorized, "no token, and every option of the menu is for registered attendees only"
	case !svc.intake:
		refuse = ReasonStopped
	case svc.capacity >= 0 && len(svc.live) >= svc.capacity:
		refuse = ReasonBusy
	}
	if refuse != "" {
		msg := svc.closedMessage()
		c.mu.Unlock()
		code := websocket.StatusNormalClosure
		switch refuse {
		case ReasonBusy:
			s.send(messageFrame{Type: frameMessage, Author: AuthorSystem, Body: busyText(0), At: now})
			msg = ""
		case ReasonUnauthorized: // as a refused token
			msg, code = "", websocket.StatusPolicyViolation
		}
		kv := []any{"service", s.svcID, "entry", entry, "reason", refuse}
		if why != "" {
			kv = append(kv, "why", why)
		}
		c.log.Info("hello refused", kv...)
		s.send(closedFrame{Type: "closed", Reason: refuse, Message: msg})
		s.finish(code, refuse)
		return false
	}
	conv := &conversation{id: newID("chat-"), svc: svc, from: from, sess: s}
	conv.e = modality.Engagement{
		ID: conv.id, ServiceID: svc.id, Kind: modality.Chat, EntryPoint: ep.Name,
		From: from, State: modality.Waiting, Arrived: now,
	}
	conv.queue = queue
	conv.reception = conv.queue == ""
	if !conv.reception {
		conv.router = svc.router
	}
	reception, router := svc.menu(conv), conv.router
	c.convs[conv.id] = conv
	if svc.live == nil {
		svc.live = make(map[string]*conversation)
	}
	svc.live[conv.id] = conv
	svc.counts.Arrivals++
	svc.counts.Waiting++
	s.conv = conv
	c.mu.Unlock()

	c.emit(conv, welcomeFrame{Type: "welcome", Conversation: conv.id})
	c.notifyWatchers(ConversationEvent{Kind: EventStarted, ServiceID: svc.id, Conversation: conv.id, From: from})
	switch {
	case conv.reception:
		c.receptionist(ctx, conv, reception.Start(true), reception)
	case router != nil:
		c.enqueue(conv, router, queue, true)
	default:
		c.emit(conv, queueFrame{Type: "queue"})
	}
	return true
}

// busyText is the "try later" system message.
func busyText(retry time.Duration) string {
	if retry <= 0 {
		return "All our agents are busy. Please try again later."
	}
	mins := int((retry + time.Minute - 1) / time.Minute)
	if mins <= 1 {
		return "All our agents are busy. Please try again in a minute."
	}
	return fmt.Sprintf("All our agents are busy. Please try again in %d minutes.", mins)
}

// enqueue hands conv to router. A refusal says "try later" and closes
// the conversation (busy): at arrival it is not counted, after the
// receptionist it ends abandoned.
func (c *Channel) enqueue(conv *conversation, router modality.Router, queue string, arrival bool) {
	c.mu.Lock()
	snap := conv.e
	c.mu.Unlock()
	place, err := router.Enqueue(snap, queue, func(d modality.Decision) { c.decided(conv, d) })
	if err != nil {
		var be *modality.BusyError
		retry := time.Duration(0)
		if errors.As(err, &be) {
			retry = be.RetryAfter
		}
		c.log.Info("conversation refused by the router", "service", conv.svc.id, "conversation", conv.id, "queue", queue, "error", err.Error())
		c.mu.Lock()
		live := !conv.ended
		if live && arrival {
			conv.ended = true
			delete(c.convs, conv.id)
			delete(conv.svc.live, conv.id)
			conv.svc.counts.Arrivals--
			conv.svc.counts.Waiting--
		} else if live {
			c.endLocked(conv, c.cfg.Now())
		}
		c.mu.Unlock()
		if !live {
			return
		}
		reason := ReasonBusy
		if !errors.Is(err, modality.ErrBusy) {
			reason = ReasonError
		}
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		_, _, _ = c.say(ctx, conv, Message{Author: AuthorSystem, Body: busyText(retry)}, false)
		c.closeConv(conv, reason, "")
		c.notifyWatchers(ConversationEvent{Kind: EventEnded, ServiceID: conv.svc.id, Conversation: conv.id, Reason: reason})
		return
	}
	c.mu.Lock()
	conv.place = place
	waiting := !conv.ended && conv.e.State == modality.Waiting
	c.mu.Unlock()
	if waiting {
		c.emit(conv, queueFrame{Type: "queue", Position: place.Position, ExpectedWaitS: int64(place.ExpectedWait / time.Second)})
	}
}

// decided applies a router's decision about conv. It returns without
// waiting on the transcript: the router delivers a service's decisions
// one at a time, and one that waited on a durable store's write would
// hold up every other conversation's. What it says is said in turn.
func (c *Channel) decided(conv *conversation, d modality.Decision) {
	at := d.At
	if at.IsZero() {
		at = c.cfg.Now()
	}
	c.mu.Lock()
	if conv.ended {
		c.mu.Unlock()
		return
	}
	n := &conv.svc.counts
	switch d.Kind {
	case modality.Connected:
		if conv.e.State == modality.Waiting {
			conv.e.State, conv.e.Answered = modality.Active, at
			n.Waiting--
			n.Active++
		}
		conv.agent = d.Agent
		c.mu.Unlock()
		conv.turn.Go(&c.wg, func() {
			ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
			defer cancel()
			_, _, _ = c.say(ctx, conv, Message{Author: "agent:" + d.Agent, Body: "Agent " + d.Agent + " joined the conversation."}, false)
		})
	case modality.Requeued:
		if conv.e.State == modality.Active {
			conv.e.State, conv.e.Answered = modality.Waiting, time.Time{}
			n.Active--
			n.Waiting++
		}
		conv.agent = ""
		c.mu.Unlock()
		c.emit(conv, queueFrame{Type: "queue"})
	case modality.Finished:
		if r := conv.svc.menu(conv); d.BackToReceptionist && r != nil && conv.e.State == modality.Waiting {
			conv.queue, conv.router, conv.reception = "", nil, true
			c.mu.Unlock()
			conv.turn.Go(&c.wg, func() {
				ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
				defer cancel()
				c.receptionist(ctx, conv, r.Back(), r)
			})
			return
		}
		if at.Before(conv.e.Answered) {
			at = conv.e.Answered
		}
		c.endLocked(conv, at)
		c.mu.Unlock()
		reason := d.Outcome
		if reason == "" {
			reason = "finished"
		}
		c.closeConv(conv, reason, "")
		c.notifyWatchers(ConversationEvent{Kind: EventEnded, ServiceID: conv.svc.id, Conversation: conv.id, Reason: reason})
	default: // Supervised: nothing to the attendee
		c.mu.Unlock()
	}
}

// receptionist says reply and, unless the flow ended, shows the menu.
func (c *Channel) receptionist(ctx context.Context, conv *conversation, reply modality.Reply, r *modality.Receptionist) {
	_, _, _ = c.say(ctx, conv, Message{Author: AuthorReceptionist, Body: reply.Text}, false)
	if !reply.End {
		c.emit(conv, menu(reply.Text, r))
	}
}

func menu(text string, r *modality.Receptionist) menuFrame {
	m := menuFrame{Type: "menu", Text: text, Options: make([]menuOption, 0, len(r.Options))}
	for _, o := range r.Options {
		m.Options = append(m.Options, menuOption{Key: o.Key, Label: o.Label})
	}
	return m
}

// respond runs one receptionist turn with input.
func (c *Channel) respond(ctx context.Context, conv *conversation, input string) {
	c.mu.Lock()
	r := conv.svc.menu(conv)
	if conv.ended || !conv.reception || r == nil {
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	reply := r.Respond(input)
	c.receptionist(ctx, conv, reply, r)
	if reply.Queue == "" {
		return
	}
	c.mu.Lock()
	if conv.ended || !conv.reception {
		c.mu.Unlock()
		return
	}
	conv.queue, conv.reception = reply.Queue, false
	conv.router = conv.svc.router
	router := conv.router
	c.mu.Unlock()
	if router != nil {
		c.enqueue(conv, router, reply.Queue, false)
	} else {
		c.emit(conv, queueFrame{Type: "queue"})
	}
}

// handle acts on one client frame after the hello; false: the socket is
// done.
func (c *Channel) handle(ctx context.Context, s *session, f clientFrame) bool {
	conv := s.conv
	c.mu.Lock()
	ended, reception := conv.ended, conv.reception
	c.mu.Unlock()
	if ended {
		s.send(closedFrame{Type: "closed", Reason: ReasonNotFound})
		s.finish(websocket.StatusNormalClosure, ReasonNotFound)
		return false
	}
	switch f.Type {
	case frameMessage:
		m, dup, err := c.say(ctx, conv, Message{Author: AuthorAttendee, Body: f.Body, ClientMsgID: f.ClientMsgID}, true)
		if err != nil {
			c.log.Error(err, "storing an attendee message", "service", conv.svc.id, "conversation", conv.id)
			s.send(errorFrame{Type: "error", Code: "store_failed", Message: "the message was not stored; send it again"})
			return true
		}
		if reception && !dup {
			c.respond(ctx, conv, m.Body)
		}
	case frameChoose:
		if !reception {
			s.send(errorFrame{Type: "error", Code: "no_menu", Message: "there is no menu to choose from"})
			return true
		}
		c.respond(ctx, conv, f.Key)
	case frameTyping:
		c.notifyWatchers(ConversationEvent{Kind: EventTyping, ServiceID: conv.svc.id, Conversation: conv.id})
	case frameRead:
		c.notifyWatchers(ConversationEvent{Kind: EventRead, ServiceID: conv.svc.id, Conversation: conv.id, UpToSeq: f.UpToSeq})
	case frameLeave:
		c.mu.Lock()
		live := c.endLocked(conv, c.cfg.Now())
		router := conv.router
		c.mu.Unlock()
		if live {
			if router != nil {
				if err := router.Hangup(conv.id); err != nil {
					c.log.Error(err, "hanging up", "service", conv.svc.id, "conversation", conv.id)
				}
			}
			c.closeConv(conv, ReasonLeft, "")
			c.notifyWatchers(ConversationEvent{Kind: EventEnded, ServiceID: conv.svc.id, Conversation: conv.id, Reason: ReasonLeft})
		}
		return false
	}
	return true
}

// say appends m to conv's transcript and pushes it to the attendee's
// socket; an attendee's own message (fromAttendee) is acknowledged
// instead of echoed. dup reports a resend the transcript already had:
// it is acknowledged again and nothing else happens.
func (c *Channel) say(ctx context.Context, conv *conversation, m Message, fromAttendee bool) (_ Message, dup bool, _ error) {
	m.ServiceID, m.Conversation, m.At = conv.svc.id, conv.id, c.cfg.Now()
	conv.mu.Lock()
	stored, err := c.cfg.Transcripts.Append(ctx, m)
	if err != nil {
		conv.mu.Unlock()
		return Message{}, false, err
	}
	dup = stored.Seq <= conv.lastSeq
	if !dup {
		if conv.lastSeq == 0 {
			c.mu.Lock()
			conv.svc.transcribed++
			c.mu.Unlock()
		}
		conv.lastSeq = stored.Seq
	}
	if s := conv.sess; s != nil {
		switch {
		case fromAttendee:
			s.send(ackFrame{Type: "ack", ClientMsgID: stored.ClientMsgID, ID: stored.ID, Seq: stored.Seq})
		case !dup:
			s.send(msgFrame(stored))
		}
	}
	conv.mu.Unlock()
	if !dup {
		c.notifyWatchers(ConversationEvent{Kind: EventMessage, ServiceID: conv.svc.id, Conversation: conv.id, Message: stored})
	}
	return stored, dup, nil
}

// emit pushes a frame to conv's socket, if attached, in order with what
// say pushes.
func (c *Channel) emit(conv *conversation, frame any) {
	conv.mu.Lock()
	defer conv.mu.Unlock()
	if conv.sess != nil {
		conv.sess.send(frame)
	}
}

// closeConv sends closed{reason, message} to conv's socket, if attached,
// and closes it. conv has ended.
func (c *Channel) closeConv(conv *conversation, reason, message string) {
	conv.mu.Lock()
	s := conv.sess
	conv.sess = nil
	conv.mu.Unlock()
	if s != nil {
		s.send(closedFrame{Type: "closed", Reason: reason, Message: message})
		s.finish(websocket.StatusNormalClosure, reason)
	}
}

// detach notes that s, conv's socket, closed: the grace starts.
func (c *Channel) detach(conv *conversation, s *session) {
	conv.mu.Lock()
	defer conv.mu.Unlock()
	if conv.sess != s {
		return
	}
	conv.sess = nil
	c.mu.Lock()
	if !conv.ended {
		conv.detached = c.cfg.Now()
	}
	c.mu.Unlock()
}

// resume attaches s to the live conversation convID: welcome, the
// transcript above lastSeq, then the menu or the queue position, then
// live. A conversation not live, of another service, or of another
// attendee gets closed{not_found}.
func (c *Channel) resume(ctx context.Context, s *session, from, convID string, lastSeq int64) bool {
	conv, ok := c.convs2(convID)
	notFound := func() bool {
		c.log.Info("resume refused", "service", s.svcID, "conversation", convID)
		s.send(closedFrame{Type: "closed", Reason: ReasonNotFound})
		s.finish(websocket.StatusNormalClosure, ReasonNotFound)
		return false
	}
	if !ok || conv.svc.id != s.svcID || !sameAttendee(conv.from, from) {
		return notFound()
	}
	conv.mu.Lock()
	msgs, err := c.cfg.Transcripts.Since(ctx, convID, lastSeq)
	if err != nil {
		conv.mu.Unlock()
		c.log.Error(err, "reading a transcript to resume", "conversation", convID)
		s.send(closedFrame{Type: "closed", Reason: ReasonError})
		s.finish(websocket.StatusInternalError, ReasonError)
		return false
	}
	c.mu.Lock()
	if conv.ended {
		c.mu.Unlock()
		conv.mu.Unlock()
		return notFound()
	}
	conv.detached = time.Time{}
	reception, r, waiting, place := conv.reception, conv.svc.menu(conv), conv.e.State == modality.Waiting, conv.place
	c.mu.Unlock()
	old := conv.sess
	conv.sess, s.conv = s, conv
	s.send(welcomeFrame{Type: "welcome", Conversation: conv.id, Seq: conv.lastSeq})
	for _, m := range msgs {
		s.send(msgFrame(m))
	}
	switch {
	case reception && r != nil:
		s.send(menu("", r))
	case waiting:
		s.send(queueFrame{Type: "queue", Position: place.Position, ExpectedWaitS: int64(place.ExpectedWait / time.Second)})
	}
	conv.mu.Unlock()
	if old != nil {
		old.send(closedFrame{Type: "closed", Reason: ReasonReplaced})
		old.finish(websocket.StatusNormalClosure, ReasonReplaced)
	}
	return true
}

func (c *Channel) convs2(id string) (*conversation, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	conv, ok := c.convs[id]
	return conv, ok && !conv.ended
}

// sameAttendee: a registered attendee resumes only their own
// conversation; an anonymous one holds the conversation's ID as its
// proof.
func sameAttendee(conv, hello string) bool {
	if conv == hello {
		return true
	}
	return isAnonymous(conv) && isAnonymous(hello)
}

func isAnonymous(from string) bool { return len(from) > 10 && from[:10] == "anonymous:" }
