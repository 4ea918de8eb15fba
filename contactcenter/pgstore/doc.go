// Package pgstore keeps the lifecycle's services, plans and journals, the
// access grants and the number pool in PostgreSQL, through
// github.com/jackc/pgx/v5, so that several replicas of a host application
// share one durable state.
//
// One [DB] over a *pgxpool.Pool serves four stores on one schema, and
// the relay between replicas:
//
//	db := pgstore.New(pool)
//	if err := db.Migrate(ctx); err != nil { … } // explicit, by the host
//	relay, err := db.NewRelay(ctx, log)         // listens; relay.Close() when done
//	if err != nil { … }
//	cfg := contactcenter.Config{
//		Store:       db.Services(), // contactcenter.Store, Leaser, Committer and Locator
//		Access:      db.Grants(),   // access.Store, Decider, BulkCreator, BulkRevoker and TokenStore
//		Numbers:     db.Numbers(),  // numbermap.Store and numbermap.Router
//		Engagements: db.Records(),  // routing.Records
//		Owner:       hostname,      // distinct per replica
//		Relay:       relay,         // contactcenter.Relay
//		…
//	}
//
// # Migrations
//
// The schema is a list of versioned SQL files embedded in the package.
// [DB.Migrate] applies those not yet applied, in order, each in its own
// transaction, under a session advisory lock: several replicas may call it
// at once and exactly one applies each version. The tables live in the
// connection's search_path, so a host (or a test) may give each
// deployment its own schema.
//
// # Concurrency
//
// Every update is checked against a revision column and fails with the
// owning package's ErrConflict sentinel when the stored revision moved on.
// Journal entries are rows keyed by (plan, seq): Append inserts only when
// Seq is one more than the last, and the primary key refuses a second
// writer of the same Seq. The executor appends before it moves on, so a
// replica that takes a service over resumes from the journal.
// [Services.Commit] ([contactcenter.Committer]) stores a service and
// appends journal entries in one call of the database function cc_commit:
// one round trip and one commit for a plan step's outcome, what the step
// changed and the next step's start.
//
// [Services] implements [contactcenter.Leaser]: Acquire marks its owner
// live (table cc_owners), claims its share of the services whose lease is
// free or expired with SELECT … FOR UPDATE SKIP LOCKED and renews the
// caller's own in the same statement, so replicas split new services
// evenly; leases end when a service reaches a final state. Due work is found by query: the Lifecycle lists
// the services it holds each tick, and their deploy, start, end and expiry
// instants are columns of the row it loads.
//
// # Engagement records
//
// [DB.Records] is the [routing.Records] of the deployment: one row of
// table engagement_records per engagement, written by the replica that
// drives the service as its router decides, and replaced only by a
// record of a higher Seq. A replica that takes a service over rebuilds
// its router from the live records; the ended ones stay, listed by
// [Records.Ended] over a window of time, until [Records.Delete].
// [DB.Transcripts] is a [transcript.Store] (the chat channel's transcripts):
// one row of table chat_transcripts per message, its Seq assigned under
// an advisory lock on the conversation, so that replicas appending to
// one conversation at once give each message the next Seq.
// [DB.Outbox] is an [outbox.Store] (the messaging channels' replies on
// their way): one row of table messaging_outbox per reply, keyed by its
// Ref and listed in the order put, kept until the provider takes it, so
// that the replica that takes a service over sends what is pending.
// Both commit together the writes that many goroutines make at once
// (transcript appends, replies put or marked sent): one statement and
// one commit for what arrived while the previous one ran, each caller
// still getting its own result, so that a channel busy in hundreds of
// conversations waits for far fewer flushes of the WAL.
//
// # Relay between replicas
//
// [Relay], made by [DB.NewRelay], is the [contactcenter.Relay] on
// LISTEN/NOTIFY: an agent's action that reaches a replica other than the
// one driving the service (which [Services.Holder], the
// [contactcenter.Locator], names from the leases) goes to that replica
// as a pg_notify, and the answer and the agent's engagement events come
// back the same way. One connection per Relay, taken from the pool for
// its lifetime, LISTENs on a channel named after the schema, so
// deployments sharing a database do not hear each other, and hands each
// message to the Listen of the owner it is addressed to. Notifications
// are text of under 8000 bytes: a message must be UTF-8 text without NUL
// bytes (the Lifecycle's are JSON) of at most
// [contactcenter.MaxRelayMessage] bytes, to an owner name of at most
// [MaxRelayOwner]; the payload is the name's length, a colon, the name
// and the message as it is. Delivery is at most once: what is sent while
// the connection is being re-made is lost.
//
// # Change notification and caches
//
// Every change to a grant or a number sends a NOTIFY (on channels
// "eventcc_grants" and "eventcc_numbers", payload the principal or the
// number) in the transaction that makes it, so it is delivered at commit.
// [Cache] listens on a dedicated connection and drops what it holds for
// the principal or number named: [Cache.Grants] is an access.Store whose
// ListByPrincipal (and so access.Authorize) is served from memory, and
// [Cache.Numbers] a numbermap.Store whose Route is. Expiry is checked at
// check time from the cached NotAfter or lease, so a lost notification
// never extends access or routing past the term; a revocation whose
// notification was lost is seen when the cache's connection is re-made
// (the cache is flushed) — [Cache.Sync] proves delivery of everything
// committed before it. A cache is bounded ([CacheConfig]): it holds the
// grants of at most so many principals and so many number records, and
// evicts the least recently used.
//
// # Tokens
//
// [Grants] is an access.TokenStore too, so an access.Authority with Keys
// over db.Grants() (or a cache's Grants) issues bearer tokens that every
// replica accepts. Table access_credentials keeps each token's credential:
// its selector, its HMAC digest under a server key and the grant it
// stands for, never the token. Credentials are read from the database at
// every check, never cached: a token revoked on one replica is refused by
// every other from then on.
//
// # Termination in one transaction
//
// [DB.ExpireService] revokes a service's grants, moves the expiry of its
// numbers to now and sets the service's Expires, all in one transaction
// checked against the service's revision: access and routing end
// together or not at all. The Lifecycle's closing plan still runs after
// it (its steps are idempotent) to release what the provider holds.
//
// # Webhook state
//
// Replicas that each mount a webhook Handler share what it remembers
// through the DB: pass [DB.WebhookVersions] as
// webhook.HandlerConfig.Versions and [DB.WebhookReplays] as its Replays
// on every replica. Table webhook_versions keeps, per event and per
// attendee, the last delivery decided; [WebhookVersions.Put] replaces it
// only with a newer one, in one statement, so a delivery older than one
// decided at any replica is answered stale at every other. Table
// webhook_replays keeps the signed requests received within the
// tolerance; [WebhookReplays.Claim] inserts one in one statement, so a
// request received by any replica is refused as a replay by every other,
// and of replicas receiving it at once exactly one accepts it. Claims are
// kept [ReplaySkew] past the end of their window, on the server's clock
// (the caller's with [WithCallerClock]), and swept by Claim, so the
// table stays bounded. [DB.WebhookLocks], passed as
// webhook.HandlerConfig.Locks, makes the Handlers of every replica apply
// the deliveries about one event one at a time: a session advisory lock
// per subject, held on a pooled connection while the delivery is applied
// (at most half the pool's connections at once; see [WebhookLocks]) and
// freed by the server when a replica's session ends.
//
// Errors wrap the sentinels of the package whose Store is implemented
// (contactcenter, access, numbermap); database errors are returned
// wrapped. A done context makes a method return ctx.Err(), possibly
// wrapped. Every type is safe for concurrent use.
package pgstore
