// Package memevents is an in-memory [contactcenter.EventSystem]: it keeps
// what is published for each service, and a history of every call, where
// tests and examples can look.
//
// It is the reference implementation of the EventSystem contract, written
// only against the exported API of package contactcenter and held to the
// same conformance suite,
// [github.com/eventcc/eventcc/contactcenter/eventsystemtest], as adapters
// of real event platforms. [EventSystem.Published] shows what attendees
// would see; [EventSystem.History] lists every publish and retract in
// order. Both return copies.
//
// Publish of a publication without a ServiceID fails with an error marked
// [contactcenter.Permanent]. A done context makes a method return
// ctx.Err() with nothing changed or recorded.
//
// An *EventSystem is safe for concurrent use by multiple goroutines. Its
// history grows with every call; it is meant for tests and examples, not
// for long-running hosts.
package memevents
