package contactcenter

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/scaling"
	"github.com/eventcc/eventcc/template"
)

// A planner turns requests into plans: it validates a request against
// the clock, the template catalog and the channels this lifecycle has,
// resolves its template, and generates the deploy and closing plans. It
// has no side effect.
type planner struct {
	templates *template.Catalog
	channels  map[modality.Kind]modality.Channel
}

var eventIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// resolve validates req against the clock and the catalog and resolves
// its template. Every problem is reported at once.
func (pl planner) resolve(req Request, now time.Time) (template.Config, error) {
	probs, kinds := pl.checkRequest(req, now)
	t, err := pl.templates.Lookup(req.Template)
	if err != nil {
		probs = append(probs, &template.FieldError{Path: "request.template", Message: err.Error(), Err: err})
	}
	if len(probs) > 0 || t == nil {
		return template.Config{}, invalid(probs)
	}
	cfg, err := t.Resolve(template.Input{
		EventID:            req.EventID,
		EventType:          req.EventType,
		Start:              req.Term.Start,
		End:                req.Term.End,
		Modalities:         kinds,
		Receptionist:       req.Features.Receptionist,
		Queues:             req.Features.Queues,
		ExpectedAttendance: req.ExpectedAttendance,
		Overrides:          req.Overrides,
	})
	if err != nil {
		return template.Config{}, fmt.Errorf("contactcenter: invalid request: %w", err)
	}
	probs = pl.checkConfig(cfg)
	if slices.ContainsFunc(cfg.Modalities, func(m template.Modality) bool { return m.Kind == modality.Social }) && len(req.Features.Accounts) == 0 {
		probs = append(probs, &template.FieldError{Path: "request.features.accounts",
			Message: "social messaging needs the event's accounts (a WhatsApp phone number ID, a Messenger page ID, a Telegram bot's username)"})
	}
	if len(probs) > 0 {
		return template.Config{}, invalid(probs)
	}
	return cfg, nil
}

// checkRequest returns what is wrong with req before its template is
// resolved, and the modality kinds it asks for.
func (pl planner) checkRequest(req Request, now time.Time) (probs []*template.FieldError, kinds []modality.Kind) {
	bad := func(path, format string, args ...any) {
		probs = append(probs, &template.FieldError{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	if !eventIDPattern.MatchString(req.EventID) {
		bad("request.eventId", "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit; got %q", req.EventID)
	}
	switch {
	case req.Term.Start.IsZero():
		bad("request.term.start", "required")
	case req.Term.End.IsZero():
		bad("request.term.end", "required")
	case !req.Term.End.After(req.Term.Start):
		bad("request.term.end", "must be after the start (%s); got %s", req.Term.Start.Format(time.RFC3339), req.Term.End.Format(time.RFC3339))
	case !req.Term.End.After(now):
		bad("request.term.end", "already past (%s, now %s)", req.Term.End.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	if req.Term.TimeZone != "" {
		if _, err := time.LoadLocation(req.Term.TimeZone); err != nil {
			bad("request.term.timeZone", "unknown time zone %q", req.Term.TimeZone)
		}
	}
	if req.ExpectedAttendance < 0 {
		bad("request.expectedAttendance", "must not be negative; got %d", req.ExpectedAttendance)
	}
	if len(req.Features.Accounts) > maxAccounts {
		bad("request.features.accounts", "at most %d accounts; got %d", maxAccounts, len(req.Features.Accounts))
	}
	for i, a := range req.Features.Accounts {
		switch {
		case a == "" || len(a) > 128 || strings.ContainsFunc(a, func(r rune) bool { return !unicode.IsPrint(r) || unicode.IsSpace(r) }):
			bad(fmt.Sprintf("request.features.accounts[%d]", i), "must be 1 to 128 printable characters without spaces; got %q", a)
		case slices.Contains(req.Features.Accounts[:i], a):
			bad(fmt.Sprintf("request.features.accounts[%d]", i), "%q is listed twice", a)
		}
	}
	kinds = make([]modality.Kind, 0, len(req.Features.Modalities))
	for i, k := range req.Features.Modalities {
		if _, err := modality.ParseKind(string(k)); err != nil {
			bad(fmt.Sprintf("request.features.modalities[%d]", i), "unknown modality %q", k)
			continue
		}
		if _, ok := pl.channels[k]; !ok {
			bad(fmt.Sprintf("request.features.modalities[%d]", i), "no channel of this lifecycle serves %q", k)
		}
		kinds = append(kinds, k)
	}
	return probs, kinds
}

// checkConfig returns what a resolved configuration needs that the
// template cannot know: which kinds this lifecycle serves, that telephone
// kinds have numbers, and staffing the scaler accepts. What would fail
// the deploy for a reason knowable now fails the request instead (the
// template checks the rest, the post-term policy with numbermap's own
// definitions).
func (pl planner) checkConfig(cfg template.Config) (probs []*template.FieldError) {
	bad := func(path, format string, args ...any) {
		probs = append(probs, &template.FieldError{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	for i, m := range cfg.Modalities {
		k := m.Kind
		if _, ok := pl.channels[k]; !ok {
			bad(fmt.Sprintf("config.modalities[%d].kind", i), "no channel of this lifecycle serves %q; request the modalities you serve", k)
		}
		if (k == modality.Telephony || k == modality.SMS) && cfg.Numbers.Count == 0 {
			bad("config.numbers.count", "modality %q needs at least one telephone number", k)
		}
	}
	if _, err := scaling.NewAutoscaler(scalingParams(cfg), nil); err != nil {
		bad("config.staffing", "%v", err)
	}
	return probs
}

// maxAccounts is the most social accounts one service has.
const maxAccounts = 16

func invalid(probs []*template.FieldError) error {
	return fmt.Errorf("contactcenter: invalid request: %w", &template.ValidationError{Problems: probs})
}

// scalingParams converts a resolved configuration into scaling inputs.
func scalingParams(cfg template.Config) scaling.Params {
	p := scaling.Params{
		TargetUtilisation:   cfg.Staffing.TargetUtilisation,
		MinAgents:           cfg.Staffing.MinAgents,
		MaxAgents:           cfg.Staffing.MaxAgents,
		AgentsPerSupervisor: cfg.Staffing.AgentsPerSupervisor,
		LicencesPerAgent:    cfg.Capacity.LicencesPerAgent,
		SpacePerAgent:       cfg.Capacity.SpacePerAgent,
		BaseSpace:           cfg.Capacity.BaseSpace,
		MaxLicences:         cfg.Capacity.MaxLicences,
		MaxSpace:            cfg.Capacity.MaxSpace,
		ScaleDownWindow:     cfg.Staffing.ScaleDownWindow.D(),
		MaxStepUp:           cfg.Staffing.MaxStepUp,
		MaxStepDown:         cfg.Staffing.MaxStepDown,
		// The service level the Erlang policy staffs for, on a forecast
		// of each modality's arrivals.
		Targets:  scaling.Targets{ServiceLevel: cfg.Staffing.ServiceLevel.Target, Within: cfg.Staffing.ServiceLevel.Within.D()},
		Forecast: scaling.DefaultForecast(),
	}
	for _, m := range cfg.Modalities {
		p.Modalities = append(p.Modalities, scaling.Modality{
			Kind: string(m.Kind),
			// An agent is held for the engagement and then the wrap-up
			// the router gives them: staff for both.
			HandleTime:         m.HandleTime.D() + cfg.Staffing.WrapUp.D(),
			Concurrency:        m.Concurrency,
			SpacePerEngagement: m.SpacePerEngagement,
		})
	}
	return p
}

// plans generates the deploy and closing plans of a configuration.
func (pl planner) plans(id string, cfg template.Config, now time.Time) Plans {
	initial := scalingParams(cfg).ResourcesFor(cfg.InitialAgents, nil)
	deploy := Plan{ID: id + "/deploy", ServiceID: id, Kind: DeployKind, Created: now}
	add := func(p *Plan, s Step) {
		s.Key = fmt.Sprintf("%02d-%s", len(p.Steps)+1, s.Key)
		if s.Undo != nil {
			s.Undo.Key = s.Key + "-undo"
		}
		p.Steps = append(p.Steps, s)
	}
	if cfg.Numbers.Count > 0 {
		caps := numberCapabilities(cfg)
		add(&deploy, Step{Key: "numbers", Action: ClaimNumbers, Count: cfg.Numbers.Count, Country: cfg.Numbers.Country, Capabilities: caps,
			Description: fmt.Sprintf("lease %d telephone number(s) of %s%s from the pool", cfg.Numbers.Count, orAny(cfg.Numbers.Country), capableOf(caps)),
			Undo:        &Step{Action: ReleaseNumbers, Description: "return the numbers to the pool"}})
	}
	counts := map[Resource]int{Space: initial.Space, Licences: initial.Licences, Agents: initial.Agents, Supervisors: initial.Supervisors}
	for _, r := range Resources() {
		add(&deploy, Step{Key: string(r), Action: SetResource, Resource: r, Count: counts[r],
			Description: fmt.Sprintf("provision %d %s", counts[r], r),
			Undo:        &Step{Action: SetResource, Resource: r, Count: 0, Description: fmt.Sprintf("release all %s", r)}})
	}
	add(&deploy, Step{Key: "access", Action: GrantAccess,
		Description: "grant each agent and supervisor their role's privileges until expiry",
		Undo:        &Step{Action: RevokeAccess, Description: "revoke every grant of the service"}})
	add(&deploy, Step{Key: "publish", Action: Publish,
		Description: "publish the entry points and hours to the event system",
		Undo:        &Step{Action: Retract, Description: "retract the entry points"}})
	deploy.Digest = deploy.ComputeDigest()

	closing := Plan{ID: id + "/close", ServiceID: id, Kind: CloseKind, Created: now}
	add(&closing, Step{Key: "intake", Action: StopIntake, Description: "stop intake on every channel"})
	add(&closing, Step{Key: "disconnect", Action: Disconnect, Description: "disconnect every end point still connected"})
	add(&closing, Step{Key: "channels", Action: CloseChannels, Description: "remove the entry points from every channel"})
	add(&closing, Step{Key: "access", Action: RevokeAccess, Description: "revoke every access privilege of the service"})
	add(&closing, Step{Key: "retract", Action: Retract, Description: "retract the entry points from the event system"})
	if cfg.Numbers.Count > 0 {
		add(&closing, Step{Key: "numbers", Action: RetireNumbers,
			Description: fmt.Sprintf("retire the numbers: %s, then age %s", policyText(cfg.PostTerm), cfg.PostTerm.Aging.D())})
	}
	rs := Resources()
	for i := len(rs) - 1; i >= 0; i-- {
		add(&closing, Step{Key: string(rs[i]), Action: SetResource, Resource: rs[i], Count: 0,
			Description: fmt.Sprintf("release all %s", rs[i])})
	}
	add(&closing, Step{Key: "verify", Action: VerifyEmpty,
		Description: "verify the provisioner's inventory is empty, no grant authorises, no channel holds an end point"})
	closing.Digest = closing.ComputeDigest()
	return Plans{Config: cfg, Deploy: deploy, Close: closing}
}

// numberCapabilities is what the numbers of a configuration must carry:
// voice for telephony, SMS for sms.
func numberCapabilities(cfg template.Config) numbermap.Capabilities {
	var c numbermap.Capabilities
	for _, m := range cfg.Modalities {
		switch m.Kind {
		case modality.Telephony:
			c |= numbermap.Voice
		case modality.SMS:
			c |= numbermap.SMS
		}
	}
	return c
}

func capableOf(c numbermap.Capabilities) string {
	if c == 0 {
		return ""
	}
	return " capable of " + c.String()
}

func orAny(country string) string {
	if country == "" {
		return "any country"
	}
	return country
}

func policyText(p template.PostTerm) string {
	switch p.Policy {
	case numbermap.Forward:
		return fmt.Sprintf("forward to %s for %s", p.ForwardTo, p.For.D())
	case numbermap.Announce:
		return fmt.Sprintf("announce %q for %s", p.Announcement, p.For.D())
	case numbermap.Vacant:
		return fmt.Sprintf("vacant for %s", p.For.D())
	case numbermap.Park:
		return fmt.Sprintf("parked for %s", p.For.D())
	default:
		return string(p.Policy)
	}
}
