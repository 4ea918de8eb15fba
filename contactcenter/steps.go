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

// do performs one step's action for the service at now. It returns the
// change to store in the service (nil for none) and the output to journal.
// Every action is idempotent: doing it again after a crash is harmless.
func (l *Lifecycle) do(ctx context.Context, e *entry, kind PlanKind, step Step, now time.Time) (func(*Service), any, error) {
	s := &e.svc
	switch step.Action {
	case ClaimNumbers:
		return l.claimNumbers(ctx, s, step, now)
	case ReleaseNumbers:
		n, err := l.cfg.Numbers.Release(ctx, s.ID, now)
		if err != nil {
			return nil, nil, err
		}
		return func(s *Service) { s.Numbers = nil }, map[string]int{"released": n}, nil
	case SetResource:
		return l.setResource(ctx, s, kind, step, now)
	case GrantAccess:
		n, err := l.grant(ctx, s, append(s.Agents[:len(s.Agents):len(s.Agents)], s.Supervisors...), now)
		if err != nil {
			return nil, nil, err
		}
		// The outcome is stored with the service, checked against its
		// revision: a term change another replica stored since this copy
		// was read makes it conflict, and the reload moves the grants
		// just issued to the stored expiry (see resync). A sole driver
		// has nobody to race with.
		out := map[string]int{"granted": n}
		if l.cfg.Owner == "" {
			return nil, out, nil
		}
		return checkRevision, out, nil
	case RevokeAccess:
		n, err := l.cfg.Access.RevokeService(ctx, s.ID, now)
		if err != nil {
			return nil, nil, err
		}
		var mutate func(*Service)
		if kind == CloseKind {
			mutate = func(s *Service) { closing(s).GrantsRevoked += n }
		}
		return mutate, map[string]int{"revoked": n}, nil
	case Publish:
		eps := l.entryPoints(s)
		p := Publication{ServiceID: s.ID, EventID: s.Request.EventID, EntryPoints: eps,
			Opens: s.Term.Start, Closes: s.Term.End, TimeZone: s.Term.TimeZone}
		if err := l.cfg.EventSystem.Publish(ctx, p); err != nil {
			return nil, nil, err
		}
		return func(s *Service) { s.EntryPoints = eps }, eps, nil
	case Retract:
		if err := l.cfg.EventSystem.Retract(ctx, s.ID); err != nil {
			return nil, nil, err
		}
		return nil, nil, nil
	case StopIntake:
		for _, ch := range l.cfg.Channels {
			if err := ch.StopIntake(ctx, s.ID); err != nil {
				return nil, nil, err
			}
		}
		return func(s *Service) { s.IntakeOpen = false }, nil, nil
	case Disconnect:
		return l.disconnect(ctx, s)
	case CloseChannels:
		for _, ch := range l.cfg.Channels {
			if err := ch.Remove(ctx, s.ID); err != nil {
				return nil, nil, err
			}
		}
		return nil, nil, nil
	case RetireNumbers:
		return l.retireNumbers(ctx, s, now)
	case VerifyEmpty:
		return l.verifyEmpty(ctx, s, now)
	}
	return nil, nil, Permanent(fmt.Errorf("unknown action %q", step.Action))
}

// checkRevision changes nothing in the service; a step returns it to have
// its outcome stored with the service, checked against its revision.
func checkRevision(*Service) {}

func closing(s *Service) *ClosingReport {
	if s.Closing == nil {
		s.Closing = &ClosingReport{}
	}
	return s.Closing
}

func (l *Lifecycle) claimNumbers(ctx context.Context, s *Service, step Step, now time.Time) (func(*Service), any, error) {
	pol, err := numberPolicy(s.Config.PostTerm)
	if err != nil {
		return nil, nil, Permanent(err)
	}
	recs, err := l.cfg.Numbers.Claim(ctx, numbermap.ClaimRequest{
		Lease: numbermap.Lease{ServiceID: s.ID, EntryPoint: "phone", Modality: string(modality.Telephony),
			Start: now, Expires: s.Expires, Policy: pol},
		Count:   step.Count,
		Country: step.Country,
		At:      now,
	})
	if err != nil {
		if errors.Is(err, numbermap.ErrInsufficient) || errors.Is(err, numbermap.ErrInvalid) || errors.Is(err, numbermap.ErrConflict) {
			return nil, nil, Permanent(err)
		}
		return nil, nil, err
	}
	nums := make([]numbermap.Number, len(recs))
	for i, r := range recs {
		nums[i] = r.Number
	}
	return func(s *Service) { s.Numbers = nums }, nums, nil
}

// numberPolicy converts the template's post-term policy.
func numberPolicy(pt template.PostTerm) (numbermap.Policy, error) {
	p := numbermap.Policy{Kind: numbermap.PolicyKind(pt.Policy), Announcement: pt.Announcement,
		For: pt.For.D(), Aging: pt.Aging.D()}
	if pt.ForwardTo != "" {
		n, err := numbermap.Parse(pt.ForwardTo)
		if err != nil {
			return p, fmt.Errorf("postTerm.forwardTo: %w", err)
		}
		p.ForwardTo = n
	}
	return p, numbermap.ValidatePolicy(p)
}

// entryPoints derives the service's entry points from its configuration
// and numbers: the numbers for telephony and SMS, a URL for video and
// chat, a handle for social.
func (l *Lifecycle) entryPoints(s *Service) []modality.EntryPoint {
	var eps []modality.EntryPoint
	for _, m := range s.Config.Modalities {
		k := modality.Kind(m.Kind)
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
			eps = append(eps, modality.EntryPoint{Name: string(k), Kind: k, Address: "@" + s.ID, Queue: queue})
		default:
			eps = append(eps, modality.EntryPoint{Name: string(k), Kind: k,
				Address: strings.TrimSuffix(l.cfg.BaseURL, "/") + "/" + s.ID + "/" + string(k), Queue: queue})
		}
	}
	return eps
}

func firstQueue(cfg template.Config, kind string) string {
	for _, q := range cfg.Queues {
		for _, m := range q.Modalities {
			if m == kind {
				return q.Name
			}
		}
	}
	return ""
}

func (l *Lifecycle) setResource(ctx context.Context, s *Service, kind PlanKind, step Step, now time.Time) (func(*Service), any, error) {
	var released []Item
	if kind == CloseKind {
		inv, err := l.cfg.Provisioner.Inventory(ctx, s.ID)
		if err != nil {
			return nil, nil, err
		}
		for _, it := range inv {
			if it.Kind == step.Resource {
				released = append(released, it)
			}
		}
	}
	items, err := l.cfg.Provisioner.Set(ctx, s.ID, step.Resource, step.Count)
	if err != nil {
		if errors.Is(err, ErrQuota) {
			return nil, nil, Permanent(err)
		}
		return nil, nil, err
	}
	mutate := func(s *Service) {
		l.accrue(s, now)
		setHeld(s, step.Resource, items)
		if kind == CloseKind {
			c := closing(s)
			c.Released = append(c.Released, released...)
		}
	}
	return mutate, items, nil
}

// setHeld records what the provisioner holds of one kind.
func setHeld(s *Service, r Resource, items []Item) {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	switch r {
	case Space:
		s.Resources.Space = len(items)
	case Licences:
		s.Resources.Licences = len(items)
	case Agents:
		s.Resources.Agents = len(items)
		s.Agents = ids
	case Supervisors:
		s.Resources.Supervisors = len(items)
		s.Supervisors = ids
	}
	if s.Resources.Agents > s.Usage.PeakAgents {
		s.Usage.PeakAgents = s.Resources.Agents
	}
}

// accrue integrates what the service held since the last accrual.
func (l *Lifecycle) accrue(s *Service, now time.Time) {
	if !s.Usage.Since.IsZero() && now.After(s.Usage.Since) {
		dt := now.Sub(s.Usage.Since).Seconds()
		s.Usage.AgentSeconds += float64(s.Resources.Agents) * dt
		s.Usage.SupervisorSeconds += float64(s.Resources.Supervisors) * dt
		s.Usage.LicenceSeconds += float64(s.Resources.Licences) * dt
		s.Usage.SpaceSeconds += float64(s.Resources.Space) * dt
	}
	if now.After(s.Usage.Since) {
		s.Usage.Since = now
	}
}

// grantID is the ID of a principal's grant on a service: one bundle per
// person per service.
func grantID(serviceID, principal string) string { return serviceID + "/" + principal }

// grant gives each principal its role's privileges until the service's
// expiry; principals whose grant exists already are left alone.
func (l *Lifecycle) grant(ctx context.Context, s *Service, principals []string, now time.Time) (int, error) {
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
	created, err := access.CreateGrants(ctx, l.cfg.Access, gs...)
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

func (l *Lifecycle) disconnect(ctx context.Context, s *Service) (func(*Service), any, error) {
	total, err := l.endLive(ctx, s.ID)
	if err != nil {
		return nil, nil, err
	}
	live, err := l.liveEndpoints(ctx, s.ID)
	if err != nil {
		return nil, nil, err
	}
	mutate := func(s *Service) { closing(s).Disconnected += total }
	if live > 0 {
		// Record what was ended, and fail so the step is retried.
		return mutate, nil, fmt.Errorf("%d end point(s) still connected after disconnecting %d: %w", live, total, ErrNotEmpty)
	}
	return mutate, map[string]int{"disconnected": total}, nil
}

// endLive ends every live end point of the service on this process's
// channels and returns how many it ended.
func (l *Lifecycle) endLive(ctx context.Context, id string) (int, error) {
	total := 0
	for _, ch := range l.cfg.Channels {
		n, err := ch.Disconnect(ctx, id)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (l *Lifecycle) liveEndpoints(ctx context.Context, id string) (int, error) {
	live := 0
	for _, ch := range l.cfg.Channels {
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

func (l *Lifecycle) retireNumbers(ctx context.Context, s *Service, now time.Time) (func(*Service), any, error) {
	recs, err := l.cfg.Numbers.ListByService(ctx, s.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range recs {
		if r.Lease != nil && r.Lease.Expires.After(now) {
			// Closing before the expiry (a cancellation): route per
			// policy from now.
			if _, err := l.cfg.Numbers.SetExpiry(ctx, s.ID, now); err != nil {
				return nil, nil, err
			}
			if recs, err = l.cfg.Numbers.ListByService(ctx, s.ID); err != nil {
				return nil, nil, err
			}
			break
		}
	}
	retired := make([]RetiredNumber, 0, len(recs))
	for _, r := range recs {
		rt := r.RouteAt(now)
		if rt.Kind == numbermap.RouteService {
			return nil, nil, fmt.Errorf("number %s still routes to the service: %w", r.Number, ErrNotEmpty)
		}
		retired = append(retired, RetiredNumber{Number: r.Number, Route: rt.Kind, Until: r.AvailableFrom()})
	}
	return func(s *Service) { closing(s).Numbers = retired }, retired, nil
}

// verifyEmpty proves nothing of the service is left: the provisioner's
// own inventory is empty, no grant authorises anything, no channel holds
// an end point, and no number routes to the service. End points it finds
// live on this process's channels (opened here before another replica,
// holding the service for a while, ran the disconnect step on its own)
// are ended first.
func (l *Lifecycle) verifyEmpty(ctx context.Context, s *Service, now time.Time) (func(*Service), any, error) {
	inv, err := l.cfg.Provisioner.Inventory(ctx, s.ID)
	if err != nil {
		return nil, nil, err
	}
	grants, err := l.cfg.Access.ListByService(ctx, s.ID)
	if err != nil {
		return nil, nil, err
	}
	authorising := 0
	for _, g := range grants {
		for _, p := range g.Privileges {
			if g.Allows(now, s.ID, p) {
				authorising++
				break
			}
		}
	}
	live, err := l.liveEndpoints(ctx, s.ID)
	if err != nil {
		return nil, nil, err
	}
	ended := 0
	if live > 0 {
		// This process's channels hold end points the disconnect step did
		// not end: another replica ran it while it held the service (this
		// one had lost its lease, and took the service back). End them,
		// and take the service off these channels too.
		if ended, err = l.endLive(ctx, s.ID); err != nil {
			return nil, nil, err
		}
		for _, ch := range l.cfg.Channels {
			if err := ch.Remove(ctx, s.ID); err != nil {
				return nil, nil, err
			}
		}
		if live, err = l.liveEndpoints(ctx, s.ID); err != nil {
			return nil, nil, err
		}
	}
	recs, err := l.cfg.Numbers.ListByService(ctx, s.ID)
	if err != nil {
		return nil, nil, err
	}
	routing := 0
	for _, r := range recs {
		if r.RouteAt(now).Kind == numbermap.RouteService {
			routing++
		}
	}
	mutate := func(s *Service) {
		c := closing(s)
		c.Disconnected += ended
		c.Remaining = inv
		c.Authorising = authorising
		c.LiveEndpoints = live
		if len(inv) == 0 && authorising == 0 && live == 0 && routing == 0 {
			c.Verified = now
		}
	}
	if len(inv) > 0 || authorising > 0 || live > 0 || routing > 0 {
		return mutate, nil, fmt.Errorf("%d item(s) in the inventory, %d grant(s) authorising, %d end point(s) live, %d number(s) routing: %w",
			len(inv), authorising, live, routing, ErrNotEmpty)
	}
	return mutate, map[string]any{"inventory": 0, "authorising": 0, "liveEndpoints": 0, "routing": 0}, nil
}
