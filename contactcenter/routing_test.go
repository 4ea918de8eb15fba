package contactcenter_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/template"
)

// Every built-in template, resolved, configures a router; what the
// template says of its queues is what the router routes by.
func TestRoutingConfig_EveryBuiltin(t *testing.T) {
	start := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	for _, name := range template.Builtin().Names() {
		t.Run(name, func(t *testing.T) {
			tp, err := template.Builtin().Lookup(name)
			require.NoError(t, err)
			cfg, err := tp.Resolve(template.Input{EventID: "e", EventType: tp.EventTypes[0], Start: start,
				End: start.Add(8 * time.Hour), Receptionist: tp.Receptionist != nil, ExpectedAttendance: 1000})
			require.NoError(t, err)
			rc := contactcenter.RoutingConfig(cfg)
			_, err = routing.New(rc)
			require.NoError(t, err, "the router takes what %s resolves to", name)
			require.Len(t, rc.Queues, len(cfg.Queues))
			for i, q := range cfg.Queues {
				rq := rc.Queues[i]
				assert.Equal(t, q.Name, rq.Name)
				assert.Equal(t, q.Skills, rq.Skills)
				assert.Equal(t, q.Strategy, rq.Strategy)
				assert.Equal(t, q.MaxWait.D(), rq.MaxWait)
				assert.Equal(t, q.Overflow, rq.Overflow)
				require.NotNil(t, q.ServiceLevel, "a resolved queue has its service level")
				assert.Equal(t, q.ServiceLevel.Within.D(), rq.Threshold)
			}
			for _, m := range cfg.Modalities {
				assert.Equal(t, routing.Expectation{HandleTime: m.HandleTime.D(), Concurrency: m.Concurrency}, rc.Expect[m.Kind])
			}
			assert.Equal(t, cfg.Staffing.WrapUp.D(), rc.WrapUp)
			assert.Equal(t, cfg.Staffing.OfferTimeout.D(), rc.OfferTimeout)
			assert.Equal(t, cfg.Staffing.MissPause.D(), rc.MissPause)
			assert.Equal(t, cfg.Staffing.MaxMisses, rc.MaxMisses)
			assert.Contains(t, rc.Expect, modality.Kind(cfg.Modalities[0].Kind))
		})
	}
}
