package contactcenter

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/internal/configerr"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/scaling"
	"github.com/eventcc/eventcc/template"
)

// Config configures a Lifecycle. Adapters are required unless a default
// is documented; New validates the whole Config and reports every problem
// at once. The Lifecycle keeps its own copy: changing cfg after New has no
// effect.
type Config struct {
	// Store keeps services, plans and journals. Required.
	Store Store
	// Provisioner holds server space, licences, agents and supervisors.
	// Required.
	Provisioner Provisioner
	// Roster is the people the scaler deploys as agents. Default: each
	// agent seat the Provisioner holds is an anonymous person, named by
	// the seat's ID, with every skill the service's queues require.
	Roster Roster
	// Access keeps agents' and supervisors' grants. Required.
	Access access.Store
	// Numbers is the pool of telephone numbers. Required. A service
	// claims numbers that carry what it offers (Voice for telephony, SMS
	// for SMS): a number added without Capabilities is never claimed by
	// one.
	Numbers numbermap.Store
	// Channels carry engagements; each modality kind is served by at most
	// one channel. At least one is required.
	Channels []modality.Channel
	// EventSystem is shown each service's entry points. Required.
	EventSystem EventSystem
	// Traffic reports traffic for scaling. Default: the channels' counts
	// ([NewChannelTraffic]).
	Traffic scaling.TrafficSource
	// Policy recommends agents from traffic. Default: scaling.Erlang,
	// which staffs each modality for the template's service level
	// (staffing.serviceLevel) on a forecast of its arrivals.
	Policy scaling.Policy
	// Templates are the templates requests may name. Default:
	// template.Builtin().
	Templates *template.Catalog
	// Now is the clock every time decision goes through. Default:
	// time.Now. Tests and simulations pass a controlled clock.
	Now func() time.Time
	// Logger receives the lifecycle's logs. Default: logs nothing.
	Logger logr.Logger
	// TickInterval is how often Run calls Tick. Default: 1s.
	TickInterval time.Duration
	// Retry shapes the backoff between attempts of a failing step.
	// Zero fields take their defaults.
	Retry Retry
	// BaseURL is where video and chat entry points live:
	// BaseURL/<service>/<kind>. Default: "https://eventcc.invalid".
	BaseURL string
	// Owner names this Lifecycle among replicas that share one Store.
	// Set it, distinct per replica, to run several Lifecycles on one
	// Store: the Store must then implement [Leaser], and each Lifecycle
	// drives only the services it holds a lease on. Empty (the default):
	// this Lifecycle is the Store's only driver.
	Owner string
	// Parallelism is how many services a Tick advances at once. With a
	// store whose writes wait on a disk or a network (PostgreSQL), more
	// than one keeps the store busy while a service waits. With more than
	// one, subscribers are called from several goroutines at once (events
	// of one service still come in order). Default: 1.
	Parallelism int
	// Engagements, if set, keeps a durable record of every engagement the
	// services' routers handle, written as they decide (batched, at each
	// Tick): what a replica taking a service over rebuilds its router
	// from. contactcenter/pgstore implements it. Default: none; the
	// routers' state lives only in the process driving each service.
	Engagements routing.Records
	// Relay, if set, carries agents' actions on a service that land on
	// this replica, while another drives the service, to that one, and
	// the engagement events of the agents whose sessions were opened
	// here back (see [Lifecycle.Desk]). It needs Owner, and a Store
	// that is a [Locator]. pgstore's relay uses LISTEN/NOTIFY. Default:
	// none; Desk answers ErrElsewhere for a service driven elsewhere.
	Relay Relay
	// Rates, if set, put a cost on each service's report.
	Rates *Rates
	// LeaseTTL is how long, on the lifecycle's clock, a replica's lease on
	// a service lasts without renewal; each Tick renews it. A replica that
	// dies is replaced after at most LeaseTTL plus one tick. Used only
	// with Owner. Default: 30s.
	LeaseTTL time.Duration
}

// Retry shapes how plan steps that fail transiently are retried. Waits
// are measured on the lifecycle's clock: a step due for retry runs at the
// first Tick at or after its time.
type Retry struct {
	Initial time.Duration // first wait; default 1s
	Max     time.Duration // longest wait; default 1m
	// MaxElapsed bounds how long a deploy step is retried before its
	// failure counts as permanent and the deploy is undone; default 15m.
	// Closing steps are retried without bound: a teardown is never
	// abandoned.
	MaxElapsed time.Duration
}

// Lifecycle runs event contact centers from request to verified teardown.
// Hosts create one with New, submit requests, report event changes, and
// drive it with Run (or Tick, on a simulated clock).
//
// A Lifecycle is safe for concurrent use. Work on one service is
// serialised; work on different services is independent.
type Lifecycle struct {
	cfg      Config
	log      logr.Logger
	channels map[modality.Kind]modality.Channel
	policy   scaling.Policy
	planner  planner // turns requests into plans
	journal  journal // stores services and plans' journals
	ports    ports   // does the work on the adapters
	reg      registry
	relays   relays
	links    links // attendees' sockets to and from other replicas

	wake     chan struct{}
	stopping chan struct{} // closed by Close: Run returns

	mu      sync.Mutex
	closed  bool
	subs    []subscriber
	nextSub int
	running sync.WaitGroup // in-flight method calls, for Close
}

// New validates cfg and returns a Lifecycle. It validates cfg as given,
// before it applies the defaults, and refuses it with a *[ConfigError]
// naming every bad field at once. It does no I/O: services in the Store
// are loaded by the first Tick.
func New(cfg Config) (*Lifecycle, error) {
	channels, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	cfg.setDefaults()
	l := &Lifecycle{
		cfg:      cfg,
		log:      cfg.Logger.WithName("contactcenter"),
		channels: channels,
		policy:   cfg.Policy,
		planner:  planner{templates: cfg.Templates, channels: channels},
		journal:  newJournal(cfg.Store),
		reg:      registry{store: cfg.Store, owner: cfg.Owner, ttl: cfg.LeaseTTL, services: make(map[string]*entry)},
		wake:     make(chan struct{}, 1),
		stopping: make(chan struct{}),
	}
	l.ports = ports{cfg: &l.cfg, channels: channels, line: func(id string) *line {
		if e, ok := l.reg.lookup(id); ok {
			return e.line.Load()
		}
		return nil
	}}
	l.reg.ports, l.reg.log = l.ports, l.log
	if cfg.Relay != nil {
		// Sockets and messages of services another replica drives go
		// there.
		for _, ch := range cfg.Channels {
			if s, ok := ch.(modality.LinkServer); ok {
				s.SetForwarder(l)
			}
			if s, ok := ch.(modality.MessageServer); ok {
				s.SetMessageForwarder(l)
			}
		}
	}
	return l, nil
}

// validate reports every problem of cfg as given, before defaults, at
// once, as a *ConfigError in the order of the fields; and the channel
// serving each modality kind.
func (cfg *Config) validate() (map[modality.Kind]modality.Channel, error) {
	c := configerr.New("contactcenter.Config")
	required := func(field string, missing bool) {
		if missing {
			c.Add(field, "required")
		}
	}
	required("Store", cfg.Store == nil)
	required("Provisioner", cfg.Provisioner == nil)
	required("Access", cfg.Access == nil)
	required("Numbers", cfg.Numbers == nil)
	if len(cfg.Channels) == 0 {
		c.Add("Channels", "at least one channel is required")
	}
	channels := make(map[modality.Kind]modality.Channel)
	servedBy := make(map[modality.Kind]int) // index in cfg.Channels
	for i, ch := range cfg.Channels {
		field := fmt.Sprintf("Channels[%d]", i)
		if ch == nil {
			c.Add(field, "nil")
			continue
		}
		dups := make(map[int][]string) // quoted kinds, by the channel already serving them
		var earlier []int
		for _, k := range ch.Kinds() {
			if j, dup := servedBy[k]; dup {
				if dups[j] == nil {
					earlier = append(earlier, j)
				}
				dups[j] = append(dups[j], strconv.Quote(string(k)))
				continue
			}
			channels[k], servedBy[k] = ch, i
		}
		for _, j := range earlier {
			if len(dups[j]) == 1 {
				c.Add(field, "kind %s is already served by Channels[%d]", dups[j][0], j)
			} else {
				c.Add(field, "kinds %s are already served by Channels[%d]", strings.Join(dups[j], ", "), j)
			}
		}
	}
	required("EventSystem", cfg.EventSystem == nil)
	negative := func(field string, d time.Duration) {
		if d < 0 {
			c.Add(field, "%v is negative", d)
		}
	}
	negative("TickInterval", cfg.TickInterval)
	negative("Retry.Initial", cfg.Retry.Initial)
	if cfg.Retry.Initial > 0 && cfg.Retry.Max > 0 && cfg.Retry.Initial > cfg.Retry.Max {
		c.Add("Retry.Initial", "%v exceeds Retry.Max %v", cfg.Retry.Initial, cfg.Retry.Max)
	}
	negative("Retry.Max", cfg.Retry.Max)
	negative("Retry.MaxElapsed", cfg.Retry.MaxElapsed)
	if cfg.Owner != "" {
		if _, ok := cfg.Store.(Leaser); cfg.Store != nil && !ok {
			c.Add("Owner", "%q is set, but the Store (%T) does not implement Leaser", cfg.Owner, cfg.Store)
		}
	}
	if cfg.Relay != nil {
		if cfg.Owner == "" {
			c.Add("Relay", "set without Owner: a relay addresses replicas by their owner name")
		}
		if _, ok := cfg.Store.(Locator); cfg.Store != nil && !ok {
			c.Add("Relay", "set, but the Store (%T) does not implement Locator: nobody could tell which replica drives a service", cfg.Store)
		}
	}
	if cfg.Parallelism < 0 {
		c.Add("Parallelism", "%d is negative", cfg.Parallelism)
	}
	negative("LeaseTTL", cfg.LeaseTTL)
	return channels, c.Err()
}

// setDefaults fills in the fields left zero, and copies what the caller
// could change behind the Lifecycle's back.
func (cfg *Config) setDefaults() {
	cfg.Channels = append([]modality.Channel(nil), cfg.Channels...)
	if cfg.Traffic == nil {
		cfg.Traffic = NewChannelTraffic(cfg.Channels...)
	}
	if cfg.Policy == nil {
		cfg.Policy = scaling.Erlang{}
	}
	if cfg.Templates == nil {
		cfg.Templates = template.Builtin()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.TickInterval == 0 {
		cfg.TickInterval = time.Second
	}
	if cfg.Retry.Initial == 0 {
		cfg.Retry.Initial = time.Second
	}
	if cfg.Retry.Max == 0 {
		cfg.Retry.Max = time.Minute
	}
	if cfg.Retry.Initial > cfg.Retry.Max {
		cfg.Retry.Initial = cfg.Retry.Max
	}
	if cfg.Retry.MaxElapsed == 0 {
		cfg.Retry.MaxElapsed = 15 * time.Minute
	}
	if cfg.LeaseTTL == 0 {
		cfg.LeaseTTL = 30 * time.Second
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://eventcc.invalid"
	}
}

// now reads the lifecycle's clock.
func (l *Lifecycle) now() time.Time { return l.cfg.Now() }

// enter registers a method call; it fails once the Lifecycle is closed.
func (l *Lifecycle) enter() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	l.running.Add(1)
	return nil
}

func (l *Lifecycle) leave() { l.running.Done() }

// Close stops the Lifecycle: later calls return ErrClosed, and Close
// waits for calls in progress to return. It does not stop services:
// their state is in the Store, and another Lifecycle on the same Store
// picks them up. Close is idempotent.
func (l *Lifecycle) Close() error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.stopping)
	}
	l.mu.Unlock()
	l.running.Wait()
	l.closeLinks()
	l.stopRelay()
	return nil
}

// Subscribe calls fn with every event from now on, synchronously, in the
// order they happen, from the goroutine doing the work. fn must not block
// and must not call the Lifecycle. The returned function unsubscribes.
func (l *Lifecycle) Subscribe(fn func(Event)) (unsubscribe func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	id := l.nextSub
	l.nextSub++
	// Copy on write: emit reads the slice without holding the lock.
	l.subs = append(l.subs[:len(l.subs):len(l.subs)], subscriber{id, fn})
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		kept := make([]subscriber, 0, len(l.subs))
		for _, s := range l.subs {
			if s.id != id {
				kept = append(kept, s)
			}
		}
		l.subs = kept
	}
}

type subscriber struct {
	id int
	fn func(Event)
}

func (l *Lifecycle) emit(e Event) {
	l.mu.Lock()
	subs := l.subs
	l.mu.Unlock()
	for _, s := range subs {
		s.fn(e)
	}
}

// Get returns a copy of a service, or an error wrapping ErrNotFound.
func (l *Lifecycle) Get(ctx context.Context, id string) (Service, error) {
	if err := l.enter(); err != nil {
		return Service{}, err
	}
	defer l.leave()
	return l.cfg.Store.Get(ctx, id)
}

// List returns copies of the services in any of states (all when none
// given), sorted by ID.
func (l *Lifecycle) List(ctx context.Context, states ...State) ([]Service, error) {
	if err := l.enter(); err != nil {
		return nil, err
	}
	defer l.leave()
	return l.cfg.Store.List(ctx, states...)
}

// Run drives services until ctx is done: it calls Tick every
// Config.TickInterval of real time, and at once after a request or an
// event change. It returns ctx's error, or ErrClosed after Close. Tick
// errors are logged and retried on the next tick.
func (l *Lifecycle) Run(ctx context.Context) error {
	if err := l.enter(); err != nil {
		return err
	}
	defer l.leave()
	t := time.NewTicker(l.cfg.TickInterval)
	defer t.Stop()
	for {
		if err := l.tick(ctx); err != nil && ctx.Err() == nil {
			l.log.Error(err, "tick")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-l.stopping:
			return ErrClosed
		case <-t.C:
		case <-l.wake:
		}
	}
}

func (l *Lifecycle) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Tick does everything due at the clock's current time: deploys due
// services, opens and stops intake at the term's bounds, scales active
// services, runs closing plans at expiry, and retries steps whose backoff
// has passed. It returns the errors of services it could not advance,
// joined; each service's failure is also reported by events and does not
// stop the others. A service whose deploy failed permanently during this
// Tick (it is now Failed, its deploy undone) is among them, wrapping
// [ErrFailed], so a host that only looks at Tick's error sees it.
func (l *Lifecycle) Tick(ctx context.Context) error {
	if err := l.enter(); err != nil {
		return err
	}
	defer l.leave()
	return l.tick(ctx)
}

func (l *Lifecycle) tick(ctx context.Context) error {
	l.startRelay()
	now := l.now()
	errs, err := l.reg.own(ctx, now)
	if err != nil {
		return err
	}
	errs = append(errs, l.advanceAll(ctx, l.reg.driven(), now)...)
	if err := ctx.Err(); err != nil {
		return err
	}
	l.reg.forgetFinal()
	return errors.Join(errs...)
}

// advanceAll advances the due services, Config.Parallelism at a time, and
// returns their errors.
func (l *Lifecycle) advanceAll(ctx context.Context, due []*entry, now time.Time) []error {
	var (
		mu   sync.Mutex
		errs []error
	)
	work := func(e *entry) {
		if ctx.Err() != nil {
			return
		}
		if err := l.advance(ctx, e, now); err != nil && ctx.Err() == nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	}
	if l.cfg.Parallelism <= 1 {
		for _, e := range due {
			work(e)
		}
		return errs
	}
	next := make(chan *entry)
	var wg sync.WaitGroup
	for range min(l.cfg.Parallelism, len(due)) {
		wg.Go(func() {
			for e := range next {
				work(e)
			}
		})
	}
	for _, e := range due {
		next <- e
	}
	close(next)
	wg.Wait()
	return errs
}
