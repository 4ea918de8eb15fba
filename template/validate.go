package template

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"math/bits"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/numbermap"
)

var (
	namePattern = regexp.MustCompile(`^[a-z0-9-]+$`)
)

// strategies are the routing strategies a queue may name, besides "".

// policies are the post-term policies a template may name.
var policies = []numbermap.PolicyKind{numbermap.Forward, numbermap.Announce, numbermap.Vacant, numbermap.Park, numbermap.Release}

// oneOf lists values for a message: "a, b, c".
func oneOf[T ~string](values []T) string {
	names := make([]string, len(values))
	for i, v := range values {
		names[i] = string(v)
	}
	return strings.Join(names, ", ")
}

// parseReason says why numbermap.Parse refused a number, or that it
// reads as n, another spelling.
func parseReason(n numbermap.Number, err error) string {
	var pe *numbermap.ParseError
	switch {
	case errors.As(err, &pe):
		return ": " + pe.Reason
	case err != nil:
		return ": " + err.Error()
	}
	return fmt.Sprintf(" (write it %s)", n)
}

// A problem is a FieldError under construction. related lists the other
// fields the check read, so that Resolve can blame the override that
// caused a problem in a field it did not override.
type problem struct {
	path    string
	msg     string
	related []string
}

type problems []problem

func (ps *problems) add(path, format string, args ...any) {
	*ps = append(*ps, problem{path: path, msg: fmt.Sprintf(format, args...)})
}

func (ps *problems) addRelated(related []string, path, format string, args ...any) {
	*ps = append(*ps, problem{path: path, msg: fmt.Sprintf(format, args...), related: related})
}

// err returns nil or a *ValidationError listing ps in order.
func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	e := &ValidationError{Problems: make([]*FieldError, len(ps))}
	for i, p := range ps {
		e.Problems[i] = &FieldError{Path: p.path, Message: p.msg}
	}
	return e
}

// Validate reports whether t is a complete, consistent template. It
// returns nil or a *[ValidationError] listing every problem, each named by
// its field path in the JSON form ("queues[1].modalities[0]"), in the order
// of the fields. Validate does not modify t.
func (t *Template) Validate() error {
	if t == nil {
		return &ValidationError{Problems: []*FieldError{{Message: "nil template"}}}
	}
	return t.check().err()
}

func (t *Template) check() problems {
	var ps problems
	t.checkHeader(&ps)
	offered := t.checkModalities(&ps)
	skills := t.checkSkills(&ps)
	queues := t.checkQueues(&ps, offered, skills)
	t.checkReceptionist(&ps, queues)
	t.checkStaffing(&ps)
	t.checkCapacity(&ps)
	t.checkNumbers(&ps)
	t.checkAccess(&ps)
	t.checkTiming(&ps)
	t.checkPostTerm(&ps)
	if r := t.Transcripts.Retention; r < 0 || r.D() > MaxRetention {
		ps.add("transcripts.retention", "must be between 0 (delete at the close) and %s, got %s", Duration(MaxRetention), r)
	}
	return ps
}

func (t *Template) checkHeader(ps *problems) {
	switch {
	case t.Name == "":
		ps.add("name", "required")
	case !namePattern.MatchString(t.Name):
		ps.add("name", "must be lower-case letters a-z, digits and '-', got %q", t.Name)
	}
	if blank(t.Version) {
		ps.add("version", "required")
	}
	if len(t.EventTypes) == 0 {
		ps.add("eventTypes", "required: at least one event type")
	}
	seen := make(map[string]bool, len(t.EventTypes))
	for i, et := range t.EventTypes {
		p := fmt.Sprintf("eventTypes[%d]", i)
		switch {
		case blank(et):
			ps.add(p, "must not be empty")
		case seen[et]:
			ps.add(p, "duplicate event type %q", et)
		}
		seen[et] = true
	}
}

// checkModalities returns the kinds the template offers.
func (t *Template) checkModalities(ps *problems) map[modality.Kind]bool {
	served := make(map[modality.Kind]bool)
	for _, q := range t.Queues {
		for _, k := range q.Modalities {
			served[k] = true
		}
	}
	if len(t.Modalities) == 0 {
		ps.add("modalities", "required: at least one modality")
	}
	offered := make(map[modality.Kind]bool, len(t.Modalities))
	for i, m := range t.Modalities {
		p := fmt.Sprintf("modalities[%d]", i)
		switch {
		case m.Kind == "":
			ps.add(p+".kind", "required")
		case !slices.Contains(modality.Kinds(), m.Kind):
			ps.add(p+".kind", "unknown modality %q; want one of %s", m.Kind, oneOf(modality.Kinds()))
		case offered[m.Kind]:
			ps.add(p+".kind", "duplicate modality %q", m.Kind)
		case !served[m.Kind] && len(t.Queues) > 0:
			ps.add(p, "no queue serves modality %q", m.Kind)
		}
		offered[m.Kind] = true
		for j, f := range m.Features {
			if blank(f) {
				ps.add(fmt.Sprintf("%s.features[%d]", p, j), "must not be empty")
			}
		}
		if m.HandleTime <= 0 {
			ps.add(p+".handleTime", "must be > 0, got %s", m.HandleTime)
		}
		switch {
		case m.Concurrency < 1:
			ps.add(p+".concurrency", "must be >= 1, got %d", m.Concurrency)
		case (m.Kind == modality.Telephony || m.Kind == modality.Video) && m.Concurrency != 1:
			ps.add(p+".concurrency", "must be 1 for %s (an agent holds one %s engagement at a time), got %d", m.Kind, m.Kind, m.Concurrency)
		}
		if !nonNegative(m.SpacePerEngagement) {
			ps.add(p+".spacePerEngagement", "must be >= 0, got %v", m.SpacePerEngagement)
		}
		switch d := time.Duration(m.IdleTimeout); {
		case d == 0:
		case m.Kind != modality.SMS && m.Kind != modality.Social:
			ps.add(p+".idleTimeout", "only sms and social conversations go idle; %s ends when the attendee or the agent ends it", m.Kind)
		case d < MinIdleTimeout || d > MaxIdleTimeout:
			ps.add(p+".idleTimeout", "must be between %s and %s, got %s", MinIdleTimeout, MaxIdleTimeout, d)
		}
		if h := m.Hold; h != nil {
			switch {
			case m.Kind != modality.Telephony:
				ps.add(p+".hold", "only telephony callers are put on hold; %s has no audio to play", m.Kind)
			default:
				if h.Music != "" {
					if problem := (&modality.Receptionist{}).CheckPrompt(modality.PromptGreeting, h.Music); problem != "" {
						ps.add(p+".hold.music", "%s", problem)
					}
				}
				if d := time.Duration(h.AnnounceEvery); d != 0 && (d < MinAnnounceEvery || d > MaxAnnounceEvery) {
					ps.add(p+".hold.announceEvery", "must be 0 (never) or between %s and %s, got %s", MinAnnounceEvery, MaxAnnounceEvery, d)
				}
			}
		}
		if m.Anonymous && slices.Contains(modality.Kinds(), m.Kind) && !byToken(m.Kind) {
			ps.add(p+".anonymous", "only chat and video identify attendees (by their session token); %s reaches whoever has the %s, registered or not",
				m.Kind, reachedBy(m.Kind))
		}
	}
	return offered
}

// byToken reports whether the channels of kind k identify attendees by
// the session token of their registration: chat and video do; the
// others reach whoever has the number or the handle.
func byToken(k modality.Kind) bool { return k == modality.Chat || k == modality.Video }

// reachedBy says what reaches a service on kind k, which does not
// identify attendees.
func reachedBy(k modality.Kind) string {
	if k == modality.Social {
		return "handle"
	}
	return "number"
}

// checkSkills returns the names of the template's skills.
func (t *Template) checkSkills(ps *problems) map[string]bool {
	names := make(map[string]bool, len(t.Skills))
	for i, sk := range t.Skills {
		p := fmt.Sprintf("skills[%d].name", i)
		switch {
		case sk.Name == "":
			ps.add(p, "required")
		case !namePattern.MatchString(sk.Name):
			ps.add(p, "must be lower-case letters a-z, digits and '-', got %q", sk.Name)
		case names[sk.Name]:
			ps.add(p, "duplicate skill %q", sk.Name)
		}
		names[sk.Name] = true
	}
	return names
}

// checkQueues returns the names of the template's queues.
func (t *Template) checkQueues(ps *problems, offered map[modality.Kind]bool, skills map[string]bool) map[string]bool {
	if len(t.Queues) == 0 {
		ps.add("queues", "required: at least one queue")
	}
	first := make(map[string]int, len(t.Queues)) // the index of each name's first queue
	for i, q := range t.Queues {
		if _, dup := first[q.Name]; !dup {
			first[q.Name] = i
		}
	}
	names := make(map[string]bool, len(t.Queues))
	for i, q := range t.Queues {
		p := fmt.Sprintf("queues[%d]", i)
		switch {
		case blank(q.Name):
			ps.add(p+".name", "required")
		case q.Name == OverflowToReceptionist:
			ps.add(p+".name", "%q is reserved: an overflow to it hands back to the receptionist", q.Name)
		case names[q.Name]:
			ps.add(p+".name", "duplicate queue %q", q.Name)
		}
		names[q.Name] = true
		if len(q.Modalities) == 0 {
			ps.add(p+".modalities", "required: at least one modality")
		}
		seen := make(map[modality.Kind]bool, len(q.Modalities))
		for j, k := range q.Modalities {
			pj := fmt.Sprintf("%s.modalities[%d]", p, j)
			switch {
			case !slices.Contains(modality.Kinds(), k):
				ps.add(pj, "unknown modality %q; want one of %s", k, oneOf(modality.Kinds()))
			case !offered[k]:
				ps.add(pj, "modality %q is not offered by the template", k)
			case seen[k]:
				ps.add(pj, "duplicate modality %q", k)
			}
			seen[k] = true
		}
		if q.RegisteredOnly && len(q.Modalities) > 0 && !slices.ContainsFunc(q.Modalities, byToken) {
			ps.addRelated([]string{p + ".modalities"}, p+".registeredOnly",
				"requires a modality that identifies attendees (chat or video); this queue serves only %s, which reach whoever has the number or the handle",
				oneOf(q.Modalities))
		}
		t.checkQueueSkills(ps, p, q, skills)
		if q.Strategy != "" && !slices.Contains(routing.Strategies(), q.Strategy) {
			ps.add(p+".strategy", "unknown strategy %q; want one of %s", q.Strategy, oneOf(routing.Strategies()))
		}
		if q.MaxWait < 0 {
			ps.add(p+".maxWait", "must be >= 0 (0: no limit), got %s", q.MaxWait)
		}
		t.checkOverflow(ps, p, q, first)
		if sl := q.ServiceLevel; sl != nil {
			if !unitInterval(sl.Target) {
				ps.add(p+".serviceLevel.target", "must be in (0,1], got %v", sl.Target)
			}
			if sl.Within <= 0 {
				ps.add(p+".serviceLevel.within", "must be > 0, got %s", sl.Within)
			}
		}
	}
	t.checkOverflowLoops(ps, first)
	return names
}

// checkQueueSkills checks that the skills queue q, at path p, requires
// are among the template's.
func (t *Template) checkQueueSkills(ps *problems, p string, q Queue, skills map[string]bool) {
	seen := make(map[string]bool, len(q.Skills))
	for j, name := range q.Skills {
		pj := fmt.Sprintf("%s.skills[%d]", p, j)
		switch {
		case name == "":
			ps.add(pj, "must not be empty")
		case !skills[name] && len(t.Skills) == 0:
			ps.add(pj, "unknown skill %q: the template declares no skills", name)
		case !skills[name]:
			ps.add(pj, "unknown skill %q; want one of %s", name, t.skillNames())
		case seen[name]:
			ps.add(pj, "duplicate skill %q", name)
		}
		seen[name] = true
	}
}

// checkOverflow checks the overflow of queue q, at path p; first maps the
// names of the template's queues to their index.
func (t *Template) checkOverflow(ps *problems, p string, q Queue, first map[string]int) {
	if q.Overflow == "" {
		return
	}
	if q.Overflow == OverflowToReceptionist {
		switch {
		case t.Receptionist == nil:
			ps.add(p+".overflow", "hands back to the receptionist, but the template has none")
		case blank(t.Receptionist.Fallback):
			ps.addRelated([]string{"receptionist.fallback"}, p+".overflow", "hands back to the receptionist, which needs a fallback to say")
		case q.MaxWait == 0:
			ps.addRelated([]string{p + ".maxWait"}, p+".overflow", "requires maxWait > 0: with no limit, nothing ever overflows")
		}
		return
	}
	to, known := first[q.Overflow]
	switch {
	case q.Overflow == q.Name:
		ps.add(p+".overflow", "a queue cannot overflow to itself")
	case !known:
		ps.add(p+".overflow", "unknown queue %q; want one of %s", q.Overflow, t.queueNames())
	case q.MaxWait == 0:
		ps.addRelated([]string{p + ".maxWait"}, p+".overflow", "requires maxWait > 0: with no limit, nothing ever overflows")
	case !slices.ContainsFunc(q.Modalities, func(k modality.Kind) bool { return slices.Contains(t.Queues[to].Modalities, k) }):
		ps.addRelated([]string{fmt.Sprintf("queues[%d].modalities", to)}, p+".overflow",
			"queue %q serves none of this queue's modalities (%s)", q.Overflow, oneOf(q.Modalities))
	case t.Queues[to].RegisteredOnly && !q.RegisteredOnly:
		ps.addRelated([]string{fmt.Sprintf("queues[%d].registeredOnly", to), p + ".registeredOnly"}, p+".overflow",
			"queue %q is registered-only and this queue is open to everyone: its overflow would carry anonymous visitors in", q.Overflow)
	}
}

// checkOverflowLoops reports every loop of overflows once, at the queue
// of the loop that comes first in the template. An engagement in a loop
// would wait for ever, however short each queue's maxWait.
func (t *Template) checkOverflowLoops(ps *problems, first map[string]int) {
	// next is the queue each overflows to, or -1; problems with an
	// overflow were reported by checkOverflow.
	next := make([]int, len(t.Queues))
	for i, q := range t.Queues {
		next[i] = -1
		if to, ok := first[q.Overflow]; ok && q.Overflow != q.Name && first[q.Name] == i {
			next[i] = to
		}
	}
	const (
		unseen = iota
		onPath
		done
	)
	state := make([]uint8, len(t.Queues))
	var path []int
	for start := range t.Queues {
		path = path[:0]
		i := start
		for i >= 0 && state[i] == unseen {
			state[i] = onPath
			path = append(path, i)
			i = next[i]
		}
		if i >= 0 && state[i] == onPath { // a loop: path from i on
			loop := path[slices.Index(path, i):]
			at := slices.Min(loop)
			k := slices.Index(loop, at)
			names := make([]string, len(loop)+1)
			for m := range names {
				names[m] = t.Queues[loop[(k+m)%len(loop)]].Name
			}
			ps.add(fmt.Sprintf("queues[%d].overflow", at), "loops back: %s, so an engagement could wait for ever", strings.Join(names, " → "))
		}
		for _, j := range path {
			state[j] = done
		}
	}
}

// skillNames lists the template's skills for a message: "a, b, c".
func (t *Template) skillNames() string {
	names := make([]string, len(t.Skills))
	for i, sk := range t.Skills {
		names[i] = sk.Name
	}
	return strings.Join(names, ", ")
}

// queueNames lists the template's queues for a message: "a, b, c".
func (t *Template) queueNames() string {
	names := make([]string, len(t.Queues))
	for i, q := range t.Queues {
		names[i] = q.Name
	}
	return strings.Join(names, ", ")
}

func (t *Template) checkReceptionist(ps *problems, queues map[string]bool) {
	r := t.Receptionist
	if r == nil {
		return
	}
	if blank(r.Greeting) {
		ps.add("receptionist.greeting", "required")
	}
	if len(r.Options) == 0 {
		ps.add("receptionist.options", "required: at least one option")
	}
	// Keys are compared as the receptionist matches input: ignoring case
	// and surrounding space.
	keys := make(map[string]int, len(r.Options))
	for i, o := range r.Options {
		p := fmt.Sprintf("receptionist.options[%d]", i)
		key := strings.ToLower(strings.TrimSpace(o.Key))
		switch first, dup := keys[key]; {
		case key == "":
			ps.add(p+".key", "required")
		case dup:
			ps.add(p+".key", "duplicate key %q (also options[%d])", o.Key, first)
		default:
			keys[key] = i
		}
		if blank(o.Label) {
			ps.add(p+".label", "required")
		}
		switch q, a := !blank(o.Queue), !blank(o.Answer); {
		case !q && !a:
			ps.add(p, "exactly one of queue and answer must be set, got neither")
		case q && a:
			ps.add(p, "exactly one of queue and answer must be set, got both")
		case q && !queues[o.Queue]:
			ps.add(p+".queue", "unknown queue %q", o.Queue)
		}
	}
	t.checkAnonymousMenu(ps)
	if blank(r.ClosedMessage) {
		ps.add("receptionist.closedMessage", "required")
	}
	m := r.Modality()
	for _, role := range slices.Sorted(maps.Keys(r.Prompts)) {
		if problem := m.CheckPrompt(role, r.Prompts[role]); problem != "" {
			ps.add(fmt.Sprintf("receptionist.prompts[%q]", role), "%s", problem)
		}
	}
}

// checkAnonymousMenu reports a receptionist whose every option hands off
// to a registered-only queue when a modality admits anonymous visitors:
// they would find an empty menu.
func (t *Template) checkAnonymousMenu(ps *problems) {
	anon := slices.IndexFunc(t.Modalities, func(m Modality) bool { return m.Anonymous && byToken(m.Kind) })
	if anon < 0 || len(t.Receptionist.Options) == 0 {
		return
	}
	restricted := make(map[string]bool)
	for _, q := range t.Queues {
		if q.RegisteredOnly {
			restricted[q.Name] = true
		}
	}
	if slices.ContainsFunc(t.Receptionist.Options, func(o MenuOption) bool { return blank(o.Queue) || !restricted[o.Queue] }) {
		return
	}
	ps.addRelated([]string{fmt.Sprintf("modalities[%d].anonymous", anon)}, "receptionist.options",
		"every option hands off to a registered-only queue, and %s admits anonymous visitors: they would find an empty menu", t.Modalities[anon].Kind)
}

func (t *Template) checkStaffing(ps *problems) {
	s := t.Staffing
	if !unitInterval(s.ServiceLevel.Target) {
		ps.add("staffing.serviceLevel.target", "must be in (0,1], got %v", s.ServiceLevel.Target)
	}
	if s.ServiceLevel.Within <= 0 {
		ps.add("staffing.serviceLevel.within", "must be > 0, got %s", s.ServiceLevel.Within)
	}
	if !unitInterval(s.TargetUtilisation) {
		ps.add("staffing.targetUtilisation", "must be in (0,1], got %v", s.TargetUtilisation)
	}
	switch {
	case s.MinAgents < 0:
		ps.add("staffing.minAgents", "must be >= 0, got %d", s.MinAgents)
	case s.MinAgents > s.MaxAgents && s.MaxAgents >= 1:
		ps.addRelated([]string{"staffing.maxAgents"}, "staffing.minAgents",
			"must be <= maxAgents (%d), got %d", s.MaxAgents, s.MinAgents)
	}
	if s.MaxAgents < 1 {
		ps.add("staffing.maxAgents", "must be >= 1, got %d", s.MaxAgents)
	}
	if !nonNegative(s.AgentsPer1000) {
		ps.add("staffing.agentsPer1000", "must be >= 0, got %v", s.AgentsPer1000)
	}
	if s.AgentsPerSupervisor < 0 {
		ps.add("staffing.agentsPerSupervisor", "must be >= 0 (0: no supervisors), got %d", s.AgentsPerSupervisor)
	}
	if s.ScaleInterval <= 0 {
		ps.add("staffing.scaleInterval", "must be > 0, got %s", s.ScaleInterval)
	}
	if s.ScaleDownWindow < 0 {
		ps.add("staffing.scaleDownWindow", "must be >= 0, got %s", s.ScaleDownWindow)
	}
	if s.MaxStepUp < 0 {
		ps.add("staffing.maxStepUp", "must be >= 0 (0: unlimited), got %d", s.MaxStepUp)
	}
	if s.MaxStepDown < 0 {
		ps.add("staffing.maxStepDown", "must be >= 0 (0: unlimited), got %d", s.MaxStepDown)
	}
	if s.WrapUp < 0 {
		ps.add("staffing.wrapUp", "must be >= 0 (0: none), got %s", s.WrapUp)
	}
	if s.OfferTimeout < 0 {
		ps.add("staffing.offerTimeout", "must be >= 0 (0: the router's default, 20s), got %s", s.OfferTimeout)
	}
	if s.MissPause < 0 {
		ps.add("staffing.missPause", "must be >= 0 (0: the router's default, 5s), got %s", s.MissPause)
	}
	if s.MaxMisses < 0 {
		ps.add("staffing.maxMisses", "must be >= 0 (0: the router's default, 3), got %d", s.MaxMisses)
	}
}

func (t *Template) checkCapacity(ps *problems) {
	c, s := t.Capacity, t.Staffing
	if c.LicencesPerAgent < 1 {
		ps.add("capacity.licencesPerAgent", "must be >= 1, got %d", c.LicencesPerAgent)
	}
	if !nonNegative(c.SpacePerAgent) {
		ps.add("capacity.spacePerAgent", "must be >= 0, got %v", c.SpacePerAgent)
	}
	if !nonNegative(c.BaseSpace) {
		ps.add("capacity.baseSpace", "must be >= 0, got %v", c.BaseSpace)
	}
	if s.MaxAgents >= 1 && c.LicencesPerAgent >= 1 && s.AgentsPerSupervisor >= 0 {
		related := []string{"staffing.maxAgents", "staffing.agentsPerSupervisor", "capacity.licencesPerAgent"}
		sup := supervisors(s.MaxAgents, s.AgentsPerSupervisor)
		need, ok := licences(s.MaxAgents, sup, c.LicencesPerAgent)
		switch {
		case !ok:
			ps.addRelated(related, "capacity.maxLicences",
				"cannot cover maxAgents (%d) and %d supervisors at %d licences each: the total overflows",
				s.MaxAgents, sup, c.LicencesPerAgent)
		case c.MaxLicences < need:
			ps.addRelated(related, "capacity.maxLicences",
				"must be >= %d to cover maxAgents (%d) and %d supervisors at %d licences each, got %d",
				need, s.MaxAgents, sup, c.LicencesPerAgent, c.MaxLicences)
		}
	} else if c.MaxLicences < 1 {
		ps.add("capacity.maxLicences", "must be >= 1, got %d", c.MaxLicences)
	}
	if c.MaxSpace <= 0 {
		ps.add("capacity.maxSpace", "must be > 0, got %d", c.MaxSpace)
	}
}

func (t *Template) checkNumbers(ps *problems) {
	n := t.Numbers
	if n.Count < 0 {
		ps.add("numbers.count", "must be >= 0, got %d", n.Count)
	}
	switch {
	case n.Country == "" && n.Count > 0:
		ps.addRelated([]string{"numbers.count"}, "numbers.country", "required when count > 0")
	case n.Country != "" && !numbermap.KnownCountry(n.Country):
		ps.add("numbers.country", "must be the ISO 3166-1 alpha-2 code of a country with telephone numbers, such as \"US\", got %q", n.Country)
	}
}

func (t *Template) checkAccess(ps *problems) {
	roles := t.Access.Roles
	if len(roles) == 0 {
		ps.add("access.roles", "required: at least the roles \"agent\" and \"supervisor\"")
		return
	}
	names := make(map[string]bool, len(roles))
	for i, r := range roles {
		p := fmt.Sprintf("access.roles[%d]", i)
		switch {
		case blank(r.Name):
			ps.add(p+".name", "required")
		case names[r.Name]:
			ps.add(p+".name", "duplicate role %q", r.Name)
		}
		names[r.Name] = true
		if len(r.Privileges) == 0 {
			ps.add(p+".privileges", "required: at least one privilege")
		}
		seen := make(map[string]bool, len(r.Privileges))
		for j, pr := range r.Privileges {
			pj := fmt.Sprintf("%s.privileges[%d]", p, j)
			switch {
			case blank(pr):
				ps.add(pj, "must not be empty")
			case seen[pr]:
				ps.add(pj, "duplicate privilege %q", pr)
			}
			seen[pr] = true
		}
	}
	for _, want := range []string{"agent", "supervisor"} {
		if !names[want] {
			ps.add("access.roles", "must include a role named %q", want)
		}
	}
}

func (t *Template) checkTiming(ps *problems) {
	tm := t.Timing
	if tm.DeployLead < 0 {
		ps.add("timing.deployLead", "must be >= 0, got %s", tm.DeployLead)
	}
	if tm.Grace < 0 {
		ps.add("timing.grace", "must be >= 0, got %s", tm.Grace)
	}
}

func (t *Template) checkPostTerm(ps *problems) {
	pt := t.PostTerm
	switch {
	case pt.Policy == "":
		ps.add("postTerm.policy", "required: one of %s", oneOf(policies))
	case !slices.Contains(policies, pt.Policy):
		ps.add("postTerm.policy", "unknown policy %q; want one of %s", pt.Policy, oneOf(policies))
	}
	switch {
	case pt.Policy == numbermap.Forward && pt.ForwardTo == "":
		ps.add("postTerm.forwardTo", "required when policy is %q", numbermap.Forward)
	case pt.Policy == numbermap.Forward:
		if n, err := numbermap.Parse(string(pt.ForwardTo)); err != nil || n != pt.ForwardTo {
			ps.add("postTerm.forwardTo", "must be an E.164 number such as \"+12025550100\", got %q%s", pt.ForwardTo, parseReason(n, err))
		}
	case pt.ForwardTo != "":
		ps.add("postTerm.forwardTo", "must be empty unless policy is %q", numbermap.Forward)
	}
	if pt.Policy == numbermap.Announce && blank(pt.Announcement) {
		ps.add("postTerm.announcement", "required when policy is %q", numbermap.Announce)
	}
	if pt.For < 0 {
		ps.add("postTerm.for", "must be >= 0, got %s", pt.For)
	}
	if pt.Aging.D() < numbermap.MinAging && (pt.Aging != 0 || t.Numbers.Count != 0) {
		ps.addRelated([]string{"numbers.count"}, "postTerm.aging",
			"must be at least 45 days (1080h), the minimum aging of a disconnected number under 47 CFR 52.15(f)(1)(ii), got %s"+
				"; it may be 0 only when numbers.count is 0", pt.Aging)
	}
}

// supervisors returns how many supervisors agents need at one per perSup
// agents (none when perSup is 0).
func supervisors(agents, perSup int) int {
	if perSup <= 0 || agents <= 0 {
		return 0
	}
	n := agents / perSup
	if agents%perSup != 0 {
		n++
	}
	return n
}

// licences returns (agents+sups)*perAgent, and false if that overflows an
// int. All arguments are >= 0.
func licences(agents, sups, perAgent int) (int, bool) {
	people, carry := bits.Add64(uint64(agents), uint64(sups), 0)
	hi, lo := bits.Mul64(people, uint64(perAgent))
	if carry != 0 || hi != 0 || lo > math.MaxInt {
		return 0, false
	}
	return int(lo), true
}

// blank reports whether s is empty or only white space.
func blank(s string) bool { return strings.TrimSpace(s) == "" }

// unitInterval reports whether x is in (0,1].
func unitInterval(x float64) bool { return x > 0 && x <= 1 }

// nonNegative reports whether x is a finite number >= 0.
func nonNegative(x float64) bool { return x >= 0 && !math.IsInf(x, 1) }
