package contactcenter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/template"
)

// ports does the lifecycle's work on its adapters: the actions of plan
// steps, and the grants, moves and channel calls the rest of the
// lifecycle makes. Every method is idempotent, works on the service it
// is given without changing it, and says what it did as data.
type ports struct {
	cfg      *Config // the Lifecycle's, defaults applied
	channels map[modality.Kind]modality.Channel
	line     func(serviceID string) *line // the service's line in this process, or nil
}

// result is what a step's action did: the change to store in the service
// with the step's outcome, and the output to journal.
type result struct {
	change change
	out    any
}

// act performs one step's action for the service at now. Every action is
// idempotent: doing it again after a crash is harmless. On error, the
// result holds what the action did before failing, if anything.
func (p ports) act(ctx context.Context, s *Service, kind PlanKind, step Step, now time.Time) (result, error) {
	switch step.Action {
	case ClaimNumbers:
		return p.claimNumbers(ctx, s, step, now)
	case ReleaseNumbers:
		n, err := p.cfg.Numbers.Release(ctx, s.ID, now)
		if err != nil {
			return result{}, err
		}
		return result{change{numbers: some[[]numbermap.Number](nil)}, map[string]int{"released": n}}, nil
	case SetResource:
		return p.setResource(ctx, s, kind, step, now)
	case GrantAccess:
		n, err := p.grant(ctx, s, append(s.Agents[:len(s.Agents):len(s.Agents)], s.Supervisors...), now)
		if err != nil {
			return result{}, err
		}
		// The outcome is stored with the service, checked against its
		// revision: a term change another replica stored since this copy
		// was read makes it conflict, and the reload moves the grants
		// just issued to the stored expiry (see resync). A sole driver
		// has nobody to race with.
		return result{change{check: p.cfg.Owner != ""}, map[string]int{"granted": n}}, nil
	case RevokeAccess:
		n, err := p.cfg.Access.RevokeService(ctx, s.ID, now)
		if err != nil {
			return result{}, err
		}
		var c change
		if kind == CloseKind {
			c.closing.revoked = n
		}
		return result{c, map[string]int{"revoked": n}}, nil
	case Publish:
		eps := p.entryPoints(s)
		pub := Publication{ServiceID: s.ID, EventID: s.Request.EventID, EntryPoints: eps,
			Opens: s.Term.Start, Closes: s.Term.End, TimeZone: s.Term.TimeZone}
		if err := p.cfg.EventSystem.Publish(ctx, pub); err != nil {
			return result{}, err
		}
		return result{change{entryPoints: some(eps)}, eps}, nil
	case Retract:
		return result{}, p.cfg.EventSystem.Retract(ctx, s.ID)
	case StopIntake:
		if err := p.stopIntake(ctx, s.ID); err != nil {
			return result{}, err
		}
		return result{change: change{intakeOpen: some(false)}}, nil
	case Disconnect:
		return p.disconnect(ctx, s)
	case CloseChannels:
		if err := p.removeChannels(ctx, s.ID); err != nil {
			return result{}, err
		}
		return p.retainTranscripts(ctx, s, now)
	case RetireNumbers:
		return p.retireNumbers(ctx, s, now)
	case VerifyEmpty:
		return p.verifyEmpty(ctx, s, now)
	}
	return result{}, Permanent(fmt.Errorf("unknown action %q", step.Action))
}

// stopIntake refuses new engagements of the service on every channel.
func (p ports) stopIntake(ctx context.Context, id string) error {
	for _, ch := range p.cfg.Channels {
		if err := ch.StopIntake(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// retainTranscripts tells every channel that keeps transcripts how
// long to keep the service's: the template's retention from now, or not
// at all.
func (p ports) retainTranscripts(ctx context.Context, s *Service, now time.Time) (result, error) {
	var until time.Time
	if keep := s.Config.Transcripts.Retention.D(); keep > 0 {
		until = now.Add(keep)
	}
	var kept *TranscriptsKept
	for _, ch := range p.cfg.Channels {
		r, ok := ch.(modality.Retainer)
		if !ok {
			continue
		}
		k, d, err := r.Retain(ctx, s.ID, until)
		if err != nil {
			return result{}, fmt.Errorf("retain transcripts: %w", err)
		}
		if kept == nil {
			kept = &TranscriptsKept{Until: until}
		}
		kept.Kept += k
		kept.Deleted += d
	}
	if kept == nil {
		return result{}, nil
	}
	return result{change{closing: closingChange{transcripts: kept}}, kept}, nil
}

// removeChannels takes the service's entry points off every channel.
func (p ports) removeChannels(ctx context.Context, id string) error {
	for _, ch := range p.cfg.Channels {
		if err := ch.Remove(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

func (p ports) claimNumbers(ctx context.Context, s *Service, step Step, now time.Time) (result, error) {
	pol, err := numberPolicy(s.Config.PostTerm)
	if err != nil {
		return result{}, Permanent(err)
	}
	recs, err := p.cfg.Numbers.Claim(ctx, numbermap.ClaimRequest{
		Lease: numbermap.Lease{ServiceID: s.ID, EntryPoint: "phone", Modality: string(modality.Telephony),
			Start: now, Expires: s.Expires, Policy: pol},
		Count:        step.Count,
		Country:      step.Country,
		Capabilities: step.Capabilities,
		At:           now,
	})
	if err != nil {
		if errors.Is(err, numbermap.ErrInsufficient) || errors.Is(err, numbermap.ErrInvalid) || errors.Is(err, numbermap.ErrConflict) {
			return result{}, Permanent(err)
		}
		return result{}, err
	}
	nums := make([]numbermap.Number, len(recs))
	for i, r := range recs {
		nums[i] = r.Number
	}
	return result{change{numbers: some(nums)}, nums}, nil
}

// numberPolicy converts the template's post-term policy, valid in a
// resolved configuration, into the number pool's.
func numberPolicy(pt template.PostTerm) (numbermap.Policy, error) {
	p := numbermap.Policy{Kind: pt.Policy, ForwardTo: pt.ForwardTo, Announcement: pt.Announcement,
		For: pt.For.D(), Aging: pt.Aging.D()}
	return p, numbermap.ValidatePolicy(p)
}

// entryPoints derives the service's entry points from its configuration
// and numbers: the numbers for telephony and SMS, a URL for video and
// chat, the event's accounts (Features.Accounts) for social.
func (p ports) entryPoints(s *Service) []modality.EntryPoint {
	var eps []modality.EntryPoint
	for _, m := range s.Config.Modalities {
		k := m.Kind
		queue := ""
		if s.Config.Receptionist == nil {
			queue = firstQueue(s.Config, m.Kind)
		}
		switch k {
		case modality.Telephony, modality.SMS:
			for i, n := range s.Numbers {
				eps = append(eps, modality.EntryPoint{Name: fmt.Sprintf("%s-%d", k, i+1), Kind: k, Address: n.String(), Queue: queue})
			}
		case modality.Social:
			for i, a := range s.Request.Features.Accounts {
				eps = append(eps, modality.EntryPoint{Name: fmt.Sprintf("%s-%d", k, i+1), Kind: k, Address: a, Queue: queue})
			}
		default:
			eps = append(eps, modality.EntryPoint{Name: string(k), Kind: k,
				Address: strings.TrimSuffix(p.cfg.BaseURL, "/") + "/" + s.ID + "/" + string(k), Queue: queue})
		}
	}
	return eps
}

func firstQueue(cfg template.Config, kind modality.Kind) string {
	for _, q := range cfg.Queues {
		for _, m := range q.Modalities {
			if m == kind {
				return q.Name
			}
		}
	}
	return ""
}

func (p ports) setResource(ctx context.Context, s *Service, kind PlanKind, step Step, now time.Time) (result, error) {
	var released []Item
	if kind == CloseKind {
		inv, err := p.cfg.Provisioner.Inventory(ctx, s.ID)
		if err != nil {
			return result{}, err
		}
		for _, it := range inv {
			if it.Kind == step.Resource {
				released = append(released, it)
			}
		}
	}
	items, err := p.cfg.Provisioner.Set(ctx, s.ID, step.Resource, step.Count)
	if err != nil {
		if errors.Is(err, ErrQuota) {
			return result{}, Permanent(err)
		}
		return result{}, err
	}
	c := change{at: now, accrue: true, held: map[Resource][]Item{step.Resource: items}}
	c.closing.released = released
	if step.Resource == Agents {
		people, seats, err := p.staff(ctx, s, items)
		c.held[Agents] = seats
		if err != nil {
			return result{change: c}, err
		}
		c.staff = some(people)
	}
	return result{c, items}, nil
}

// grantID is the ID of a principal's grant on a service: one bundle per
// person per service.
func grantID(serviceID, principal string) string { return serviceID + "/" + principal }

// grant gives each principal its role's privileges until the service's
// expiry; principals whose grant exists already are left alone.
func (p ports) grant(ctx context.Context, s *Service, principals []string, now time.Time) (int, error) {
	supervisors := make(map[string]bool, len(s.Supervisors))
	for _, id := range s.Supervisors {
		supervisors[id] = true
	}
	if !s.Expires.After(now) {
		return 0, nil // expired already: nothing to grant
	}
	gs := make([]access.Grant, 0, len(principals))
	seen := make(map[string]bool, len(principals))
	for _, p := range principals {
		id := grantID(s.ID, p)
		if seen[id] {
			continue // listed twice (an agent who supervises too): one bundle
		}
		seen[id] = true
		role, kind := "agent", access.KindAgent
		if supervisors[p] {
			role, kind = "supervisor", access.KindSupervisor
		}
		gs = append(gs, access.Grant{ID: id, ServiceID: s.ID, Principal: p, Kind: kind, Role: role,
			Privileges: privileges(s.Config, role), NotBefore: now, NotAfter: s.Expires,
			IssuedBy: "eventcc", Reason: "deployed for event " + s.Request.EventID})
	}
	// One change where the store can (grants stored already, by an earlier
	// attempt, are skipped), else one Create per grant.
	created, err := access.CreateGrants(ctx, p.cfg.Access, gs...)
	if errors.Is(err, access.ErrInvalid) {
		return len(created), Permanent(err)
	}
	return len(created), err
}

func privileges(cfg template.Config, role string) []access.Privilege {
	for _, r := range cfg.Access.Roles {
		if r.Name == role {
			ps := make([]access.Privilege, len(r.Privileges))
			for i, p := range r.Privileges {
				ps[i] = access.Privilege(p)
			}
			return ps
		}
	}
	return nil
}

func (p ports) disconnect(ctx context.Context, s *Service) (result, error) {
	ln := p.line(s.ID)
	if ln != nil {
		ln.closing.Store(true) // what still waits is disconnected, not abandoned
	}
	total, err := p.endLive(ctx, s.ID)
	if err != nil {
		return result{}, err
	}
	live, err := p.liveEndpoints(ctx, s.ID)
	if err != nil {
		return result{}, err
	}
	c := change{closing: closingChange{disconnected: total}}
	if ln != nil {
		// Every engagement here has ended: the report is final.
		c.engagements, _ = ln.report()
	}
	if live > 0 {
		// Record what was ended, and fail so the step is retried.
		return result{change: c}, fmt.Errorf("%d end point(s) still connected after disconnecting %d: %w", live, total, ErrNotEmpty)
	}
	return result{c, map[string]int{"disconnected": total}}, nil
}

// endLive ends every live end point of the service on this process's
// channels and returns how many it ended.
func (p ports) endLive(ctx context.Context, id string) (int, error) {
	total := 0
	for _, ch := range p.cfg.Channels {
		n, err := ch.Disconnect(ctx, id)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (p ports) liveEndpoints(ctx context.Context, id string) (int, error) {
	live := 0
	for _, ch := range p.cfg.Channels {
		cs, err := ch.Counts(ctx, id)
		if err != nil {
			return 0, err
		}
		for _, c := range cs {
			live += c.Live()
		}
	}
	return live, nil
}

func (p ports) retireNumbers(ctx context.Context, s *Service, now time.Time) (result, error) {
	recs, err := p.cfg.Numbers.ListByService(ctx, s.ID)
	if err != nil {
		return result{}, err
	}
	for _, r := range recs {
		if r.Lease != nil && r.Lease.Expires.After(now) {
			// Closing before the expiry (a cancellation): route per
			// policy from now.
			if _, err := p.cfg.Numbers.SetExpiry(ctx, s.ID, now); err != nil {
				return result{}, err
			}
			if recs, err = p.cfg.Numbers.ListByService(ctx, s.ID); err != nil {
				return result{}, err
			}
			break
		}
	}
	retired := make([]RetiredNumber, 0, len(recs))
	for _, r := range recs {
		rt := r.RouteAt(now)
		if rt.Kind == numbermap.RouteService {
			return result{}, fmt.Errorf("number %s still routes to the service: %w", r.Number, ErrNotEmpty)
		}
		retired = append(retired, RetiredNumber{Number: r.Number, Route: rt.Kind, Until: r.AvailableFrom()})
	}
	return result{change{closing: closingChange{numbers: some(retired)}}, retired}, nil
}

// verifyEmpty proves nothing of the service is left: the provisioner's
// own inventory is empty, no grant authorises anything, no channel holds
// an end point, and no number routes to the service. End points it finds
// live on this process's channels (opened here before another replica,
// holding the service for a while, ran the disconnect step on its own)
// are ended first.
func (p ports) verifyEmpty(ctx context.Context, s *Service, now time.Time) (result, error) {
	inv, err := p.cfg.Provisioner.Inventory(ctx, s.ID)
	if err != nil {
		return result{}, err
	}
	grants, err := p.cfg.Access.ListByService(ctx, s.ID)
	if err != nil {
		return result{}, err
	}
	authorising := 0
	for _, g := range grants {
		for _, priv := range g.Privileges {
			if g.Allows(now, s.ID, priv) {
				authorising++
				break
			}
		}
	}
	live, err := p.liveEndpoints(ctx, s.ID)
	if err != nil {
		return result{}, err
	}
	ended := 0
	if live > 0 {
		// This process's channels hold end points the disconnect step did
		// not end: another replica ran it while it held the service (this
		// one had lost its lease, and took the service back). End them,
		// and take the service off these channels too.
		if ended, err = p.endLive(ctx, s.ID); err != nil {
			return result{}, err
		}
		if err := p.removeChannels(ctx, s.ID); err != nil {
			return result{}, err
		}
		if live, err = p.liveEndpoints(ctx, s.ID); err != nil {
			return result{}, err
		}
	}
	recs, err := p.cfg.Numbers.ListByService(ctx, s.ID)
	if err != nil {
		return result{}, err
	}
	routing := 0
	for _, r := range recs {
		if r.RouteAt(now).Kind == numbermap.RouteService {
			routing++
		}
	}
	pr := &proof{remaining: inv, authorising: authorising, live: live}
	empty := len(inv) == 0 && authorising == 0 && live == 0 && routing == 0
	if empty {
		pr.verified = now
	}
	c := change{closing: closingChange{disconnected: ended, proof: pr}}
	if !empty {
		return result{change: c}, fmt.Errorf("%d item(s) in the inventory, %d grant(s) authorising, %d end point(s) live, %d number(s) routing: %w",
			len(inv), authorising, live, routing, ErrNotEmpty)
	}
	return result{c, map[string]any{"inventory": 0, "authorising": 0, "liveEndpoints": 0, "routing": 0}}, nil
}

// openChannels opens the service's entry points on the channels serving
// them, capacity first so that no engagement is admitted beyond it.
func (p ports) openChannels(ctx context.Context, s *Service, router modality.Router) error {
	if err := p.setCapacity(ctx, s); err != nil {
		return err
	}
	for ch, su := range p.channelSetups(s, router) {
		if err := ch.Open(ctx, s.ID, su); err != nil {
			return err
		}
	}
	return nil
}

// syncExpiry moves every live grant's NotAfter and every number's
// retirement to expires. A grant that would end before it began is
// revoked instead.
func (p ports) syncExpiry(ctx context.Context, id string, expires, now time.Time) error {
	grants, err := p.cfg.Access.ListByService(ctx, id)
	if err != nil {
		return fmt.Errorf("contactcenter: %s: list grants: %w", id, err)
	}
	for _, g := range grants {
		if g.Revoked || g.NotAfter.Equal(expires) {
			continue
		}
		if !expires.After(g.NotBefore) {
			if err := p.cfg.Access.Revoke(ctx, g.ID, now); err != nil && !errors.Is(err, access.ErrNotFound) {
				return fmt.Errorf("contactcenter: %s: revoke %s: %w", id, g.ID, err)
			}
			continue
		}
		g.NotAfter = expires
		if _, err := p.cfg.Access.Update(ctx, g); err != nil {
			return fmt.Errorf("contactcenter: %s: move grant %s: %w", id, g.ID, err)
		}
	}
	if _, err := p.cfg.Numbers.SetExpiry(ctx, id, expires); err != nil {
		return fmt.Errorf("contactcenter: %s: move number retirement: %w", id, err)
	}
	return nil
}
