// Package webhook connects a contact center to an event platform over
// signed HTTP webhooks, in both directions.
//
//   - [Handler] is an http.Handler that accepts deliveries from the event
//     system (an event created, updated or cancelled; an attendee
//     registered or unregistered) and applies each to a
//     [contactcenter.Lifecycle].
//   - [EventSystem] is a [contactcenter.EventSystem] that announces a
//     service's entry points (numbers, chat links, video rooms) and hours
//     to a URL of the event platform when the service opens, and retracts
//     them at termination.
//
// # Signatures
//
// Both directions sign the same way. A delivery carries two headers:
//
//	Eventcc-Timestamp: 1803891600
//	Eventcc-Signature: v1=52b9be87cbb62cf534eb2fb330a77774c6fed18f60c481ea62ba7836f16154fb
//
// The timestamp is the Unix time of signing in seconds; the signature is
// the lower-case hex HMAC-SHA256, keyed with a shared secret, of the
// timestamp, a '.', and the raw body (the values above sign the body of
// the example of [Sign] with its secret; `openssl dgst -sha256 -hmac` computes
// the same). While a secret is being rotated the
// sender may send several comma-separated "v1=" entries, one per secret,
// and the receiver may hold several secrets: a delivery is accepted when
// any entry matches any secret ([Sign], [Verify]). Signatures are
// compared in constant time. A timestamp further than the tolerance (5
// minutes by default) from the receiver's clock is refused, and so is
// the very same signed request (same delivery ID and timestamp) seen
// again within that window, by this Handler or by any other sharing its
// [ReplayStore]: a replay. The window is the same both ways: a
// request is remembered as long as its timestamp passes the check,
// through the last instant of the tolerance inclusive. A sender retrying
// a delivery signs each attempt afresh, with a new timestamp and the same
// delivery ID.
//
// A signature that does not match is answered bad_signature, whichever
// secret made it: one the receiver dropped in a rotation gets the very
// same answer as one it never held, so an unauthenticated caller learns
// nothing of the secrets' history.
//
// # Inbound deliveries
//
// The Handler accepts a POST whose body is one JSON object, at most
// MaxBodyBytes (64 KiB by default), decoded strictly ([Decode]): unknown
// fields, keys in another case, repeated keys, values of the wrong type
// and trailing data are refused, naming the field. Times are RFC 3339.
//
// An event is created (its service requested with the template, type,
// term, features, expected attendance and overrides given):
//
//	{
//	  "id": "dlv_0001",
//	  "type": "event.created",
//	  "event": {
//	    "id": "gophercon-eu-2027",
//	    "version": 1,
//	    "type": "conference",
//	    "template": "conference",
//	    "term": {"start": "2027-03-01T09:00:00Z", "end": "2027-03-01T17:00:00Z", "timeZone": "Europe/Berlin"},
//	    "features": {"modalities": ["telephony", "chat"], "receptionist": true},
//	    "expectedAttendance": 2500,
//	    "overrides": {"maxAgents": 30}
//	  }
//	}
//
// An event with social messaging names its accounts, as the providers
// name them ("features": {"modalities": ["social"], "accounts":
// ["106540352242922", "gophercon_help_bot"]}): messages to them are the
// service's (contactcenter.Features.Accounts).
//
// An event's term changed (extended, shortened or rescheduled: the
// Handler compares the term with the service's and calls
// [contactcenter.Lifecycle.Extend], Shorten or Reschedule):
//
//	{
//	  "id": "dlv_0002",
//	  "type": "event.updated",
//	  "event": {
//	    "id": "gophercon-eu-2027",
//	    "version": 2,
//	    "term": {"start": "2027-03-01T09:00:00Z", "end": "2027-03-01T19:00:00Z", "timeZone": "Europe/Berlin"}
//	  }
//	}
//
// An event was cancelled:
//
//	{"id": "dlv_0003", "type": "event.cancelled",
//	 "event": {"id": "gophercon-eu-2027", "version": 3, "reason": "venue closed"}}
//
// An attendee registered for, or unregistered from, the attendee-only
// features (a VIP line): the Handler calls
// [contactcenter.Lifecycle.RegisterAttendee] or UnregisterAttendee,
// which grant or revoke the attendee's access, bounded by the service's
// expiry:
//
//	{"id": "dlv_0004", "type": "attendee.registered",
//	 "event": {"id": "gophercon-eu-2027"},
//	 "attendee": {"id": "att-42", "version": 1}}
//
// Every event delivery carries event.version (a positive integer) or
// event.updatedAt (an RFC 3339 time), or both; every attendee delivery
// attendee.version or attendee.updatedAt. They order the deliveries
// about one event (one attendee of one event), never the order of
// arrival: a delivery older than the last one decided is answered
// "stale" and changes nothing; one with the same version as the last one
// decided gets the answer that one got, and changes nothing
// ([VersionStore]). event.created for an event whose service exists is
// applied as an update of its term. event.updated uses only the id, the
// version and the term; the other event fields are accepted and ignored.
//
// # Answers
//
// Every answer is a JSON [Response]:
//
//	200 {"delivery":"dlv_0002","status":"applied","change":"extended"}
//	200 {"delivery":"dlv_0002","status":"already-applied","change":"extended"}
//	200 {"delivery":"dlv_0001","status":"stale"}
//	400 {"code":"malformed","error":"webhook: malformed delivery: event.term.end: required","field":"event.term.end","problems":[{"field":"event.term.end","message":"required"}]}
//	409 {"delivery":"dlv_0005","code":"expired","error":"contactcenter: gophercon-eu-2027: extended at …: contactcenter: term already expired"}
//
// The status says what the sender should do:
//
//   - 200: applied now, applied before, or superseded by a newer version;
//     do not send again.
//   - 400 malformed (Field names the first bad field, Problems all of
//     them), 401 (missing_signature, bad_timestamp, stale_timestamp,
//     bad_signature), 405, 413 too_large, 415: fix the request.
//   - 404 unknown_event: no service for the event; an update that
//     overtook its event.created, to be sent again later.
//   - 409: the lifecycle refuses the change: expired (an extension after
//     the term's expiry), invalid_state (a change to a closing, closed or
//     cancelled service, or a reschedule once deploying), exists,
//     template_mismatch; or replayed (this very signed request was
//     received already, by this replica or another).
//   - 422 invalid_request: the lifecycle refused event.created's request
//     (an unknown template, a modality no channel serves); Problems name
//     the payload fields.
//   - 500 internal, 503 unavailable (with Retry-After): a failure on
//     eventcc's side; send again later. Only these are 5xx.
//
// # Outbound announcements
//
// The [EventSystem] POSTs, signed as above:
//
//	{
//	  "id": "dlv_9f1c0b7e4d2a4f6b8e3c5a7d9b1f2e4c",
//	  "type": "entrypoints.published",
//	  "serviceId": "gophercon-eu-2027",
//	  "eventId": "gophercon-eu-2027",
//	  "version": 1803805200000000000,
//	  "entryPoints": [
//	    {"name": "telephony-1", "kind": "telephony", "address": "+12025550101", "queue": "registration"},
//	    {"name": "chat", "kind": "chat", "address": "https://eventcc.invalid/gophercon-eu-2027/chat", "queue": "registration"}
//	  ],
//	  "hours": {"opens": "2027-03-01T09:00:00Z", "closes": "2027-03-01T17:00:00Z", "timeZone": "Europe/Berlin"}
//	}
//
//	{"id": "dlv_…", "type": "entrypoints.retracted", "serviceId": "gophercon-eu-2027", "version": 1803924000000000000}
//
// The receiver answers 2xx once it shows (or no longer shows) the entry
// points. The id is the same on every attempt of a delivery, so the
// receiver can deduplicate; version increases with every announcement, so
// it can keep the newest when two arrive out of order.
// [DecodeAnnouncement] reads an announcement for receivers written in Go.
//
// # Replicas
//
// A Handler remembers two things: which signed requests it received
// within the tolerance ([ReplayStore]), and the last delivery decided per
// event and per attendee ([VersionStore]); and it applies the deliveries
// about one event (one attendee) one at a time, holding the subject's
// lock ([Locker]) from reading its last record to recording the new one.
// The defaults, [MemReplays], [MemVersions] and [MemLocks], are private
// to one Handler and forgotten at a restart. Replicas of a host that each
// mount a Handler behind one URL share all three through their database
// instead, so that what one replica received, decided or is applying
// holds at every other, and after restarts and on fresh machines:
//
//	db := pgstore.New(pool) // the replicas' shared PostgreSQL
//	h, err := webhook.NewHandler(webhook.HandlerConfig{
//		Lifecycle: lc, Secrets: secrets, Now: clock,
//		Versions:  db.WebhookVersions(),
//		Replays:   db.WebhookReplays(),
//		Locks:     db.WebhookLocks(),
//	})
//
// A signed request received by any replica is then refused as replayed
// by every other, and a delivery older than one decided at any replica
// is answered stale there: a replayed or late delivery cannot reopen a
// term that another replica shortened. Two versions of one event that
// reach two replicas at the same moment are applied one after the
// other, in whichever order they take the lock: the older, if second,
// is answered stale and changes nothing, so the term ends as the newer
// says. [VersionStore.Put] only moves a record forward, in one atomic
// step, so the record stays the newer one's whatever the interleaving.
//
// Without a shared Locker (each replica with its own MemLocks) that
// last guarantee is lost: both versions may pass the check of the last
// record, and the older may be applied after the newer, leaving the
// term as the older says (a shortening undone by the extension it
// replaced) while the record names the newer. Unless the event system
// sends an event's deliveries one at a time, each after the answer to
// the last, replicas share a Locker. A Lock that fails (the database
// unreachable) is answered 503 and nothing is applied; a holder whose
// process dies releases its locks (see [Locker]).
//
// The replicas' clocks must agree to well within the tolerance: each
// checks timestamps on its own clock, and a shared ReplayStore keeps a
// claim only a bounded while past its window (pgstore:
// [github.com/eventcc/eventcc/contactcenter/pgstore.ReplaySkew]).
//
// # Concurrency, goroutines, limits
//
// Handler and EventSystem are safe for concurrent use and start no
// goroutines. With the defaults, the Handler's memory is bounded by
// ReplayCapacity for replay protection, plus one record per event and
// per attendee in its VersionStore; [MemVersions] keeps them in memory
// for the life of the process (see its doc for what a restart forgets).
// [MemLocks] holds memory only for the subjects being applied or waited
// for; the wait for a lock counts in ApplyTimeout.
package webhook
