package contactcenter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter/desk"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/modality/transcript"
)

// Desk is where a service's agents act: the service's desk in the
// process that drives it (a *desk.Desk), or, on another replica, one
// that relays each action there ([Config.Relay]) and returns its answer.
// Errors keep their identity across the relay: errors.Is finds
// access.ErrDenied, the routing errors, desk.ErrNoSession and
// ErrElsewhere in a relayed answer too.
type Desk interface {
	Open(ctx context.Context, token string, profile routing.Agent) (string, error)
	SetStatus(ctx context.Context, token string, s routing.Status) error
	Accept(ctx context.Context, token, engagementID string) error
	Decline(ctx context.Context, token, engagementID string) error
	End(ctx context.Context, token, engagementID string) error
	Transfer(ctx context.Context, token, engagementID, toQueue string) error
	TransferToAgent(ctx context.Context, token, engagementID, agentID string) error
	Close(ctx context.Context, token string) error
	// Holding is what the bearer's session holds: a desktop's view after
	// a reload.
	Holding(ctx context.Context, token string) (desk.Holding, error)
	// Conversations (chat): writing in one the agent is connected with,
	// and reading one they are connected with or offered. The events of
	// their conversations reach subscribers as [ConversationEvent]s.
	Post(ctx context.Context, token, engagementID, body string) (transcript.Message, error)
	Typing(ctx context.Context, token, engagementID string) error
	MarkRead(ctx context.Context, token, engagementID string, upToSeq int64) error
	Transcript(ctx context.Context, token, engagementID string, afterSeq int64) ([]transcript.Message, error)
	// Supervisors' actions, each with their token, without a session.
	Monitor(ctx context.Context, token, engagementID string) (string, error)
	Barge(ctx context.Context, token, engagementID string) (string, error)
	Reassign(ctx context.Context, token, engagementID, toQueue, toAgent string) error
}

var _ Desk = (*desk.Desk)(nil)

// relayTimeout bounds how long a relayed action waits for its answer.
const relayTimeout = 10 * time.Second

// relayMsg is a message between replicas: an agent's action (call), its
// answer (reply), or an engagement event for an agent whose session was
// opened through the relay (event).
type relayMsg struct {
	Kind      string         `json:"k"` // "call", "reply", "event"
	ID        uint64         `json:"id,omitempty"`
	From      string         `json:"from,omitempty"`
	Service   string         `json:"svc,omitempty"`
	Op        string         `json:"op,omitempty"`
	Token     string         `json:"tok,omitempty"`
	Eng       string         `json:"eng,omitempty"`
	Queue     string         `json:"q,omitempty"`
	Status    routing.Status `json:"st,omitempty"`
	Agent     string         `json:"ag,omitempty"`
	Principal string         `json:"who,omitempty"`
	Code      string         `json:"code,omitempty"`
	Err       string         `json:"err,omitempty"`
	Event     *routing.Event `json:"ev,omitempty"`
	Profile   *routing.Agent `json:"profile,omitempty"`
	Holding   *desk.Holding  `json:"hold,omitempty"`
	// Conversations: bodies travel as bytes (base64), whose size does
	// not depend on the text's characters, so a message of the largest
	// body a channel takes fits in MaxRelayMessage.
	Body []byte       `json:"body,omitempty"`
	Seq  int64        `json:"seq,omitempty"`
	Msgs []relayedMsg `json:"msgs,omitempty"`
	More bool         `json:"more,omitempty"` // Msgs is a page: ask again after the last; a link's frame continues
	Conv *relayedConv `json:"conv,omitempty"`
	// Links (links.go).
	Link     string        `json:"ln,omitempty"`
	Entry    string        `json:"entry,omitempty"`
	Remote   string        `json:"rem,omitempty"`
	Modality modality.Kind `json:"mk,omitempty"`
	Close    int           `json:"cc,omitempty"` // a link's close code
	Reason   string        `json:"why,omitempty"`
	// Messages (messages.go): the channel's encoding, JSON.
	Msg json.RawMessage `json:"msg,omitempty"`
}

// relayedMsg is a transcript message between replicas.
type relayedMsg struct {
	Service      string    `json:"s,omitempty"`
	Conversation string    `json:"c,omitempty"`
	ID           string    `json:"i"`
	Seq          int64     `json:"q"`
	Author       string    `json:"a"`
	Body         []byte    `json:"b"`
	At           time.Time `json:"t"`
	ClientMsgID  string    `json:"m,omitempty"`
}

func toRelayed(m transcript.Message) relayedMsg {
	return relayedMsg{Service: m.ServiceID, Conversation: m.Conversation, ID: m.ID, Seq: m.Seq, Author: m.Author,
		Body: []byte(m.Body), At: m.At, ClientMsgID: m.ClientMsgID}
}

func (r relayedMsg) message() transcript.Message {
	return transcript.Message{ServiceID: r.Service, Conversation: r.Conversation, ID: r.ID, Seq: r.Seq, Author: r.Author,
		Body: string(r.Body), At: r.At, ClientMsgID: r.ClientMsgID}
}

// relayedConv is a ConversationEvent between replicas.
type relayedConv struct {
	Kind         modality.ConversationEventKind `json:"k"`
	Conversation string                         `json:"c"`
	Agent        string                         `json:"ag,omitempty"`
	From         string                         `json:"f,omitempty"`
	Message      *relayedMsg                    `json:"m,omitempty"`
	UpToSeq      int64                          `json:"u,omitempty"`
	Reason       string                         `json:"r,omitempty"`
	At           time.Time                      `json:"t"`
}

// relayPage is how many bytes of messages one answer carries at most:
// with the envelope, under MaxRelayMessage.
const relayPage = MaxRelayMessage - 1000

// relayErrs are the errors whose identity a relayed answer keeps.
var relayErrs = map[string]error{
	"denied":      access.ErrDenied,
	"no-session":  desk.ErrNoSession,
	"elsewhere":   ErrElsewhere,
	"state":       ErrInvalidState,
	"not-found":   ErrNotFound,
	"not-offered": routing.ErrNotOffered,
	"not-conn":    routing.ErrNotConnected,
	"unknown-eng": routing.ErrUnknownEngagement,
	"unknown-q":   routing.ErrUnknownQueue,
	"unknown-ag":  routing.ErrUnknownAgent,
	"ineligible":  routing.ErrIneligible,
	"unavailable": routing.ErrUnavailable,
	"retiring":    desk.ErrRetiring,
	"conv-conn":   modality.ErrNotConnected,
	"conv-none":   modality.ErrNotFound,
	"bad-message": transcript.ErrInvalid,
}

func errCode(err error) string {
	for code, sentinel := range relayErrs {
		if errors.Is(err, sentinel) {
			return code
		}
	}
	return ""
}

// relayed is an error answered by another replica.
type relayed struct {
	msg      string
	sentinel error
}

func (e *relayed) Error() string { return e.msg }
func (e *relayed) Unwrap() error { return e.sentinel }

// relays is the lifecycle's side of the Relay: its listener, started
// by the first Tick, and the calls it waits for.
type relays struct {
	start   sync.Once
	ready   chan struct{} // closed when the listener heard its own ping
	heard   sync.Once
	stop    context.CancelFunc
	done    chan struct{}
	mu      sync.Mutex
	next    uint64
	waiting map[uint64]chan relayMsg
}

// startRelay starts listening to the relay, once, until Close, and
// waits (a few seconds at most) until the listener hears its own ping:
// then a reply sent to this replica is not lost to a listener not yet in
// place.
func (l *Lifecycle) startRelay() {
	if l.cfg.Relay == nil {
		return
	}
	l.relays.start.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		l.relays.stop, l.relays.done = cancel, make(chan struct{})
		l.relays.ready = make(chan struct{})
		go func() {
			defer close(l.relays.done)
			if err := l.listenRelay(ctx); err != nil && ctx.Err() == nil {
				l.log.Error(err, "relay: not listening")
			}
		}()
		ping, _ := json.Marshal(relayMsg{Kind: "ping"})
		deadline := time.Now().Add(relayReadyWait)
		for time.Now().Before(deadline) {
			if err := l.cfg.Relay.Send(ctx, l.cfg.Owner, ping); err != nil {
				l.log.Error(err, "relay: ping")
				return
			}
			select {
			case <-l.relays.ready:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
		l.log.Info("relay: not listening yet; relayed answers may be lost until it is", "waited", relayReadyWait)
	})
}

// relayReadyWait bounds how long the first Tick waits for the relay's
// listener.
const relayReadyWait = 5 * time.Second

// stopRelay stops the listener, if it started, and waits for it.
func (l *Lifecycle) stopRelay() {
	l.relays.start.Do(func() {}) // no start after this
	if l.relays.stop != nil {
		l.relays.stop()
		<-l.relays.done
	}
}

// remoteDesk relays a service's agents' actions to the replica driving
// the service.
type remoteDesk struct {
	l       *Lifecycle
	service string
	owner   string
}

func (d *remoteDesk) call(ctx context.Context, m relayMsg) (relayMsg, error) {
	l := d.l
	ctx, cancel := context.WithTimeout(ctx, relayTimeout)
	defer cancel()
	ch := make(chan relayMsg, 1)
	l.relays.mu.Lock()
	l.relays.next++
	m.ID = l.relays.next
	if l.relays.waiting == nil {
		l.relays.waiting = map[uint64]chan relayMsg{}
	}
	l.relays.waiting[m.ID] = ch
	l.relays.mu.Unlock()
	defer func() {
		l.relays.mu.Lock()
		delete(l.relays.waiting, m.ID)
		l.relays.mu.Unlock()
	}()
	m.Kind, m.From, m.Service = "call", l.cfg.Owner, d.service
	b, err := json.Marshal(m)
	if err != nil {
		return relayMsg{}, err
	}
	if err := l.cfg.Relay.Send(ctx, d.owner, b); err != nil {
		return relayMsg{}, fmt.Errorf("contactcenter: %s: relay %s to %q: %w", d.service, m.Op, d.owner, err)
	}
	select {
	case r := <-ch:
		if r.Err != "" {
			return r, &relayed{msg: r.Err, sentinel: relayErrs[r.Code]}
		}
		return r, nil
	case <-ctx.Done():
		return relayMsg{}, fmt.Errorf("contactcenter: %s: relay %s to %q: no answer: %w", d.service, m.Op, d.owner, ctx.Err())
	}
}

func (d *remoteDesk) Open(ctx context.Context, token string, profile routing.Agent) (string, error) {
	r, err := d.call(ctx, relayMsg{Op: "open", Token: token, Profile: &profile})
	return r.Principal, err
}
func (d *remoteDesk) SetStatus(ctx context.Context, token string, s routing.Status) error {
	_, err := d.call(ctx, relayMsg{Op: "status", Token: token, Status: s})
	return err
}
func (d *remoteDesk) Accept(ctx context.Context, token, id string) error {
	_, err := d.call(ctx, relayMsg{Op: "accept", Token: token, Eng: id})
	return err
}
func (d *remoteDesk) Decline(ctx context.Context, token, id string) error {
	_, err := d.call(ctx, relayMsg{Op: "decline", Token: token, Eng: id})
	return err
}
func (d *remoteDesk) End(ctx context.Context, token, id string) error {
	_, err := d.call(ctx, relayMsg{Op: "end", Token: token, Eng: id})
	return err
}
func (d *remoteDesk) Transfer(ctx context.Context, token, id, toQueue string) error {
	_, err := d.call(ctx, relayMsg{Op: "transfer", Token: token, Eng: id, Queue: toQueue})
	return err
}
func (d *remoteDesk) TransferToAgent(ctx context.Context, token, id, agentID string) error {
	_, err := d.call(ctx, relayMsg{Op: "transfer-agent", Token: token, Eng: id, Agent: agentID})
	return err
}
func (d *remoteDesk) Monitor(ctx context.Context, token, id string) (string, error) {
	r, err := d.call(ctx, relayMsg{Op: "monitor", Token: token, Eng: id})
	return r.Principal, err
}
func (d *remoteDesk) Barge(ctx context.Context, token, id string) (string, error) {
	r, err := d.call(ctx, relayMsg{Op: "barge", Token: token, Eng: id})
	return r.Principal, err
}
func (d *remoteDesk) Reassign(ctx context.Context, token, id, toQueue, toAgent string) error {
	_, err := d.call(ctx, relayMsg{Op: "reassign", Token: token, Eng: id, Queue: toQueue, Agent: toAgent})
	return err
}
func (d *remoteDesk) Holding(ctx context.Context, token string) (desk.Holding, error) {
	r, err := d.call(ctx, relayMsg{Op: "holding", Token: token})
	if err != nil || r.Holding == nil {
		return desk.Holding{}, err
	}
	return *r.Holding, nil
}
func (d *remoteDesk) Post(ctx context.Context, token, id, body string) (transcript.Message, error) {
	r, err := d.call(ctx, relayMsg{Op: "post", Token: token, Eng: id, Body: []byte(body)})
	if err != nil || len(r.Msgs) != 1 {
		return transcript.Message{}, err
	}
	return r.Msgs[0].message(), nil
}
func (d *remoteDesk) Typing(ctx context.Context, token, id string) error {
	_, err := d.call(ctx, relayMsg{Op: "typing", Token: token, Eng: id})
	return err
}
func (d *remoteDesk) MarkRead(ctx context.Context, token, id string, upToSeq int64) error {
	_, err := d.call(ctx, relayMsg{Op: "read", Token: token, Eng: id, Seq: upToSeq})
	return err
}

// Transcript asks page after page until the owner has sent everything.
func (d *remoteDesk) Transcript(ctx context.Context, token, id string, afterSeq int64) ([]transcript.Message, error) {
	var out []transcript.Message
	for {
		r, err := d.call(ctx, relayMsg{Op: "transcript", Token: token, Eng: id, Seq: afterSeq})
		if err != nil {
			return nil, err
		}
		for _, m := range r.Msgs {
			out = append(out, m.message())
			afterSeq = m.Seq
		}
		if !r.More || len(r.Msgs) == 0 {
			return out, nil
		}
	}
}
func (d *remoteDesk) Close(ctx context.Context, token string) error {
	_, err := d.call(ctx, relayMsg{Op: "close", Token: token})
	return err
}

// listenRelay handles the messages other replicas send this one until
// ctx is done.
func (l *Lifecycle) listenRelay(ctx context.Context) error {
	return l.cfg.Relay.Listen(ctx, l.cfg.Owner, func(b []byte) {
		var m relayMsg
		if err := json.Unmarshal(b, &m); err != nil {
			l.log.Error(err, "relay: message dropped")
			return
		}
		switch m.Kind {
		case "ping":
			l.relays.heard.Do(func() { close(l.relays.ready) })
		case "reply":
			l.relays.mu.Lock()
			ch := l.relays.waiting[m.ID]
			l.relays.mu.Unlock()
			if ch != nil {
				ch <- m
			}
		case "event":
			if m.Event != nil {
				l.emit(&EngagementEvent{ServiceID: m.Service, Event: *m.Event})
			}
		case "conv":
			if c := m.Conv; c != nil {
				ev := &ConversationEvent{Agent: c.Agent, At: c.At, ConversationEvent: modality.ConversationEvent{
					Kind: c.Kind, ServiceID: m.Service, Conversation: c.Conversation, From: c.From, UpToSeq: c.UpToSeq, Reason: c.Reason}}
				if c.Message != nil {
					ev.Message = c.Message.message()
				}
				l.emit(ev)
			}
		case "link":
			l.onLink(ctx, m)
		case "call":
			// Handled on its own goroutine: an action may wait on the
			// service's lock, and the listener must go on reading.
			go l.answer(context.WithoutCancel(ctx), m)
		}
	})
}

// answer performs a relayed action on the service's desk here and
// sends the answer back.
func (l *Lifecycle) answer(ctx context.Context, m relayMsg) {
	r := relayMsg{Kind: "reply", ID: m.ID, Service: m.Service}
	err := func() error {
		if m.Op == "message" {
			return l.serveMessage(ctx, m)
		}
		ln, err := l.line(ctx, m.Service)
		if err != nil {
			return err
		}
		d := ln.desk
		switch m.Op {
		case "open":
			var p routing.Agent
			if m.Profile != nil {
				p = *m.Profile
			}
			who, err := d.Open(ctx, m.Token, p)
			if err == nil {
				r.Principal = who
				ln.setRemote(who, m.From)
			}
			return err
		case "status":
			return d.SetStatus(ctx, m.Token, m.Status)
		case "accept":
			return d.Accept(ctx, m.Token, m.Eng)
		case "decline":
			return d.Decline(ctx, m.Token, m.Eng)
		case "end":
			return d.End(ctx, m.Token, m.Eng)
		case "transfer":
			return d.Transfer(ctx, m.Token, m.Eng, m.Queue)
		case "close":
			return d.Close(ctx, m.Token)
		case "holding":
			h, err := d.Holding(ctx, m.Token)
			if err == nil {
				r.Holding = &h
			}
			return err
		case "post", "typing", "read", "transcript":
			return converse(ctx, d, m, &r)
		case "transfer-agent":
			return d.TransferToAgent(ctx, m.Token, m.Eng, m.Agent)
		case "monitor", "barge":
			supervise := d.Monitor
			if m.Op == "barge" {
				supervise = d.Barge
			}
			who, err := supervise(ctx, m.Token, m.Eng)
			if err == nil {
				r.Principal = who
				ln.setRemote(who, m.From) // the supervisor's events go there too
			}
			return err
		case "reassign":
			return d.Reassign(ctx, m.Token, m.Eng, m.Queue, m.Agent)
		}
		return fmt.Errorf("contactcenter: relay: unknown action %q", m.Op)
	}()
	if err != nil {
		r.Err, r.Code = err.Error(), errCode(err)
		if noe := (*modality.NotOpenError)(nil); errors.As(err, &noe) {
			r.Code, r.Reason = notOpenCode, noe.Message
		}
	}
	b, merr := json.Marshal(r)
	if merr == nil {
		merr = l.cfg.Relay.Send(ctx, m.From, b)
	}
	if merr != nil {
		l.log.Error(merr, "relay: answer not sent", "to", m.From, "service", m.Service)
	}
}

// converse performs a relayed conversation action on the desk d, with
// its answer in r.
func converse(ctx context.Context, d *desk.Desk, m relayMsg, r *relayMsg) error {
	switch m.Op {
	case "post":
		msg, err := d.Post(ctx, m.Token, m.Eng, string(m.Body))
		if err == nil {
			r.Msgs = []relayedMsg{toRelayed(msg)}
		}
		return err
	case "typing":
		return d.Typing(ctx, m.Token, m.Eng)
	case "read":
		return d.MarkRead(ctx, m.Token, m.Eng, m.Seq)
	}
	ms, err := d.Transcript(ctx, m.Token, m.Eng, m.Seq)
	r.Msgs, r.More = page(ms)
	return err
}

// page returns the first messages of ms whose bodies fit one relayed
// answer (at least one), and whether more are left.
func page(ms []transcript.Message) ([]relayedMsg, bool) {
	var out []relayedMsg
	size := 0
	for i, m := range ms {
		n := 200 + len(m.ID) + len(m.Author) + len(m.ClientMsgID) + 4*(len(m.Body)+2)/3
		if i > 0 && size+n > relayPage {
			return out, true
		}
		size += n
		out = append(out, toRelayed(m))
	}
	return out, false
}

// forwardConv sends a conversation event to the replica where the
// connected agent's session was opened.
func (l *Lifecycle) forwardConv(to string, ev *ConversationEvent) {
	c := &relayedConv{Kind: ev.Kind, Conversation: ev.Conversation, Agent: ev.Agent, From: ev.From,
		UpToSeq: ev.UpToSeq, Reason: ev.Reason, At: ev.At}
	if ev.Kind == modality.ConversationMessage || ev.Kind == modality.ConversationUndelivered {
		m := toRelayed(ev.Message)
		c.Message = &m
	}
	b, err := json.Marshal(relayMsg{Kind: "conv", Service: ev.ServiceID, Conv: c})
	if err == nil {
		err = l.cfg.Relay.Send(context.Background(), to, b)
	}
	if err != nil {
		l.log.Error(err, "relay: conversation event not forwarded", "to", to, "service", ev.ServiceID, "conversation", ev.Conversation)
	}
}

// forward sends an engagement event to the replica where the agent's
// session was opened, if not here.
func (l *Lifecycle) forward(service, to string, ev routing.Event) {
	b, err := json.Marshal(relayMsg{Kind: "event", Service: service, Event: &ev})
	if err == nil {
		err = l.cfg.Relay.Send(context.Background(), to, b)
	}
	if err != nil {
		l.log.Error(err, "relay: event not forwarded", "to", to, "service", service)
	}
}
