// Package desk is where a service's agents work: every action they take
// (open a session, go available, accept, decline, transfer, end) comes
// with the bearer token of their grant and is checked with
// [access.Authority.AuthorizeToken], on the authority's clock, before it
// reaches the service's router. Access that ends mid-session (the grant
// expires with the term, or is revoked) ends the session at the next
// action: the action is refused, the agent leaves the router, and what
// they held is requeued or ended, as [Config.OnLoss] says.
//
// The privileges are the template's: [access.HandleEngagements] for every
// agent action, and the queue's own ([access.QueuePrivilege]) to accept
// or transfer into a queue. Supervisors act without a session, each
// request with their token: [access.MonitorEngagements] to listen in,
// [access.BargeIn] to join a conversation, [access.ReassignEngagements]
// to move an engagement to another queue or agent. A refused action
// changes nothing else, and the authority audits it.
package desk

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/internal/configerr"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/modality/transcript"
)

// ErrNoSession is returned for an action with a token that opened no
// session on this desk.
var ErrNoSession = errors.New("desk: no session for this token")

// Tokens checks bearer tokens; *access.Authority implements it.
type Tokens interface {
	AuthorizeToken(ctx context.Context, token, serviceID string, p access.Privilege) (access.Grant, error)
}

// Loss says what becomes of the engagements an agent holds when their
// access ends mid-session.
type Loss int

const (
	// Requeue puts them back in their queues, in their place by age, for
	// another agent: the attendee keeps waiting, not starting again.
	Requeue Loss = iota
	// Complete ends them as answered: the channel hangs up.
	Complete
)

// Config configures a Desk.
type Config struct {
	ServiceID string          // the service whose agents work here
	Router    *routing.Router // the service's router
	Tokens    Tokens          // checks every action
	OnLoss    Loss            // default Requeue
	// Profile, if set, is who an agent is to the router (skills,
	// capacity) by their principal: the roster's record of the person.
	// Open then ignores the profile its caller gives, but for
	// nothing: an agent cannot give themself skills.
	Profile func(principal string) (routing.Agent, bool)
	// Guard, if set, is asked before every action; an error refuses the
	// action (and is returned, wrapped), changing nothing: the router's
	// owner no longer drives the service.
	Guard func() error
	// Settled, if set, is called after every action that reached the
	// router, on the caller's goroutine, outside the desk's lock: the
	// owner of the router delivers the decisions the action caused.
	Settled func()
	// Conversations are the service's channels whose engagements are
	// written conversations (chat): agents write in them through Post,
	// Typing, MarkRead and Transcript. None: those actions find nothing
	// (modality.ErrNotFound).
	Conversations []modality.Conversations
}

// Desk serves one service's agents. It is safe for concurrent use.
type Desk struct {
	cfg      Config
	mu       sync.Mutex
	sessions map[[32]byte]string // token digest → principal
	retiring map[string]bool     // may finish what they hold, take nothing more
}

// ConfigError is the error [New] returns for a Config it refuses:
// "desk.Config" and every problem, each naming its field. It is one type
// with contactcenter.ConfigError and the other packages' ConfigError.
type ConfigError = configerr.Error

// New returns a Desk. A refused Config is a *[ConfigError] naming every
// bad field.
func New(cfg Config) (*Desk, error) {
	c := configerr.New("desk.Config")
	if cfg.ServiceID == "" {
		c.Add("ServiceID", "required")
	}
	if cfg.Router == nil {
		c.Add("Router", "required")
	}
	if cfg.Tokens == nil {
		c.Add("Tokens", "required")
	}
	if cfg.OnLoss != Requeue && cfg.OnLoss != Complete {
		c.Add("OnLoss", "%d is neither Requeue nor Complete", cfg.OnLoss)
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	return &Desk{cfg: cfg, sessions: map[[32]byte]string{}}, nil
}

// Open starts the session of the bearer of token, whose grant must allow
// handling engagements on the service: they join the router, Offline, as
// profile says (skills, capacity). Who they are is their grant's
// principal: profile.ID must be that or "". It returns the principal.
func (d *Desk) Open(ctx context.Context, token string, profile routing.Agent) (string, error) {
	if d.cfg.Guard != nil {
		if err := d.cfg.Guard(); err != nil {
			return "", fmt.Errorf("desk: open: %w", err)
		}
	}
	g, err := d.cfg.Tokens.AuthorizeToken(ctx, token, d.cfg.ServiceID, access.HandleEngagements)
	if err != nil {
		return "", fmt.Errorf("desk: open: %w", err)
	}
	if profile.ID != "" && profile.ID != g.Principal {
		return "", fmt.Errorf("desk: open: the token is %q's, not %q's: %w", g.Principal, profile.ID, access.ErrDenied)
	}
	a := profile
	if d.cfg.Profile != nil {
		p, ok := d.cfg.Profile(g.Principal)
		if !ok {
			return "", fmt.Errorf("desk: open: %q is not on duty for %s: %w", g.Principal, d.cfg.ServiceID, access.ErrDenied)
		}
		a = p
	}
	a.ID = g.Principal
	defer d.settled()
	if err := d.cfg.Router.Join(a); err != nil && !errors.Is(err, routing.ErrExists) {
		return "", fmt.Errorf("desk: open: %w", err)
	}
	d.mu.Lock()
	d.sessions[sha256.Sum256([]byte(token))] = g.Principal
	d.mu.Unlock()
	return g.Principal, nil
}

// ErrRetiring is returned to an agent the service released who asks to
// be available: they finish what they hold and take nothing more.
var ErrRetiring = errors.New("desk: released: finish what you hold, nothing more is offered")

// SetStatus sets the agent's status: Available, Break or Offline.
func (d *Desk) SetStatus(ctx context.Context, token string, s routing.Status) error {
	who, err := d.check(ctx, token, "set status", access.HandleEngagements)
	if err != nil {
		return err
	}
	d.mu.Lock()
	retiring := d.retiring[who]
	d.mu.Unlock()
	if retiring && s == routing.Available {
		return fmt.Errorf("desk: %s set status: %w", who, ErrRetiring)
	}
	defer d.settled()
	return d.cfg.Router.SetStatus(who, s)
}

// Accept takes the engagement offered to the agent. Their grant must also
// allow the engagement's queue.
func (d *Desk) Accept(ctx context.Context, token, engagementID string) error {
	who, err := d.checkQueue(ctx, token, "accept", engagementID, "")
	if err != nil {
		return err
	}
	defer d.settled()
	return d.cfg.Router.Accept(who, engagementID)
}

// Decline gives back the engagement offered to the agent.
func (d *Desk) Decline(ctx context.Context, token, engagementID string) error {
	who, err := d.check(ctx, token, "decline", access.HandleEngagements)
	if err != nil {
		return err
	}
	defer d.settled()
	return d.cfg.Router.Decline(who, engagementID)
}

// End ends an engagement the agent is connected with.
func (d *Desk) End(ctx context.Context, token, engagementID string) error {
	who, err := d.check(ctx, token, "end", access.HandleEngagements)
	if err != nil {
		return err
	}
	defer d.settled()
	return d.cfg.Router.End(who, engagementID)
}

// Transfer moves an engagement the agent is connected with to another
// queue; their grant must allow that queue.
func (d *Desk) Transfer(ctx context.Context, token, engagementID, toQueue string) error {
	if _, err := d.holder(ctx, token, engagementID, toQueue); err != nil {
		return err
	}
	defer d.settled()
	return d.cfg.Router.Transfer(engagementID, toQueue)
}

// TransferToAgent hands an engagement the agent is connected with to
// another agent, who is offered it at once (see
// routing.Router.TransferToAgent); their grant must allow the
// engagement's queue.
func (d *Desk) TransferToAgent(ctx context.Context, token, engagementID, agentID string) error {
	if _, err := d.holder(ctx, token, engagementID, ""); err != nil {
		return err
	}
	defer d.settled()
	return d.cfg.Router.TransferToAgent(engagementID, agentID)
}

// Monitor lets a supervisor listen in on a connected engagement; their
// grant must allow [access.MonitorEngagements]. Supervisors need no
// session: each request carries their token. It returns the supervisor.
func (d *Desk) Monitor(ctx context.Context, token, engagementID string) (string, error) {
	return d.supervise(ctx, token, engagementID, access.MonitorEngagements, false)
}

// Barge lets a supervisor join a connected engagement's conversation;
// their grant must allow [access.BargeIn]. It returns the supervisor.
func (d *Desk) Barge(ctx context.Context, token, engagementID string) (string, error) {
	return d.supervise(ctx, token, engagementID, access.BargeIn, true)
}

// Reassign moves an engagement, waiting or connected, to another queue
// (toQueue) or agent (toAgent), exactly one of them, on a supervisor's
// authority: their grant must allow [access.ReassignEngagements].
func (d *Desk) Reassign(ctx context.Context, token, engagementID, toQueue, toAgent string) error {
	if (toQueue == "") == (toAgent == "") {
		return fmt.Errorf("desk: reassign %q: give exactly one of a queue and an agent", engagementID)
	}
	who, err := d.authorize(ctx, token, "reassign", access.ReassignEngagements)
	if err != nil {
		return err
	}
	defer d.settled()
	if toQueue != "" {
		err = d.cfg.Router.Transfer(engagementID, toQueue)
	} else {
		err = d.cfg.Router.TransferToAgent(engagementID, toAgent)
	}
	if err != nil {
		return fmt.Errorf("desk: %s reassign: %w", who, err)
	}
	return nil
}

func (d *Desk) supervise(ctx context.Context, token, engagementID string, p access.Privilege, barge bool) (string, error) {
	op := "monitor"
	if barge {
		op = "barge"
	}
	who, err := d.authorize(ctx, token, op, p)
	if err != nil {
		return "", err
	}
	defer d.settled()
	if err := d.cfg.Router.Supervise(engagementID, who, barge); err != nil {
		return "", fmt.Errorf("desk: %s %s: %w", who, op, err)
	}
	return who, nil
}

// authorize checks privilege p for the bearer of token, without a
// session (supervisors' requests), and returns the grant's principal.
func (d *Desk) authorize(ctx context.Context, token, op string, p access.Privilege) (string, error) {
	if d.cfg.Guard != nil {
		if err := d.cfg.Guard(); err != nil {
			return "", fmt.Errorf("desk: %s: %w", op, err)
		}
	}
	g, err := d.cfg.Tokens.AuthorizeToken(ctx, token, d.cfg.ServiceID, p)
	if err != nil {
		return "", fmt.Errorf("desk: %s: %w", op, err)
	}
	return g.Principal, nil
}

// holder checks that the bearer of token may transfer an engagement
// they are connected with (into toQueue, or within its queue), and
// returns who they are.
func (d *Desk) holder(ctx context.Context, token, engagementID, toQueue string) (string, error) {
	who, err := d.checkQueue(ctx, token, "transfer", engagementID, toQueue)
	if err != nil {
		return "", err
	}
	_, agent, connected, err := d.cfg.Router.Where(engagementID)
	if err != nil {
		return "", err
	}
	if agent != who || !connected {
		return "", fmt.Errorf("desk: %s transfer %q: %w", who, engagementID, routing.ErrNotConnected)
	}
	return who, nil
}

// Holding is what an agent's session holds, as [Desk.Holding] returns
// it: what a desktop shows after a reload.
type Holding struct {
	Agent     string           // the session's principal
	Presence  routing.Presence // where the router has them
	Connected []string         // the engagements they are connected with
	Offered   string           // the engagement offered to them now, or ""
}

// Holding returns what the bearer's session holds, authorised like every
// action (a token whose access ended ends the session, as [Desk] says).
// Errors: [ErrNoSession] without a session, access.ErrDenied, the
// router's. The slice belongs to the caller.
func (d *Desk) Holding(ctx context.Context, token string) (Holding, error) {
	who, err := d.check(ctx, token, "holding", access.HandleEngagements)
	if err != nil {
		return Holding{}, err
	}
	pr, err := d.cfg.Router.Presence(who)
	if err != nil {
		return Holding{}, fmt.Errorf("desk: %s holding: %w", who, err)
	}
	conn, offered, err := d.cfg.Router.Holding(who)
	if err != nil {
		return Holding{}, fmt.Errorf("desk: %s holding: %w", who, err)
	}
	return Holding{Agent: who, Presence: pr, Connected: conn, Offered: offered}, nil
}

// Post writes the agent's message in a conversation they are connected
// with (a chat) and returns it as stored. Errors: those of every action,
// modality.ErrNotConnected for a conversation connected to someone else
// or to nobody, modality.ErrNotFound for no live conversation of that ID,
// and the channel's (transcript.ErrInvalid for a body it cannot store).
func (d *Desk) Post(ctx context.Context, token, engagementID, body string) (transcript.Message, error) {
	who, err := d.check(ctx, token, "post", access.HandleEngagements)
	if err != nil {
		return transcript.Message{}, err
	}
	var m transcript.Message
	err = d.converse(engagementID, func(c modality.Conversations) (err error) {
		m, err = c.Post(ctx, d.cfg.ServiceID, engagementID, who, body)
		return err
	})
	if err != nil {
		return transcript.Message{}, fmt.Errorf("desk: %s post in %q: %w", who, engagementID, err)
	}
	return m, nil
}

// Typing tells the attendee of a conversation the agent is connected
// with that they are typing. Errors as [Desk.Post].
func (d *Desk) Typing(ctx context.Context, token, engagementID string) error {
	who, err := d.check(ctx, token, "typing", access.HandleEngagements)
	if err != nil {
		return err
	}
	err = d.converse(engagementID, func(c modality.Conversations) error {
		return c.Typing(ctx, d.cfg.ServiceID, engagementID, who)
	})
	if err != nil {
		return fmt.Errorf("desk: %s typing in %q: %w", who, engagementID, err)
	}
	return nil
}

// MarkRead tells the attendee of a conversation the agent is connected
// with that they have read it up to seq upToSeq. Errors as [Desk.Post].
func (d *Desk) MarkRead(ctx context.Context, token, engagementID string, upToSeq int64) error {
	who, err := d.check(ctx, token, "mark read", access.HandleEngagements)
	if err != nil {
		return err
	}
	err = d.converse(engagementID, func(c modality.Conversations) error {
		return c.MarkRead(ctx, d.cfg.ServiceID, engagementID, who, upToSeq)
	})
	if err != nil {
		return fmt.Errorf("desk: %s mark read in %q: %w", who, engagementID, err)
	}
	return nil
}

// Transcript returns the messages above afterSeq of a conversation the
// agent is connected with or is offered (to read before accepting). A
// live engagement that is not a conversation (a call) has none: nil and
// no error. Errors: those of every action, modality.ErrNotConnected for
// an engagement neither connected with them nor offered to them.
func (d *Desk) Transcript(ctx context.Context, token, engagementID string, afterSeq int64) ([]transcript.Message, error) {
	who, err := d.check(ctx, token, "transcript", access.HandleEngagements)
	if err != nil {
		return nil, err
	}
	live, offered, err := d.cfg.Router.Holding(who)
	if err != nil {
		return nil, fmt.Errorf("desk: %s transcript of %q: %w", who, engagementID, err)
	}
	if offered != engagementID && !slices.Contains(live, engagementID) {
		return nil, fmt.Errorf("desk: %s transcript of %q: %w", who, engagementID, modality.ErrNotConnected)
	}
	var ms []transcript.Message
	err = d.converse(engagementID, func(c modality.Conversations) (err error) {
		ms, err = c.Messages(ctx, d.cfg.ServiceID, engagementID, afterSeq)
		return err
	})
	if errors.Is(err, modality.ErrNotFound) {
		return nil, nil // live at the router, and no conversation: a call
	}
	if err != nil {
		return nil, fmt.Errorf("desk: %s transcript of %q: %w", who, engagementID, err)
	}
	return ms, nil
}

// converse calls fn with each conversation channel until one knows the
// engagement (returns anything but modality.ErrNotFound).
func (d *Desk) converse(engagementID string, fn func(modality.Conversations) error) error {
	for _, c := range d.cfg.Conversations {
		if err := fn(c); !errors.Is(err, modality.ErrNotFound) {
			return err
		}
	}
	return fmt.Errorf("no conversation %q: %w", engagementID, modality.ErrNotFound)
}

// Close ends the bearer's session: they leave the router, and what they
// hold is requeued or ended per Config.OnLoss. Closing a session that is
// not open is not an error.
func (d *Desk) Close(ctx context.Context, token string) error {
	key := sha256.Sum256([]byte(token))
	d.mu.Lock()
	who, ok := d.sessions[key]
	delete(d.sessions, key)
	d.mu.Unlock()
	if !ok {
		return nil
	}
	return d.leave(who)
}

// check authorizes privilege p for the bearer of token, whose session
// must be open. A refusal of an open session's token closes it.
func (d *Desk) check(ctx context.Context, token, op string, p access.Privilege) (string, error) {
	if d.cfg.Guard != nil {
		if err := d.cfg.Guard(); err != nil {
			return "", fmt.Errorf("desk: %s: %w", op, err)
		}
	}
	key := sha256.Sum256([]byte(token))
	d.mu.Lock()
	who, ok := d.sessions[key]
	d.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("desk: %s: %w", op, ErrNoSession)
	}
	g, err := d.cfg.Tokens.AuthorizeToken(ctx, token, d.cfg.ServiceID, p)
	if err == nil && g.Principal == who {
		return who, nil
	}
	if err == nil {
		err = fmt.Errorf("token now names %q: %w", g.Principal, access.ErrDenied)
	}
	if errors.Is(err, access.ErrDenied) && p == access.HandleEngagements {
		// Access ended: the session ends with it.
		d.mu.Lock()
		delete(d.sessions, key)
		d.mu.Unlock()
		if lerr := d.leave(who); lerr != nil {
			err = errors.Join(err, lerr)
		}
	}
	return "", fmt.Errorf("desk: %s %s: %w", who, op, err)
}

// checkQueue is check for handling engagements and, too, for the queue
// of engagementID (or toQueue, if not "").
func (d *Desk) checkQueue(ctx context.Context, token, op, engagementID, toQueue string) (string, error) {
	who, err := d.check(ctx, token, op, access.HandleEngagements)
	if err != nil {
		return "", err
	}
	q := toQueue
	if q == "" {
		if q, _, _, err = d.cfg.Router.Where(engagementID); err != nil {
			return "", err
		}
	}
	if _, err := d.cfg.Tokens.AuthorizeToken(ctx, token, d.cfg.ServiceID, access.QueuePrivilege(q)); err != nil {
		return "", fmt.Errorf("desk: %s %s %q: %w", who, op, engagementID, err)
	}
	return who, nil
}

// settled tells the router's owner that an action reached it.
func (d *Desk) settled() {
	if d.cfg.Settled != nil {
		d.cfg.Settled()
	}
}

// Retire lets principal finish the engagements they hold and offers
// them nothing more: they are set to Break, and may not be available
// again. Their session goes on until they are expelled (the lifecycle
// does that, revoking their access, once they hold nothing).
func (d *Desk) Retire(principal string) {
	d.mu.Lock()
	if d.retiring == nil {
		d.retiring = map[string]bool{}
	}
	d.retiring[principal] = true
	d.mu.Unlock()
	defer d.settled()
	_ = d.cfg.Router.SetStatus(principal, routing.Break) // unknown: not signed in here
}

// Expel ends every session of principal, as if their access had ended:
// they leave the router, and what they hold is requeued or ended per
// Config.OnLoss. The lifecycle expels an agent the scaler released.
// Expelling someone with no session is not an error.
func (d *Desk) Expel(principal string) error {
	d.mu.Lock()
	delete(d.retiring, principal)
	found := false
	for k, who := range d.sessions {
		if who == principal {
			delete(d.sessions, k)
			found = true
		}
	}
	d.mu.Unlock()
	if !found {
		return nil
	}
	return d.leave(principal)
}

// CloseAll ends every session: at the service's expiry, or when its
// owner stops driving it. Every agent leaves the router.
func (d *Desk) CloseAll() error {
	d.mu.Lock()
	whos := make(map[string]bool, len(d.sessions))
	for _, who := range d.sessions {
		whos[who] = true
	}
	clear(d.sessions)
	d.mu.Unlock()
	var errs []error
	for who := range whos {
		if err := d.leave(who); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// leave takes an agent off the router, ending what they hold first if
// the desk completes on loss.
func (d *Desk) leave(who string) error {
	defer d.settled()
	r := d.cfg.Router
	if d.cfg.OnLoss == Complete {
		live, _, err := r.Holding(who)
		if err != nil && !errors.Is(err, routing.ErrUnknownAgent) {
			return err
		}
		for _, e := range live {
			if err := r.End(who, e); err != nil {
				return err
			}
		}
	}
	if err := r.Leave(who); err != nil && !errors.Is(err, routing.ErrUnknownAgent) {
		return err
	}
	return nil
}
