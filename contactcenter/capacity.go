package contactcenter

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/template"
)

// minQueueAllowance is the least a service may hold waiting on a channel,
// whatever its staffing: a service with few agents (or none) still takes
// the engagements that make the scaler add agents, instead of refusing
// the traffic it would need to see.
const minQueueAllowance = 10

// liveCapacity is how many engagements of a service configured by cfg,
// holding agents agents now, a channel serving kinds may hold live at
// once; the lifecycle hands it to channels that implement
// [modality.CapacitySetter]. It is the physical limit; whether a queue
// takes one more is the router's admission (by expected wait, counting
// the agents the scaler may still add). It is:
//
//   - where the modalities the channel serves take server space
//     (SpacePerEngagement > 0), the server space the service may grow
//     to: what MaxSpace leaves after BaseSpace and the SpacePerAgent of
//     the agents held now, divided by the highest SpacePerEngagement;
//   - otherwise, room for the most agents the scaler may deploy (the
//     template's MaxAgents, within what MaxLicences pays for) × the
//     highest Concurrency among those modalities, and as many again
//     waiting, at least 10.
//
// ok is false when the service has no modality the channel serves: it
// has nothing to limit there.
func liveCapacity(cfg template.Config, agents int, kinds []modality.Kind) (maxLive int, ok bool) {
	conc, space := 0, 0.0
	for _, m := range cfg.Modalities {
		if !slices.Contains(kinds, modality.Kind(m.Kind)) {
			continue
		}
		ok = true
		conc = max(conc, m.Concurrency, 1)
		space = max(space, m.SpacePerEngagement)
	}
	if !ok {
		return 0, false
	}
	if space > 0 {
		free := float64(cfg.Capacity.MaxSpace) - cfg.Capacity.BaseSpace - float64(max(agents, 0))*cfg.Capacity.SpacePerAgent
		return int(math.Max(0, math.Floor(free/space))), true
	}
	slots := max(maxAgents(cfg), 0) * conc
	return slots + max(slots, minQueueAllowance), true
}

// setCapacity tells each channel that implements
// [modality.CapacitySetter] the service's capacity on it, from the agents
// it holds now (see liveCapacity). Called when the service opens and
// after each scaling decision.
func (p ports) setCapacity(ctx context.Context, s *Service) error {
	var errs []error
	for _, ch := range p.cfg.Channels {
		cs, ok := ch.(modality.CapacitySetter)
		if !ok {
			continue
		}
		maxLive, ok := liveCapacity(s.Config, s.Resources.Agents, ch.Kinds())
		if !ok {
			continue
		}
		if err := cs.SetCapacity(ctx, s.ID, maxLive); err != nil {
			errs = append(errs, fmt.Errorf("set capacity %d: %w", maxLive, err))
		}
	}
	return errors.Join(errs...)
}
