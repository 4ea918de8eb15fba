package contactcenter_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eventcc/eventcc/access/memaccess"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/clocktest"
	"github.com/eventcc/eventcc/contactcenter/memevents"
	"github.com/eventcc/eventcc/contactcenter/memprovisioner"
	"github.com/eventcc/eventcc/contactcenter/memstore"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
	"github.com/eventcc/eventcc/template"
)

// newExampleLifecycle wires a Lifecycle on in-memory adapters and a
// simulated clock, with two numbers in the pool.
func newExampleLifecycle(clock *clocktest.Clock) *contactcenter.Lifecycle {
	ctx := context.Background()
	numbers := memnumbermap.New()
	for _, n := range []string{"+12025550101", "+12025550102"} {
		if err := numbers.Add(ctx, numbermap.Owned{Number: numbermap.MustParse(n), Country: "US", Capabilities: numbermap.Voice | numbermap.SMS}); err != nil {
			panic(err)
		}
	}
	channel, err := memchannel.New()
	if err != nil {
		panic(err)
	}
	lc, err := contactcenter.New(contactcenter.Config{
		Store:       memstore.New(),
		Provisioner: memprovisioner.New(memprovisioner.Limits{}),
		Access:      memaccess.New(),
		Numbers:     numbers,
		Channels:    []modality.Channel{channel},
		EventSystem: memevents.New(),
		Now:         clock.Now,
	})
	if err != nil {
		panic(err)
	}
	return lc
}

func exampleRequest() contactcenter.Request {
	start := time.Date(2027, 9, 14, 9, 0, 0, 0, time.UTC)
	return contactcenter.Request{
		EventID:            "fintech-expo-2027",
		EventType:          "conference",
		Term:               contactcenter.Term{Start: start, End: start.Add(9 * time.Hour), TimeZone: "Europe/London"},
		Template:           "conference",
		Features:           contactcenter.Features{Modalities: []modality.Kind{modality.Telephony, modality.Chat}},
		ExpectedAttendance: 800,
	}
}

// A dry run shows what a request would do, with no side effects.
func ExampleLifecycle_Plan() {
	lc := newExampleLifecycle(clocktest.New(time.Date(2027, 9, 1, 0, 0, 0, 0, time.UTC)))
	defer lc.Close()
	plans, err := lc.Plan(context.Background(), exampleRequest())
	if err != nil {
		panic(err)
	}
	for _, s := range plans.Deploy.Steps {
		fmt.Println(s.Key, s.Action)
	}
	// Output:
	// 01-numbers numbers.claim
	// 02-space resource.set
	// 03-licences resource.set
	// 04-agents resource.set
	// 05-supervisors resource.set
	// 06-access access.grant
	// 07-publish eventsystem.publish
}

// Bad input is refused before anything is stored, with every bad field
// named by its path.
func ExampleLifecycle_Request_invalid() {
	lc := newExampleLifecycle(clocktest.New(time.Date(2027, 9, 1, 0, 0, 0, 0, time.UTC)))
	defer lc.Close()
	req := exampleRequest()
	req.Term.End = req.Term.Start.Add(-time.Hour)
	req.Features.Modalities = []modality.Kind{"fax"}
	_, err := lc.Request(context.Background(), req)
	var ve *template.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Println(p.Path)
		}
	}
	// Output:
	// request.term.end
	// request.features.modalities[0]
}

// The whole life of a service, driven tick by tick on a simulated clock.
func ExampleLifecycle_Tick() {
	clock := clocktest.New(time.Date(2027, 9, 1, 0, 0, 0, 0, time.UTC))
	lc := newExampleLifecycle(clock)
	defer lc.Close()
	ctx := context.Background()
	defer lc.Subscribe(func(e contactcenter.Event) {
		if sc, ok := e.(*contactcenter.StateChanged); ok {
			fmt.Printf("%s %s → %s\n", sc.At.Format("Jan 02 15:04"), sc.From, sc.To)
		}
	})()
	svc, err := lc.Request(ctx, exampleRequest())
	if err != nil {
		panic(err)
	}
	for !clock.Now().After(svc.Expires) {
		clock.Advance(15 * time.Minute)
		if err := lc.Tick(ctx); err != nil {
			panic(err)
		}
	}
	rep, err := lc.Report(ctx, svc.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println(rep.State, "with", len(rep.Closing.Remaining), "items left")
	// Output:
	// Sep 01 00:00 requested → scheduled
	// Sep 13 09:00 scheduled → deploying
	// Sep 13 09:00 deploying → ready
	// Sep 14 09:00 ready → active
	// Sep 14 19:00 active → terminating
	// Sep 14 19:00 terminating → terminated
	// terminated with 0 items left
}
