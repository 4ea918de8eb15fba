package contactcenter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/template"
)

func TestLiveCapacity(t *testing.T) {
	cfg := template.Config{
		Modalities: []template.Modality{
			{Kind: "telephony", Concurrency: 1, SpacePerEngagement: 1},
			{Kind: "chat", Concurrency: 3, SpacePerEngagement: 0.25},
			{Kind: "video", Concurrency: 1}, // takes no space
		},
		Staffing: template.Staffing{MaxAgents: 30},
		Capacity: template.Capacity{BaseSpace: 4, SpacePerAgent: 0.5, MaxSpace: 120},
	}
	phone := []modality.Kind{modality.Telephony}
	for _, tc := range []struct {
		name     string
		maxAgent int
		agents   int
		kinds    []modality.Kind
		want     int // 0: the channel serves none of the service's modalities
	}{
		{"the space the service may grow to", 30, 0, phone, 116}, // (120 - 4) / 1
		{"less the agents' own space", 30, 20, phone, 106},       // (120 - 4 - 10) / 1
		{"chat takes a quarter unit", 30, 20, []modality.Kind{modality.Chat}, 424},
		{"both kinds: the larger space", 30, 20, []modality.Kind{modality.Telephony, modality.Chat}, 106},
		{"no space taken: the most agents and as many waiting", 30, 5, []modality.Kind{modality.Video}, 60},
		{"no space, no agent may be added: the queue allowance", 0, 0, []modality.Kind{modality.Video}, 10},
		{"negative agents count as none", 30, -3, phone, 116},
		{"no modality served", 10, 10, []modality.Kind{modality.SMS}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cfg
			c.Staffing.MaxAgents = tc.maxAgent
			got, ok := liveCapacity(c, tc.agents, tc.kinds)
			assert.Equal(t, tc.want != 0, ok, "served")
			assert.Equal(t, tc.want, got, "liveCapacity with at most %d agents, %d held, on %v", tc.maxAgent, tc.agents, tc.kinds)
		})
	}

	t.Run("licences bound the agents", func(t *testing.T) {
		c := cfg
		c.Capacity.LicencesPerAgent, c.Capacity.MaxLicences = 1, 12
		got, _ := liveCapacity(c, 0, []modality.Kind{modality.Video})
		assert.Equal(t, 24, got, "12 licences pay for 12 agents: 12 slots and 12 queued")
	})

	t.Run("space exhausted", func(t *testing.T) {
		small := cfg
		small.Capacity.MaxSpace = 4
		got, ok := liveCapacity(small, 10, phone)
		assert.True(t, ok)
		assert.Zero(t, got, "no space left for engagements: refuse them")
	})
}

// The scaler staffs for the time an agent is held: the engagement, then
// the router's wrap-up.
func TestScalingParams_HandleTimeIncludesWrapUp(t *testing.T) {
	cfg := template.Config{
		Modalities: []template.Modality{{Kind: modality.Telephony, HandleTime: template.Duration(4 * time.Minute), Concurrency: 1}},
		Staffing:   template.Staffing{WrapUp: template.Duration(30 * time.Second)},
	}
	p := scalingParams(cfg)
	require.Len(t, p.Modalities, 1)
	assert.Equal(t, 4*time.Minute+30*time.Second, p.Modalities[0].HandleTime)
}
