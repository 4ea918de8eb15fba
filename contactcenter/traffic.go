package contactcenter

import (
	"context"
	"sync"
	"time"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/scaling"
)

// ChannelTraffic is a scaling.TrafficSource built on channels' counts: a
// sample's arrivals, completions and abandonments are the growth of the
// channel's cumulative counts since the previous call for the service.
// It is the Lifecycle's default source. Safe for concurrent use.
type ChannelTraffic struct {
	channels []modality.Channel

	mu   sync.Mutex
	last map[string]trafficMark
}

type trafficMark struct {
	at     time.Time
	counts []modality.Counts // of every channel, in channel order
}

var _ scaling.TrafficSource = (*ChannelTraffic)(nil)

// NewChannelTraffic returns a source reading the given channels.
func NewChannelTraffic(channels ...modality.Channel) *ChannelTraffic {
	return &ChannelTraffic{channels: append([]modality.Channel(nil), channels...), last: make(map[string]trafficMark)}
}

// Samples implements scaling.TrafficSource. The first call for a service
// reports what is live (Concurrent, Queued) with zero arrivals and a zero
// Interval.
func (t *ChannelTraffic) Samples(ctx context.Context, serviceID string, now time.Time) ([]scaling.Sample, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var cur []modality.Counts
	for _, ch := range t.channels {
		cs, err := ch.Counts(ctx, serviceID)
		if err != nil {
			return nil, err
		}
		if cur == nil {
			cur = cs // ours: a channel returns a new slice
		} else {
			cur = append(cur, cs...)
		}
	}
	t.mu.Lock()
	prev, seen := t.last[serviceID]
	t.last[serviceID] = trafficMark{at: now, counts: cur}
	t.mu.Unlock()

	out := make([]scaling.Sample, 0, len(cur))
	for _, c := range cur {
		s := scaling.Sample{Modality: string(c.Kind), At: now, Concurrent: c.Active, Queued: c.Waiting}
		if seen {
			var p modality.Counts
			for _, pc := range prev.counts {
				if pc.Kind == c.Kind {
					p = pc
					break
				}
			}
			s.Interval = now.Sub(prev.at)
			s.Arrivals = nonNeg(c.Arrivals - p.Arrivals)
			s.Completed = nonNeg(c.Completed - p.Completed)
			s.Abandoned = nonNeg(c.Abandoned - p.Abandoned)
			if s.Completed > 0 && c.HandleTime > p.HandleTime {
				s.HandleTime = (c.HandleTime - p.HandleTime) / time.Duration(s.Completed)
			}
		}
		out = append(out, s)
	}
	return out, nil
}

var _ scaling.Forgetter = (*ChannelTraffic)(nil)

// Forget drops what the source remembers of a service
// ([scaling.Forgetter]): the Lifecycle calls it when a service ends.
func (t *ChannelTraffic) Forget(serviceID string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.last, serviceID)
}

// nonNeg guards against counters that went backwards (a channel that
// forgot the service): no negative traffic.
func nonNeg(d int64) int {
	if d < 0 {
		return 0
	}
	return int(d)
}
