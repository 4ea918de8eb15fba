package sim_test

import (
	"context"
	"testing"

	"github.com/eventcc/eventcc/scaling/sim"
)

// BenchmarkCompare simulates each built-in event trace (seed 1) under
// static peak, HPA-style, eventcc and oracle staffing, and reports the
// comparison the targets are about, besides the time a comparison takes:
//
//	eventcc-sl          eventcc's service level over the event (target >= 0.80)
//	eventcc-met-pp      eventcc's share of intervals meeting the target minus the oracle's, in pp (target >= -5)
//	eventcc-x-oracle    eventcc's agent-hours over the oracle's (target <= 1.10)
//	eventcc-x-static    eventcc's agent-hours over static peak's (target <= 0.60)
//	hpa-sl, hpa-met-pp, hpa-x-oracle, hpa-x-static: the same for the HPA-style policy
//
// The scale-down window, step limits, decision interval and wrap-up are
// the scenario's template's; -window and -decide in examples/simulate show
// others.
func BenchmarkCompare(b *testing.B) {
	for _, name := range []string{"conference", "concert", "tradeshow"} {
		b.Run(name, func(b *testing.B) {
			tr := sim.Scenarios()[name].Trace(1)
			cfg := scenarioConfig(name)
			cfg.Seed = 1
			var rs []sim.Result
			for b.Loop() {
				var err error
				rs, err = sim.Compare(context.Background(), tr, cfg, sim.StaticPeak(), sim.HPA{}.Contender(), sim.Autoscaler("", nil), sim.Oracle())
				if err != nil {
					b.Fatal(err)
				}
			}
			static, hpa, ev, oracle := rs[0], rs[1], rs[2], rs[3]
			orMet, _ := oracle.PeriodsMet()
			for _, r := range []struct {
				name string
				res  sim.Result
			}{{"eventcc", ev}, {"hpa", hpa}} {
				met, _ := r.res.PeriodsMet()
				b.ReportMetric(r.res.Total.ServiceLevel(), r.name+"-sl")
				b.ReportMetric(100*(met-orMet), r.name+"-met-pp")
				b.ReportMetric(r.res.Total.AgentHours()/oracle.Total.AgentHours(), r.name+"-x-oracle")
				b.ReportMetric(r.res.Total.AgentHours()/static.Total.AgentHours(), r.name+"-x-static")
			}
		})
	}
}
