package memstore

import (
	"slices"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/template"
)

// The copies below are explicit rather than a JSON round trip: they are an
// order of magnitude faster, which matters to List over many services, and
// they preserve values exactly (time zones, nil against empty slices).
// Every field that holds a slice, map or pointer must be copied here; the
// storetest suite fills every field of a Service and a Plan, mutates
// everything reachable from what it passed in and got back, and fails if
// the store saw the change, so a field added later and forgotten here is
// caught.

func copyService(s contactcenter.Service) contactcenter.Service {
	s.Request = copyRequest(s.Request)
	s.Config = copyConfig(s.Config)
	s.Agents = slices.Clone(s.Agents)
	s.Supervisors = slices.Clone(s.Supervisors)
	s.Numbers = slices.Clone(s.Numbers)
	s.EntryPoints = slices.Clone(s.EntryPoints)
	s.Timeline = slices.Clone(s.Timeline)
	if s.Closing != nil {
		c := *s.Closing
		c.Numbers = slices.Clone(c.Numbers)
		c.Released = slices.Clone(c.Released)
		c.Remaining = slices.Clone(c.Remaining)
		s.Closing = &c
	}
	return s
}

func copyRequest(r contactcenter.Request) contactcenter.Request {
	r.Features.Modalities = slices.Clone(r.Features.Modalities)
	r.Features.Queues = slices.Clone(r.Features.Queues)
	o := &r.Overrides
	o.MinAgents = clonePtr(o.MinAgents)
	o.MaxAgents = clonePtr(o.MaxAgents)
	o.Numbers = clonePtr(o.Numbers)
	o.Country = clonePtr(o.Country)
	o.DeployLead = clonePtr(o.DeployLead)
	o.Grace = clonePtr(o.Grace)
	o.PostTerm = clonePtr(o.PostTerm)
	o.ServiceLevel = clonePtr(o.ServiceLevel)
	return r
}

func copyConfig(c template.Config) template.Config {
	c.Modalities = slices.Clone(c.Modalities)
	for i := range c.Modalities {
		c.Modalities[i].Features = slices.Clone(c.Modalities[i].Features)
	}
	c.Queues = slices.Clone(c.Queues)
	for i := range c.Queues {
		c.Queues[i].Modalities = slices.Clone(c.Queues[i].Modalities)
	}
	if c.Receptionist != nil {
		r := *c.Receptionist
		r.Options = slices.Clone(r.Options)
		c.Receptionist = &r
	}
	c.Access.Roles = slices.Clone(c.Access.Roles)
	for i := range c.Access.Roles {
		c.Access.Roles[i].Privileges = slices.Clone(c.Access.Roles[i].Privileges)
	}
	return c
}

func copyPlan(p contactcenter.Plan) contactcenter.Plan {
	p.Steps = slices.Clone(p.Steps)
	for i := range p.Steps {
		p.Steps[i].Undo = copyUndo(p.Steps[i].Undo)
	}
	return p
}

// copyUndo copies a chain of undo steps.
func copyUndo(s *contactcenter.Step) *contactcenter.Step {
	if s == nil {
		return nil
	}
	c := *s
	c.Undo = copyUndo(s.Undo)
	return &c
}

func copyEntry(e contactcenter.JournalEntry) contactcenter.JournalEntry {
	e.Output = slices.Clone(e.Output)
	return e
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
