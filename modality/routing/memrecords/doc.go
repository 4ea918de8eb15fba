// Package memrecords is an in-memory [routing.Records], the reference
// implementation of the contract the package routing documents and the
// package recordstest checks.
//
// A [Store] keeps each service's records in a map by engagement ID, so
// Put costs time linear in the records put, and Live, Ended and Delete
// time linear in the records of the service concerned (Live and Ended
// sort what they return). Records hold no references, so they are
// copied in and out whole; their instants are kept as given. A Store is
// safe for concurrent use (one read-write mutex), and checks ctx before
// doing anything: a done ctx returns ctx.Err() with nothing changed.
//
// It is written only against the exported API of routing, so it doubles
// as a model for integrators writing a durable store. Its contents die
// with the process: use it for tests, simulations and single-process
// hosts; replicas that take services over from each other share a
// durable store, such as contactcenter/pgstore's.
package memrecords
