// Package agentsim simulates the agents of the services a
// [contactcenter.Lifecycle] drives: people who sign in at the service's
// desk when they are put on duty, accept each engagement offered to
// them after an answer delay, and end it after a handle time. Examples,
// tests and load runs use it to run a contact center without people;
// everything it does goes through the same desk, tokens and router a
// real agent's desktop would use.
//
// Time is the lifecycle's: [Agents.Step] does what is due at the
// clock's time, so a test on a simulated clock calls it after each
// advance, and [Agents.Run] calls it on a real-time ticker.
package agentsim

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/desk"
	"github.com/eventcc/eventcc/internal/configerr"
	"github.com/eventcc/eventcc/modality/routing"
)

// Authority issues the agents' tokens; *access.Authority implements it.
type Authority interface {
	ListByService(ctx context.Context, serviceID string) ([]access.Grant, error)
	IssueToken(ctx context.Context, grantID string) (string, access.Credential, error)
}

// Config configures the simulated agents.
type Config struct {
	Lifecycle *contactcenter.Lifecycle // required
	Authority Authority                // required: issues each person's token
	Now       func() time.Time         // the lifecycle's clock; required
	// AnswerDelay is how long an agent takes to accept an offer. 0:
	// at once (at the next Step).
	AnswerDelay time.Duration
	// HandleTime is the mean time from accepting an engagement to
	// ending it; each is drawn from an exponential distribution with
	// that mean, seeded by Seed. 0: 3 minutes.
	HandleTime time.Duration
	Seed       uint64
}

// Counts says what the simulated agents did.
type Counts struct {
	SignedIn int // sessions opened
	Accepted int
	Ended    int
	Refused  int // actions the desk refused (access ended, offer gone)
}

// Agents are the simulated agents. Make them with [New]; stop them with
// [Agents.Close].
type Agents struct {
	cfg   Config
	unsub func()

	mu       sync.Mutex
	rng      *rand.Rand
	pending  map[string]bool              // services whose staff may need signing in
	sessions map[string]map[string]string // service → principal → token
	due      []action
	counts   Counts
}

// action is something an agent will do at a time.
type action struct {
	at         time.Time
	service    string
	agent      string
	engagement string
	end        bool // else accept
}

// ConfigError is the error New returns for a Config it refuses.
type ConfigError = configerr.Error

// New starts simulating the agents of every service the lifecycle
// opens from now on.
func New(cfg Config) (*Agents, error) {
	c := configerr.New("agentsim.Config")
	if cfg.Lifecycle == nil {
		c.Add("Lifecycle", "required")
	}
	if cfg.Authority == nil {
		c.Add("Authority", "required")
	}
	if cfg.Now == nil {
		c.Add("Now", "required: the lifecycle's clock")
	}
	if cfg.AnswerDelay < 0 {
		c.Add("AnswerDelay", "%v is negative", cfg.AnswerDelay)
	}
	if cfg.HandleTime < 0 {
		c.Add("HandleTime", "%v is negative", cfg.HandleTime)
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	if cfg.HandleTime == 0 {
		cfg.HandleTime = 3 * time.Minute
	}
	a := &Agents{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		pending: map[string]bool{}, sessions: map[string]map[string]string{}}
	a.unsub = cfg.Lifecycle.Subscribe(a.observe)
	return a, nil
}

// Close stops observing the lifecycle. Sessions stay open until the
// service ends them.
func (a *Agents) Close() { a.unsub() }

// Counts returns what the agents have done so far.
func (a *Agents) Counts() Counts {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.counts
}

// observe records what the lifecycle tells; it must not call it.
func (a *Agents) observe(ev contactcenter.Event) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch ev := ev.(type) {
	case *contactcenter.IntakeChanged:
		if ev.Open {
			a.pending[ev.ServiceID] = true
		}
	case *contactcenter.ScaleEvent:
		// Released agents keep their session: they finish what they
		// hold, and the desk ends it when their access ends.
		if len(ev.Added) > 0 {
			a.pending[ev.ServiceID] = true
		}
	case *contactcenter.StateChanged:
		if ev.To.Final() || ev.To == contactcenter.Terminating {
			delete(a.pending, ev.ServiceID)
			delete(a.sessions, ev.ServiceID)
		}
	case *contactcenter.EngagementEvent:
		switch ev.Kind {
		case routing.EventOffered:
			a.schedule(action{at: ev.At.Add(a.cfg.AnswerDelay), service: ev.ServiceID, agent: ev.Agent, engagement: ev.Engagement})
		case routing.EventAccepted:
			d := time.Duration(a.rng.ExpFloat64() * float64(a.cfg.HandleTime))
			a.schedule(action{at: ev.At.Add(d), service: ev.ServiceID, agent: ev.Agent, engagement: ev.Engagement, end: true})
		}
	}
}

// schedule keeps the due actions sorted by time (then as scheduled).
func (a *Agents) schedule(x action) {
	i, _ := slices.BinarySearchFunc(a.due, x.at, func(y action, t time.Time) int {
		return cmp.Or(y.at.Compare(t), -1) // after those due at the same time
	})
	a.due = slices.Insert(a.due, i, x)
}

// Step does what is due at the clock's time: people put on duty sign in
// and become available; offers whose answer delay has passed are
// accepted, and engagements whose handle time has passed are ended. It
// returns what failed, joined; a refusal by the desk (the agent's access
// ended, the offer was withdrawn) is counted, not an error.
func (a *Agents) Step(ctx context.Context) error {
	var errs []error
	a.mu.Lock()
	services := make([]string, 0, len(a.pending))
	for id := range a.pending {
		services = append(services, id)
	}
	clear(a.pending)
	a.mu.Unlock()
	slices.Sort(services)
	for _, id := range services {
		again, err := a.signIn(ctx, id)
		if err != nil {
			errs = append(errs, err)
		}
		if again {
			a.mu.Lock()
			a.pending[id] = true
			a.mu.Unlock()
		}
	}
	now := a.cfg.Now()
	for {
		a.mu.Lock()
		if len(a.due) == 0 || a.due[0].at.After(now) {
			a.mu.Unlock()
			break
		}
		x := a.due[0]
		a.due = a.due[1:]
		token := a.sessions[x.service][x.agent]
		a.mu.Unlock()
		if token == "" {
			continue // signed out since
		}
		if err := a.act(ctx, x, token); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// act accepts or ends an engagement as the agent.
func (a *Agents) act(ctx context.Context, x action, token string) error {
	d, err := a.cfg.Lifecycle.Desk(ctx, x.service)
	if err != nil {
		a.count(func(c *Counts) { c.Refused++ })
		return nil // the service closed here
	}
	if x.end {
		err = d.End(ctx, token, x.engagement)
	} else {
		err = d.Accept(ctx, token, x.engagement)
	}
	switch {
	case err == nil && x.end:
		a.count(func(c *Counts) { c.Ended++ })
	case err == nil:
		a.count(func(c *Counts) { c.Accepted++ })
	case errors.Is(err, access.ErrDenied), errors.Is(err, desk.ErrNoSession):
		// Access ended: the desk closed the session.
		a.mu.Lock()
		delete(a.sessions[x.service], x.agent)
		a.counts.Refused++
		a.mu.Unlock()
	case errors.Is(err, routing.ErrNotOffered), errors.Is(err, routing.ErrNotConnected),
		errors.Is(err, routing.ErrUnknownEngagement), errors.Is(err, routing.ErrUnknownAgent):
		a.count(func(c *Counts) { c.Refused++ }) // withdrawn, hung up, or no longer here
	default:
		return fmt.Errorf("agentsim: %s %s: %w", x.agent, x.engagement, err)
	}
	return nil
}

func (a *Agents) count(f func(*Counts)) {
	a.mu.Lock()
	f(&a.counts)
	a.mu.Unlock()
}

// signIn opens a session, and goes available, for each person on duty
// for the service who has none. It reports whether to try again at the
// next Step: the service's desk is not open here yet (the event that
// made it pending can come before the desk opens; without another such
// event, nobody would sign in).
func (a *Agents) signIn(ctx context.Context, serviceID string) (again bool, _ error) {
	svc, err := a.cfg.Lifecycle.Get(ctx, serviceID)
	if err != nil {
		return false, fmt.Errorf("agentsim: %s: %w", serviceID, err)
	}
	if svc.State.Final() || svc.State == contactcenter.Terminating {
		return false, nil
	}
	d, err := a.cfg.Lifecycle.Desk(ctx, serviceID)
	if err != nil {
		return true, nil // not open here yet, or driven elsewhere for now
	}
	grants, err := a.cfg.Authority.ListByService(ctx, serviceID)
	if err != nil {
		return false, fmt.Errorf("agentsim: %s: grants: %w", serviceID, err)
	}
	grantOf := make(map[string]string, len(grants))
	now := a.cfg.Now()
	for _, g := range grants {
		if g.Allows(now, serviceID, access.HandleEngagements) {
			grantOf[g.Principal] = g.ID
		}
	}
	var errs []error
	for _, p := range svc.Staff {
		a.mu.Lock()
		_, in := a.sessions[serviceID][p.ID]
		a.mu.Unlock()
		gid, ok := grantOf[p.ID]
		if in || !ok {
			continue
		}
		token, _, err := a.cfg.Authority.IssueToken(ctx, gid)
		if err != nil {
			errs = append(errs, fmt.Errorf("agentsim: %s: token for %s: %w", serviceID, p.ID, err))
			continue
		}
		if _, err := d.Open(ctx, token, routing.Agent{}); err != nil {
			errs = append(errs, fmt.Errorf("agentsim: %s: sign in %s: %w", serviceID, p.ID, err))
			continue
		}
		a.mu.Lock()
		if a.sessions[serviceID] == nil {
			a.sessions[serviceID] = map[string]string{}
		}
		a.sessions[serviceID][p.ID] = token
		a.counts.SignedIn++
		a.mu.Unlock()
		if err := d.SetStatus(ctx, token, routing.Available); err != nil {
			errs = append(errs, fmt.Errorf("agentsim: %s: %s available: %w", serviceID, p.ID, err))
		}
	}
	return false, errors.Join(errs...)
}

// Run calls Step every interval of real time until ctx is done, and
// returns ctx's error. Step's errors go to onErr, if not nil.
func (a *Agents) Run(ctx context.Context, interval time.Duration, onErr func(error)) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := a.Step(ctx); err != nil && onErr != nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
