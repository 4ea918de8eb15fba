// Package scaling decides how much of an event's contact center to run
// while its term is active: how many agents (and the supervisors they
// bring), how many licences of the communication software, and how much
// server space. Traffic comes in as [Sample]s from a [TrafficSource]; a
// [Policy] converts them into a number of agents; the [Autoscaler] holds
// that number within the service's bounds and paces it, and
// [Params.ResourcesFor] derives the other quantities from it.
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
// [Utilisation], the default [Policy], staffs each modality so that its
// offered load keeps agents busy the target share of their time, and
// never below what is live now:
//
//	rate   = Arrivals / Interval                    (per second)
//	aht    = the sample's HandleTime, else the Modality's
//	load   = rate × aht / Concurrency               (agents kept busy)
//	busy   = ⌈(Concurrent + Queued) / Concurrency⌉
//	agents = max(⌈load / TargetUtilisation⌉, busy)
//
// summed over the modalities of [Params.Modalities]; samples of other
// modalities are ignored. With 8 agents of load and a target of 0.8 it
// asks for 10 agents: float noise never adds one. Policies that target a
// service level instead (Erlang C, Erlang A) plug in the same way.
//
// # The Autoscaler
//
// An [Autoscaler] takes one [Decision] per call of [Autoscaler.Decide],
// from the current number of agents and the latest samples. It applies
// these rules in order, and Decision.Reason names the last one that bound
// the result (a Reason constant such as [ReasonStabilisation]):
//
//  1. The policy recommends a number of agents (Decision.Recommended).
//  2. Bounds: the recommendation is held within [MinAgents, MaxAgents].
//  3. Live floor: never fewer than the engagements live now need,
//     Σ ⌈(Concurrent + Queued) / Concurrency⌉, still at most MaxAgents.
//     The result of rules 1 to 3 is the desired count, which the
//     Autoscaler remembers for ScaleDownWindow.
//  4. Scale up at once, but by at most MaxStepUp agents.
//  5. Scale down only to the highest desired count of the decisions
//     within the last ScaleDownWindow, the current one included (the
//     stabilisation of Kubernetes' horizontal pod autoscaler): a burst
//     keeps its agents until it has been over for a whole window, and the
//     count never flaps with noisy traffic. Then by at most MaxStepDown
//     agents.
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
// [Utilisation], [Params] and [SourceFunc] are values with no state.
// An [Autoscaler]'s methods are safe for concurrent use, but its
// decisions only make sense in time order: drive one Autoscaler per
// service from one goroutine.
package scaling
