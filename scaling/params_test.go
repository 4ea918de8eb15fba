package scaling_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/scaling"
)

// problems returns the problems a joined error holds.
func problems(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestParamsValidate(t *testing.T) {
	require.NoError(t, testParams().Validate(), "testParams must be valid")

	ok := []struct {
		name string
		edit func(*scaling.Params)
	}{
		{"target 1", func(p *scaling.Params) { p.TargetUtilisation = 1 }},
		{"min equals max", func(p *scaling.Params) { p.MinAgents, p.MaxAgents = 5, 5 }},
		{"no supervisors", func(p *scaling.Params) { p.AgentsPerSupervisor = 0 }},
		{"no space factors", func(p *scaling.Params) { p.SpacePerAgent, p.BaseSpace = 0, 0 }},
		{"no window, no steps", func(p *scaling.Params) { p.ScaleDownWindow, p.MaxStepUp, p.MaxStepDown = 0, 0, 0 }},
		{"window and steps", func(p *scaling.Params) { p.ScaleDownWindow, p.MaxStepUp, p.MaxStepDown = time.Minute, 3, 2 }},
		{"no modalities", func(p *scaling.Params) { p.Modalities = nil }},
		{"no space per engagement", func(p *scaling.Params) { p.Modalities[0].SpacePerEngagement = 0 }},
	}
	for _, c := range ok {
		t.Run("valid/"+c.name, func(t *testing.T) {
			p := testParams()
			c.edit(&p)
			assert.NoError(t, p.Validate(), "Validate(%+v); want no problem", p)
		})
	}

	bad := []struct {
		name string
		edit func(*scaling.Params)
		want string // in the one problem reported
	}{
		{"target 0", func(p *scaling.Params) { p.TargetUtilisation = 0 }, "scaling: TargetUtilisation 0 not in (0,1]"},
		{"target 1.5", func(p *scaling.Params) { p.TargetUtilisation = 1.5 }, "scaling: TargetUtilisation 1.5 not in (0,1]"},
		{"target negative", func(p *scaling.Params) { p.TargetUtilisation = -0.1 }, "TargetUtilisation -0.1"},
		{"target NaN", func(p *scaling.Params) { p.TargetUtilisation = math.NaN() }, "TargetUtilisation NaN"},
		{"min negative", func(p *scaling.Params) { p.MinAgents = -1 }, "scaling: MinAgents -1 < 0"},
		{"min above max", func(p *scaling.Params) { p.MinAgents, p.MaxAgents = 6, 5 }, "scaling: MinAgents 6 > MaxAgents 5"},
		{"supervisors negative", func(p *scaling.Params) { p.AgentsPerSupervisor = -1 }, "scaling: AgentsPerSupervisor -1 < 0"},
		{"licences per agent 0", func(p *scaling.Params) { p.LicencesPerAgent = 0 }, "scaling: LicencesPerAgent 0 < 1"},
		{"space per agent negative", func(p *scaling.Params) { p.SpacePerAgent = -1 }, "scaling: SpacePerAgent -1"},
		{"space per agent infinite", func(p *scaling.Params) { p.SpacePerAgent = math.Inf(1) }, "scaling: SpacePerAgent +Inf"},
		{"base space negative", func(p *scaling.Params) { p.BaseSpace = -2 }, "scaling: BaseSpace -2"},
		{"base space NaN", func(p *scaling.Params) { p.BaseSpace = math.NaN() }, "scaling: BaseSpace NaN"},
		{"max licences 0", func(p *scaling.Params) { p.MaxLicences = 0 }, "scaling: MaxLicences 0 < 1"},
		{"max space 0", func(p *scaling.Params) { p.MaxSpace = 0 }, "scaling: MaxSpace 0 < 1"},
		{"window negative", func(p *scaling.Params) { p.ScaleDownWindow = -time.Second }, "scaling: ScaleDownWindow -1s < 0"},
		{"step up negative", func(p *scaling.Params) { p.MaxStepUp = -1 }, "scaling: MaxStepUp -1 < 0"},
		{"step down negative", func(p *scaling.Params) { p.MaxStepDown = -1 }, "scaling: MaxStepDown -1 < 0"},
		{"kind empty", func(p *scaling.Params) { p.Modalities[1].Kind = "" }, "scaling: Modalities[1].Kind is empty"},
		{"kind repeated", func(p *scaling.Params) { p.Modalities[1].Kind = "telephony" },
			`scaling: Modalities[1].Kind "telephony" repeats Modalities[0]`},
		{"concurrency 0", func(p *scaling.Params) { p.Modalities[0].Concurrency = 0 }, "scaling: Modalities[0].Concurrency 0 < 1"},
		{"handle time 0", func(p *scaling.Params) { p.Modalities[1].HandleTime = 0 }, "scaling: Modalities[1].HandleTime 0s not > 0"},
		{"handle time negative", func(p *scaling.Params) { p.Modalities[1].HandleTime = -time.Minute }, "Modalities[1].HandleTime -1m0s"},
		{"space per engagement negative", func(p *scaling.Params) { p.Modalities[0].SpacePerEngagement = -0.5 },
			"scaling: Modalities[0].SpacePerEngagement -0.5"},
	}
	for _, c := range bad {
		t.Run("invalid/"+c.name, func(t *testing.T) {
			p := testParams()
			c.edit(&p)
			err := p.Validate()
			require.Error(t, err, "Validate(%+v); want a problem", p)
			ps := problems(err)
			if assert.Len(t, ps, 1, "problems of %+v; want exactly one: %v", p, err) {
				assert.Contains(t, ps[0].Error(), c.want, "the problem; want it to name the field and its value")
			}
		})
	}

	t.Run("max agents 0", func(t *testing.T) {
		p := testParams()
		p.MaxAgents = 0
		err := p.Validate()
		require.Error(t, err, "Validate with MaxAgents 0; want a problem")
		assert.Contains(t, err.Error(), "scaling: MaxAgents 0 < 1", "the problem; want it to name MaxAgents")
	})

	t.Run("every problem at once", func(t *testing.T) {
		p := scaling.Params{
			Modalities: []scaling.Modality{
				{Kind: "telephony", HandleTime: time.Minute, Concurrency: 1},
				{Kind: "", HandleTime: 0, Concurrency: 0, SpacePerEngagement: -1},
				{Kind: "telephony", HandleTime: time.Minute, Concurrency: 1},
			},
			TargetUtilisation:   2,
			MinAgents:           -1,
			MaxAgents:           -2,
			AgentsPerSupervisor: -1,
			LicencesPerAgent:    0,
			SpacePerAgent:       -1,
			BaseSpace:           -1,
			MaxLicences:         0,
			MaxSpace:            0,
			ScaleDownWindow:     -1,
			MaxStepUp:           -1,
			MaxStepDown:         -1,
		}
		err := p.Validate()
		require.Error(t, err, "Validate of Params wrong everywhere; want problems")
		want := []string{
			"TargetUtilisation 2", "MinAgents -1 < 0", "MaxAgents -2 < 1", "MinAgents -1 > MaxAgents -2",
			"AgentsPerSupervisor -1", "LicencesPerAgent 0", "SpacePerAgent -1", "BaseSpace -1",
			"MaxLicences 0", "MaxSpace 0", "ScaleDownWindow -1ns", "MaxStepUp -1", "MaxStepDown -1",
			"Modalities[1].Kind is empty", "Modalities[1].Concurrency 0", "Modalities[1].HandleTime 0s",
			"Modalities[1].SpacePerEngagement -1", `Modalities[2].Kind "telephony" repeats Modalities[0]`,
		}
		ps := problems(err)
		assert.Len(t, ps, len(want), "problems reported: %v; want one per broken rule", err)
		for _, w := range want {
			assert.Contains(t, err.Error(), w, "the joined problems; want one naming %q", w)
		}
		for _, e := range ps {
			assert.Regexp(t, `^scaling: `, e.Error(), "each problem; want it prefixed with the package")
		}
	})
}

func TestParamsResourcesFor(t *testing.T) {
	with := func(f func(*scaling.Params)) scaling.Params {
		p := testParams()
		f(&p)
		return p
	}
	// testParams: 10 agents per supervisor, 2 licences each, 0.5 space per
	// agent on a base of 4, at most 1000 licences and 500 space.
	cases := []struct {
		name    string
		p       scaling.Params
		agents  int
		samples []scaling.Sample
		want    scaling.Resources
	}{
		{"no agents", testParams(), 0, nil, scaling.Resources{Space: 4}},
		{"one agent brings a supervisor", testParams(), 1, nil, scaling.Resources{Agents: 1, Supervisors: 1, Licences: 4, Space: 5}},
		{"ten agents, one supervisor", testParams(), 10, nil, scaling.Resources{Agents: 10, Supervisors: 1, Licences: 22, Space: 9}},
		{"eleven agents, two supervisors", testParams(), 11, nil, scaling.Resources{Agents: 11, Supervisors: 2, Licences: 26, Space: 10}},
		{"no supervisors", with(func(p *scaling.Params) { p.AgentsPerSupervisor = 0 }), 11, nil,
			scaling.Resources{Agents: 11, Licences: 22, Space: 10}},
		{"live engagements take space", testParams(), 10, []scaling.Sample{
			{Modality: "telephony", Concurrent: 5, Queued: 5}, // 1
			{Modality: "chat", Concurrent: 20},                // 1
		}, scaling.Resources{Agents: 10, Supervisors: 1, Licences: 22, Space: 11}},
		{"unknown modality takes no space", testParams(), 10, []scaling.Sample{
			{Modality: "video", Concurrent: 500, Queued: 500},
		}, scaling.Resources{Agents: 10, Supervisors: 1, Licences: 22, Space: 9}},
		{"negative live counts take no space", testParams(), 10, []scaling.Sample{
			{Modality: "telephony", Concurrent: -50, Queued: -50},
		}, scaling.Resources{Agents: 10, Supervisors: 1, Licences: 22, Space: 9}},
		{"licences capped", with(func(p *scaling.Params) { p.MaxLicences = 100 }), 60, nil,
			scaling.Resources{Agents: 60, Supervisors: 6, Licences: 100, Space: 34}},
		{"space capped", with(func(p *scaling.Params) { p.MaxSpace = 50 }), 200, nil,
			scaling.Resources{Agents: 200, Supervisors: 20, Licences: 440, Space: 50}},
		{"space float noise adds nothing", with(func(p *scaling.Params) { p.BaseSpace, p.SpacePerAgent = 0, 0.1 }), 30, nil,
			scaling.Resources{Agents: 30, Supervisors: 3, Licences: 66, Space: 3}},
		{"tiny base space is still 1", with(func(p *scaling.Params) { p.BaseSpace, p.SpacePerAgent = 1e-12, 0 }), 0, nil,
			scaling.Resources{Space: 1}},
		{"no base space, no agents, no space", with(func(p *scaling.Params) { p.BaseSpace = 0 }), 0, nil,
			scaling.Resources{}},
		{"negative agents are none", testParams(), -5, nil, scaling.Resources{Space: 4}},
		{"non-finite factors count as 0", with(func(p *scaling.Params) { p.BaseSpace, p.SpacePerAgent = math.NaN(), math.Inf(1) }), 10, nil,
			scaling.Resources{Agents: 10, Supervisors: 1, Licences: 22}},
		{"huge counts saturate", with(func(p *scaling.Params) { p.MaxLicences, p.MaxSpace = math.MaxInt, math.MaxInt }), math.MaxInt32, nil,
			scaling.Resources{Agents: math.MaxInt32, Supervisors: math.MaxInt32/10 + 1, Licences: math.MaxInt32, Space: 1073741828}}, // ⌈4 + (2³¹-1)/2⌉
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.p.ResourcesFor(c.agents, c.samples)
			assert.Equal(t, c.want, got, "ResourcesFor(%d, %+v)", c.agents, c.samples)
		})
	}
}

func TestValidateErrorsAreJoined(t *testing.T) {
	p := testParams()
	p.TargetUtilisation, p.MaxSpace = 0, 0
	err := p.Validate()
	require.Error(t, err, "Validate of two broken fields; want an error")
	var joined interface{ Unwrap() []error }
	require.True(t, errors.As(err, &joined), "Validate's error; want an errors.Join of the problems")
	assert.Len(t, joined.Unwrap(), 2, "problems; want both fields reported")
}
