// Package scaling decides how much of an event's contact center to run
// while its term is active: how many agents (and the supervisors they
// bring), how many licences of the communication software, and how much
// server space. Traffic comes in as [Sample]s from a [TrafficSource]; a
// [Policy] converts them into a number of agents; the [Autoscaler] holds
// that number within the service's bounds and paces it, and
// [Params.ResourcesFor] derives the other quantities from it.
//
// The staffing maths underneath is importable on its own: Erlang B,
// Erlang C and Erlang A, the service level, ASA, occupancy and
// abandonment of a [Queue] with a number of agents ([Queue.Evaluate]),
// the least agents that meet [Targets] ([Queue.Staff]), and shrinkage
// ([Scheduled]). Sub-package sim replays event traces through a
// discrete-event simulation to compare staffing policies.
//
// # Samples and the TrafficSource contract
//
// A [Sample] is one modality's traffic over one interval: what arrived,
// completed and was abandoned in it, the mean handle time of what
// completed, and what was live (with an agent, or waiting) at its end.
// [TrafficSource.Samples] returns one Sample per modality the source sees
// for a service, covering the interval since the previous call for that
// service and ending at the given now:
//
//   - every Sample's At is now, and its Interval is the time since the
//     previous call for the same service;
//   - each arrival is counted once, in the interval it happened in;
//   - the first call for a service covers nothing: zero arrivals and a
//     zero Interval (what is live is still reported);
//   - services are isolated from each other;
//   - the returned slice belongs to the caller;
//   - a done ctx makes Samples return ctx.Err();
//   - Samples is safe for concurrent use.
//
// Sub-package scalingtest is the conformance suite that checks each of
// these sentences against a source. The lifecycle's default source reads
// the channels' counts; [SourceFunc] turns a function into a source, for
// tests and simulations.
//
// # The utilisation policy
//
// [Utilisation], the [Autoscaler]'s default [Policy] (a contactcenter
// Lifecycle uses [Erlang] unless told otherwise), staffs each modality so
// that its offered load keeps agents busy the target share of their time,
// and never below what is live now:
//
//	rate   = Arrivals / Interval                    (per second)
//	aht    = the sample's HandleTime, else the Modality's
//	load   = rate × aht / Concurrency               (agents kept busy)
//	busy   = ⌈(Concurrent + Queued) / Concurrency⌉
//	agents = max(⌈load / TargetUtilisation⌉, busy)
//
// summed over the modalities of [Params.Modalities]; samples of other
// modalities are ignored. With 8 agents of load and a target of 0.8 it
// asks for 10 agents: float noise never adds one.
//
// # Staffing for a service level: Erlang C and Erlang A
//
// A utilisation rule wastes agents at low traffic and misses the service
// level at high traffic, because waiting grows with the randomness of
// arrivals, not with the load alone. [Erlang], the policy the contact
// center lifecycle uses by default, staffs each modality with the least
// agents that meet Params.Targets (for example 80 % answered within
// 20 s) in the Erlang C model of a queue (Poisson arrivals, exponential
// handle times), or in the Erlang A model when the modality has a
// Patience (callers abandon after an exponential patience). Modalities
// whose agents handle several engagements at once (chat, messaging) are
// staffed as that many sessions per agent.
//
// The maths is exact and stable at any size: Erlang B by its recursion
// (no factorial, no power that overflows), to about 1e-12 relative error
// up to 10,000 erlangs (checked against 256-bit sums); Erlang C from it;
// Erlang A by sums of positive terms over queue lengths. A queue whose
// load is at least its agents, with nobody abandoning, is
// [ErrUnstable], not a negative waiting time. Service level, with
// abandonment, counts answered within the threshold over the arrivals
// that did not abandon within it; ASA is the mean wait per arrival.
//
// # The forecast
//
// With an Autoscaler, Erlang staffs for a short-term forecast of each
// modality's arrivals rather than for the latest interval's count: Holt's
// linear smoothing with trend (see [Forecast]; [DefaultForecast] is
// tuned with the simulator), so that a building surge is staffed ahead
// of it and noise in one interval does not whipsaw the staffing. The
// forecast is per Autoscaler, hence per service; Decision.Demand records
// what was staffed for.
//
// # The Autoscaler
//
// An [Autoscaler] takes one [Decision] per call of [Autoscaler.Decide],
// from the current number of agents and the latest samples. It applies
// these rules in order, and Decision.Reason names the last one that bound
// the result (a Reason constant such as [ReasonStabilisation]):
//
//  1. The policy recommends a number of agents (Decision.Recommended),
//     from the forecast demand when it is a [ForecastPolicy] and
//     Params.Forecast is on, else from the samples.
//  2. Bounds: the recommendation is held within [MinAgents, MaxAgents].
//  3. Live floor: never fewer than the engagements live now need,
//     Σ ⌈(Concurrent + Queued) / Concurrency⌉, still at most MaxAgents.
//     The result of rules 1 to 3 is the desired count. The Autoscaler
//     remembers it for ScaleDownWindow, except that when forecasting
//     and a rising trend lifts a modality's forecast above its smoothed
//     level, it remembers the count for the levels instead (through
//     the same rules): the window holds what the traffic seen asks for,
//     not the trend's anticipation, which the next decisions confirm or
//     drop.
//  4. Scale up at once, but by at most MaxStepUp agents.
//  5. Scale down only to the highest count remembered from the
//     decisions within the last ScaleDownWindow, and never below the
//     current desired count (the stabilisation of Kubernetes' horizontal
//     pod autoscaler): a burst keeps its agents until it has been over
//     for a whole window, and the count does not flap with noisy
//     traffic. Then by at most MaxStepDown agents.
//  6. The bounds again, over the steps: a current count outside
//     [MinAgents, MaxAgents] goes straight back inside.
//  7. Licences: agents and their supervisors never need more than
//     MaxLicences, even if that leaves fewer than MinAgents.
//
// A decision at an instant more than the window after an earlier one no
// longer sees it; with a zero ScaleDownWindow every decision follows the
// desired count down at once. [NewAutoscaler] validates the [Params] with
// [Params.Validate], which reports every problem at once.
//
// # Licences, server space and agents
//
// The three quantities scaling sets, in [Resources]:
//
//   - Agents: decided by the Autoscaler, as above. Supervisors follow
//     them: one per AgentsPerSupervisor agents, rounded up.
//   - Licences: LicencesPerAgent for each agent and each supervisor, at
//     most MaxLicences (which in turn bounds the agents).
//   - Server space: BaseSpace, plus SpacePerAgent for each agent, plus
//     each modality's SpacePerEngagement for each engagement live now,
//     rounded up to whole units and at most MaxSpace.
//
// [Params.ResourcesFor] computes licences and space for a number of
// agents; every Decision carries its result.
//
// # Concurrency
//
// [Utilisation], [Erlang], [Queue], [Params] and [SourceFunc] are
// values with no state.
// An [Autoscaler]'s methods are safe for concurrent use, but its
// decisions only make sense in time order: drive one Autoscaler per
// service from one goroutine.
package scaling
