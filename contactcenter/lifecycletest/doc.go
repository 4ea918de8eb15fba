// Package lifecycletest runs the Lifecycle's durability scenarios against
// a set of durable adapters: a contactcenter.Store, an access.Store and a
// numbermap.Store. Where storetest, accesstest and numbermaptest check each
// contract on its own, these scenarios check what the three must achieve
// together under a real Lifecycle:
//
//   - CrashAfterEveryStep: the Lifecycle dies right after each step of the
//     deploy plan and of the closing plan; a new Lifecycle on the same
//     adapters brings the service to Terminated with nothing left behind
//     and every step done exactly once.
//   - Replicas (for a Store that implements contactcenter.Leaser): three
//     Lifecycles share the adapters, one is killed in the middle of a
//     closing plan, and the others finish every service, each step once,
//     with no lease left when all are final.
//   - Chaos (for a Leaser too): seeded random schedules (Harness.Schedules,
//     200 by default) over three replicas, each a process with its own
//     channel and webhook handler: ticks, replicas killed between ticks and
//     in the middle of a plan, restarts under the same name, signed webhook
//     deliveries sent to any replica (replayed as sent, and retried out of
//     order), extensions, shortenings and cancellations, attendees
//     arriving. After every step, no grant or number lease of a service
//     ends after its stored expiry, and past it none authorises or routes;
//     at the end, with every term run out, nothing of any service is left
//     (inventory, grants, live end points on any replica's channel,
//     routing numbers). A failing schedule prints its seed and its steps;
//     set EVENTCC_CHAOS_SEED to play it again. The webhook state the
//     replicas share is Adapters.Versions and Adapters.Replays (in-memory
//     ones when nil).
//
// The provisioner, channel and event system are the in-memory ones; time
// is a simulated clock, so the scenarios take seconds against memory and
// about a minute against PostgreSQL. [World] is that setting, exported so
// an adapter package can write scenarios of its own on it, with the same
// checks ([World.AssertNothingLeft], [World.AssertOnce]).
//
//	func TestLifecycleScenarios(t *testing.T) {
//		lifecycletest.Run(t, lifecycletest.Harness{New: func(t testing.TB) lifecycletest.Adapters {
//			db := openMyDB(t)
//			return lifecycletest.Adapters{Store: db.Services(), Access: db.Grants(), Numbers: db.Numbers()}
//		}})
//	}
package lifecycletest
