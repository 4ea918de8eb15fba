package scaling

import (
	"context"
	"time"
)

// Sample is the traffic of one modality of one service over one interval
// ending at At.
//
// Counts are never negative. A consumer treats a negative count or a
// negative duration as 0, so a source that miscounts cannot make a policy
// recommend fewer agents than the rest of the sample warrants.
type Sample struct {
	Modality   string        // the modality's kind, as in [Modality.Kind]
	At         time.Time     // end of the interval: the now of the Samples call
	Interval   time.Duration // length of the interval, > 0; 0 in the first Samples of a service, which covers nothing
	Arrivals   int           // engagements that arrived in the interval
	Completed  int           // engagements answered and ended in the interval
	Abandoned  int           // engagements that ended while waiting
	HandleTime time.Duration // mean handle time of Completed; 0 when none completed
	Concurrent int           // engagements with an agent at At
	Queued     int           // engagements waiting at At
	// Waited is the total time the engagements that left a queue in the
	// interval had waited in it (answered, abandoned or otherwise); 0
	// when the source does not know. With Abandoned it estimates the
	// attendees' mean patience for Erlang A: Waited / Abandoned.
	Waited time.Duration
}

// TrafficSource reports a service's traffic. Implementations must be safe
// for concurrent use; a done ctx makes Samples return ctx.Err().
//
// Sub-package scalingtest is the conformance suite every TrafficSource
// runs against itself.
type TrafficSource interface {
	// Samples returns one Sample per modality the source sees for the
	// service, covering the interval since the previous call for the same
	// service and ending at now: each Sample's At is now and its Interval
	// is now minus the previous call's now. The first call for a service
	// covers nothing before it: zero arrivals, completions and
	// abandonments, and a zero Interval. After it, each arrival is counted
	// once, in the Sample of its modality of the first call after it.
	// Services are independent: traffic of one never shows in another's
	// samples.
	//
	// The returned slice belongs to the caller: the source keeps no
	// reference to it, and changing it changes nothing the source reports
	// later. A done ctx makes Samples return an error for which
	// errors.Is(err, ctx.Err()) holds. Samples is safe for concurrent use
	// for different services; calls for the same service are expected in
	// order of now, from one goroutine.
	Samples(ctx context.Context, serviceID string, now time.Time) ([]Sample, error)
}

// Forgetter is an optional interface of a [TrafficSource] that keeps
// state per service (the previous call's now, counts not yet reported),
// discovered by type assertion. A contactcenter Lifecycle calls Forget
// once a service has ended, so that the source's memory follows the
// services alive, not every service ever seen. After Forget, the next
// Samples for the service, if any, is its first call again. Forget of a
// service the source never saw does nothing. Safe for concurrent use with
// Samples for other services.
type Forgetter interface {
	Forget(serviceID string)
}

// Modality holds the per-modality inputs of a decision.
type Modality struct {
	Kind               string        // matches [Sample.Modality]; unique within [Params.Modalities]
	HandleTime         time.Duration // expected handle time when samples carry none, > 0
	Concurrency        int           // engagements one agent handles at once, >= 1
	SpacePerEngagement float64       // server space units per live engagement, >= 0
	// Patience is the mean time a waiting engagement waits before it
	// abandons, >= 0. The [Erlang] policy models abandonment (Erlang A)
	// when it is set, and nobody abandoning (Erlang C) when it is 0.
	Patience time.Duration
}

// Params are the bounds and conversion factors of a service's scaling,
// resolved from its template. [Params.Validate] says whether they make
// sense; [NewAutoscaler] refuses Params that do not.
type Params struct {
	Modalities          []Modality    // the modalities staffed; samples of others are ignored
	TargetUtilisation   float64       // share of agent time spent on engagements, in (0,1]
	MinAgents           int           // agents never fewer (unless MaxLicences cannot pay for them), >= 0
	MaxAgents           int           // agents never more, >= MinAgents and >= 1
	AgentsPerSupervisor int           // one supervisor per this many agents, rounded up; 0: no supervisors
	LicencesPerAgent    int           // per agent and per supervisor, >= 1
	SpacePerAgent       float64       // server space units per agent, >= 0
	BaseSpace           float64       // server space units held whatever the traffic, >= 0
	MaxLicences         int           // licences never more, >= 1; also bounds agents and supervisors
	MaxSpace            int           // server space units never more, >= 1
	ScaleDownWindow     time.Duration // scale down only to the highest desired count seen this long, >= 0
	MaxStepUp           int           // agents added by one decision at most; 0: unlimited
	MaxStepDown         int           // agents removed by one decision at most; 0: unlimited
	// Targets is the service the [Erlang] policy staffs each modality
	// for: a service level, and optionally a maximum occupancy, ASA and
	// abandon probability. Zero: no target (Erlang then staffs like
	// [Utilisation]).
	Targets Targets
	// Forecast shapes the short-term forecast of arrivals the
	// [Autoscaler] gives a [ForecastPolicy]. Zero: no forecast, the
	// policy sees the latest samples.
	Forecast Forecast
}

// Resources are the three quantities scaling sets: agents (with the
// supervisors they bring), licences of the communication software, and
// provisioned server space.
type Resources struct {
	Agents      int
	Supervisors int
	Licences    int
	Space       int // server space units
}

// Decision is one scaling decision with what led to it.
type Decision struct {
	At          time.Time
	Current     int // agents before (a negative count is taken as 0)
	Recommended int // agents the policy asked for, before bounds and stabilisation (a negative answer is taken as 0)
	Desired     Resources
	// Reason names the rule that bound Desired.Agents last: one of the
	// Reason constants ([ReasonSteady], [ReasonScaleUp], [ReasonScaleDown]
	// when no rule did, or [ReasonMaxAgents], [ReasonMinAgents],
	// [ReasonLiveFloor], [ReasonStabilisation], [ReasonMaxStepUp],
	// [ReasonMaxStepDown], [ReasonLicences]).
	Reason  string
	Samples []Sample // the inputs, a copy the Decision owns
	// Demand is the traffic the policy staffed for when it is a
	// [ForecastPolicy] and Params.Forecast is on: the forecast arrival
	// rate and handle time of each modality. Nil otherwise. The Decision
	// owns it.
	Demand []Demand
}

// Policy recommends a number of agents for the traffic in samples. It is
// pure: the same inputs give the same answer. The [Autoscaler] applies
// bounds, stabilisation and step limits to the answer, so a policy only
// converts traffic into agents. [Utilisation] is the Autoscaler's default
// (NewAutoscaler with a nil policy); a contactcenter Lifecycle uses
// [Erlang] unless told otherwise.
type Policy interface {
	Recommend(p Params, samples []Sample) int
}
