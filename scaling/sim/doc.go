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
// engagements and the same seed gives the same results.
//
// The engagements are served by the product's router (package
// modality/routing), one per run, on a clock the simulation drives: one
// queue per modality of Params, named after it, with Targets.Within as
// its threshold and [Config].WrapUp as the router's wrap-up. Each
// simulated agent is a router agent with no skills whose capacity is
// each modality's Concurrency (1 call, 3 chats), as contactcenter's
// roster gives a person on duty with no capacity of their own. The
// router counts capacity per kind: an agent may hold a call and chats
// at once, while the scaling policies staff each modality's share of an
// agent, so the router serves more than they staff for.
//
// An arrival is enqueued; an agent the router offers it to accepts it
// at once and ends it after its handle time, then wraps up (offered
// nothing) for WrapUp; an attendee whose patience runs out first hangs
// up. Engagements still waiting when nothing else can happen (no agent
// left to answer them) are hung up when the run ends.
//
// Every DecisionInterval the [Policy] sees the traffic since its previous
// decision (the scaling.Samples a TrafficSource would report, handle
// times without wrap-up as channels count them, and the mean load) and
// decides the agents; the simulator holds them within Params' bounds.
// Agents added are set Available (those still finishing before leaving
// first, then agents who left, then new ones joining the router) and may
// be offered waiting engagements at once. Agents removed are the idle
// first, who go Offline; the others go on a Break, which keeps what
// they hold and offers them nothing, finish and wrap up, then go
// Offline; they are paid until then. Licences and space are those
// Params.ResourcesFor gives for each decision.
//
// A [Result] reports, for every period of the trace and in total, the
// arrivals, what the router counted (its [routing.Stats]: service level,
// ASA, abandonment and AHT are its figures, with its definitions:
// abandoned engagements count against the service level, ASA is the
// mean wait of the answered), occupancy, and the hours of agents,
// licences and space.
//
// # Policies
//
// [StaticPeak] staffs the peak all along; [HPA] is a Kubernetes
// horizontal-pod-autoscaler-style ratio policy; [Autoscaler] is eventcc's
// scaling.Autoscaler (by default with the scaling.Erlang policy and its
// forecast); [Oracle] staffs each period with Erlang C on the trace's
// true rates and handle times plus the wrap-up, known in advance. Any
// Policy can join.
//
// Compare runs its contenders concurrently, each with its own router,
// and returns when all are done; a done ctx stops them with ctx.Err().
// Everything else in the package is a value or a pure function.
package sim
