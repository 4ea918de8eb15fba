// Package memnumbermap is an in-memory [numbermap.Store]: the reference
// implementation of the contract, for tests, examples, simulations and
// hosts that keep their pool elsewhere and load it at start.
//
// It is written only against numbermap's exported API and passes the
// numbermaptest conformance suite. A [Store] from [New] is safe for
// concurrent use: one mutex serialises every change, so a Claim is atomic
// and two claims never get the same number. Records go in and out as
// copies: a caller may change what it passed or got back without changing
// the Store. A method whose context is already done returns ctx.Err() and
// changes nothing; once it holds the lock a method runs to completion.
//
// Claim examines every number in the pool, so it takes time proportional
// to the pool; Get and the per-service methods do not. Nothing is
// persisted: the pool is lost with the process.
package memnumbermap
