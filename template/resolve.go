package template

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/eventcc/eventcc/modality"
)

// Resolve applies t to one request and returns the complete configuration
// of its contact center.
//
// Resolve first validates t and returns [Template.Validate]'s error if t is
// invalid. It then checks in (problems under "request.": "request.eventId",
// "request.features.modalities[1]", "request.features.queues[0]"), applies in.Overrides to a
// copy of t and validates the result again; a problem the overrides cause
// is named by the override ("request.overrides.maxAgents"). Every problem
// with the request is reported at once, in one *[ValidationError].
//
// The Config holds only the requested modalities (all of t's when none are
// named), in t's order; the queues that serve at least one of them (only
// the requested ones when queues are named), each with its modalities
// narrowed to those enabled and its ServiceLevel set (the staffing's,
// after the overrides, when the queue has none of its own); the
// receptionist only if requested, without
// the options that hand off to a queue left out; and InitialAgents from the
// expected attendance: ceil(ExpectedAttendance × AgentsPer1000 / 1000),
// within [MinAgents, MaxAgents]. Everything else is copied from t with the
// overrides applied.
//
// Leaving queues out never leaves an overflow dangling: a queue whose
// overflow queue is left out, or keeps none of its enabled modalities,
// loses its Overflow, so its engagements end unanswered after MaxWait.
// Overflows are not rerouted along the chain: an engagement does not
// reach a queue its template never sent it to.
//
// Resolve never modifies t, and the Config shares no memory with it.
func (t *Template) Resolve(in Input) (Config, error) {
	if err := t.Validate(); err != nil {
		return Config{}, err
	}
	var ps problems
	r := resolver{t: t, in: in, ps: &ps}
	r.checkHeader()
	enabled := r.modalities()
	r.checkReceptionist()
	requested := r.queues()
	kept := r.keptQueues(requested, enabled)
	r.checkQueues(requested, enabled, kept)
	if in.ExpectedAttendance < 0 {
		ps.add("request.expectedAttendance", "must be >= 0, got %d", in.ExpectedAttendance)
	}
	eff := r.override() // a deep copy of t, with the overrides applied

	c := Config{
		Template:        eff.Name,
		TemplateVersion: eff.Version,
		EventID:         in.EventID,
		EventType:       in.EventType,
		Skills:          eff.Skills,
		Staffing:        eff.Staffing,
		InitialAgents:   initialAgents(in.ExpectedAttendance, eff.Staffing),
		Capacity:        eff.Capacity,
		Numbers:         eff.Numbers,
		Access:          eff.Access,
		Timing:          eff.Timing,
		PostTerm:        eff.PostTerm,
		Transcripts:     eff.Transcripts,
	}
	for _, m := range eff.Modalities {
		if enabled[m.Kind] {
			c.Modalities = append(c.Modalities, m)
		}
	}
	for _, q := range eff.Queues {
		if kept[q.Name] {
			q.Modalities = slices.DeleteFunc(q.Modalities, func(k modality.Kind) bool { return !enabled[k] })
			if q.ServiceLevel == nil {
				sl := eff.Staffing.ServiceLevel
				q.ServiceLevel = &sl
			}
			c.Queues = append(c.Queues, q)
		}
	}
	clearDanglingOverflows(c.Queues, in.Receptionist && eff.Receptionist != nil)
	if in.Receptionist && eff.Receptionist != nil {
		c.Receptionist = eff.Receptionist
		c.Receptionist.Options = slices.DeleteFunc(c.Receptionist.Options, func(o MenuOption) bool {
			return !blank(o.Queue) && !kept[o.Queue]
		})
		maps.DeleteFunc(c.Receptionist.Prompts, func(role, _ string) bool {
			kind, key, _ := strings.Cut(role, ".")
			return (kind == "option" || kind == "answer") && !slices.ContainsFunc(c.Receptionist.Options, func(o MenuOption) bool {
				return strings.ToLower(strings.TrimSpace(o.Key)) == key
			})
		})
		if len(c.Receptionist.Options) == 0 && len(ps) == 0 {
			ps.add("request.features.receptionist", "every option of the receptionist hands off to a queue that is not enabled")
		}
	}
	if err := ps.err(); err != nil {
		return Config{}, err
	}
	return c, nil
}

type resolver struct {
	t  *Template
	in Input
	ps *problems
}

func (r resolver) checkHeader() {
	in, t := r.in, r.t
	if blank(in.EventID) {
		r.ps.add("request.eventId", "required")
	}
	switch {
	case blank(in.EventType):
		r.ps.add("request.eventType", "required")
	case !slices.Contains(t.EventTypes, in.EventType):
		r.ps.add("request.eventType", "event type %q is not served by template %q; want one of %s",
			in.EventType, t.Name, strings.Join(t.EventTypes, ", "))
	}
	if in.Start.IsZero() {
		r.ps.add("request.term.start", "required")
	}
	switch {
	case in.End.IsZero():
		r.ps.add("request.term.end", "required")
	case !in.Start.IsZero() && !in.End.After(in.Start):
		r.ps.add("request.term.end", "must be after start (%s), got %s", in.Start, in.End)
	}
}

// modalities checks the requested modalities and returns the enabled ones.
func (r resolver) modalities() map[modality.Kind]bool {
	enabled := make(map[modality.Kind]bool)
	offered := make(map[modality.Kind]bool)
	for _, m := range r.t.Modalities {
		offered[m.Kind] = true
	}
	if len(r.in.Modalities) == 0 {
		return offered
	}
	for i, k := range r.in.Modalities {
		p := fmt.Sprintf("request.features.modalities[%d]", i)
		switch {
		case !slices.Contains(modality.Kinds(), k):
			r.ps.add(p, "unknown modality %q; want one of %s", k, oneOf(modality.Kinds()))
		case !offered[k]:
			r.ps.add(p, "modality %q is not offered by template %q", k, r.t.Name)
		case enabled[k]:
			r.ps.add(p, "duplicate modality %q", k)
		}
		enabled[k] = offered[k]
	}
	return enabled
}

func (r resolver) checkReceptionist() {
	if r.in.Receptionist && r.t.Receptionist == nil {
		r.ps.add("request.features.receptionist", "template %q has no receptionist", r.t.Name)
	}
}

// queues checks the names of the requested queues and returns them, each
// mapped to whether the template has it (empty when none were named).
func (r resolver) queues() map[string]bool {
	known := make(map[string]bool, len(r.t.Queues))
	for _, q := range r.t.Queues {
		known[q.Name] = true
	}
	requested := make(map[string]bool, len(r.in.Queues))
	for i, name := range r.in.Queues {
		p := fmt.Sprintf("request.features.queues[%d]", i)
		switch {
		case !known[name]:
			names := make([]string, len(r.t.Queues))
			for j, q := range r.t.Queues {
				names[j] = q.Name
			}
			r.ps.add(p, "unknown queue %q; template %q has %s", name, r.t.Name, strings.Join(names, ", "))
		case requested[name]:
			r.ps.add(p, "duplicate queue %q", name)
		}
		requested[name] = known[name]
	}
	return requested
}

// keptQueues returns the queues the service gets: those requested (all when
// none were named) that serve at least one enabled modality.
func (r resolver) keptQueues(requested map[string]bool, enabled map[modality.Kind]bool) map[string]bool {
	kept := make(map[string]bool)
	for _, q := range r.t.Queues {
		if len(r.in.Queues) > 0 && !requested[q.Name] {
			continue
		}
		if slices.ContainsFunc(q.Modalities, func(k modality.Kind) bool { return enabled[k] }) {
			kept[q.Name] = true
		}
	}
	return kept
}

// checkQueues reports requested queues that serve no enabled modality and
// enabled modalities no kept queue serves.
func (r resolver) checkQueues(requested map[string]bool, enabled map[modality.Kind]bool, kept map[string]bool) {
	if len(r.in.Queues) == 0 {
		return // every modality of a valid template has a queue
	}
	for i, name := range r.in.Queues {
		if requested[name] && !kept[name] {
			r.ps.add(fmt.Sprintf("request.features.queues[%d]", i), "queue %q serves none of the requested modalities", name)
		}
	}
	served := make(map[modality.Kind]bool)
	for _, q := range r.t.Queues {
		if kept[q.Name] {
			for _, k := range q.Modalities {
				served[k] = true
			}
		}
	}
	for _, m := range r.t.Modalities {
		if enabled[m.Kind] && !served[m.Kind] {
			r.ps.add("request.features.queues", "none of the requested queues serves modality %q", m.Kind)
		}
	}
}

// clearDanglingOverflows clears the overflow of each queue whose overflow
// queue is not among qs, or serves none of its modalities once they are
// narrowed to the enabled ones, or that hands back to a receptionist the
// configuration does not have: its engagements end unanswered after
// MaxWait instead.
func clearDanglingOverflows(qs []Queue, receptionist bool) {
	byName := make(map[string]int, len(qs))
	for i, q := range qs {
		byName[q.Name] = i
	}
	for i, q := range qs {
		if q.Overflow == "" {
			continue
		}
		if q.Overflow == OverflowToReceptionist {
			if !receptionist {
				qs[i].Overflow = ""
			}
			continue
		}
		to, ok := byName[q.Overflow]
		if !ok || !slices.ContainsFunc(q.Modalities, func(k modality.Kind) bool { return slices.Contains(qs[to].Modalities, k) }) {
			qs[i].Overflow = ""
		}
	}
}

// An override maps a field of the template to the override that replaces
// it; problems under field are reported under name.
type override struct{ field, name string }

// override returns a deep copy of the template with the request's
// overrides applied, and reports the problems they cause.
func (r resolver) override() *Template {
	o := r.in.Overrides
	eff := r.t.clone()
	var applied []override
	if o.MinAgents != nil {
		eff.Staffing.MinAgents = *o.MinAgents
		applied = append(applied, override{"staffing.minAgents", "request.overrides.minAgents"})
	}
	if o.MaxAgents != nil {
		eff.Staffing.MaxAgents = *o.MaxAgents
		applied = append(applied, override{"staffing.maxAgents", "request.overrides.maxAgents"})
	}
	if o.Numbers != nil {
		eff.Numbers.Count = *o.Numbers
		applied = append(applied, override{"numbers.count", "request.overrides.numbers"})
	}
	if o.Country != nil {
		eff.Numbers.Country = *o.Country
		applied = append(applied, override{"numbers.country", "request.overrides.country"})
	}
	if o.DeployLead != nil {
		eff.Timing.DeployLead = *o.DeployLead
		applied = append(applied, override{"timing.deployLead", "request.overrides.deployLead"})
	}
	if o.Grace != nil {
		eff.Timing.Grace = *o.Grace
		applied = append(applied, override{"timing.grace", "request.overrides.grace"})
	}
	if o.PostTerm != nil {
		eff.PostTerm = *o.PostTerm
		applied = append(applied, override{"postTerm", "request.overrides.postTerm"})
	}
	if o.ServiceLevel != nil {
		eff.Staffing.ServiceLevel.Target = *o.ServiceLevel
		applied = append(applied, override{"staffing.serviceLevel.target", "request.overrides.serviceLevel"})
	}
	if len(applied) == 0 {
		return eff
	}
	for _, p := range eff.check() {
		*r.ps = append(*r.ps, blame(p, applied))
	}
	return eff
}

// blame renames a problem found after applying overrides: a problem in an
// overridden field goes under the override's name; one in another field
// goes under the first override its check read, with the field named in
// the message.
func blame(p problem, applied []override) problem {
	rename := func(path string) (string, bool) {
		for _, o := range applied {
			if path == o.field {
				return o.name, true
			}
			if rest, ok := strings.CutPrefix(path, o.field); ok && (rest[0] == '.' || rest[0] == '[') {
				return o.name + rest, true
			}
		}
		return "", false
	}
	if name, ok := rename(p.path); ok {
		return problem{path: name, msg: p.msg}
	}
	for _, rel := range p.related {
		if name, ok := rename(rel); ok {
			return problem{path: name, msg: fmt.Sprintf("with this value, %s: %s", p.path, p.msg)}
		}
	}
	// A template that was valid on its own became invalid through a field
	// no override names: cannot happen, but keep the problem.
	return problem{path: "request.overrides", msg: fmt.Sprintf("%s: %s", p.path, p.msg)}
}

// initialAgents returns ceil(attendance × AgentsPer1000 / 1000) within
// [MinAgents, MaxAgents].
func initialAgents(attendance int, s Staffing) int {
	want := math.Ceil(float64(attendance) * s.AgentsPer1000 / 1000)
	switch {
	case math.IsNaN(want) || want < float64(s.MinAgents):
		return s.MinAgents
	case want > float64(s.MaxAgents):
		return s.MaxAgents
	default:
		return int(want)
	}
}

// clone returns a deep copy of t.
func (t *Template) clone() *Template {
	c := *t
	c.EventTypes = slices.Clone(t.EventTypes)
	c.Modalities = cloneModalities(t.Modalities)
	c.Skills = slices.Clone(t.Skills)
	c.Queues = cloneQueues(t.Queues)
	c.Receptionist = cloneReceptionist(t.Receptionist)
	c.Access = cloneAccess(t.Access)
	return &c
}

// Clone returns a deep copy of c: the copy shares no slice or pointer
// with c. Stores use it to keep and hand out copies.
func (c Config) Clone() Config {
	c.Modalities = cloneModalities(c.Modalities)
	c.Skills = slices.Clone(c.Skills)
	c.Queues = cloneQueues(c.Queues)
	c.Receptionist = cloneReceptionist(c.Receptionist)
	c.Access = cloneAccess(c.Access)
	return c
}

func cloneModalities(ms []Modality) []Modality {
	ms = slices.Clone(ms)
	for i := range ms {
		ms[i].Features = slices.Clone(ms[i].Features)
		if h := ms[i].Hold; h != nil {
			c := *h
			ms[i].Hold = &c
		}
	}
	return ms
}

func cloneQueues(qs []Queue) []Queue {
	qs = slices.Clone(qs)
	for i := range qs {
		qs[i].Modalities = slices.Clone(qs[i].Modalities)
		qs[i].Skills = slices.Clone(qs[i].Skills)
		if sl := qs[i].ServiceLevel; sl != nil {
			c := *sl
			qs[i].ServiceLevel = &c
		}
	}
	return qs
}

func cloneReceptionist(r *Receptionist) *Receptionist {
	if r == nil {
		return nil
	}
	c := *r
	c.Options = slices.Clone(r.Options)
	c.Prompts = maps.Clone(r.Prompts)
	return &c
}

func cloneAccess(a Access) Access {
	a.Roles = slices.Clone(a.Roles)
	for i := range a.Roles {
		a.Roles[i].Privileges = slices.Clone(a.Roles[i].Privileges)
	}
	return a
}
