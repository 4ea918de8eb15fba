package contactcenter

import (
	"maps"
	"slices"
	"time"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/scaling"
	"github.com/eventcc/eventcc/template"
)

// tally is what a line counts for the report beyond the router's own
// statistics: the timeline, in buckets. Guarded by line.mu.
type tally struct {
	base      *EngagementReport // stored before this line began: added in
	bucket    time.Duration
	threshold map[string]time.Duration // by queue
	target    map[string]float64       // by queue
	points    []TimelinePoint          // by bucket, oldest first
	agents    int                      // on duty now
	changed   bool                     // since the report was last taken
}

// timelineBucket is the width of a service's timeline buckets: a
// minute, or wider so that its term fits in about 240 of them.
func timelineBucket(term Term) time.Duration {
	return max(time.Minute, term.End.Sub(term.Start)/240).Round(time.Minute)
}

func newTally(s *Service) tally {
	t := tally{base: s.Engagements, bucket: timelineBucket(s.Term), threshold: map[string]time.Duration{},
		target: map[string]float64{}, agents: s.Resources.Agents}
	for _, q := range s.Config.Queues {
		t.threshold[q.Name] = 20 * time.Second
		t.target[q.Name] = s.Config.Staffing.ServiceLevel.Target
		if q.ServiceLevel != nil {
			t.threshold[q.Name] = q.ServiceLevel.Within.D()
			t.target[q.Name] = q.ServiceLevel.Target
		}
	}
	if t.base != nil && t.base.Bucket.D() > 0 {
		t.bucket = t.base.Bucket.D()
	}
	return t
}

// point returns the bucket of at, adding buckets up to it.
func (t *tally) point(at time.Time) *TimelinePoint {
	start := at.Truncate(t.bucket)
	n := len(t.points)
	if n > 0 && !start.After(t.points[n-1].At) {
		// At or before the last bucket: the events of a line come in
		// order, so it is the last one (or, after a clock step back, the
		// last one all the same).
		return &t.points[n-1]
	}
	t.points = append(t.points, TimelinePoint{At: start, Agents: t.agents})
	return &t.points[len(t.points)-1]
}

// count adds a router decision to the timeline.
func (t *tally) count(ev routing.Event, arrival bool) {
	switch ev.Kind {
	case routing.EventQueued:
		if arrival {
			t.point(ev.At).Arrivals++
		}
	case routing.EventAccepted:
		p := t.point(ev.At)
		p.Answered++
		p.Resolved++
		if ev.Wait <= t.threshold[ev.Queue] {
			p.AnsweredWithin++
		}
	case routing.EventOverflow:
		t.point(ev.At).Resolved++
	case routing.EventEnded:
		if ev.Outcome != routing.Answered && ev.Outcome != routing.Disconnected {
			t.point(ev.At).Resolved++
		}
	default:
		return
	}
	t.changed = true
}

// setAgents records the agents on duty from now.
func (t *tally) setAgents(at time.Time, n int) {
	t.agents = n
	if len(t.points) > 0 {
		t.point(at).Agents = n
	}
}

// report is the engagement report: what was stored before the line
// began, with the router's statistics and the timeline since.
func (t *tally) report(stats []routing.Stats) *EngagementReport {
	r := &EngagementReport{Bucket: template.Duration(t.bucket)}
	byKey := map[[2]string]*QueueReport{}
	add := func(q QueueReport) {
		k := [2]string{q.Queue, string(q.Kind)}
		have, ok := byKey[k]
		if !ok {
			r.Queues = append(r.Queues, q)
			byKey[k] = &r.Queues[len(r.Queues)-1]
			return
		}
		have.Offered += q.Offered
		have.Answered += q.Answered
		have.AnsweredWithin += q.AnsweredWithin
		have.Abandoned += q.Abandoned
		have.Expired += q.Expired
		have.Disconnected += q.Disconnected
		have.OverflowedOut += q.OverflowedOut
		have.Refused += q.Refused
		have.LongestWait = max(have.LongestWait, q.LongestWait)
		have.HandleTime += q.HandleTime
		have.Handled += q.Handled
		have.WaitAnswered += q.WaitAnswered
	}
	var base []QueueReport
	if t.base != nil {
		base = t.base.Queues
	}
	// Allocated once: the pointers byKey keeps into it stay valid.
	r.Queues = make([]QueueReport, 0, len(base)+len(stats))
	for _, q := range base {
		add(q)
	}
	for _, s := range stats {
		add(QueueReport{Queue: s.Queue, Kind: s.Kind, Offered: s.Offered, Answered: s.Answered,
			AnsweredWithin: s.AnsweredWithin, Abandoned: s.Abandoned, Expired: s.Expired, Disconnected: s.Disconnected,
			OverflowedOut: s.OverflowedOut, Refused: s.Refused, LongestWait: template.Duration(s.LongestWait),
			HandleTime: template.Duration(s.HandleTime), Handled: s.Handled, WaitAnswered: template.Duration(s.WaitAnswered)})
	}
	for i := range r.Queues {
		q := &r.Queues[i]
		st := routing.Stats{Answered: q.Answered, AnsweredWithin: q.AnsweredWithin, Abandoned: q.Abandoned,
			Expired: q.Expired, OverflowedOut: q.OverflowedOut, WaitAnswered: q.WaitAnswered.D(),
			HandleTime: q.HandleTime.D(), Handled: q.Handled}
		q.ServiceLevel, q.AbandonRate = st.ServiceLevel(), st.AbandonRate()
		q.ASA, q.AHT = template.Duration(st.ASA()), template.Duration(st.AHT())
		q.Target, q.Threshold = t.target[q.Queue], template.Duration(t.threshold[q.Queue])
	}
	if t.base != nil {
		r.Timeline = slices.Clone(t.base.Timeline)
	}
	for _, p := range t.points {
		if n := len(r.Timeline); n > 0 && r.Timeline[n-1].At.Equal(p.At) {
			last := &r.Timeline[n-1]
			last.Arrivals += p.Arrivals
			last.Answered += p.Answered
			last.AnsweredWithin += p.AnsweredWithin
			last.Resolved += p.Resolved
			last.Agents = p.Agents
			continue
		}
		r.Timeline = append(r.Timeline, p)
	}
	return r
}

// withOccupancy sets the report's occupancy per modality: the handle
// time of its engagements over the agent-seconds the service held, each
// agent taking the modality's concurrency at once.
func withOccupancy(r *EngagementReport, cfg template.Config, agentSeconds float64) {
	if r == nil || agentSeconds <= 0 {
		return
	}
	busy := map[modality.Kind]float64{}
	for _, q := range r.Queues {
		busy[q.Kind] += q.HandleTime.D().Seconds()
	}
	conc := map[modality.Kind]int{}
	for _, m := range cfg.Modalities {
		conc[m.Kind] = max(m.Concurrency, 1)
	}
	r.Occupancy = make(map[modality.Kind]float64, len(busy))
	for _, k := range slices.Sorted(maps.Keys(busy)) {
		r.Occupancy[k] = busy[k] / (agentSeconds * float64(max(conc[k], 1)))
	}
}

// addWaited sets each sample's Waited: how long the engagements of its
// modality that left a queue since the last decision had waited there,
// from the router's statistics.
func (ln *line) addWaited(samples []scaling.Sample) {
	total := map[string]time.Duration{}
	for _, st := range ln.router.Stats() {
		total[string(st.Kind)] += st.Waited
	}
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if ln.waited == nil {
		ln.waited = map[string]time.Duration{}
	}
	for i := range samples {
		k := samples[i].Modality
		samples[i].Waited = max(total[k]-ln.waited[k], 0)
	}
	ln.waited = total
}
