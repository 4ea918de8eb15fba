// Package memstore is an in-memory [contactcenter.Store]: services, plans
// and plan journals held in maps for the life of the process.
//
// It is the reference implementation of the Store contract, written only
// against the exported API of package contactcenter and held to the same
// conformance suite, [github.com/eventcc/eventcc/contactcenter/storetest],
// as durable stores. Use it in tests, simulations, examples and single-process
// hosts that do not need services to survive a restart.
//
// Every value passed in or returned is a deep copy: a Service's slices and
// pointers (agents, numbers, entry points, timeline, closing report, the
// request's overrides, the config's modalities, queues and roles), a Plan's
// steps and their undo steps, and a journal entry's output are never shared
// with the caller.
//
// Errors wrap the sentinels of package contactcenter with context, so
// callers test them with errors.Is: [contactcenter.ErrNotFound],
// [contactcenter.ErrExists] and [contactcenter.ErrConflict]. A done context
// makes a method return ctx.Err() with nothing changed.
//
// A *Store is safe for concurrent use by multiple goroutines. Updates of one
// service are serialised and checked against its revision, and appends to a
// journal against its last Seq, so of two concurrent writers exactly one
// wins.
package memstore
