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
		},
		Capacity: template.Capacity{BaseSpace: 4, SpacePerAgent: 0.5, MaxSpace: 120},
	}
	phone := []modality.Kind{modality.Telephony}
	for _, tc := range []struct {
		name   string
		agents int
		kinds  []modality.Kind
		want   int
		ok     bool
	}{
		{"no agents: the queue allowance", 0, phone, 10, true},
		{"few agents: allowance still 10", 4, phone, 4 + 10, true},
		{"agents plus as many queued", 30, phone, 60, true},
		{"capped by server space", 80, phone, 76, true}, // (120 - 4 - 40) / 1
		{"chat: concurrency 3", 10, []modality.Kind{modality.Chat}, 60, true},
		{"both kinds: the higher concurrency, the larger space", 10, []modality.Kind{modality.Telephony, modality.Chat}, 60, true},
		{"negative agents count as none", -3, phone, 10, true},
		{"no modality served", 10, []modality.Kind{modality.Video}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := liveCapacity(cfg, tc.agents, tc.kinds)
			assert.Equal(t, tc.ok, ok, "served")
			assert.Equal(t, tc.want, got, "liveCapacity with %d agents on %v", tc.agents, tc.kinds)
		})
	}

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
