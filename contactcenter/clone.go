package contactcenter

import (
	"slices"

	"github.com/eventcc/eventcc/template"
)

// Clone returns a deep copy of s: the copy shares no slice, map or pointer
// with s, so either may be changed without the other seeing it. Stores use
// it to hand out and keep copies.
//
// The copy is explicit rather than a JSON round trip: an order of
// magnitude faster, and it keeps values exactly (time zones, nil against
// empty slices). The storetest suite fills every field of a Service and
// changes everything reachable from what a store was given and gave back,
// so a field added later and forgotten here is caught.
func (s Service) Clone() Service {
	s.Request = cloneRequest(s.Request)
	s.Config = cloneConfig(s.Config)
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

func cloneRequest(r Request) Request {
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

func cloneConfig(c template.Config) template.Config {
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

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
