package template_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/template"
)

func d(v time.Duration) template.Duration { return template.Duration(v) }

const day = 24 * time.Hour

// validTemplate returns a fresh, valid template. It offers telephony, chat
// and SMS (no video); its maxLicences is exactly what maxAgents and their
// supervisors need. Registration overflows to speakers after 10m;
// accessibility has its own service level.
func validTemplate() *template.Template {
	return &template.Template{
		Name:        "test-event",
		Version:     "1",
		Description: "A template for tests.",
		EventTypes:  []string{"conference", "summit"},
		Modalities: []template.Modality{
			{Kind: modality.Telephony, Features: []string{"recording", "transfer"}, HandleTime: d(4 * time.Minute), Concurrency: 1, SpacePerEngagement: 1},
			{Kind: modality.Chat, Features: []string{"attachments"}, HandleTime: d(3 * time.Minute), Concurrency: 3, SpacePerEngagement: 0.25},
			{Kind: modality.SMS, HandleTime: d(2 * time.Minute), Concurrency: 4, SpacePerEngagement: 0.1},
		},
		Skills: []template.Skill{
			{Name: "registration", Description: "Badges, tickets and invoices."},
			{Name: "accessibility", Description: "Trained to assist attendees with disabilities."},
			{Name: "de"},
		},
		Queues: []template.Queue{
			{Name: "registration", Modalities: []modality.Kind{modality.Telephony, modality.Chat, modality.SMS}, Priority: 1,
				Skills: []string{"registration"}, MaxWait: d(10 * time.Minute), Overflow: "speakers"},
			{Name: "speakers", Modalities: []modality.Kind{modality.Telephony, modality.Chat}, Priority: 2, Strategy: routing.RoundRobin},
			{Name: "accessibility", Modalities: []modality.Kind{modality.Telephony, modality.SMS}, Priority: 3,
				Skills: []string{"accessibility"}, Strategy: routing.SkillsWeighted,
				ServiceLevel: &template.ServiceLevel{Target: 0.9, Within: d(15 * time.Second)}},
		},
		Receptionist: &template.Receptionist{
			Greeting: "Welcome.",
			Options: []template.MenuOption{
				{Key: "1", Label: "Registration", Queue: "registration"},
				{Key: "2", Label: "Wi-Fi", Answer: "The password is on your badge."},
				{Key: "3", Label: "Speakers", Queue: "speakers"},
				{Key: "4", Label: "Accessibility", Queue: "accessibility"},
			},
			ClosedMessage: "We are closed.",
		},
		Staffing: template.Staffing{
			ServiceLevel:        template.ServiceLevel{Target: 0.8, Within: d(20 * time.Second)},
			TargetUtilisation:   0.85,
			MinAgents:           2,
			MaxAgents:           20,
			AgentsPer1000:       2,
			AgentsPerSupervisor: 10,
			ScaleInterval:       d(time.Minute),
			ScaleDownWindow:     d(10 * time.Minute),
			MaxStepUp:           5,
			MaxStepDown:         3,
			WrapUp:              d(30 * time.Second),
			OfferTimeout:        d(15 * time.Second),
		},
		Capacity: template.Capacity{LicencesPerAgent: 1, SpacePerAgent: 0.5, BaseSpace: 2, MaxLicences: 22, MaxSpace: 50},
		Numbers:  template.Numbers{Count: 2, Country: "US"},
		Access: template.Access{Roles: []template.Role{
			{Name: "agent", Privileges: []string{"engagement.handle", "queue.registration"}},
			{Name: "supervisor", Privileges: []string{"engagement.monitor", "report.view"}},
		}},
		Timing:   template.Timing{DeployLead: d(24 * time.Hour), Grace: d(time.Hour)},
		PostTerm: template.PostTerm{Policy: numbermap.Forward, ForwardTo: "+15555550100", For: d(30 * day), Aging: d(90 * day)},
	}
}

// validJSON returns validTemplate in its JSON form.
func validJSON(t *testing.T) string {
	t.Helper()
	b, err := json.MarshalIndent(validTemplate(), "", "  ")
	require.NoError(t, err, "marshal the valid template")
	return string(b)
}

// problemsOf requires err to be a *template.ValidationError and returns
// its problems.
func problemsOf(t *testing.T, err error) []*template.FieldError {
	t.Helper()
	require.Error(t, err, "want a *template.ValidationError, got nil")
	var ve *template.ValidationError
	require.ErrorAs(t, err, &ve, "want a *template.ValidationError, got %T: %v", err, err)
	return ve.Problems
}

// requireProblem requires err to report a problem at path whose message
// contains fragment.
func requireProblem(t *testing.T, err error, path, fragment string) {
	t.Helper()
	ps := problemsOf(t, err)
	for _, p := range ps {
		if p.Path == path && strings.Contains(p.Message, fragment) {
			return
		}
	}
	t.Fatalf("want a problem at path %q containing %q; got:\n%s", path, fragment, listProblems(ps))
}

// paths returns the paths of err's problems, in order.
func paths(t *testing.T, err error) []string {
	t.Helper()
	var out []string
	for _, p := range problemsOf(t, err) {
		out = append(out, p.Path)
	}
	return out
}

func listProblems(ps []*template.FieldError) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("\t" + p.Path + ": " + p.Message + "\n")
	}
	return b.String()
}
