// Package memnumbermap is an in-memory [numbermap.Store] and
// [numbermap.Router]: the reference implementation of the contract, for
// tests, examples, simulations and hosts that keep their pool elsewhere
// and load it at start.
//
// It is written only against numbermap's exported API and passes the
// numbermaptest conformance suite. A [Store] from [New] is safe for
// concurrent use: one mutex serialises every change, so a Claim is atomic
// and two claims never get the same number. Records go in and out as
// copies: a caller may change what it passed or got back without changing
// the Store. A method whose context is already done returns ctx.Err() and
// changes nothing; once it holds the lock a method runs to completion.
//
// The call path takes no lock: each number's state is an immutable value
// published atomically in an open-addressing table keyed by the number's
// digits, so Get and Route read it while changes go on, and Route neither
// copies it nor allocates. Claim keeps, for each combination of country,
// region, type and capabilities, a queue of the numbers by when they
// become available, so it takes time proportional to the numbers claimed
// (times the logarithm of the pool), not to the pool. A pool of 1,000,000
// numbers takes about 135 bytes a number plus the carrier references
// (181 MB with 34-character ones). Nothing is persisted: the pool is lost
// with the process.
package memnumbermap
