// Package routing is a contact center's router (an ACD): it holds one
// service's queues and the agents who serve them, and offers each waiting
// engagement to one eligible agent at a time.
//
// Channels put engagements in queues ([Router.Enqueue]); agents say when
// they are available ([Router.SetStatus]) and accept, decline and end what
// they are offered ([Router.Accept], [Router.Decline], [Router.End]); the
// router decides who is offered what, and tells every decision through
// [Config.OnEvent]. [Router.Tick], driven by the owner's clock, expires
// offers nobody accepted, ends wrap-up and moves engagements that waited
// past their queue's MaxWait to its overflow queue.
//
// # Routing
//
// An engagement is offered to an agent who has every skill its queue
// requires, capacity left for its kind ([Agent.Capacity]), status
// [Available], no offer pending and no wrap-up running. Waiting
// engagements are served highest queue priority first, then oldest first.
// Among the eligible agents the queue's [Strategy] chooses:
//
//   - [LongestIdle] (the default): the agent offerable the longest, as
//     FreeSWITCH mod_callcenter's longest-idle-agent; an agent who takes a
//     chat and can take more joins the back of the line;
//   - [RoundRobin]: the next agent after the last one chosen, in the order
//     they joined, as mod_callcenter's round-robin;
//   - [LeastBusy]: the agent who has answered the fewest engagements so
//     far, then the longest offerable, as mod_callcenter's
//     agent-with-fewest-calls;
//   - [SkillsWeighted]: the agent with the highest sum of levels in the
//     queue's skills, then the longest offerable, as a TaskRouter
//     workflow ordering its target workers by a skill attribute.
//
// An offer not accepted within [Config.OfferTimeout] is a miss: the
// engagement goes back to waiting, in its place by age, and is offered to
// the next agent; the agent rests for [Config.MissPause] and, after
// [Config.MaxMisses] misses in a row, is set to [Break]. An agent who
// leaves, or goes offline, with engagements live sees them requeued.
//
// # Admission
//
// A queue with a MaxWait takes a surge rather than refusing it: an
// engagement is admitted while its expected wait, counting the agents the
// scaler may still add ([Router.SetHeadroom]), is within MaxWait; past
// that it goes down the queue's overflow chain, and only when no queue
// there can take it in time is it refused (a *[RefusedError] saying when
// to try again). The expected wait is Erlang C's (M/M/c, first come first
// served): an arrival finding the c slots busy with p waiting ahead waits
// for p+1 completions, (p+1)/(c·μ) on average, with the mean handle time
// 1/μ the queue has shown ([Config.Expect] until it has). An admitted
// engagement is told its place and expected wait ([Ticket]).
//
// Every engagement ends in exactly one outcome ([Answered] and ended,
// [Abandoned], [Expired] past a MaxWait with no overflow, or
// [Disconnected] by the service's close), told by an [EventEnded];
// [Router.Stats] counts them per queue and kind.
//
// # Transfers and supervisors
//
// An agent's engagement moves to another queue ([Router.Transfer]),
// where it waits anew, or to a chosen agent ([Router.TransferToAgent]),
// who is offered it at once if they can take it now. A supervisor listens
// in or joins the conversation ([Router.Supervise]): the router tells it
// ([EventMonitored], [EventConferenced]) and the channel connects them.
//
// # Replicas
//
// A router lives in the process that drives its service. [Records] is
// where that process keeps a durable record of each engagement as the
// router decides; a process that takes the service over reads the live
// ones back and puts each in its queue with [Router.Restore], in its
// place by age, without admission. routing/memrecords keeps them in
// memory, contactcenter/pgstore in PostgreSQL; routing/recordstest is
// the conformance suite.
//
// # Cost
//
// The router keeps, for each queue and kind, its waiting engagements in
// arrival order and its offerable agents in the order the strategy
// chooses them, so an assignment looks at the heads of the lines an agent
// or an engagement can join, never at every agent. Routing does not
// allocate once an engagement is admitted (see BENCHMARKS.md).
//
// A Router is safe for concurrent use. OnEvent is called with the
// router's lock held: it must not block and must not call the Router.
package routing
