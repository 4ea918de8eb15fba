package pgstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/numbermap"
)

// Cache keeps grants by principal and number records in memory for the
// call path — authorisation and route lookup — and drops them when
// another replica (or this one) changes them: it LISTENs on
// [GrantsChannel] and [NumbersChannel] on a connection of its own. A
// notification is delivered when the change commits, so a revoked grant
// or a retired number leaves every replica's cache within one round trip
// of the commit ([Cache.Sync] waits for that). Checks stay correct when a
// notification is lost: expiry (NotAfter, a lease's Expires) is checked
// at check time from the cached value, and the cache is flushed whenever
// its connection is re-made.
//
// The cache is bounded: it holds the grants of at most
// [CacheConfig].MaxPrincipals principals (an empty answer, for a principal
// without grants, counts as one) and at most [CacheConfig].MaxNumbers
// number records, and evicts the least recently used entry to make room
// for another. An evicted entry is read from the database at its next
// use. Safe for concurrent use; call Close when done.
type Cache struct {
	db  *DB
	log logr.Logger

	mu     sync.Mutex
	epoch  uint64 // bumped by every invalidation; fills of an older epoch are dropped
	grants *lru[string, []access.Grant]
	routes *lru[numbermap.Number, numbermap.Record]
	syncs  map[string]chan struct{}

	cancel context.CancelFunc
	done   chan struct{}
	ready  chan error
}

// Default bounds of a [Cache].
const (
	// DefaultMaxPrincipals is how many principals' grants a Cache holds
	// by default: the agents, supervisors and attendees of a few large
	// events at once. An entry costs about 100 bytes plus its grants
	// (usually one, of a few hundred bytes), so the grant cache stays
	// within tens of megabytes.
	DefaultMaxPrincipals = 100_000
	// DefaultMaxNumbers is how many number records a Cache holds by
	// default: more numbers than a deployment usually owns, so that in
	// practice only principals are evicted.
	DefaultMaxNumbers = 100_000
)

// CacheConfig bounds a [Cache]. The zero value takes the defaults.
type CacheConfig struct {
	// MaxPrincipals is the most principals whose grants the cache holds,
	// counting principals found to have none. Default (0):
	// DefaultMaxPrincipals. Must not be negative.
	MaxPrincipals int
	// MaxNumbers is the most number records the cache holds. Default
	// (0): DefaultMaxNumbers. Must not be negative.
	MaxNumbers int
}

// withDefaults returns cfg with its defaults applied, or an error naming
// every invalid field.
func (cfg CacheConfig) withDefaults() (CacheConfig, error) {
	var errs []error
	if cfg.MaxPrincipals < 0 {
		errs = append(errs, fmt.Errorf("MaxPrincipals: %d is negative", cfg.MaxPrincipals))
	} else if cfg.MaxPrincipals == 0 {
		cfg.MaxPrincipals = DefaultMaxPrincipals
	}
	if cfg.MaxNumbers < 0 {
		errs = append(errs, fmt.Errorf("MaxNumbers: %d is negative", cfg.MaxNumbers))
	} else if cfg.MaxNumbers == 0 {
		cfg.MaxNumbers = DefaultMaxNumbers
	}
	if len(errs) > 0 {
		return CacheConfig{}, fmt.Errorf("pgstore: invalid CacheConfig: %w", errors.Join(errs...))
	}
	return cfg, nil
}

// NewCache starts a cache over db: it returns once it is listening, or
// with the error that prevented it. log receives reconnections (the zero
// logr.Logger logs nothing). cfg is optional: none, or one [CacheConfig]
// bounding the cache (more than one is an error, as is an invalid one,
// naming every problem); without it the cache takes the defaults.
func (db *DB) NewCache(ctx context.Context, log logr.Logger, cfg ...CacheConfig) (*Cache, error) {
	var conf CacheConfig
	switch len(cfg) {
	case 0:
	case 1:
		conf = cfg[0]
	default:
		return nil, fmt.Errorf("pgstore: NewCache: %d CacheConfigs given, want at most one", len(cfg))
	}
	conf, err := conf.withDefaults()
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c := &Cache{
		db: db, log: log, cancel: cancel, done: make(chan struct{}), ready: make(chan error, 1),
		grants: newLRU[string, []access.Grant](conf.MaxPrincipals),
		routes: newLRU[numbermap.Number, numbermap.Record](conf.MaxNumbers),
		syncs:  make(map[string]chan struct{}),
	}
	conn, err := c.listen(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	go c.run(runCtx, conn)
	return c, nil
}

func (c *Cache) listen(ctx context.Context) (*pgxpool.Conn, error) {
	conn, err := listenOn(ctx, c.db.pool, GrantsChannel, NumbersChannel, syncChannel)
	if err != nil {
		return nil, fmt.Errorf("pgstore: cache: %w", err)
	}
	return conn, nil
}

// run receives notifications until ctx is done, re-making the connection
// (and flushing the cache, since notifications may have been lost) after
// an error.
func (c *Cache) run(ctx context.Context, conn *pgxpool.Conn) {
	defer close(c.done)
	listenLoop(ctx, conn, listenHooks{
		listen: c.listen,
		apply:  func(n *pgconn.Notification) { c.apply(n.Channel, n.Payload) },
		lost: func(err error) {
			c.log.Error(err, "cache lost its notification connection; flushing and reconnecting")
			c.flush()
		},
		back: c.flush, // what changed while nobody listened
	})
}

func (c *Cache) apply(channel, payload string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch channel {
	case GrantsChannel:
		c.epoch++
		if payload == "*" {
			c.grants.clear()
		} else {
			c.grants.remove(payload)
		}
	case NumbersChannel:
		c.epoch++
		c.routes.remove(numbermap.Number(payload))
	case syncChannel:
		if ch, ok := c.syncs[payload]; ok {
			close(ch)
			delete(c.syncs, payload)
		}
	}
}

func (c *Cache) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	c.grants.clear()
	c.routes.clear()
}

// Sync returns once every change committed before it was called has been
// applied to the cache: it sends a notification of its own and waits for
// it, and PostgreSQL delivers notifications in commit order. A done ctx
// returns ctx.Err().
func (c *Cache) Sync(ctx context.Context) error {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	token := hex.EncodeToString(b)
	ch := make(chan struct{})
	c.mu.Lock()
	c.syncs[token] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.syncs, token)
		c.mu.Unlock()
	}()
	if _, err := c.db.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, syncChannel, token); err != nil {
		return fmt.Errorf("pgstore: cache sync: %w", ctxErr(ctx, err))
	}
	select {
	case <-ch:
		return nil
	case <-c.done:
		return errors.New("pgstore: cache closed")
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops listening and waits for the listener to end. Idempotent.
func (c *Cache) Close() error {
	c.cancel()
	<-c.done
	return nil
}

// Len returns how many principals and numbers the cache holds: never more
// than its [CacheConfig] bounds.
func (c *Cache) Len() (principals, numbers int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.grants.len(), c.routes.len()
}

// Grants returns an [access.Store] over the DB's grants whose
// ListByPrincipal and Decide — what [access.Authorize] reads — are served
// from the cache. Writes go to the database and drop what they change from
// this cache at once (read your writes); other replicas drop it on the
// notification. It is also the DB's [access.TokenStore], uncached.
func (c *Cache) Grants() *CachedGrants { return &CachedGrants{Grants: c.db.Grants(), c: c} }

// Numbers returns a [numbermap.Store] and [numbermap.Router] over the
// DB's numbers whose Route is served from the cache.
func (c *Cache) Numbers() *CachedNumbers { return &CachedNumbers{Numbers: c.db.Numbers(), c: c} }

// CachedGrants is the access.Store of a [Cache], and its
// [access.Decider]. Its [access.TokenStore] methods are those of [Grants]:
// credentials are read from the database at every check, never cached.
// Safe for concurrent use.
type CachedGrants struct {
	*Grants
	c *Cache
}

var (
	_ access.Store      = (*CachedGrants)(nil)
	_ access.Decider    = (*CachedGrants)(nil)
	_ access.TokenStore = (*CachedGrants)(nil)
)

func cloneGrants(gs []access.Grant) []access.Grant {
	out := slices.Clone(gs)
	for i := range out {
		out[i].Privileges = slices.Clone(out[i].Privileges)
	}
	return out
}

// ListByPrincipal implements [access.Store] from the cache, filling it
// from the database on a miss.
func (g *CachedGrants) ListByPrincipal(ctx context.Context, principal string) ([]access.Grant, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	gs, err := g.cached(ctx, principal)
	if err != nil {
		return nil, err
	}
	return cloneGrants(gs), nil
}

// Decide implements [access.Decider] from the cache, filling it from the
// database on a miss: it considers the cached grants of principal on
// serviceID in place, copying none, so a check the cache answers allocates
// nothing. The cached grants' windows are compared with now at every
// check, so a grant denies from its NotAfter on whether or not a
// notification arrived. It returns ctx.Err() if ctx is done, and the
// database's error if a fill fails: the caller then denies.
func (g *CachedGrants) Decide(ctx context.Context, now time.Time, principal, serviceID string, p access.Privilege) (access.Decision, error) {
	if err := ctx.Err(); err != nil {
		return access.Decision{}, err
	}
	var d access.Decision
	if principal == "" || serviceID == "" { // Validate refuses such grants
		return d, nil
	}
	gs, err := g.cached(ctx, principal)
	if err != nil {
		return access.Decision{}, err
	}
	for i := range gs {
		gr := &gs[i]
		if gr.ServiceID != serviceID || gr.Principal != principal {
			continue
		}
		c := gr.Candidate(p)
		if d.Consider(now, &c) {
			break
		}
	}
	return d, nil
}

// cached returns principal's grants from the cache, reading them from the
// database and caching them on a miss. The slice returned is the cache's
// own: entries are replaced, never modified, so it may be read without the
// lock, but never written.
func (g *CachedGrants) cached(ctx context.Context, principal string) ([]access.Grant, error) {
	c := g.c
	c.mu.Lock()
	gs, ok := c.grants.get(principal)
	epoch := c.epoch
	c.mu.Unlock()
	if ok {
		return gs, nil
	}
	gs, err := g.Grants.ListByPrincipal(ctx, principal)
	if err != nil {
		return nil, err
	}
	// gs is ours (ListByPrincipal returns copies) and nobody else gets it
	// to write.
	c.mu.Lock()
	if c.epoch == epoch { // nothing invalidated while we read
		c.grants.put(principal, gs)
	}
	c.mu.Unlock()
	return gs, nil
}

func (g *CachedGrants) drop() {
	g.c.apply(GrantsChannel, "*")
}

// Create implements [access.Store].
func (g *CachedGrants) Create(ctx context.Context, gr access.Grant) (access.Grant, error) {
	defer g.drop()
	return g.Grants.Create(ctx, gr)
}

// Update implements [access.Store].
func (g *CachedGrants) Update(ctx context.Context, gr access.Grant) (access.Grant, error) {
	defer g.drop()
	return g.Grants.Update(ctx, gr)
}

// Revoke implements [access.Store].
func (g *CachedGrants) Revoke(ctx context.Context, id string, at time.Time) error {
	defer g.drop()
	return g.Grants.Revoke(ctx, id, at)
}

// RevokeService implements [access.Store].
func (g *CachedGrants) RevokeService(ctx context.Context, serviceID string, at time.Time) (int, error) {
	defer g.drop()
	return g.Grants.RevokeService(ctx, serviceID, at)
}

// CachedNumbers is the numbermap.Store of a [Cache]. Safe for concurrent
// use.
type CachedNumbers struct {
	*Numbers
	c *Cache
}

var (
	_ numbermap.Store  = (*CachedNumbers)(nil)
	_ numbermap.Router = (*CachedNumbers)(nil)
)

// Route implements [numbermap.Router] from the cache: the route is
// computed at now from the cached leases, so a term that ended routes per
// its policy whether or not a notification arrived.
func (n *CachedNumbers) Route(ctx context.Context, num numbermap.Number, now time.Time, dst *numbermap.Route) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := n.c
	c.mu.Lock()
	r, ok := c.routes.get(num)
	epoch := c.epoch
	c.mu.Unlock()
	if !ok {
		var err error
		if r, err = n.Numbers.Get(ctx, num); err != nil {
			return err
		}
		c.mu.Lock()
		if c.epoch == epoch {
			c.routes.put(num, r)
		}
		c.mu.Unlock()
	}
	dst.Set(num, r.Lease, r.Previous, now)
	return nil
}

func (n *CachedNumbers) dropAll() { n.c.flushRoutes() }

func (c *Cache) flushRoutes() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	c.routes.clear()
}

// Claim implements [numbermap.Store].
func (n *CachedNumbers) Claim(ctx context.Context, req numbermap.ClaimRequest) ([]numbermap.Record, error) {
	defer n.dropAll()
	return n.Numbers.Claim(ctx, req)
}

// SetExpiry implements [numbermap.Store].
func (n *CachedNumbers) SetExpiry(ctx context.Context, serviceID string, expires time.Time) (int, error) {
	defer n.dropAll()
	return n.Numbers.SetExpiry(ctx, serviceID, expires)
}

// Release implements [numbermap.Store].
func (n *CachedNumbers) Release(ctx context.Context, serviceID string, at time.Time) (int, error) {
	defer n.dropAll()
	return n.Numbers.Release(ctx, serviceID, at)
}
