// Package sim replays an event's traffic trace through a discrete-event
// simulation of its contact center, with agents as a staffing policy
// decides, so that policies can be compared on the same traffic before
// the event: how well they serve (service level, ASA, abandonment) and
// what they cost (agent-, licence- and server-space-hours).
//
// # Traces
//
// A [Trace] is one [Interval] per modality and period: the expected
// arrivals, the mean handle time and the mean patience. [ReadTrace] reads
// one from CSV (header start_seconds,interval_seconds,modality,arrivals,
// aht_seconds,patience_seconds) and names the line and column of any
// problem in a *[ParseError]; [WriteTrace] writes one. [Scenarios] holds
// seeded generators of synthetic event traces: a conference day with
// keynote surges, a concert's ticket on-sale spike, a three-day trade
// show ([Scenario.Trace]).
//
// # The simulation
//
// Within each interval arrivals are a Poisson process; handle times and
// patience are exponential; all are drawn from [Config].Seed before any
// policy runs, so every policy of one [Compare] faces the same
// engagements and the same seed gives the same results. Agents are
// blended: each has one unit of capacity, an engagement of a modality
// with Concurrency c takes 1/c of it, and waiting engagements are served
// first come, first served across modalities. Every DecisionInterval the
// [Policy] sees the traffic since its previous decision (the
// scaling.Samples a TrafficSource would report, and the mean load) and
// decides the agents; the simulator holds them within Params' bounds.
// Agents added answer at once; agents removed finish what they handle
// (and are paid until they do). Licences and space are those
// Params.ResourcesFor gives for each decision.
//
// A [Result] reports, for every period of the trace and in total,
// engagements answered within the target, abandoned, waits, occupancy
// and the hours of agents, licences and space.
//
// # Policies
//
// [StaticPeak] staffs the peak all along; [HPA] is a Kubernetes
// horizontal-pod-autoscaler-style ratio policy; [Autoscaler] is eventcc's
// scaling.Autoscaler (by default with the scaling.Erlang policy and its
// forecast); [Oracle] staffs each period with Erlang C on the trace's
// true rates, known in advance. Any Policy can join.
//
// Compare runs its contenders concurrently and returns when all are
// done; a done ctx stops them with ctx.Err(). Everything else in the
// package is a value or a pure function.
package sim
