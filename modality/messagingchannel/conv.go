package messagingchannel

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/eventcc/eventcc/internal/turn"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/outbox"
	"github.com/eventcc/eventcc/modality/transcript"
	"github.com/eventcc/eventcc/numbermap"
)

// Texts the channel writes to attendees itself.
const (
	defaultClosed = "The contact center is closed."
	connectedText = "You are now chatting with %s."
	busyText      = "Everyone is busy right now. Please write again in a few minutes."
	queuedText    = "Thanks: someone will answer you here shortly."
	seenFor       = 24 * time.Hour // how long a provider's message ID is remembered
	sendTimeout   = 30 * time.Second
)

// conv is one conversation: one sender, one service address, one
// engagement.
type conv struct {
	id  string // the engagement's; "" for a reply outside a conversation
	key string
	svc *service
	p   messaging.Provider
	to  string // the attendee
	as  string // the service's address they wrote to

	// Guarded by the channel's mu.
	e         modality.Engagement
	queue     string
	reception bool
	router    modality.Router
	agent     string
	ended     bool
	last      time.Time // the last message, either way
	out       []*outbound
	sending   bool
	// turn orders what the channel says of the router's decisions and
	// what agents post (see sayLater).
	turn turn.Queue
}

// outbound is one reply on its way.
type outbound struct {
	conv  *conv
	msg   transcript.Message
	ref   string
	first time.Time // the first attempt
	next  time.Time // the next attempt
	wait  time.Duration
	sent  time.Time
}

func newID(prefix string) string { return prefix + rand.Text() }

// errNotHere: a message for a service this channel does not serve now.
var errNotHere = errors.New("not served")

// Texts of the post-term policies.
const movedText = "This number is no longer in service for this event. Please write to %s instead."

// inbound takes one message an attendee sent through p. An error (the
// number pool failed, the replica driving the service did not take it)
// leaves it untaken, for the provider to deliver again.
func (c *Channel) inbound(ctx context.Context, p messaging.Provider, m messaging.Inbound) error {
	now := c.cfg.Now()
	log := c.log.WithValues("provider", p.Name(), "message", m.ID)
	serviceID := "" // the service the number pool says has the number
	if p.Kind() == modality.SMS && c.cfg.Numbers != nil {
		rt, reply, err := c.route(ctx, m.To, now)
		if err != nil {
			return err
		}
		if rt == "" {
			if c.seenOnce(p, m, now) && reply != "" {
				log.Info("message to a retired number: answered per its post-term policy", "to", m.To)
				c.say(ctx, &conv{svc: &service{}, p: p, to: m.From, as: m.To, ended: true}, transcript.AuthorSystem, reply)
			}
			return nil
		}
		serviceID = rt
	}
	c.mu.Lock()
	svc, fwd := c.byAddr[addrKey(p.Kind(), m.To)], c.fwd
	here := svc != nil && svc.open && (serviceID == "" || svc.id == serviceID)
	c.mu.Unlock()
	if !here && fwd != nil {
		// Another replica may drive the service: it takes the message
		// there, or says the service is not open.
		err := c.forward(ctx, fwd, p, m, serviceID)
		var closed *modality.NotOpenError
		switch {
		case err == nil:
			log.V(1).Info("message forwarded to the replica driving its service")
			return nil
		case errors.As(err, &closed):
			if svc == nil || svc.id != closed.ServiceID {
				// Not a service this replica knew: answer as the
				// service would, once.
				if c.seenOnce(p, m, now) {
					log.Info("message to a closed service: answered with its closed message", "service", closed.ServiceID)
					c.say(ctx, &conv{svc: &service{id: closed.ServiceID}, p: p, to: m.From, as: m.To, ended: true},
						transcript.AuthorSystem, cmp.Or(closed.Message, defaultClosed))
				}
				return nil
			}
		case !errors.Is(err, modality.ErrNotFound):
			return err
		}
	}
	return c.take(ctx, p, m, serviceID, now)
}

// forward hands m to the replica driving its service through fwd.
func (c *Channel) forward(ctx context.Context, fwd modality.MessageForwarder, p messaging.Provider, m messaging.Inbound, serviceID string) error {
	b, err := json.Marshal(forwarded{Provider: p.Name(), ID: m.ID, From: m.From, To: m.To, Body: m.Body, At: m.At})
	if err != nil {
		return err
	}
	return fwd.ForwardMessage(ctx, p.Kind(), serviceID, m.To, b)
}

// forwarded is a message on its way to the replica driving its service.
type forwarded struct {
	Provider string    `json:"p"`
	ID       string    `json:"id"`
	From     string    `json:"f"`
	To       string    `json:"t"`
	Body     string    `json:"b"`
	At       time.Time `json:"at,omitzero"`
}

// SetMessageForwarder implements modality.MessageServer: messages to
// services this channel does not serve go to the replica driving them
// through f.
func (c *Channel) SetMessageForwarder(f modality.MessageForwarder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fwd = f
}

// ServeMessage implements modality.MessageServer: it takes a message
// another replica's channel forwarded, for serviceID, as if its
// provider had posted it here. A service not open here is an error.
func (c *Channel) ServeMessage(ctx context.Context, serviceID string, msg []byte) error {
	var f forwarded
	if err := json.Unmarshal(msg, &f); err != nil {
		return fmt.Errorf("messagingchannel: a forwarded message: %w", err)
	}
	p := c.providers[f.Provider]
	if p == nil {
		return fmt.Errorf("messagingchannel: a forwarded message of provider %q, which this channel does not have", f.Provider)
	}
	c.mu.Lock()
	svc := c.byAddr[addrKey(p.Kind(), f.To)]
	c.mu.Unlock()
	if svc == nil || svc.id != serviceID {
		return fmt.Errorf("messagingchannel: a forwarded message to %s of %s: %w", f.To, serviceID, errNotHere)
	}
	return c.take(ctx, p, messaging.Inbound{ID: f.ID, From: f.From, To: f.To, Body: f.Body, At: f.At}, serviceID, c.cfg.Now())
}

// take takes m as the channel of the service with its address; with
// serviceID set (the number pool's, or the forwarding replica's), only
// for that service.
func (c *Channel) take(ctx context.Context, p messaging.Provider, m messaging.Inbound, serviceID string, now time.Time) error {
	log := c.log.WithValues("provider", p.Name(), "message", m.ID)
	c.mu.Lock()
	seenKey := p.Name() + "\x00" + m.ID
	if _, dup := c.seen[seenKey]; dup {
		c.mu.Unlock()
		log.V(1).Info("message taken before: ignored (the provider retried)")
		return nil
	}
	svc := c.byAddr[addrKey(p.Kind(), m.To)]
	if svc == nil || serviceID != "" && svc.id != serviceID {
		c.mu.Unlock()
		if serviceID != "" {
			// The pool says a service leases the number, and it is not
			// open here: another replica drives it, or its term has not
			// opened yet. Not taken: the provider delivers it again.
			return fmt.Errorf("messagingchannel: %s is %w here", m.To, errNotHere)
		}
		log.Info("message to an address of no service: ignored", "to", m.To)
		return nil
	}
	c.seen[seenKey] = now
	key := svc.id + "\x00" + p.Name() + "\x00" + m.From
	cv, fresh := c.convs[key], false
	if cv == nil {
		if !svc.open || !svc.intake {
			closed := svc.closedMsg
			if closed == "" {
				closed = defaultClosed
			}
			orphan := &conv{svc: svc, p: p, to: m.From, as: m.To, ended: true}
			c.mu.Unlock()
			log.Info("message to a closed service: answered with its closed message", "service", svc.id)
			c.say(ctx, orphan, transcript.AuthorSystem, closed)
			return nil
		}
		var ep *modality.EntryPoint
		for i := range svc.setup.EntryPoints {
			if e := &svc.setup.EntryPoints[i]; e.Kind == p.Kind() && e.Address == m.To {
				ep = e
			}
		}
		cv = &conv{id: newID("msg-"), key: key, svc: svc, p: p, to: m.From, as: m.To, router: svc.setup.Router,
			e: modality.Engagement{ServiceID: svc.id, Kind: p.Kind(), EntryPoint: ep.Name, From: m.From, State: modality.Waiting, Arrived: now}}
		cv.e.ID = cv.id
		cv.queue = ep.Queue
		if cv.queue == "" && svc.setup.Receptionist == nil && len(svc.setup.Queues) > 0 {
			cv.queue = svc.setup.Queues[0]
		}
		cv.reception = cv.queue == ""
		c.convs[key], c.byID[cv.id] = cv, cv
		n := svc.counts[p.Kind()]
		n.Arrivals++
		n.Waiting++
		fresh = true
	}
	cv.last = now
	reception, r := cv.reception, svc.setup.Receptionist
	c.mu.Unlock()

	if fresh {
		c.notify(modality.ConversationEvent{Kind: modality.ConversationStarted, ServiceID: svc.id, Conversation: cv.id, From: m.From})
	}
	stored, err := c.cfg.Transcripts.Append(ctx, transcript.Message{ServiceID: svc.id, Conversation: cv.id,
		Author: transcript.AuthorAttendee, Body: m.Body, At: now, ClientMsgID: p.Name() + ":" + m.ID})
	if err != nil {
		log.Error(err, "message not stored")
	} else {
		c.notify(modality.ConversationEvent{Kind: modality.ConversationMessage, ServiceID: svc.id, Conversation: cv.id, Message: stored})
	}
	switch {
	case fresh && !reception:
		c.say(ctx, cv, transcript.AuthorSystem, queuedText)
		c.enqueue(ctx, cv)
	case fresh && r != nil:
		c.say(ctx, cv, transcript.AuthorReceptionist, r.Start(true).Text)
	case reception && r != nil:
		reply := r.Respond(m.Body)
		c.say(ctx, cv, transcript.AuthorReceptionist, reply.Text)
		if reply.Queue != "" {
			c.mu.Lock()
			cv.queue, cv.reception = reply.Queue, false
			c.mu.Unlock()
			c.enqueue(ctx, cv)
		}
	}
	return nil
}

// route asks the number pool how an SMS to number routes at now: to the
// service leasing it (its ID), or per the post-term policy, with its
// reply ("" for none: vacant, or no such number).
func (c *Channel) route(ctx context.Context, number string, now time.Time) (serviceID, reply string, err error) {
	n, err := numbermap.Parse(number)
	if err != nil {
		return "", "", nil // not a number: nobody's
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.LookupTimeout)
	defer cancel()
	var rt numbermap.Route
	switch err := numbermap.LookupTo(ctx, c.cfg.Numbers, n, now, &rt); {
	case errors.Is(err, numbermap.ErrNotFound):
		return "", "", nil
	case err != nil:
		return "", "", fmt.Errorf("messagingchannel: look up %s: %w", n, err)
	}
	switch rt.Kind {
	case numbermap.RouteService:
		return rt.ServiceID, "", nil
	case numbermap.RouteForward:
		return "", fmt.Sprintf(movedText, rt.ForwardTo), nil
	case numbermap.RouteAnnounce:
		return "", rt.Announcement, nil
	}
	return "", "", nil
}

// seenOnce records m's provider ID and reports whether it is new.
func (c *Channel) seenOnce(p messaging.Provider, m messaging.Inbound, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := p.Name() + "\x00" + m.ID
	if _, dup := c.seen[key]; dup {
		return false
	}
	c.seen[key] = now
	return true
}

// enqueue hands cv to the service's router, in its queue.
func (c *Channel) enqueue(ctx context.Context, cv *conv) {
	c.mu.Lock()
	router, e, queue := cv.router, cv.e, cv.queue
	c.mu.Unlock()
	if router == nil {
		return // waits on the channel
	}
	_, err := router.Enqueue(e, queue, func(d modality.Decision) { c.decided(cv, d) })
	if err != nil {
		c.log.Info("conversation refused by the router", "conversation", cv.id, "error", err.Error())
		c.say(ctx, cv, transcript.AuthorSystem, busyText)
		c.end(cv, "busy", false)
	}
}

// decided applies a router's decision about cv.
//
// It returns without waiting on the transcript or the outbox: the
// router delivers a service's decisions one at a time, and one that
// waited on a durable store's write would hold up every other
// conversation's. What it says is written in order by sayLater.
func (c *Channel) decided(cv *conv, d modality.Decision) {
	at := d.At
	if at.IsZero() {
		at = c.cfg.Now()
	}
	c.mu.Lock()
	if cv.ended {
		c.mu.Unlock()
		return
	}
	n := cv.svc.counts[cv.p.Kind()]
	switch d.Kind {
	case modality.Connected:
		if cv.e.State == modality.Waiting {
			n.Waiting--
			n.Active++
		}
		cv.e.State, cv.e.Answered, cv.agent = modality.Active, at, d.Agent
		c.sayLater(cv, transcript.AuthorSystem, fmt.Sprintf(connectedText, d.Agent))
		c.mu.Unlock()
	case modality.Requeued:
		if cv.e.State == modality.Active {
			n.Active--
			n.Waiting++
		}
		cv.e.State, cv.agent = modality.Waiting, ""
		c.mu.Unlock()
	case modality.Finished:
		if d.BackToReceptionist && cv.svc.setup.Receptionist != nil {
			cv.reception, cv.queue = true, ""
			c.sayLater(cv, transcript.AuthorReceptionist, cv.svc.setup.Receptionist.Back().Text)
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		c.end(cv, d.Outcome, false)
	default:
		c.mu.Unlock()
	}
}

// sayLater says body in cv as author, in cv's turn, without waiting.
func (c *Channel) sayLater(cv *conv, author, body string) {
	cv.turn.Go(&c.wg, func() {
		ctx, cancel := context.WithTimeout(context.Background(), sendTimeout)
		defer cancel()
		if _, err := c.say(ctx, cv, author, body); err != nil {
			c.log.Error(err, "a message of the channel's not said", "conversation", cv.id)
		}
	})
}

// end ends cv with reason; hangup tells its router.
func (c *Channel) end(cv *conv, reason string, hangup bool) {
	now := c.cfg.Now()
	c.mu.Lock()
	if cv.ended {
		c.mu.Unlock()
		return
	}
	cv.ended = true
	n := cv.svc.counts[cv.p.Kind()]
	switch cv.e.State {
	case modality.Active:
		n.Active--
		n.Completed++
		n.HandleTime += now.Sub(cv.e.Answered)
	default:
		n.Waiting--
		n.Abandoned++
	}
	cv.e.State, cv.e.Ended = modality.Ended, now
	delete(c.convs, cv.key)
	delete(c.byID, cv.id)
	router := cv.router
	c.mu.Unlock()
	if hangup && router != nil {
		_ = router.Hangup(cv.id)
	}
	c.notify(modality.ConversationEvent{Kind: modality.ConversationEnded, ServiceID: cv.svc.id, Conversation: cv.id, Reason: reason})
}

// say writes body to cv's attendee: stored in the transcript (for a
// conversation), then sent, in order.
func (c *Channel) say(ctx context.Context, cv *conv, author, body string) (transcript.Message, error) {
	now := c.cfg.Now()
	m := transcript.Message{ServiceID: cv.svc.id, Conversation: cv.id, Author: author, Body: body, At: now}
	if cv.id != "" {
		stored, err := c.cfg.Transcripts.Append(ctx, m)
		if err != nil {
			return transcript.Message{}, fmt.Errorf("messagingchannel: %s: store: %w", cv.id, err)
		}
		m = stored
		c.notify(modality.ConversationEvent{Kind: modality.ConversationMessage, ServiceID: cv.svc.id, Conversation: cv.id, Message: m})
	}
	ob := &outbound{conv: cv, msg: m, ref: newID("r-"), first: now, next: now, wait: c.cfg.Retry.Initial}
	if cv.id != "" {
		// Kept until the provider takes it, for whoever opens the
		// service next should this process die first.
		err := c.cfg.Outbox.Put(ctx, outbox.Reply{Ref: ob.ref, Provider: cv.p.Name(), From: cv.as, To: cv.to, Message: m, First: now})
		if err != nil {
			return transcript.Message{}, fmt.Errorf("messagingchannel: %s: keep the reply to send: %w", cv.id, err)
		}
	}
	c.mu.Lock()
	cv.out = append(cv.out, ob)
	cv.last = now
	c.queued[ob.ref] = true
	c.pending[cv] = struct{}{} // until its replies are gone, ended or not
	c.kickLocked(cv, now)
	c.mu.Unlock()
	return m, nil
}

// kick starts sending cv's replies if its next one is due and none is
// being sent.
func (c *Channel) kick(cv *conv) {
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.kickLocked(cv, now)
}

// kickLocked is kick with c.mu held.
func (c *Channel) kickLocked(cv *conv, now time.Time) {
	if cv.sending || len(cv.out) == 0 || cv.out[0].next.After(now) {
		return
	}
	cv.sending = true
	c.wg.Add(1)
	go c.send(cv)
}

// send sends cv's replies in order until they are all gone or the
// provider fails; Sweep starts it again when the next attempt is due.
func (c *Channel) send(cv *conv) {
	defer c.wg.Done()
	for {
		c.mu.Lock()
		if len(cv.out) == 0 {
			cv.sending = false
			delete(c.pending, cv)
			c.mu.Unlock()
			return
		}
		ob := cv.out[0]
		c.mu.Unlock()
		// The attempt's time is its start: the backoff counts from it.
		now := c.cfg.Now()
		ctx, cancel := context.WithTimeout(context.Background(), sendTimeout)
		id, err := cv.p.Send(ctx, messaging.Outbound{From: cv.as, To: cv.to, Body: ob.msg.Body, Ref: ob.ref})
		cancel()
		var undelivered string
		if err == nil && cv.id != "" {
			// A failure here may have the reply sent twice, by whoever
			// opens the service next; never not at all.
			octx, ocancel := context.WithTimeout(context.Background(), c.cfg.LookupTimeout)
			serr := c.cfg.Outbox.Sent(octx, ob.ref, id, now)
			ocancel()
			if serr != nil {
				c.log.Error(serr, "the outbox did not hear a reply was sent", "conversation", cv.id)
			}
		}
		c.mu.Lock()
		switch {
		case err == nil:
			ob.sent = now
			c.byRef[cv.p.Name()+"\x00"+id] = ob
		case errors.Is(err, messaging.ErrRejected):
			undelivered = err.Error()
		case now.Sub(ob.first) >= c.cfg.Retry.MaxElapsed:
			undelivered = "still failing after " + c.cfg.Retry.MaxElapsed.String() + ": " + err.Error()
		default:
			wait := ob.wait
			var re *messaging.RetryError
			if errors.As(err, &re) && re.After > wait {
				wait = re.After
			}
			ob.next, ob.wait = now.Add(wait), min(2*ob.wait, c.cfg.Retry.Max)
			cv.sending = false
			c.mu.Unlock()
			c.log.Info("reply not taken by the provider; sent again later", "conversation", cv.id, "in", wait, "error", err.Error())
			return
		}
		cv.out = cv.out[1:]
		delete(c.queued, ob.ref)
		c.mu.Unlock()
		if undelivered != "" && cv.id != "" {
			octx, ocancel := context.WithTimeout(context.Background(), c.cfg.LookupTimeout)
			err := c.cfg.Outbox.Drop(octx, ob.ref)
			ocancel()
			if err != nil {
				c.log.Error(err, "an undelivered reply not dropped from the outbox", "conversation", cv.id)
			}
		}
		if undelivered != "" {
			c.log.Info("reply undelivered", "conversation", cv.id, "reason", undelivered)
			c.notify(modality.ConversationEvent{Kind: modality.ConversationUndelivered, ServiceID: cv.svc.id, Conversation: cv.id, Message: ob.msg, Reason: undelivered})
		}
	}
}

// status takes a provider's report on a reply: sent by this process,
// or, looked up in the outbox, by another (or before a restart).
func (c *Channel) status(ctx context.Context, p messaging.Provider, s messaging.Status) error {
	key := p.Name() + "\x00" + s.ID
	c.mu.Lock()
	ob := c.byRef[key]
	if ob != nil && s.State != messaging.Sent {
		delete(c.byRef, key)
	}
	c.mu.Unlock()
	if s.State != messaging.Failed {
		return nil
	}
	var msg transcript.Message
	switch {
	case ob != nil:
		msg = ob.msg
	default:
		r, err := c.cfg.Outbox.Lookup(ctx, p.Name(), s.ID)
		switch {
		case errors.Is(err, outbox.ErrNotFound):
			return nil // not a reply of ours, or forgotten
		case err != nil:
			return fmt.Errorf("messagingchannel: the reply of a failed status: %w", err)
		}
		msg = r.Message
	}
	reason := s.Err
	if reason == "" {
		reason = "the provider reports it failed"
	}
	c.notify(modality.ConversationEvent{Kind: modality.ConversationUndelivered, ServiceID: msg.ServiceID,
		Conversation: msg.Conversation, Message: msg, Reason: reason})
	return nil
}

// agentConv returns serviceID's live conversation id connected to agent.
func (c *Channel) agentConv(serviceID, id, agent string) (*conv, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cv := c.byID[id]
	switch {
	case cv == nil || cv.svc.id != serviceID:
		return nil, fmt.Errorf("messagingchannel: %q: %w", id, modality.ErrNotFound)
	case cv.e.State != modality.Active || cv.agent != agent || agent == "":
		return nil, fmt.Errorf("messagingchannel: %q: %w", id, modality.ErrNotConnected)
	}
	return cv, nil
}

// Post writes an agent's reply in a conversation connected to them; it
// is sent to the attendee in order, with retries.
func (c *Channel) Post(ctx context.Context, serviceID, id, agent, body string) (transcript.Message, error) {
	if err := ctx.Err(); err != nil {
		return transcript.Message{}, err
	}
	if body == "" || len(body) > MaxBody {
		return transcript.Message{}, fmt.Errorf("messagingchannel: post to %q: %w: a body of %d bytes (1 to %d)", id, transcript.ErrInvalid, len(body), MaxBody)
	}
	cv, err := c.agentConv(serviceID, id, agent)
	if err != nil {
		return transcript.Message{}, err
	}
	// After what the channel says of its own (the agent's arrival), in
	// its turn.
	var (
		m    transcript.Message
		serr error
	)
	err = cv.turn.Do(ctx, &c.wg, func() {
		sctx, cancel := context.WithTimeout(context.Background(), sendTimeout)
		defer cancel()
		m, serr = c.say(sctx, cv, "agent:"+agent, body)
	})
	if err != nil {
		return transcript.Message{}, fmt.Errorf("messagingchannel: post to %q: %w (it may yet be sent)", id, err)
	}
	return m, serr
}

// MaxBody is the longest reply, in bytes: what a WhatsApp message takes.
const MaxBody = 4096

// Typing is accepted for a conversation connected to agent; SMS and the
// providers here show no typing, so nothing is sent.
func (c *Channel) Typing(ctx context.Context, serviceID, id, agent string) error {
	_, err := c.agentConv(serviceID, id, agent)
	return err
}

// MarkRead is accepted for a conversation connected to agent; nothing
// is sent (read receipts to attendees are not carried).
func (c *Channel) MarkRead(ctx context.Context, serviceID, id, agent string, upToSeq int64) error {
	_, err := c.agentConv(serviceID, id, agent)
	return err
}

// Messages returns the conversation's messages above afterSeq.
func (c *Channel) Messages(ctx context.Context, serviceID, id string, afterSeq int64) ([]transcript.Message, error) {
	ms, err := c.cfg.Transcripts.Since(ctx, id, afterSeq)
	if err != nil {
		return nil, fmt.Errorf("messagingchannel: messages of %q: %w", id, err)
	}
	if len(ms) == 0 {
		c.mu.Lock()
		cv := c.byID[id]
		c.mu.Unlock()
		if cv == nil || cv.svc.id != serviceID {
			return nil, fmt.Errorf("messagingchannel: messages of %q: %w", id, modality.ErrNotFound)
		}
	}
	for _, m := range ms {
		if m.ServiceID != serviceID {
			return nil, fmt.Errorf("messagingchannel: messages of %q: %w", id, modality.ErrNotFound)
		}
	}
	return ms, nil
}

// Disconnect ends every live conversation of serviceID: each attendee
// is told the service's closed message, and the router hears they are
// gone.
func (c *Channel) Disconnect(ctx context.Context, serviceID string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	c.mu.Lock()
	svc := c.services[serviceID]
	var live []*conv
	for _, cv := range c.convs {
		if cv.svc == svc {
			live = append(live, cv)
		}
	}
	closed := defaultClosed
	if svc != nil && svc.closedMsg != "" {
		closed = svc.closedMsg
	}
	c.mu.Unlock()
	for _, cv := range live {
		_, _ = c.say(ctx, cv, transcript.AuthorSystem, closed)
		c.end(cv, "closed", true)
	}
	return len(live), nil
}

// Sweep does what is due at the clock's time: conversations idle for
// Config.IdleTimeout end, replies due again are sent, and provider
// message IDs and the outbox's replies older than a day are forgotten
// (the outbox's hourly). Run calls it.
func (c *Channel) Sweep(ctx context.Context) {
	now := c.cfg.Now()
	c.mu.Lock()
	var idle, due []*conv
	for _, cv := range c.convs {
		timeout := cv.svc.setup.IdleTimeout
		if timeout == 0 {
			timeout = c.cfg.IdleTimeout
		}
		if now.Sub(cv.last) >= timeout {
			idle = append(idle, cv)
		}
	}
	for cv := range c.pending {
		if !cv.sending && len(cv.out) > 0 && !cv.out[0].next.After(now) {
			due = append(due, cv)
		}
	}
	for k, at := range c.seen {
		if now.Sub(at) > seenFor {
			delete(c.seen, k)
		}
	}
	for k, ob := range c.byRef {
		if now.Sub(ob.sent) > seenFor {
			delete(c.byRef, k)
		}
	}
	forget := now.Sub(c.forgot) >= time.Hour
	if forget {
		c.forgot = now
	}
	c.mu.Unlock()
	if forget {
		// Replies are kept a day, as provider IDs are: for statuses.
		if _, err := c.cfg.Outbox.Forget(ctx, now.Add(-seenFor)); err != nil {
			c.log.Error(err, "the outbox did not forget old replies")
		}
	}
	for _, cv := range idle {
		c.end(cv, "idle", true)
	}
	for _, cv := range due {
		c.kick(cv)
	}
}

// Close waits for the replies being sent to finish their attempt.
func (c *Channel) Close() error {
	c.wg.Wait()
	return nil
}
