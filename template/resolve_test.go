package template_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/template"
)

var (
	start = time.Date(2026, 5, 12, 8, 0, 0, 0, time.UTC)
	end   = start.Add(3 * day)
)

func validInput() template.Input {
	return template.Input{
		EventID:            "devcon-2026",
		EventType:          "conference",
		Start:              start,
		End:                end,
		Receptionist:       true,
		ExpectedAttendance: 4000,
	}
}

func ptr[T any](v T) *T { return &v }

func TestResolveEverything(t *testing.T) {
	tp := validTemplate()
	c, err := tp.Resolve(validInput())
	require.NoError(t, err, "want the valid input to resolve")

	// Every queue gets a service level: its own, or the staffing's.
	queues := validTemplate().Queues
	queues[0].ServiceLevel = &tp.Staffing.ServiceLevel
	queues[1].ServiceLevel = &tp.Staffing.ServiceLevel
	want := template.Config{
		Template:        "test-event",
		TemplateVersion: "1",
		EventID:         "devcon-2026",
		EventType:       "conference",
		Modalities:      tp.Modalities,
		Skills:          tp.Skills,
		Queues:          queues,
		Receptionist:    tp.Receptionist,
		Staffing:        tp.Staffing,
		InitialAgents:   8, // 4000 × 2 / 1000
		Capacity:        tp.Capacity,
		Numbers:         tp.Numbers,
		Access:          tp.Access,
		Timing:          tp.Timing,
		PostTerm:        tp.PostTerm,
	}
	assert.Equal(t, want, c, "want every modality, skill, queue and option when none are named")
	assert.NotSame(t, &tp.Staffing.ServiceLevel, c.Queues[0].ServiceLevel, "want the queue's service level a copy")
	assert.Equal(t, validTemplate(), tp, "want Resolve to leave the template alone")
}

func TestConfigClone(t *testing.T) {
	c, err := validTemplate().Resolve(validInput())
	require.NoError(t, err)
	require.NotEmpty(t, c.Modalities[0].Features)
	require.NotEmpty(t, c.Queues[0].Modalities)
	require.NotEmpty(t, c.Queues[0].Skills)
	require.NotNil(t, c.Queues[0].ServiceLevel)
	require.NotNil(t, c.Queues[2].ServiceLevel)
	require.NotEmpty(t, c.Skills)
	require.NotNil(t, c.Receptionist)
	require.NotEmpty(t, c.Receptionist.Options)
	require.NotEmpty(t, c.Access.Roles[0].Privileges)
	orig, err := validTemplate().Resolve(validInput())
	require.NoError(t, err)

	cp := c.Clone()
	assert.Equal(t, c, cp, "want the clone equal to the original")
	cp.Modalities[0].Features[0] = "changed"
	cp.Modalities[0].Kind = "changed"
	cp.Queues[0].Modalities[0] = "changed"
	cp.Queues[0].Skills[0] = "changed"
	cp.Queues[0].ServiceLevel.Target = 0.1
	cp.Queues[2].ServiceLevel.Within = 0
	cp.Skills[0].Name = "changed"
	cp.Receptionist.Greeting = "changed"
	cp.Receptionist.Options[0].Label = "changed"
	cp.Access.Roles[0].Privileges[0] = "changed"
	cp.Access.Roles[0].Name = "changed"
	assert.Equal(t, orig, c, "after changing everything reachable from the clone: want the original unchanged")
}

func TestResolveSelection(t *testing.T) {
	tp := validTemplate()
	t.Run("modalities in template order, queues narrowed", func(t *testing.T) {
		in := validInput()
		in.Modalities = []modality.Kind{modality.SMS, modality.Telephony}
		c, err := tp.Resolve(in)
		require.NoError(t, err)
		var kinds []modality.Kind
		for _, m := range c.Modalities {
			kinds = append(kinds, m.Kind)
		}
		assert.Equal(t, []modality.Kind{modality.Telephony, modality.SMS}, kinds, "want the requested modalities in the template's order")
		want := validTemplate().Queues
		want[0].Modalities = []modality.Kind{modality.Telephony, modality.SMS}
		want[1].Modalities = []modality.Kind{modality.Telephony}
		want[0].ServiceLevel = &tp.Staffing.ServiceLevel
		want[1].ServiceLevel = &tp.Staffing.ServiceLevel
		assert.Equal(t, want, c.Queues, "want every queue narrowed to the enabled modalities, and registration still overflowing to speakers by telephone")
	})
	t.Run("queues that serve no enabled modality are dropped with their options", func(t *testing.T) {
		in := validInput()
		in.Modalities = []modality.Kind{modality.Chat}
		c, err := tp.Resolve(in)
		require.NoError(t, err)
		want := validTemplate().Queues[:2]
		want[0].Modalities = []modality.Kind{modality.Chat}
		want[1].Modalities = []modality.Kind{modality.Chat}
		want[0].ServiceLevel = &tp.Staffing.ServiceLevel
		want[1].ServiceLevel = &tp.Staffing.ServiceLevel
		assert.Equal(t, want, c.Queues, "want accessibility (telephony and SMS only) dropped")
		require.NotNil(t, c.Receptionist, "want the receptionist, as requested")
		var keys []string
		for _, o := range c.Receptionist.Options {
			keys = append(keys, o.Key)
		}
		assert.Equal(t, []string{"1", "2", "3"}, keys, "want the option for accessibility dropped")
	})
	t.Run("prompts of dropped options are dropped with them", func(t *testing.T) {
		tp := validTemplate()
		tp.Receptionist.Prompts = map[string]string{"greeting": "x/hi.wav", "option.2": "x/2.wav", "answer.2": "x/a2.wav", "option.4": "x/4.wav"}
		in := validInput()
		in.Modalities = []modality.Kind{modality.Chat}
		c, err := tp.Resolve(in)
		require.NoError(t, err)
		assert.Equal(t, map[string]string{"greeting": "x/hi.wav", "option.2": "x/2.wav", "answer.2": "x/a2.wav"}, c.Receptionist.Prompts)
		assert.Len(t, tp.Receptionist.Prompts, 4, "the template is left alone")
		require.NoError(t, c.Receptionist.Modality().Validate(), "what the channels get is valid")
	})
	t.Run("bad prompts are reported with their path", func(t *testing.T) {
		tp := validTemplate()
		tp.Receptionist.Prompts = map[string]string{"answer.1": "x/a1.wav", "greeting": "hi.ogg"}
		_, err := tp.Resolve(validInput())
		require.Error(t, err)
		assert.Contains(t, err.Error(), `receptionist.prompts["answer.1"]`)
		assert.Contains(t, err.Error(), `option "1" has no answer to say`)
		assert.Contains(t, err.Error(), `receptionist.prompts["greeting"]`)
	})
	t.Run("named queues", func(t *testing.T) {
		in := validInput()
		in.Queues = []string{"accessibility", "registration"}
		c, err := tp.Resolve(in)
		require.NoError(t, err)
		var names []string
		for _, q := range c.Queues {
			names = append(names, q.Name)
		}
		assert.Equal(t, []string{"registration", "accessibility"}, names, "want the named queues, in the template's order")
		assert.Len(t, c.Receptionist.Options, 3, "want the speakers option dropped")
	})
	t.Run("no receptionist", func(t *testing.T) {
		in := validInput()
		in.Receptionist = false
		c, err := tp.Resolve(in)
		require.NoError(t, err)
		assert.Nil(t, c.Receptionist, "want no receptionist when not requested")
	})
	t.Run("template without receptionist", func(t *testing.T) {
		tp := validTemplate()
		tp.Receptionist = nil
		in := validInput()
		in.Receptionist = false
		c, err := tp.Resolve(in)
		require.NoError(t, err)
		assert.Nil(t, c.Receptionist)
	})
}

// TestResolveRouting checks that what the router needs reaches the
// Config: skills, each queue's skills, strategy, maxWait, overflow and
// service level, and the staffing's wrap-up and offer timeout.
func TestResolveRouting(t *testing.T) {
	tp := validTemplate()
	c, err := tp.Resolve(validInput())
	require.NoError(t, err)
	assert.Equal(t, tp.Skills, c.Skills, "want every skill of the template")
	assert.Equal(t, d(30*time.Second), c.Staffing.WrapUp)
	assert.Equal(t, d(15*time.Second), c.Staffing.OfferTimeout)

	reg, acc := c.Queues[0], c.Queues[2]
	assert.Equal(t, []string{"registration"}, reg.Skills)
	assert.Equal(t, d(10*time.Minute), reg.MaxWait)
	assert.Equal(t, "speakers", reg.Overflow, "want the overflow kept: speakers is kept and shares its modalities")
	assert.Equal(t, routing.RoundRobin, c.Queues[1].Strategy)
	assert.Equal(t, routing.SkillsWeighted, acc.Strategy)
	assert.Equal(t, &template.ServiceLevel{Target: 0.8, Within: d(20 * time.Second)}, reg.ServiceLevel,
		"want a queue without a service level of its own to get the staffing's")
	assert.Equal(t, &template.ServiceLevel{Target: 0.9, Within: d(15 * time.Second)}, acc.ServiceLevel,
		"want a queue's own service level kept")

	t.Run("a service level override reaches the queues without their own", func(t *testing.T) {
		in := validInput()
		in.Overrides.ServiceLevel = ptr(0.95)
		c, err := tp.Resolve(in)
		require.NoError(t, err)
		assert.Equal(t, 0.95, c.Queues[0].ServiceLevel.Target)
		assert.Equal(t, 0.9, c.Queues[2].ServiceLevel.Target, "want accessibility's own target kept")
	})
	t.Run("a template without skills", func(t *testing.T) {
		tp := validTemplate()
		tp.Skills = nil
		for i := range tp.Queues {
			tp.Queues[i].Skills = nil
		}
		c, err := tp.Resolve(validInput())
		require.NoError(t, err)
		assert.Nil(t, c.Skills)
	})
}

func TestResolveClearsDanglingOverflows(t *testing.T) {
	t.Run("overflow queue not requested", func(t *testing.T) {
		in := validInput()
		in.Queues = []string{"registration", "accessibility"}
		c, err := validTemplate().Resolve(in)
		require.NoError(t, err)
		require.Len(t, c.Queues, 2)
		assert.Empty(t, c.Queues[0].Overflow, "want registration's overflow to speakers, which is not kept, cleared")
		assert.Equal(t, d(10*time.Minute), c.Queues[0].MaxWait, "want maxWait kept: engagements end unanswered after it")
	})
	t.Run("overflow queue dropped with its modalities", func(t *testing.T) {
		tp := validTemplate()
		tp.Queues[2].MaxWait, tp.Queues[2].Overflow = d(time.Minute), "speakers" // by telephone
		in := validInput()
		in.Modalities = []modality.Kind{modality.SMS} // speakers serves no SMS
		c, err := tp.Resolve(in)
		require.NoError(t, err)
		require.Len(t, c.Queues, 2)
		assert.Empty(t, c.Queues[0].Overflow, "want registration's overflow cleared")
		assert.Empty(t, c.Queues[1].Overflow, "want accessibility's overflow cleared")
	})
	t.Run("overflow queue kept without a modality in common", func(t *testing.T) {
		tp := validTemplate()
		tp.Queues[0].Modalities = []modality.Kind{modality.Chat, modality.SMS} // speakers: telephony, chat
		in := validInput()
		in.Modalities = []modality.Kind{modality.Telephony, modality.SMS}
		c, err := tp.Resolve(in)
		require.NoError(t, err)
		require.Equal(t, "registration", c.Queues[0].Name)
		require.Equal(t, []modality.Kind{modality.SMS}, c.Queues[0].Modalities)
		require.Equal(t, "speakers", c.Queues[1].Name)
		assert.Empty(t, c.Queues[0].Overflow, "want the overflow cleared: speakers takes none of registration's SMS")
	})
	t.Run("a chain is cut, not rerouted", func(t *testing.T) {
		tp := validTemplate()
		tp.Queues[1].MaxWait, tp.Queues[1].Overflow = d(time.Minute), "accessibility"
		in := validInput()
		in.Queues = []string{"registration", "accessibility"}
		c, err := tp.Resolve(in)
		require.NoError(t, err)
		assert.Empty(t, c.Queues[0].Overflow, "want registration not sent on to accessibility, where the template never sent it")
	})
	t.Run("the template keeps its overflows", func(t *testing.T) {
		tp := validTemplate()
		in := validInput()
		in.Queues = []string{"registration", "accessibility"}
		_, err := tp.Resolve(in)
		require.NoError(t, err)
		assert.Equal(t, validTemplate(), tp, "want Resolve to leave the template alone")
	})
	t.Run("built-in queues alone", func(t *testing.T) {
		for _, name := range template.Builtin().Names() {
			tp, err := template.Builtin().Lookup(name)
			require.NoError(t, err)
			for _, q := range tp.Queues {
				in := validInput()
				in.EventType = tp.EventTypes[0]
				in.Queues, in.Modalities, in.Receptionist = []string{q.Name}, q.Modalities, false
				c, err := tp.Resolve(in)
				require.NoError(t, err, "want %s resolvable with queue %s alone", name, q.Name)
				assert.Empty(t, c.Queues[0].Overflow, "want %s's %s without an overflow when it is alone", name, q.Name)
			}
		}
	})
}

func TestResolveOverrides(t *testing.T) {
	tp := validTemplate()
	in := validInput()
	in.Overrides = template.Overrides{
		MinAgents:    ptr(1),
		MaxAgents:    ptr(10),
		Numbers:      ptr(1),
		Country:      ptr("CA"),
		DeployLead:   ptr(d(2 * time.Hour)),
		Grace:        ptr(d(30 * time.Minute)),
		PostTerm:     &template.PostTerm{Policy: numbermap.Vacant, Aging: d(60 * day)},
		ServiceLevel: ptr(0.9),
	}
	c, err := tp.Resolve(in)
	require.NoError(t, err, "want valid overrides accepted")
	assert.Equal(t, 1, c.Staffing.MinAgents)
	assert.Equal(t, 10, c.Staffing.MaxAgents)
	assert.Equal(t, template.Numbers{Count: 1, Country: "CA"}, c.Numbers)
	assert.Equal(t, d(2*time.Hour), c.Timing.DeployLead)
	assert.Equal(t, d(30*time.Minute), c.Timing.Grace)
	assert.Equal(t, tp.Receptionist.Greeting, c.Receptionist.Greeting, "want fields without an override kept")
	assert.Equal(t, template.PostTerm{Policy: numbermap.Vacant, Aging: d(60 * day)}, c.PostTerm)
	assert.Equal(t, 0.9, c.Staffing.ServiceLevel.Target)
	assert.Equal(t, 8, c.InitialAgents, "want initial agents within the overridden bounds")
	assert.Equal(t, validTemplate(), tp, "want overrides not to touch the template")

	in.Overrides.PostTerm.Policy = numbermap.Release
	assert.Equal(t, numbermap.Vacant, c.PostTerm.Policy, "want the Config not to share the override's PostTerm")
}

func TestResolveRequestErrors(t *testing.T) {
	tests := []struct {
		name     string
		tmpl     func(*template.Template)
		input    func(*template.Input)
		path     string
		fragment string
	}{
		{"eventId required", nil, func(in *template.Input) { in.EventID = "" }, "request.eventId", "required"},
		{"eventType required", nil, func(in *template.Input) { in.EventType = "" }, "request.eventType", "required"},
		{"eventType not served", nil, func(in *template.Input) { in.EventType = "concert" },
			"request.eventType", `event type "concert" is not served by template "test-event"; want one of conference, summit`},
		{"start required", nil, func(in *template.Input) { in.Start = time.Time{} }, "request.term.start", "required"},
		{"end required", nil, func(in *template.Input) { in.End = time.Time{} }, "request.term.end", "required"},
		{"end before start", nil, func(in *template.Input) { in.End = in.Start.Add(-time.Hour) }, "request.term.end", "must be after start"},
		{"end equal to start", nil, func(in *template.Input) { in.End = in.Start }, "request.term.end", "must be after start"},
		{"modality unknown", nil, func(in *template.Input) { in.Modalities = []modality.Kind{modality.Chat, "fax"} },
			"request.features.modalities[1]", `unknown modality "fax"`},
		{"modality not offered", nil, func(in *template.Input) { in.Modalities = []modality.Kind{modality.Video} },
			"request.features.modalities[0]", `modality "video" is not offered by template "test-event"`},
		{"modality duplicate", nil, func(in *template.Input) { in.Modalities = []modality.Kind{modality.Chat, modality.SMS, modality.Chat} },
			"request.features.modalities[2]", `duplicate modality "chat"`},
		{"receptionist missing", func(tp *template.Template) { tp.Receptionist = nil }, func(in *template.Input) {},
			"request.features.receptionist", `template "test-event" has no receptionist`},
		{"receptionist keeps its answers", nil, func(in *template.Input) {
			in.Queues = []string{"accessibility"}
			in.Modalities = []modality.Kind{modality.SMS}
		}, "", ""}, // valid: the answer option stays
		{"receptionist left without options", func(tp *template.Template) {
			tp.Receptionist.Options = []template.MenuOption{
				{Key: "1", Label: "Registration", Queue: "registration"},
				{Key: "2", Label: "Speakers", Queue: "speakers"},
			}
		}, func(in *template.Input) {
			in.Queues = []string{"accessibility"}
			in.Modalities = []modality.Kind{modality.Telephony, modality.SMS}
		}, "request.features.receptionist", "every option of the receptionist hands off to a queue that is not enabled"},
		{"queue unknown", nil, func(in *template.Input) { in.Queues = []string{"registration", "lost"} },
			"request.features.queues[1]", `unknown queue "lost"; template "test-event" has registration, speakers, accessibility`},
		{"queue duplicate", nil, func(in *template.Input) { in.Queues = []string{"registration", "registration"} },
			"request.features.queues[1]", `duplicate queue "registration"`},
		{"queue serves no requested modality", nil, func(in *template.Input) {
			in.Modalities = []modality.Kind{modality.SMS}
			in.Queues = []string{"registration", "speakers"}
		}, "request.features.queues[1]", `queue "speakers" serves none of the requested modalities`},
		{"requested modality without a queue", nil, func(in *template.Input) { in.Queues = []string{"speakers"} },
			"request.features.queues", `none of the requested queues serves modality "sms"`},
		{"attendance negative", nil, func(in *template.Input) { in.ExpectedAttendance = -1 }, "request.expectedAttendance", "must be >= 0"},

		// Overrides, checked like the template's own values.
		{"override minAgents", nil, func(in *template.Input) { in.Overrides.MinAgents = ptr(-1) }, "request.overrides.minAgents", "must be >= 0"},
		{"override minAgents above maxAgents", nil, func(in *template.Input) { in.Overrides.MinAgents = ptr(25) },
			"request.overrides.minAgents", "must be <= maxAgents (20), got 25"},
		{"override maxAgents below minAgents", nil, func(in *template.Input) { in.Overrides.MaxAgents = ptr(1) },
			"request.overrides.maxAgents", "with this value, staffing.minAgents: must be <= maxAgents (1), got 2"},
		{"override maxAgents zero", nil, func(in *template.Input) { in.Overrides.MaxAgents = ptr(0) }, "request.overrides.maxAgents", "must be >= 1"},
		{"override maxAgents beyond licences", nil, func(in *template.Input) { in.Overrides.MaxAgents = ptr(100) },
			"request.overrides.maxAgents", "capacity.maxLicences: must be >= 110"},
		{"override numbers", nil, func(in *template.Input) { in.Overrides.Numbers = ptr(-2) }, "request.overrides.numbers", "must be >= 0"},
		{"override numbers needs a country", func(tp *template.Template) { tp.Numbers.Country = ""; tp.Numbers.Count = 0 },
			func(in *template.Input) { in.Overrides.Numbers = ptr(2) },
			"request.overrides.numbers", "numbers.country: required when count > 0"},
		{"override numbers needs aging", func(tp *template.Template) {
			tp.Numbers = template.Numbers{Country: "US"}
			tp.PostTerm = template.PostTerm{Policy: numbermap.Release}
		}, func(in *template.Input) { in.Overrides.Numbers = ptr(1) },
			"request.overrides.numbers", "postTerm.aging: must be at least 45 days"},
		{"override country", nil, func(in *template.Input) { in.Overrides.Country = ptr("Canada") }, "request.overrides.country", "ISO 3166-1 alpha-2"},
		{"override country removed", nil, func(in *template.Input) { in.Overrides.Country = ptr("") }, "request.overrides.country", "required when count > 0"},
		{"override deployLead", nil, func(in *template.Input) { in.Overrides.DeployLead = ptr(d(-time.Hour)) }, "request.overrides.deployLead", "must be >= 0"},
		{"override grace", nil, func(in *template.Input) { in.Overrides.Grace = ptr(d(-time.Hour)) }, "request.overrides.grace", "must be >= 0"},
		{"override postTerm forwardTo", nil, func(in *template.Input) {
			in.Overrides.PostTerm = &template.PostTerm{Policy: numbermap.Forward, Aging: d(60 * day)}
		},
			"request.overrides.postTerm.forwardTo", "required"},
		{"override postTerm policy", nil, func(in *template.Input) {
			in.Overrides.PostTerm = &template.PostTerm{Policy: "bounce", Aging: d(60 * day)}
		},
			"request.overrides.postTerm.policy", `unknown policy "bounce"`},
		{"override postTerm aging", nil, func(in *template.Input) { in.Overrides.PostTerm = &template.PostTerm{Policy: numbermap.Vacant} },
			"request.overrides.postTerm.aging", "47 CFR 52.15(f)(1)(ii)"},
		{"override serviceLevel", nil, func(in *template.Input) { in.Overrides.ServiceLevel = ptr(1.5) }, "request.overrides.serviceLevel", "must be in (0,1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := validTemplate()
			if tt.tmpl != nil {
				tt.tmpl(tp)
			}
			require.NoError(t, tp.Validate(), "precondition: the template is valid")
			in := validInput()
			tt.input(&in)
			c, err := tp.Resolve(in)
			if tt.path == "" {
				assert.NoError(t, err)
				return
			}
			assert.Equal(t, template.Config{}, c, "want a zero Config on error")
			requireProblem(t, err, tt.path, tt.fragment)
		})
	}
}

func TestResolveReportsEveryProblem(t *testing.T) {
	in := template.Input{
		EventType:          "concert",
		End:                start,
		Modalities:         []modality.Kind{"fax", modality.Video},
		Queues:             []string{"lost"},
		ExpectedAttendance: -5,
		Overrides:          template.Overrides{MaxAgents: ptr(0), Country: ptr("usa"), ServiceLevel: ptr(0.0)},
	}
	tp := validTemplate()
	tp.Receptionist = nil
	in.Receptionist = true
	_, err := tp.Resolve(in)
	assert.Equal(t, []string{
		"request.eventId",
		"request.eventType",
		"request.term.start",
		"request.features.modalities[0]",
		"request.features.modalities[1]",
		"request.features.receptionist",
		"request.features.queues[0]",
		"request.expectedAttendance",
		"request.overrides.serviceLevel",
		"request.overrides.maxAgents",
		"request.overrides.country",
	}, paths(t, err), "want every problem with the request at once")
}

func TestResolveInvalidTemplate(t *testing.T) {
	tp := validTemplate()
	tp.Staffing.MaxAgents = 0
	_, err := tp.Resolve(validInput())
	requireProblem(t, err, "staffing.maxAgents", "must be >= 1")
	assert.NotContains(t, paths(t, err), "request.eventId", "want the template's problems only")
}

func TestResolveInitialAgents(t *testing.T) {
	tests := []struct {
		name       string
		attendance int
		per1000    float64
		min, max   int
		want       int
	}{
		{"exact", 5000, 2, 0, 20, 10},
		{"rounds up", 5001, 2, 0, 20, 11},
		{"rounds up a fraction", 1, 0.5, 0, 20, 1},
		{"clamped to min", 100, 2, 3, 20, 3},
		{"clamped to max", 50000, 2, 0, 20, 20},
		{"no attendance", 0, 2, 2, 20, 2},
		{"no rate", 10000, 0, 1, 20, 1},
		{"huge attendance", math.MaxInt, 1000, 1, 20, 20},
		{"min equals max", 1000, 2, 5, 5, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := validTemplate()
			tp.Staffing.AgentsPer1000 = tt.per1000
			tp.Staffing.MinAgents, tp.Staffing.MaxAgents = tt.min, tt.max
			in := validInput()
			in.ExpectedAttendance = tt.attendance
			c, err := tp.Resolve(in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.InitialAgents,
				"want clamp(ceil(%d × %v / 1000), %d, %d)", tt.attendance, tt.per1000, tt.min, tt.max)
		})
	}
}

func TestResolveConfigSharesNothing(t *testing.T) {
	tp := validTemplate()
	c, err := tp.Resolve(validInput())
	require.NoError(t, err)

	c.Modalities[0].Kind = "changed"
	c.Modalities[0].Features[0] = "changed"
	c.Queues[0].Name = "changed"
	c.Queues[0].Modalities[0] = "changed"
	c.Receptionist.Greeting = "changed"
	c.Receptionist.Options[0].Key = "changed"
	c.Access.Roles[0].Name = "changed"
	c.Access.Roles[0].Privileges[0] = "changed"

	assert.Equal(t, validTemplate(), tp, "want changes to the Config not to reach the template")

	// Nor does a second Config share memory with the first.
	c2, err := tp.Resolve(validInput())
	require.NoError(t, err)
	assert.Equal(t, "Welcome.", c2.Receptionist.Greeting)
	assert.Equal(t, modality.Telephony, c2.Queues[0].Modalities[0])
}

// A queue may hand back to the receptionist, which says its fallback; a
// configuration without the receptionist keeps no such overflow.
func TestResolveOverflowToReceptionist(t *testing.T) {
	tp := validTemplate()
	tp.Queues[1].MaxWait = d(2 * time.Minute)
	tp.Queues[1].Overflow = template.OverflowToReceptionist
	tp.Receptionist.Fallback = "Everyone is busy: the FAQ is in the event app."
	require.NoError(t, tp.Validate())

	c, err := tp.Resolve(validInput())
	require.NoError(t, err)
	require.NotNil(t, c.Receptionist)
	assert.Equal(t, tp.Receptionist.Fallback, c.Receptionist.Fallback)
	assert.Equal(t, template.OverflowToReceptionist, c.Queues[1].Overflow)

	in := validInput()
	in.Receptionist = false
	c, err = tp.Resolve(in)
	require.NoError(t, err)
	assert.Empty(t, c.Queues[1].Overflow, "no receptionist to hand back to: the engagements end after maxWait")
}

// The transcripts' retention goes from the template to the configuration.
func TestResolveTranscripts(t *testing.T) {
	tp := validTemplate()
	tp.Transcripts.Retention = d(30 * 24 * time.Hour)
	c, err := tp.Resolve(validInput())
	require.NoError(t, err)
	assert.Equal(t, 30*24*time.Hour, c.Transcripts.Retention.D())
	c, err = validTemplate().Resolve(validInput())
	require.NoError(t, err)
	assert.Zero(t, c.Transcripts.Retention, "by default transcripts are deleted at the close")
}

// Who may use a modality and reach a queue goes from the template to the
// configuration, through the narrowing of modalities and queues.
func TestResolveRegisteredOnly(t *testing.T) {
	tp := validTemplate()
	tp.Modalities[1].Anonymous = true
	tp.Queues[0].MaxWait, tp.Queues[0].Overflow = 0, ""
	tp.Queues[1].RegisteredOnly = true
	require.NoError(t, tp.Validate())

	c, err := tp.Resolve(validInput())
	require.NoError(t, err)
	require.Len(t, c.Modalities, 3)
	assert.Equal(t, []bool{false, true, false}, []bool{c.Modalities[0].Anonymous, c.Modalities[1].Anonymous, c.Modalities[2].Anonymous},
		"want chat open to anonymous visitors, the others not")
	require.Len(t, c.Queues, 3)
	assert.Equal(t, []bool{false, true, false}, []bool{c.Queues[0].RegisteredOnly, c.Queues[1].RegisteredOnly, c.Queues[2].RegisteredOnly},
		"want speakers registered-only, the others open")

	in := validInput()
	in.Modalities = []modality.Kind{modality.Chat}
	in.Queues = []string{"speakers", "registration"}
	c, err = tp.Resolve(in)
	require.NoError(t, err)
	require.Len(t, c.Modalities, 1)
	assert.True(t, c.Modalities[0].Anonymous, "want the requested chat still open to anonymous visitors")
	require.Len(t, c.Queues, 2)
	assert.Equal(t, "speakers", c.Queues[1].Name)
	assert.True(t, c.Queues[1].RegisteredOnly, "want the narrowed speakers queue still registered-only")
	assert.Equal(t, []modality.Kind{modality.Chat}, c.Queues[1].Modalities)
}
