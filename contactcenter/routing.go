package contactcenter

import (
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/template"
)

// RoutingConfig is the configuration of the router (package
// modality/routing) of a service configured by cfg: its queues, with
// their skills, strategies, waits, overflows and service-level
// thresholds; the staffing's offer timeout, miss pause, misses allowed
// and wrap-up; and, for
// admission until the router has seen enough, each modality's handle
// time and concurrency. The caller adds the clock (Now) and OnEvent. A
// queue overflowing to the receptionist has no Overflow here: its
// engagements expire, and the lifecycle hands them back.
// The router accepts what a valid template resolves to.
func RoutingConfig(cfg template.Config) routing.Config {
	rc := routing.Config{
		OfferTimeout: cfg.Staffing.OfferTimeout.D(),
		MissPause:    cfg.Staffing.MissPause.D(),
		MaxMisses:    cfg.Staffing.MaxMisses,
		WrapUp:       cfg.Staffing.WrapUp.D(),
		Expect:       make(map[modality.Kind]routing.Expectation, len(cfg.Modalities)),
	}
	for _, m := range cfg.Modalities {
		rc.Expect[m.Kind] = routing.Expectation{HandleTime: m.HandleTime.D(), Concurrency: m.Concurrency}
	}
	for _, q := range cfg.Queues {
		rq := routing.Queue{
			Name:       q.Name,
			Priority:   q.Priority,
			Modalities: q.Modalities,
			Skills:     q.Skills,
			Strategy:   q.Strategy,
			MaxWait:    q.MaxWait.D(),
			Overflow:   q.Overflow,
		}
		if q.Overflow == template.OverflowToReceptionist {
			// Not a queue: the router ends the engagement Expired, and
			// the lifecycle hands it back to the receptionist.
			rq.Overflow = ""
		}
		if q.ServiceLevel != nil {
			rq.Threshold = q.ServiceLevel.Within.D()
		}
		rc.Queues = append(rc.Queues, rq)
	}
	return rc
}
