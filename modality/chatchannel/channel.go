package chatchannel

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/go-logr/logr"

	"github.com/eventcc/eventcc/internal/turn"
	"github.com/eventcc/eventcc/internal/watch"
	"github.com/eventcc/eventcc/modality"
)

var (
	_ modality.Channel        = (*Channel)(nil)
	_ modality.CapacitySetter = (*Channel)(nil)
	_ modality.Retainer       = (*Channel)(nil)
)

// Sentinel errors of the agent-side API, checked with errors.Is.
var (
	// ErrNotConnected: the conversation is live but not connected to
	// that agent (waiting, with the receptionist, or with another agent).
	// It is modality's, which every conversation channel returns.
	ErrNotConnected = modality.ErrNotConnected
)

// defaultClosedMessage is said at expiry when the service's receptionist
// has no closed message.
const defaultClosedMessage = "The contact center is closed."

// Channel is the chat [modality.Channel], served over WebSockets: an
// [http.Handler] the host mounts. Make one with [New]; the zero value is
// not usable. A Channel is safe for concurrent use.
type Channel struct {
	cfg Config
	log logr.Logger

	mu       sync.Mutex
	services map[string]*service
	convs    map[string]*conversation // live conversations by ID
	sessions map[*session]struct{}
	proxies  map[*proxy]struct{} // sockets forwarded to another replica
	fwd      modality.Forwarder  // nil: sockets of services not open here are told they are closed
	watchers watch.Set[ConversationEvent]
	closed   bool
	wg       sync.WaitGroup // ServeHTTP loops and their writers
}

// service is what the channel holds for one service. Guarded by c.mu.
type service struct {
	id        string
	open      bool
	intake    bool
	eps       []modality.EntryPoint // the chat entry points, in setup order
	queues    []string
	reception *modality.Receptionist
	// public is reception without the options that hand off to a
	// registered-only queue: the menu of anonymous visitors. nil when
	// reception is.
	public     *modality.Receptionist
	registered map[string]bool // the queues only token holders reach
	router     modality.Router
	closedMsg  string // the last receptionist's ClosedMessage; survives Remove
	// anonymous: the last setup admits visitors without a token (its
	// Anonymous lists chat). It survives Remove, as closedMsg does, so
	// that they are told the service closed rather than refused.
	anonymous bool
	capacity  int // < 0: no limit
	// transcribed counts the conversations with a transcript in the
	// store since it was last deleted; keepUntil, when set, is when
	// Sweep deletes them (Retain).
	transcribed int
	keepUntil   time.Time
	live        map[string]*conversation
	counts      modality.Counts
}

// menu returns the receptionist of conv's attendee: without the options
// into registered-only queues for an anonymous visitor. The caller holds
// the channel's mu.
func (s *service) menu(conv *conversation) *modality.Receptionist {
	if isAnonymous(conv.from) {
		return s.public
	}
	return s.reception
}

func (s *service) closedMessage() string {
	if s == nil || s.closedMsg == "" {
		return defaultClosedMessage
	}
	return s.closedMsg
}

// conversation is one live chat: an engagement.
type conversation struct {
	id   string
	svc  *service // immutable
	from string   // immutable

	// Guarded by the channel's mu.
	e         modality.Engagement
	queue     string          // "" while with the receptionist
	router    modality.Router // the router it was handed to, or nil
	agent     string          // with Active and a router: the connected agent
	ended     bool
	detached  time.Time // when its last socket closed; zero while attached
	place     modality.Place
	reception bool // with the receptionist

	// mu orders what is said in the conversation: transcript appends and
	// frames to the socket. Lock order: mu, then the channel's mu.
	mu      sync.Mutex
	sess    *session // the attendee's socket, nil while detached
	lastSeq int64

	// turn orders what the channel says of the router's decisions and
	// what agents post: a decision does not wait on the transcript, and
	// an agent's first words come after their arrival.
	turn turn.Queue
}

var _ modality.AttendeeEnder = (*Channel)(nil)
var _ modality.Conversations = (*Channel)(nil)

// New returns a channel for the chat kind configured by cfg, or a
// *[ConfigError] naming every bad field. The channel starts no goroutine
// until a socket connects or [Channel.Run] is called.
func New(cfg Config) (*Channel, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Channel{
		cfg:      cfg,
		log:      cfg.Logger,
		services: make(map[string]*service),
		convs:    make(map[string]*conversation),
		sessions: make(map[*session]struct{}),
		proxies:  make(map[*proxy]struct{}),
	}, nil
}

// Kinds returns [modality.Chat], in a new slice.
func (c *Channel) Kinds() []modality.Kind { return []modality.Kind{modality.Chat} }

// svcLocked returns serviceID's record, creating it. The caller holds c.mu.
func (c *Channel) svcLocked(serviceID string) *service {
	svc := c.services[serviceID]
	if svc == nil {
		svc = &service{id: serviceID, capacity: -1, counts: modality.Counts{Kind: modality.Chat}}
		c.services[serviceID] = svc
	}
	return svc
}

// Open configures serviceID and starts accepting conversations on its
// chat entry points, replacing a previous setup; live conversations and
// counts are kept. s is validated with [modality.Setup.Validate]; an
// entry point of another kind is [modality.ErrUnsupported] and nothing is
// opened. The channel keeps its own copy of s: hellos and receptionist
// turns after Open follow its Anonymous and RegisteredOnly. A done ctx
// returns ctx.Err() and changes nothing.
func (c *Channel) Open(ctx context.Context, serviceID string, s modality.Setup) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.Validate(serviceID, c.Kinds()); err != nil {
		return fmt.Errorf("chatchannel: open service %q: %w", serviceID, err)
	}
	registered := make(map[string]bool, len(s.RegisteredOnly))
	for _, q := range s.RegisteredOnly {
		registered[q] = true
	}
	var reception, public *modality.Receptionist
	if s.Receptionist != nil {
		r := *s.Receptionist
		r.Options = slices.Clone(r.Options)
		reception = &r
		p := r
		p.Options = slices.DeleteFunc(slices.Clone(r.Options), func(o modality.Option) bool { return registered[o.Queue] })
		public = &p
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	svc := c.svcLocked(serviceID)
	svc.open, svc.intake = true, true
	svc.eps = slices.Clone(s.EntryPoints)
	svc.queues = slices.Clone(s.Queues)
	svc.reception, svc.public = reception, public
	svc.registered = registered
	svc.anonymous = slices.Contains(s.Anonymous, modality.Chat)
	svc.router = s.Router
	if reception != nil {
		svc.closedMsg = reception.ClosedMessage
	}
	return nil
}

// StopIntake refuses new conversations for serviceID from now on: a hello
// without a conversation gets closed{reason:"stopped"}. Live conversations
// go on and may be resumed. Not an error for a service that is not open.
// A done ctx returns ctx.Err() and changes nothing.
func (c *Channel) StopIntake(ctx context.Context, serviceID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if svc := c.services[serviceID]; svc != nil {
		svc.intake = false
	}
	return nil
}

// Remove forgets serviceID's entry points and its capacity: a hello gets
// closed{reason:"closed"} with the service's closed message until it is
// opened again. Live conversations are not ended (call
// [Channel.Disconnect]). Idempotent. A done ctx returns ctx.Err() and
// changes nothing.
func (c *Channel) Remove(ctx context.Context, serviceID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if svc := c.services[serviceID]; svc != nil {
		svc.open, svc.intake = false, false
		svc.eps, svc.queues, svc.reception, svc.public, svc.registered = nil, nil, nil, nil, nil
		svc.capacity = -1
	}
	return nil
}

// SetCapacity implements [modality.CapacitySetter]: a hello that would
// make more than maxLive conversations of serviceID live is refused with
// a "try later" system message and closed{reason:"busy"}, and is not
// counted. Negative: no limit.
func (c *Channel) SetCapacity(ctx context.Context, serviceID string, maxLive int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.svcLocked(serviceID).capacity = max(maxLive, -1)
	return nil
}

// Counts returns serviceID's chat counts. A service never opened has
// zero counts. The slice is new and belongs to the caller. A done ctx
// returns ctx.Err().
func (c *Channel) Counts(ctx context.Context, serviceID string) ([]modality.Counts, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if svc := c.services[serviceID]; svc != nil {
		return []modality.Counts{svc.counts}, nil
	}
	return []modality.Counts{{Kind: modality.Chat}}, nil
}

// Disconnect ends every live conversation of serviceID: each attendee
// gets closed{reason:"closed"} with the service's closed message (its
// receptionist's ClosedMessage, else "The contact center is closed.")
// and their socket is closed; routed engagements are hung up. Active
// ones count as completed, the others as abandoned. It returns how many
// it ended; 0 for a service with none or never opened. A done ctx
// returns ctx.Err() and ends nothing.
func (c *Channel) Disconnect(ctx context.Context, serviceID string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now := c.cfg.Now()
	c.mu.Lock()
	svc := c.services[serviceID]
	if svc == nil {
		c.mu.Unlock()
		return 0, nil
	}
	msg := svc.closedMessage()
	ended := make([]*conversation, 0, len(svc.live))
	for _, conv := range svc.live {
		ended = append(ended, conv)
	}
	for _, conv := range ended {
		c.endLocked(conv, now)
	}
	c.mu.Unlock()
	var errs []error
	for _, conv := range ended {
		c.closeConv(conv, ReasonClosed, msg)
		c.notifyWatchers(ConversationEvent{Kind: EventEnded, ServiceID: serviceID, Conversation: conv.id, Reason: ReasonClosed})
		if conv.router != nil {
			if err := conv.router.Hangup(conv.id); err != nil {
				errs = append(errs, fmt.Errorf("chatchannel: disconnect %q: router: %w", conv.id, err))
			}
		}
	}
	return len(ended), errors.Join(errs...)
}

// unregisteredText is what an attendee whose access ended is told.
const unregisteredText = "Your registration for this event has ended, and with it this conversation."

// EndAttendee implements [modality.AttendeeEnder]: every live
// conversation of the service that the attendee principal started with
// their token ends, with closed{reason: "unregistered"}; the router is
// told they left.
func (c *Channel) EndAttendee(ctx context.Context, serviceID, principal string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now := c.cfg.Now()
	c.mu.Lock()
	svc := c.services[serviceID]
	var ended []*conversation
	if svc != nil {
		for _, conv := range svc.live {
			if conv.from == principal {
				ended = append(ended, conv)
			}
		}
	}
	for _, conv := range ended {
		c.endLocked(conv, now)
	}
	c.mu.Unlock()
	var errs []error
	for _, conv := range ended {
		c.closeConv(conv, ReasonUnregistered, unregisteredText)
		c.notifyWatchers(ConversationEvent{Kind: EventEnded, ServiceID: serviceID, Conversation: conv.id, Reason: ReasonUnregistered})
		if conv.router != nil {
			if err := conv.router.Hangup(conv.id); err != nil {
				errs = append(errs, fmt.Errorf("chatchannel: end attendee %q: %q: router: %w", principal, conv.id, err))
			}
		}
	}
	return len(ended), errors.Join(errs...)
}

// endLocked ends conv at the instant at: it is forgotten and counted. The
// caller holds c.mu. It reports whether conv was live.
func (c *Channel) endLocked(conv *conversation, at time.Time) bool {
	if conv.ended {
		return false
	}
	conv.ended = true
	delete(c.convs, conv.id)
	delete(conv.svc.live, conv.id)
	n := &conv.svc.counts
	switch conv.e.State {
	case modality.Active:
		n.Active--
		n.Completed++
		if at.After(conv.e.Answered) {
			n.HandleTime += at.Sub(conv.e.Answered)
		}
	case modality.Waiting:
		n.Waiting--
		n.Abandoned++
	}
	conv.e.State, conv.e.Ended = modality.Ended, at
	return true
}

// Sweep ends every conversation whose attendee's socket has been closed
// for at least the grace ([Config.Grace]) by the channel's clock, as if
// the attendee had left (routed ones are hung up), and returns how many
// it ended; it also deletes the transcripts whose retention
// ([Channel.Retain]) has passed. [Channel.Run] calls it periodically;
// tests call it directly.
func (c *Channel) Sweep(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now := c.cfg.Now()
	var ended []*conversation
	c.mu.Lock()
	for _, conv := range c.convs {
		if !conv.detached.IsZero() && now.Sub(conv.detached) >= c.cfg.Grace {
			ended = append(ended, conv)
		}
	}
	for _, conv := range ended {
		c.endLocked(conv, now)
	}
	c.mu.Unlock()
	errs := []error{c.expireTranscripts(ctx, now)}
	for _, conv := range ended {
		c.log.V(1).Info("conversation abandoned after the grace", "service", conv.svc.id, "conversation", conv.id)
		c.closeConv(conv, ReasonAbandoned, "")
		c.notifyWatchers(ConversationEvent{Kind: EventEnded, ServiceID: conv.svc.id, Conversation: conv.id, Reason: ReasonAbandoned})
		if conv.router != nil {
			if err := conv.router.Hangup(conv.id); err != nil {
				errs = append(errs, fmt.Errorf("chatchannel: sweep %q: router: %w", conv.id, err))
			}
		}
	}
	return len(ended), errors.Join(errs...)
}

// Retain implements [modality.Retainer]: the service's transcripts are
// kept until the instant until, when [Channel.Sweep] deletes them from
// the [Transcripts] (with every conversation of the service stored by
// then), or deleted now for a zero until. kept and deleted count
// conversations. Retaining again only moves the instant.
func (c *Channel) Retain(ctx context.Context, serviceID string, until time.Time) (kept, deleted int, err error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	if until.IsZero() {
		n, err := c.cfg.Transcripts.DeleteService(ctx, serviceID)
		if err != nil {
			return 0, 0, fmt.Errorf("chatchannel: retain %q: %w", serviceID, err)
		}
		c.mu.Lock()
		if svc := c.services[serviceID]; svc != nil {
			svc.transcribed, svc.keepUntil = 0, time.Time{}
		}
		c.mu.Unlock()
		return 0, n, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	svc := c.svcLocked(serviceID)
	svc.keepUntil = until
	return svc.transcribed, 0, nil
}

// expireTranscripts deletes the transcripts whose retention has passed.
func (c *Channel) expireTranscripts(ctx context.Context, now time.Time) error {
	var due []*service
	c.mu.Lock()
	for _, svc := range c.services {
		if !svc.keepUntil.IsZero() && !now.Before(svc.keepUntil) {
			due = append(due, svc)
		}
	}
	c.mu.Unlock()
	var errs []error
	for _, svc := range due {
		n, err := c.cfg.Transcripts.DeleteService(ctx, svc.id)
		if err != nil {
			errs = append(errs, fmt.Errorf("chatchannel: deleting the transcripts of %q: %w", svc.id, err))
			continue
		}
		c.log.V(1).Info("transcripts deleted at the end of their retention", "service", svc.id, "conversations", n)
		c.mu.Lock()
		svc.transcribed, svc.keepUntil = 0, time.Time{}
		c.mu.Unlock()
	}
	return errors.Join(errs...)
}

// Run calls [Channel.Sweep] every [Config.SweepEvery] until ctx is done,
// then returns ctx.Err(). It starts no other goroutine.
func (c *Channel) Run(ctx context.Context) error {
	t := time.NewTicker(c.cfg.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if _, err := c.Sweep(ctx); err != nil && ctx.Err() == nil {
				c.log.Error(err, "sweep")
			}
		}
	}
}

// Close closes every socket (going away, 1001) without ending the
// conversations, refuses new sockets (503) and returns once every
// goroutine of the channel has exited. Idempotent.
func (c *Channel) Close() error {
	c.mu.Lock()
	c.closed = true
	sessions := make([]*session, 0, len(c.sessions))
	for s := range c.sessions {
		sessions = append(sessions, s)
	}
	proxies := make([]*proxy, 0, len(c.proxies))
	for p := range c.proxies {
		proxies = append(proxies, p)
	}
	c.mu.Unlock()
	for _, s := range sessions {
		s.kill()
	}
	for _, p := range proxies {
		p.l.Close(int(websocket.StatusGoingAway), "going away") // and the socket after it
	}
	c.wg.Wait()
	return nil
}

// Post appends an agent's message to a conversation connected to that
// agent (the router's Connected decision named agentID) and pushes it to
// the attendee's socket, if attached; a detached attendee gets it when
// they resume. It returns the stored message. Errors:
// [modality.ErrNotFound] for no live conversation of serviceID with that
// ID, [ErrNotConnected] when it is not connected to agentID,
// [ErrTranscriptInput] for an empty body or one over [MaxBody] bytes, or
// the transcript store's error. A done ctx returns ctx.Err().
func (c *Channel) Post(ctx context.Context, serviceID, conversationID, agentID, body string) (Message, error) {
	if err := ctx.Err(); err != nil {
		return Message{}, err
	}
	if len(body) > MaxBody || strings.TrimSpace(body) == "" {
		return Message{}, fmt.Errorf("chatchannel: post to %q: %w: a body of %d bytes (1 to %d, not only spaces)", conversationID, ErrTranscriptInput, len(body), MaxBody)
	}
	conv, err := c.agentConv(serviceID, conversationID, agentID)
	if err != nil {
		return Message{}, fmt.Errorf("chatchannel: post to %q: %w", conversationID, err)
	}
	// In turn: after what the channel says of the router's decisions
	// (the agent's arrival first, then what they write).
	var (
		m    Message
		serr error
	)
	if err := conv.turn.Do(ctx, &c.wg, func() { m, _, serr = c.say(ctx, conv, Message{Author: "agent:" + agentID, Body: body}, false) }); err != nil {
		return Message{}, fmt.Errorf("chatchannel: post to %q: %w", conversationID, err)
	}
	if serr != nil {
		return Message{}, fmt.Errorf("chatchannel: post to %q: %w", conversationID, serr)
	}
	return m, nil
}

// Typing tells the attendee of a conversation connected to agentID that
// the agent is typing (typing{author:"agent:<id>"}), if they are
// attached. Errors as [Channel.Post].
func (c *Channel) Typing(ctx context.Context, serviceID, conversationID, agentID string) error {
	return c.agentSignal(ctx, serviceID, conversationID, agentID, typingFrame{Type: frameTyping, Author: "agent:" + agentID})
}

// MarkRead tells the attendee of a conversation connected to agentID
// that the agent has read up to seq upToSeq (read{author, up_to_seq}).
// Errors as [Channel.Post].
func (c *Channel) MarkRead(ctx context.Context, serviceID, conversationID, agentID string, upToSeq int64) error {
	return c.agentSignal(ctx, serviceID, conversationID, agentID, readFrame{Type: frameRead, Author: "agent:" + agentID, UpToSeq: upToSeq})
}

func (c *Channel) agentSignal(ctx context.Context, serviceID, conversationID, agentID string, frame any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	conv, err := c.agentConv(serviceID, conversationID, agentID)
	if err != nil {
		return fmt.Errorf("chatchannel: signal %q: %w", conversationID, err)
	}
	c.emit(conv, frame)
	return nil
}

func (c *Channel) agentConv(serviceID, conversationID, agentID string) (*conversation, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	conv := c.convs[conversationID]
	switch {
	case conv == nil || conv.svc.id != serviceID:
		return nil, modality.ErrNotFound
	case conv.e.State != modality.Active || conv.agent != agentID || agentID == "":
		return nil, ErrNotConnected
	}
	return conv, nil
}

// Messages returns the transcript of serviceID's conversation
// conversationID above afterSeq, in seq order, from the transcript store:
// ended conversations too, as long as the store keeps them. A
// conversation of another service is [modality.ErrNotFound]. The slice
// belongs to the caller. A done ctx returns ctx.Err().
func (c *Channel) Messages(ctx context.Context, serviceID, conversationID string, afterSeq int64) ([]Message, error) {
	msgs, err := c.cfg.Transcripts.Since(ctx, conversationID, afterSeq)
	if err != nil {
		return nil, fmt.Errorf("chatchannel: messages of %q: %w", conversationID, err)
	}
	for _, m := range msgs {
		if m.ServiceID != serviceID {
			return nil, fmt.Errorf("chatchannel: messages of %q: %w", conversationID, modality.ErrNotFound)
		}
	}
	return msgs, nil
}

// EventKind says what a [ConversationEvent] reports: modality's
// ConversationEventKind.
type EventKind = modality.ConversationEventKind

const (
	EventStarted = modality.ConversationStarted // a conversation started (arrived)
	EventMessage = modality.ConversationMessage // a message was added to the transcript (Message)
	EventTyping  = modality.ConversationTyping  // the attendee is typing
	EventRead    = modality.ConversationRead    // the attendee read up to UpToSeq
	EventEnded   = modality.ConversationEnded   // the conversation ended (Reason: a closed frame's reason or the router's outcome)
)

// ConversationEvent is what [Channel.Watch] reports: modality's.
type ConversationEvent = modality.ConversationEvent

// Watch calls fn with every event of serviceID's conversations until the
// returned stop is called: what an agent UI shows. fn is called from the
// goroutine that caused the event, outside the channel's locks, so it
// must be safe for concurrent use and must not block; the events of one
// conversation's attendee come in order. stop is idempotent; after it
// returns fn is not called again by events that start afterwards.
func (c *Channel) Watch(serviceID string, fn func(ConversationEvent)) (stop func()) {
	return c.watchers.Add(serviceID, fn)
}

func (c *Channel) notifyWatchers(ev ConversationEvent) { c.watchers.Notify(ev.ServiceID, ev) }

// newID returns a random, unguessable identifier: a conversation's ID is
// what an anonymous attendee resumes with.
func newID(prefix string) string { return prefix + rand.Text() }
