// Package accesstest is the conformance suite for [access.Store]
// implementations.
//
// [Run] checks a store against every sentence of the Store contract, in
// named subtests: create and get round trip (every principal kind),
// copies in and out, ErrExists, ErrInvalid for each rule of
// [access.Validate], ErrNotFound, optimistic concurrency on Update, final
// and idempotent revocation, RevokeService and RevokePrincipal counts and
// isolation, sorted and isolated lists, cancelled contexts, many
// goroutines at once, and [access.Authorize] against the store, through
// its Decider and through ListByPrincipal (the validity window to the
// nanosecond, other services, revoked grants, and no authorisation after a
// revocation has returned, with revocations racing authorisations).
//
// If the store implements the optional interfaces, Run checks them too:
// [access.Decider] must decide as the listed grants do,
// [access.BulkCreator] must create all of a call's new grants or none
// (skipping stored IDs, refusing an invalid grant or an ID given twice)
// and return each grant it creates exactly once, as must
// [access.CreateGrants] over the store without it,
// [access.BulkRevoker] must return each grant it revokes exactly once, and
// [access.TokenStore] must keep credentials to its contract, with an
// [access.Authority] issuing and checking tokens over it while
// revocations race the checks.
//
// Last, Run drives two Authorities over one store, a lifecycle's and a
// checker's whose clocks disagree by up to three seconds, through random
// sequences of issues, renewals, term extensions and shortenings,
// revocations, tokens and key rotations, and checks a million
// authorisations (Harness.RandomizedChecks) against a model: none may be
// allowed outside its window or on another service.
//
// [Bench] measures Authorize (through the Decider, through the list,
// denied, in parallel), RevokeService of 100,000 grants and Create.
//
// # Running the suite
//
// An integrator with a store of its own (say a PostgreSQL one) runs the
// suite from a test in its package:
//
//	func TestConformance(t *testing.T) {
//		accesstest.Run(t, accesstest.Harness{
//			New: func(t *testing.T) access.Store {
//				s := pgaccess.New(newTestDB(t)) // an empty store, cleaned up with t.Cleanup
//				return s
//			},
//		})
//	}
//
//	func BenchmarkStore(b *testing.B) {
//		accesstest.Bench(b, accesstest.BenchHarness{
//			New: func(b *testing.B) access.Store { return pgaccess.New(newTestDB(b)) },
//		})
//	}
//
// and runs it with the race detector:
//
//	go test -race -run TestConformance ./...
//	go test -run '^$' -bench BenchmarkStore -benchtime 10x ./...
//
// New must return an empty store each time: Run calls it once per subtest.
// The suite stores instants that are whole seconds in UTC, compares times as
// instants (time.Time.Equal), and treats a nil Privileges slice like an
// empty one, so a store backed by SQL timestamps and arrays passes.
// Subtests run one after another; several start goroutines and wait for
// them before returning.
package accesstest
