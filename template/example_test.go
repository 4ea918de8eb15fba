package template_test

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/template"
)

// The template of the package documentation.
const conferenceJSON = `{
  "name": "conference",
  "version": "1.0.0",
  "eventTypes": ["conference"],
  "modalities": [
    {"kind": "telephony", "handleTime": "4m", "concurrency": 1, "spacePerEngagement": 1},
    {"kind": "chat", "handleTime": "3m", "concurrency": 3, "spacePerEngagement": 0.25}
  ],
  "skills": [{"name": "registration", "description": "Badges, tickets and invoices"},
    {"name": "de", "description": "Speaks German"}],
  "queues": [
    {"name": "registration", "modalities": ["telephony", "chat"], "priority": 1,
      "skills": ["registration"], "maxWait": "5m", "overflow": "general"},
    {"name": "general", "modalities": ["telephony", "chat"], "strategy": "round-robin"}],
  "staffing": {"serviceLevel": {"target": 0.8, "within": "20s"}, "targetUtilisation": 0.85,
    "minAgents": 2, "maxAgents": 40, "agentsPer1000": 3, "agentsPerSupervisor": 10,
    "scaleInterval": "2m", "scaleDownWindow": "10m", "wrapUp": "30s"},
  "capacity": {"licencesPerAgent": 1, "spacePerAgent": 0.5, "baseSpace": 4,
    "maxLicences": 44, "maxSpace": 120},
  "numbers": {"count": 2, "country": "US"},
  "access": {"roles": [
    {"name": "agent", "privileges": ["engagement.handle", "queue.registration", "queue.general"]},
    {"name": "supervisor", "privileges": ["engagement.monitor", "report.view"]}]},
  "timing": {"deployLead": "24h", "grace": "1h"},
  "postTerm": {"policy": "forward", "forwardTo": "+15555550100", "for": "720h", "aging": "2160h"},
  "transcripts": {"retention": "720h"}
}`

func ExampleLoad() {
	t, err := template.Load(strings.NewReader(conferenceJSON))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(t.Name, t.Version)
	for _, m := range t.Modalities {
		fmt.Printf("%s: %s per engagement, %d at a time\n", m.Kind, m.HandleTime, m.Concurrency)
	}
	fmt.Println("deploy", t.Timing.DeployLead, "ahead; numbers age", t.PostTerm.Aging.D().Hours()/24, "days")
	// Output:
	// conference 1.0.0
	// telephony: 4m per engagement, 1 at a time
	// chat: 3m per engagement, 3 at a time
	// deploy 24h ahead; numbers age 90 days
}

func ExampleTemplate_Resolve() {
	t, err := template.Builtin().Lookup("conference")
	if err != nil {
		fmt.Println(err)
		return
	}
	start := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	maxAgents := 20
	c, err := t.Resolve(template.Input{
		EventID:            "gophercon-2026",
		EventType:          "conference",
		Start:              start,
		End:                start.Add(3 * 24 * time.Hour),
		Modalities:         []modality.Kind{modality.SMS, modality.Chat},
		Receptionist:       true,
		ExpectedAttendance: 2500,
		Overrides:          template.Overrides{MaxAgents: &maxAgents},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range c.Modalities {
		fmt.Println("modality", m.Kind)
	}
	for _, q := range c.Queues {
		fmt.Println("queue", q.Name, q.Modalities)
	}
	fmt.Println("receptionist options:", len(c.Receptionist.Options))
	fmt.Println("initial agents:", c.InitialAgents, "of at most", c.Staffing.MaxAgents)
	// Output:
	// modality chat
	// modality sms
	// queue registration [chat sms]
	// queue speakers [chat]
	// queue accessibility [chat sms]
	// queue general [chat sms]
	// receptionist options: 6
	// initial agents: 8 of at most 20
}

func ExampleCatalog_Lookup() {
	cat := template.Builtin()
	fmt.Println(cat.Names())

	t, err := cat.Lookup("concert")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(t.EventTypes, t.PostTerm.Policy)

	_, err = cat.Lookup("wedding")
	fmt.Println(errors.Is(err, template.ErrUnknownTemplate))
	fmt.Println(err)
	// Output:
	// [concert conference hybrid sports trade-show webinar]
	// [concert festival] announce
	// true
	// template: unknown template "wedding" (known: concert, conference, hybrid, sports, trade-show, webinar)
}

func ExampleValidationError() {
	broken := strings.NewReplacer(
		`"kind": "chat"`, `"kind": "fax"`,
		`"skills": ["registration"]`, `"skills": ["registraton"]`,
		`"target": 0.8`, `"target": 1.5`,
		`"aging": "2160h"`, `"aging": "720h"`,
	).Replace(conferenceJSON)

	_, err := template.Load(strings.NewReader(broken))
	var verr *template.ValidationError
	if errors.As(err, &verr) {
		for _, p := range verr.Problems {
			fmt.Printf("%s\n\t%s\n", p.Path, p.Message)
		}
	}
	// Output:
	// modalities[1].kind
	// 	unknown modality "fax"; want one of telephony, video, chat, sms, social
	// queues[0].modalities[1]
	// 	modality "chat" is not offered by the template
	// queues[0].skills[0]
	// 	unknown skill "registraton"; want one of registration, de
	// queues[1].modalities[1]
	// 	modality "chat" is not offered by the template
	// staffing.serviceLevel.target
	// 	must be in (0,1], got 1.5
	// postTerm.aging
	// 	must be at least 45 days (1080h), the minimum aging of a disconnected number under 47 CFR 52.15(f)(1)(ii), got 720h; it may be 0 only when numbers.count is 0
}
