// Package messagingchannel is the modality.Channel of SMS and social
// messaging: attendees text the event's number or message its account,
// the providers post each message to the channel's webhook (one
// messaging.Provider per provider, mounted at "/<provider name>"), and
// the replies go back through the provider.
//
//	ch, err := messagingchannel.New(messagingchannel.Config{Providers: []messaging.Provider{sms, whatsapp}})
//	mux.Handle("/messaging/", http.StripPrefix("/messaging", ch)) // webhooks at /messaging/twilio, /messaging/whatsapp
//	go ch.Run(ctx) // idle conversations end; replies the provider failed are sent again
//
// # Conversations
//
// The messages one sender sends to one service's address (its number,
// its account) are one conversation, one engagement, until it ends: an
// agent ends it, the attendee goes quiet for Config.IdleTimeout, or the
// service closes. The virtual receptionist answers first, where the
// entry point has no queue: its greeting and menu as text, an option
// chosen by its key or label, an answer, or a hand-off to a queue, and
// the service's router (modality.Setup.Router) offers it to an agent.
// Agents reply through the channel's modality.Conversations (Post): the
// contactcenter desk and desktop, as chat.
//
// # Delivery
//
// A provider's message ID is taken once (providers retry deliveries);
// a conversation's replies go out in order, one at a time. A reply the
// provider fails to take is sent again with backoff on the channel's
// clock ([Channel.Sweep]), with the same Ref; one refused for good, or
// still failing after Config.Retry.MaxElapsed, is reported as a
// ConversationUndelivered event, never dropped silently. So is a Failed
// status the provider reports later.
//
// A reply in a conversation is kept in Config.Outbox from before its
// first attempt until the provider takes it. The process that opens the
// service next (after a restart, or a replica taking the service over
// from one that died) sends what the outbox holds for it, in order, and
// takes the statuses of the replies others sent. A reply may so reach
// the attendee twice, with the same Ref, never not at all. Replies
// outside a conversation (a retired number's, a closed service's) are
// not kept: the attendee who writes again is answered again.
//
// # Replicas
//
// A provider posts each message to whichever replica its webhook
// reaches. A channel given a modality.MessageForwarder (the
// contactcenter lifecycle gives itself, with a Relay) hands a message
// for a service it does not serve to the replica that drives it, found
// by the number pool's lease (SMS) or by the account (social, through
// the Store's contactcenter.AccountIndex), and answers the webhook 200
// once that replica's channel has taken it. A service open nowhere is
// answered with its closed message from any replica; a replica that
// cannot be reached, or a message over modality.MaxForwardedMessage
// bytes as forwarded, is answered 503, untaken, for the provider to
// deliver it again.
//
// # Bad input
//
// A request over messaging.MaxBody is 413; one the provider does not
// authenticate 401 (or the provider's 403), with nothing recorded; one
// it cannot read 400; an event it does not take 200, ignored.
package messagingchannel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"

	"github.com/eventcc/eventcc/internal/configerr"
	"github.com/eventcc/eventcc/internal/watch"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/outbox"
	"github.com/eventcc/eventcc/modality/transcript"
	"github.com/eventcc/eventcc/numbermap"
)

// Defaults of Config.
const (
	DefaultIdleTimeout = 30 * time.Minute
	DefaultSweepEvery  = 5 * time.Second
)

// Retry says how a reply the provider failed to take is sent again:
// after Initial, doubling up to Max, until MaxElapsed since the first
// attempt. Zero fields take 2 s, 1 min and 15 min.
type Retry struct {
	Initial, Max, MaxElapsed time.Duration
}

// Config configures a Channel.
type Config struct {
	// Providers are the providers whose webhooks the channel serves, at
	// "/<Name()>"; at least one, names unique. Their kinds are the
	// channel's.
	Providers []messaging.Provider
	// Transcripts keeps the conversations' messages. Default: in memory.
	Transcripts transcript.Store
	// Outbox keeps the replies in conversations until the provider takes
	// them, for the replica that opens the service next (after a restart,
	// or taking it over) to send what this one could not. Share a
	// durable one between replicas (contactcenter/pgstore's). Default: in
	// memory.
	Outbox outbox.Store
	// IdleTimeout ends a conversation in which nobody wrote for this
	// long, for a service whose setup says nothing
	// (modality.Setup.IdleTimeout). Default 30 minutes.
	IdleTimeout time.Duration
	Retry       Retry
	// SweepEvery is how often Run calls Sweep. Default 5 seconds.
	SweepEvery time.Duration
	// Numbers, if set, is the number pool: an SMS to a number is routed
	// as it says at the message's instant, so that from a service's
	// expiry its numbers answer per the post-term policy: a forwarded
	// number replies where the line has moved, an announcing one its
	// announcement, a vacant one nothing. An SMS to a number a service
	// leases that is not open here (another replica drives it, or its
	// term has not opened) is answered 503 and not taken, for the
	// provider to deliver it again. Nil: an SMS goes to the service whose
	// entry point has the number, or to nobody.
	Numbers numbermap.Store
	// LookupTimeout bounds a number's look-up. Default 2 seconds.
	LookupTimeout time.Duration
	// Now is the clock of every time decision. Default time.Now.
	Now    func() time.Time
	Logger logr.Logger
}

// ConfigError is the error New returns for a Config it refuses.
type ConfigError = configerr.Error

// Channel is the messaging channel. Make one with New. It is safe for
// concurrent use.
type Channel struct {
	cfg       Config
	log       logr.Logger
	providers map[string]messaging.Provider
	kinds     []modality.Kind

	mu       sync.Mutex
	services map[string]*service
	byAddr   map[string]*service // kind + "\x00" + address → service
	convs    map[string]*conv    // by key (service, provider, sender)
	byID     map[string]*conv    // by conversation ID
	seen     map[string]time.Time
	byRef    map[string]*outbound // replies waiting for a status, by provider ID
	queued   map[string]bool      // the Refs of the replies on their way here
	pending  map[*conv]struct{}   // conversations with replies to send, ended ones too
	forgot   time.Time            // when Sweep last had the outbox forget old replies
	watchers watch.Set[modality.ConversationEvent]
	fwd      modality.MessageForwarder // nil: messages are taken here or not at all
	wg       sync.WaitGroup            // sending goroutines
}

var (
	_ modality.Channel       = (*Channel)(nil)
	_ modality.Conversations = (*Channel)(nil)
	_ modality.MessageServer = (*Channel)(nil)
	_ http.Handler           = (*Channel)(nil)
)

// service is what the channel holds for one service.
type service struct {
	id        string
	open      bool
	intake    bool
	setup     modality.Setup
	closedMsg string
	counts    map[modality.Kind]*modality.Counts
}

// New returns a channel for cfg, or a *ConfigError naming every bad
// field.
func New(cfg Config) (*Channel, error) {
	c := configerr.New("messagingchannel.Config")
	providers := map[string]messaging.Provider{}
	var kinds []modality.Kind
	if len(cfg.Providers) == 0 {
		c.Add("Providers", "at least one provider is required")
	}
	for i, p := range cfg.Providers {
		switch {
		case p == nil:
			c.Add(fmt.Sprintf("Providers[%d]", i), "is nil")
			continue
		case p.Name() == "" || strings.ContainsAny(p.Name(), "/?#"):
			c.Add(fmt.Sprintf("Providers[%d]", i), "name %q is not a path segment", p.Name())
		case providers[p.Name()] != nil:
			c.Add(fmt.Sprintf("Providers[%d]", i), "name %q is taken by another provider", p.Name())
		case p.Kind() != modality.SMS && p.Kind() != modality.Social:
			c.Add(fmt.Sprintf("Providers[%d]", i), "kind %q is neither sms nor social", p.Kind())
		}
		providers[p.Name()] = p
		if !slices.Contains(kinds, p.Kind()) {
			kinds = append(kinds, p.Kind())
		}
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"IdleTimeout", cfg.IdleTimeout}, {"LookupTimeout", cfg.LookupTimeout}, {"SweepEvery", cfg.SweepEvery}, {"Retry.Initial", cfg.Retry.Initial}, {"Retry.Max", cfg.Retry.Max}, {"Retry.MaxElapsed", cfg.Retry.MaxElapsed}} {
		if f.d < 0 {
			c.Add(f.name, "%v is negative", f.d)
		}
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	if cfg.Transcripts == nil {
		cfg.Transcripts = transcript.NewMem()
	}
	if cfg.Outbox == nil {
		cfg.Outbox = outbox.NewMem()
	}
	cfg.IdleTimeout = or(cfg.IdleTimeout, DefaultIdleTimeout)
	cfg.LookupTimeout = or(cfg.LookupTimeout, 2*time.Second)
	cfg.SweepEvery = or(cfg.SweepEvery, DefaultSweepEvery)
	cfg.Retry.Initial = or(cfg.Retry.Initial, 2*time.Second)
	cfg.Retry.Max = or(cfg.Retry.Max, time.Minute)
	cfg.Retry.MaxElapsed = or(cfg.Retry.MaxElapsed, 15*time.Minute)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Channel{cfg: cfg, log: cfg.Logger.WithName("messagingchannel"), providers: providers, kinds: kinds,
		services: map[string]*service{}, byAddr: map[string]*service{}, convs: map[string]*conv{}, byID: map[string]*conv{},
		seen: map[string]time.Time{}, byRef: map[string]*outbound{}, queued: map[string]bool{}, pending: map[*conv]struct{}{}}, nil
}

func or(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// Kinds returns the kinds of the channel's providers, in a new slice.
func (c *Channel) Kinds() []modality.Kind { return slices.Clone(c.kinds) }

// addrKey is the index key of an address of kind.
func addrKey(k modality.Kind, addr string) string { return string(k) + "\x00" + addr }

// Open configures serviceID's entry points (their addresses: the numbers
// and accounts attendees write to) and starts taking its conversations.
func (c *Channel) Open(ctx context.Context, serviceID string, s modality.Setup) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.Validate(serviceID, c.kinds); err != nil {
		return err
	}
	// What the outbox holds for the service: replies another process
	// (or this one, before a restart) did not get the provider to take.
	held, err := c.cfg.Outbox.Pending(ctx, serviceID)
	if err != nil {
		return fmt.Errorf("messagingchannel: open %s: the replies on their way: %w", serviceID, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ep := range s.EntryPoints {
		// A removed service keeps its addresses, to answer with its
		// closed message, until another service takes them (a number
		// leased anew after aging).
		if other := c.byAddr[addrKey(ep.Kind, ep.Address)]; other != nil && other.id != serviceID && other.open {
			return fmt.Errorf("messagingchannel: open %s: %s %s is %s's: %w", serviceID, ep.Kind, ep.Address, other.id, modality.ErrUnsupported)
		}
	}
	svc := c.services[serviceID]
	if svc == nil {
		svc = &service{id: serviceID, counts: map[modality.Kind]*modality.Counts{}}
		for _, k := range c.kinds {
			svc.counts[k] = &modality.Counts{Kind: k}
		}
		c.services[serviceID] = svc
	}
	c.unindex(svc)
	svc.open, svc.intake, svc.setup = true, true, s
	if s.Receptionist != nil {
		svc.closedMsg = s.Receptionist.ClosedMessage
	}
	for _, ep := range s.EntryPoints {
		c.byAddr[addrKey(ep.Kind, ep.Address)] = svc
	}
	c.resume(svc, held)
	return nil
}

// resume queues the replies of svc the outbox held that are not on
// their way here already, each conversation's in order, and starts
// sending them; c.mu is held. Their conversations live on another
// replica, or lived before a restart: each reply goes out as if its
// conversation had ended, and an undelivered one is reported as ever.
func (c *Channel) resume(svc *service, held []outbox.Reply) {
	now := c.cfg.Now()
	convs := map[string]*conv{}
	for _, r := range held {
		p := c.providers[r.Provider]
		if c.queued[r.Ref] || p == nil {
			if p == nil {
				c.log.Info("a reply of a provider this channel does not have is left in the outbox", "service", svc.id, "provider", r.Provider, "ref", r.Ref)
			}
			continue
		}
		cv := convs[r.Message.Conversation]
		if cv == nil {
			cv = &conv{id: r.Message.Conversation, svc: svc, p: p, to: r.To, as: r.From, ended: true}
			convs[cv.id] = cv
		}
		cv.out = append(cv.out, &outbound{conv: cv, msg: r.Message, ref: r.Ref, first: r.First, next: now, wait: c.cfg.Retry.Initial})
		c.queued[r.Ref] = true
	}
	for _, cv := range convs {
		c.log.Info("sending the replies a former process left", "service", svc.id, "conversation", cv.id, "replies", len(cv.out))
		c.pending[cv] = struct{}{}
		c.kickLocked(cv, now)
	}
}

func (c *Channel) unindex(svc *service) {
	for _, ep := range svc.setup.EntryPoints {
		if c.byAddr[addrKey(ep.Kind, ep.Address)] == svc {
			delete(c.byAddr, addrKey(ep.Kind, ep.Address))
		}
	}
}

// StopIntake refuses new conversations for serviceID; live ones go on.
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

// Remove forgets serviceID's addresses. A message to one afterwards
// gets the service's closed message, if the channel knew it.
func (c *Channel) Remove(ctx context.Context, serviceID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if svc := c.services[serviceID]; svc != nil {
		svc.open, svc.intake = false, false
	}
	return nil
}

// Counts returns serviceID's counts per kind of the channel.
func (c *Channel) Counts(ctx context.Context, serviceID string) ([]modality.Counts, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]modality.Counts, len(c.kinds))
	for i, k := range c.kinds {
		out[i] = modality.Counts{Kind: k}
		if svc := c.services[serviceID]; svc != nil {
			out[i] = *svc.counts[k]
		}
	}
	return out, nil
}

// ServeHTTP serves the providers' webhooks at "/<provider name>",
// relative to where the host mounts the channel.
func (c *Channel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := c.providers[strings.TrimPrefix(r.URL.Path, "/")]
	if p == nil {
		http.Error(w, "messagingchannel: no provider here", http.StatusNotFound)
		return
	}
	log := c.log.WithValues("provider", p.Name(), "remote", r.RemoteAddr)
	body, err := io.ReadAll(io.LimitReader(r.Body, messaging.MaxBody+1))
	if err != nil {
		http.Error(w, "messagingchannel: reading the body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if len(body) > messaging.MaxBody {
		log.Info("webhook refused: too large")
		http.Error(w, "messagingchannel: request too large", http.StatusRequestEntityTooLarge)
		return
	}
	d, err := p.Parse(r, body)
	var ue *messaging.UnauthorizedError
	switch {
	case errors.As(err, &ue):
		log.Info("webhook refused: not authenticated", "reason", ue.Reason)
		http.Error(w, "messagingchannel: not authenticated", ue.Status)
		return
	case errors.Is(err, messaging.ErrUnauthorized):
		log.Info("webhook refused: not authenticated", "error", err.Error())
		http.Error(w, "messagingchannel: not authenticated", http.StatusUnauthorized)
		return
	case err != nil:
		log.Info("webhook refused: malformed", "error", err.Error())
		http.Error(w, "messagingchannel: malformed: "+err.Error(), http.StatusBadRequest)
		return
	}
	for _, s := range d.Statuses {
		if err := c.status(r.Context(), p, s); err != nil {
			log.Error(err, "status not taken; the provider retries")
			http.Error(w, "messagingchannel: try again", http.StatusServiceUnavailable)
			return
		}
	}
	for _, m := range d.Messages {
		if err := c.inbound(r.Context(), p, m); err != nil {
			// The provider delivers it again later (and it is not taken
			// meanwhile: its ID was not recorded).
			log.Error(err, "message not taken; the provider retries")
			http.Error(w, "messagingchannel: try again", http.StatusServiceUnavailable)
			return
		}
	}
	if d.Respond != nil {
		d.Respond(w)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// Watch calls fn with every event of serviceID's conversations until the
// returned stop is called; fn must not block.
func (c *Channel) Watch(serviceID string, fn func(modality.ConversationEvent)) (stop func()) {
	return c.watchers.Add(serviceID, fn)
}

func (c *Channel) notify(ev modality.ConversationEvent) { c.watchers.Notify(ev.ServiceID, ev) }

// Run calls Sweep every Config.SweepEvery until ctx is done.
func (c *Channel) Run(ctx context.Context) error {
	t := time.NewTicker(c.cfg.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			c.Sweep(ctx)
		}
	}
}
