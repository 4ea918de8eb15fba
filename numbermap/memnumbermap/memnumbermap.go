package memnumbermap

import (
	"context"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventcc/eventcc/numbermap"
)

var (
	_ numbermap.Store  = (*Store)(nil)
	_ numbermap.Router = (*Store)(nil)
)

// Store is an in-memory [numbermap.Store] and [numbermap.Router]. Its zero
// value is not usable; call [New]. It is safe for concurrent use: one
// mutex serialises every change, so each is atomic; Get and Route take no
// lock.
type Store struct {
	// tab is the index from number to record, read without a lock.
	tab atomic.Pointer[table]

	mu   sync.Mutex // serialises changes, and guards what follows
	size int        // numbers in the pool
	// classes holds the numbers of each combination of attributes, with
	// their availability queue; list holds them in creation order.
	classes map[classKey]*class
	list    []*class
	// holdings indexes the current leases of each service.
	holdings map[string]*holding
}

// New returns an empty Store.
func New() *Store {
	s := &Store{
		classes:  make(map[classKey]*class),
		holdings: make(map[string]*holding),
	}
	s.tab.Store(newTable(16))
	return s
}

// rec is the state of one number. A published rec is never changed: a
// change publishes a new one, so readers need no lock.
type rec struct {
	class       *class
	provider    string
	bind        *binding // nil: never leased, or released with no lease before
	availableAt time.Time
	revision    int64
}

// binding is what routing a number needs: its lease and the lease before.
// A binding is never changed, and is shared by the numbers one change
// gave the same leases to, so the routing of a whole claim reads a few
// objects that stay in the processor's caches. Each change makes new
// bindings: a binding never comes back to a number that has left it.
type binding struct {
	lease *numbermap.Lease // shared by every number of the claim; never changed
	prev  *numbermap.Lease
}

func (r *rec) lease() *numbermap.Lease {
	if r.bind == nil {
		return nil
	}
	return r.bind.lease
}

func (r *rec) prev() *numbermap.Lease {
	if r.bind == nil {
		return nil
	}
	return r.bind.prev
}

// availableFrom is [numbermap.Record.AvailableFrom] of r.
func (r *rec) availableFrom() time.Time {
	return numbermap.Record{Lease: r.lease(), AvailableAt: r.availableAt}.AvailableFrom()
}

// rebind returns the binding of lease and prev, shared through made with
// the other numbers of one change given the same; nil if both are nil.
func rebind(made map[binding]*binding, lease, prev *numbermap.Lease) *binding {
	if lease == nil && prev == nil {
		return nil
	}
	k := binding{lease, prev}
	b := made[k]
	if b == nil {
		b = &binding{lease, prev}
		made[k] = b
	}
	return b
}

// record returns a copy of r as the record of n, sharing nothing with r.
func (r *rec) record(n numbermap.Number) numbermap.Record {
	c := r.class
	out := numbermap.Record{
		Owned: numbermap.Owned{
			Number:       n,
			Country:      c.key.country,
			Region:       c.key.region,
			Type:         c.key.typ,
			Capabilities: c.key.caps,
			Provider:     r.provider,
		},
		AvailableAt: r.availableAt,
		Revision:    r.revision,
	}
	if l := r.lease(); l != nil {
		c := *l
		out.Lease = &c
	}
	if p := r.prev(); p != nil {
		c := *p
		out.Previous = &c
	}
	return out
}

// Keys. A number in E.164 form has at most 15 digits, the first not 0:
// its key is the digits read as an integer, padded on the right with
// zeros to 15 digits, shifted left by 4, with the digit count in the low
// 4 bits. Keys are never 0 and order as the numbers' strings do.

var pow10 = [...]uint64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// keyOf returns n's key, or false if n is not in the form of E.164: '+'
// and 6 to 15 digits, the first not 0. It does not check the country code
// as [numbermap.Number.Valid] does: Add does that, and a number with no
// such code is in no table. It is on the call path: numbers of 8 digits
// or more are read 8 digits at a time.
func keyOf(n numbermap.Number) (uint64, bool) {
	l := len(n)
	if l < 7 || l > 16 || n[0] != '+' || n[1] == '0' {
		return 0, false
	}
	d := string(n[1:])
	var v uint64
	if len(d) >= 8 {
		// The first 8 digits, then the last 8, which overlap them: the
		// two windows check every digit.
		hi, ok1 := eightDigits(d[:8])
		lo, ok2 := eightDigits(d[len(d)-8:])
		if !ok1 || !ok2 {
			return 0, false
		}
		tail := pow10[len(d)-8]
		v = hi*tail + lo%tail
	} else {
		for i := range len(d) {
			c := d[i] - '0'
			if c > 9 {
				return 0, false
			}
			v = v*10 + uint64(c)
		}
	}
	digits := uint64(len(d))
	return v*pow10[15-digits]<<4 | digits, true
}

// eightDigits returns the value of s, 8 ASCII digits, or false if s holds
// anything else.
func eightDigits(s string) (uint64, bool) {
	_ = s[7]
	c := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	// Every byte is 0x30..0x39: its high nibble is 3, before and after
	// adding 6 (which cannot carry once the first test holds).
	const hi, three, six = 0xf0f0f0f0f0f0f0f0, 0x3030303030303030, 0x0606060606060606
	if c&hi != three || (c+six)&hi != three {
		return 0, false
	}
	c = (c & 0x0f0f0f0f0f0f0f0f) * 2561 >> 8
	c = (c & 0x00ff00ff00ff00ff) * 6553601 >> 16
	c = (c & 0x0000ffff0000ffff) * 42949672960001 >> 32
	return c, true
}

// numberOf returns the number whose key is k.
func numberOf(k uint64) numbermap.Number {
	digits := k & 15
	return numbermap.Number("+" + strconv.FormatUint(k>>4/pow10[15-digits], 10))
}

// table is an open-addressing hash table from key to record, with linear
// probing. Only writers holding Store.mu insert; readers probe without a
// lock: a slot's record and binding are stored before its key, and keys
// are never removed. It is replaced by a larger copy before it is 3/4
// full.
type table struct {
	// slots holds each number's key and binding: all the call path reads,
	// 16 bytes, four to a cache line.
	slots []slot
	// recs[i] is the record of the number in slots[i]. A writer stores
	// the new binding, then the new record; Route reads the binding alone,
	// Get a record whose binding is the slot's (see Store.read).
	recs []atomic.Pointer[rec]
}

type slot struct {
	key  atomic.Uint64 // 0 while empty
	bind atomic.Pointer[binding]
}

func newTable(capacity int) *table {
	return &table{slots: make([]slot, capacity), recs: make([]atomic.Pointer[rec], capacity)}
}

// home returns the slot where the probe for k starts.
func (t *table) home(k uint64) uint64 {
	hi, _ := bits.Mul64(k*0x9e3779b97f4a7c15, uint64(len(t.slots)))
	return hi
}

// find returns k's slot index, or -1.
func (t *table) find(k uint64) int {
	n := uint64(len(t.slots))
	for i := t.home(k); ; {
		switch t.slots[i].key.Load() {
		case k:
			return int(i)
		case 0:
			return -1
		}
		if i++; i == n {
			i = 0
		}
	}
}

// insert puts k, absent, with r; the caller holds Store.mu and has made
// room.
func (t *table) insert(k uint64, r *rec) {
	n := uint64(len(t.slots))
	for i := t.home(k); ; {
		sl := &t.slots[i]
		if sl.key.Load() == 0 {
			t.recs[i].Store(r)
			sl.bind.Store(r.bind)
			sl.key.Store(k)
			return
		}
		if i++; i == n {
			i = 0
		}
	}
}

// lookup returns k's current record, or nil; s.mu is held.
func (s *Store) lookup(k uint64) *rec {
	t := s.tab.Load()
	if i := t.find(k); i >= 0 {
		return t.recs[i].Load()
	}
	return nil
}

// read returns k's current record, or nil, without a lock: a record that
// was the slot's while the slot's binding was the record's, so that Get
// never shows a change Route does not show yet. Records are never reused
// and no change gives a number back a binding it left, so seeing the same
// record twice around the binding proves that.
func (s *Store) read(k uint64) *rec {
	t := s.tab.Load()
	i := t.find(k)
	if i < 0 {
		return nil
	}
	for {
		r := t.recs[i].Load()
		b := t.slots[i].bind.Load()
		if r.bind == b && t.recs[i].Load() == r {
			return r
		}
	}
}

// publish replaces k's record; s.mu is held and k is in the table.
func (s *Store) publish(k uint64, r *rec) {
	t := s.tab.Load()
	i := t.find(k)
	t.slots[i].bind.Store(r.bind)
	t.recs[i].Store(r)
	r.class.queue.push(k, r.availableFrom())
	r.class.tidy(s)
}

// Add implements [numbermap.Store.Add].
func (s *Store) Add(ctx context.Context, numbers ...numbermap.Owned) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	keys := make([]uint64, len(numbers))
	seen := make(map[uint64]bool, len(numbers))
	for i, o := range numbers {
		k, ok := keyOf(o.Number)
		if !ok || !o.Number.Valid() {
			return fmt.Errorf("memnumbermap: add %q: not a valid E.164 number: %w", o.Number, numbermap.ErrInvalid)
		}
		if seen[k] {
			return fmt.Errorf("memnumbermap: add %s: given twice: %w", o.Number, numbermap.ErrExists)
		}
		seen[k] = true
		keys[i] = k
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tab.Load()
	for i, k := range keys {
		if t.find(k) >= 0 {
			return fmt.Errorf("memnumbermap: add %s: %w", numbers[i].Number, numbermap.ErrExists)
		}
	}
	if need := s.size + len(keys); need > len(t.slots)/4*3 {
		grown := newTable(max(2*len(t.slots), need/3*4+16))
		for i := range t.slots {
			if k := t.slots[i].key.Load(); k != 0 {
				grown.insert(k, t.recs[i].Load())
			}
		}
		s.tab.Store(grown)
		t = grown
	}
	for i, o := range numbers {
		r := &rec{class: s.classOf(o), provider: o.Provider, revision: 1}
		t.insert(keys[i], r)
		r.class.size++
		r.class.queue.push(keys[i], time.Time{})
	}
	s.size += len(keys)
	return nil
}

// Claim implements [numbermap.Store.Claim]. It takes time proportional to
// the numbers claimed (times the logarithm of the pool) and to the number
// of combinations of attributes in the pool, not to the pool.
func (s *Store) Claim(ctx context.Context, req numbermap.ClaimRequest) ([]numbermap.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	service := req.Lease.ServiceID
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.holdings[service]; h != nil {
		if h.live != req.Count {
			return nil, fmt.Errorf("memnumbermap: claim of %d numbers for %q, which already holds %d: %w",
				req.Count, service, h.live, numbermap.ErrConflict)
		}
		return s.listLocked(h), nil
	}

	var matching []*class
	total := 0
	for _, c := range s.list {
		if req.Matches(numbermap.Owned{Country: c.key.country, Region: c.key.region, Type: c.key.typ, Capabilities: c.key.caps}) {
			matching = append(matching, c)
			total += c.size
		}
	}
	// Take the best available numbers across the matching classes, as a
	// merge of their queues.
	type pick struct {
		c    *class
		item item
		rec  *rec
	}
	picks := make([]pick, 0, min(req.Count, total))
	taken := make(map[uint64]bool, min(req.Count, total))
	next := func() (*class, *rec) {
		var best *class
		var bestRec *rec
		for _, c := range matching {
			if r := c.top(s, taken); r != nil && (best == nil || c.queue.items[0].less(best.queue.items[0])) {
				best, bestRec = c, r
			}
		}
		return best, bestRec
	}
	for len(picks) < req.Count {
		c, r := next()
		if c == nil || c.queue.items[0].after(req.At) {
			break
		}
		it := c.queue.pop()
		taken[it.key] = true
		picks = append(picks, pick{c, it, r})
	}
	if len(picks) < req.Count {
		err := &numbermap.InsufficientError{Request: req, Available: len(picks), Held: total - len(picks)}
		if _, r := next(); r != nil {
			err.NextAvailable = r.availableFrom()
		}
		for _, p := range picks {
			p.c.queue.pushItem(p.item)
		}
		return nil, err
	}

	lease := new(numbermap.Lease)
	*lease = req.Lease
	h := &holding{lease: lease, keys: make([]uint64, 0, req.Count)}
	s.holdings[service] = h
	made := make(map[binding]*binding)
	for _, p := range picks {
		old := p.rec
		prev := old.prev()
		if l := old.lease(); l != nil {
			prev = l
		}
		nr := &rec{class: old.class, provider: old.provider, bind: rebind(made, lease, prev),
			availableAt: old.availableFrom(), revision: old.revision + 1}
		s.publish(p.item.key, nr)
		if l := old.lease(); l != nil {
			s.leave(l)
		}
		h.keys = append(h.keys, p.item.key)
		h.live++
	}
	return s.listLocked(h), nil
}

// Get implements [numbermap.Store.Get]. It takes no lock.
func (s *Store) Get(ctx context.Context, n numbermap.Number) (numbermap.Record, error) {
	if err := ctx.Err(); err != nil {
		return numbermap.Record{}, err
	}
	if k, ok := keyOf(n); ok {
		if r := s.read(k); r != nil {
			return r.record(n), nil
		}
	}
	return numbermap.Record{}, fmt.Errorf("memnumbermap: get %q: %w", n, numbermap.ErrNotFound)
}

// Route implements [numbermap.Router]: it reads the number's current
// leases without a lock and without copying them, and does not allocate
// unless it fails.
func (s *Store) Route(ctx context.Context, n numbermap.Number, now time.Time, dst *numbermap.Route) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if k, ok := keyOf(n); ok {
		t := s.tab.Load()
		if i := t.find(k); i >= 0 {
			if b := t.slots[i].bind.Load(); b != nil {
				dst.Set(n, b.lease, b.prev, now)
			} else {
				dst.Set(n, nil, nil, now)
			}
			return nil
		}
	}
	return fmt.Errorf("memnumbermap: route %q: %w", n, numbermap.ErrNotFound)
}

// ListByService implements [numbermap.Store.ListByService].
func (s *Store) ListByService(ctx context.Context, serviceID string) ([]numbermap.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.holdings[serviceID]
	if h == nil {
		return []numbermap.Record{}, nil
	}
	return s.listLocked(h), nil
}

// SetExpiry implements [numbermap.Store.SetExpiry].
func (s *Store) SetExpiry(ctx context.Context, serviceID string, expires time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.holdings[serviceID]
	switch {
	case h == nil:
		return 0, nil
	case expires.Before(h.lease.Start):
		return 0, fmt.Errorf("memnumbermap: set expiry of %q to %v: before its leases started (%v): %w",
			serviceID, expires, h.lease.Start, numbermap.ErrInvalid)
	case h.lease.Expires.Equal(expires):
		return h.live, nil
	}
	lease := new(numbermap.Lease)
	*lease = *h.lease
	lease.Expires = expires
	made := make(map[binding]*binding)
	for _, k := range s.liveKeys(h) {
		old := s.lookup(k)
		nr := *old
		nr.bind = rebind(made, lease, old.prev())
		nr.revision++
		s.publish(k, &nr)
	}
	h.lease = lease
	return h.live, nil
}

// Release implements [numbermap.Store.Release].
func (s *Store) Release(ctx context.Context, serviceID string, at time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.holdings[serviceID]
	if h == nil {
		return 0, nil
	}
	made := make(map[binding]*binding)
	for _, k := range s.liveKeys(h) {
		old := s.lookup(k)
		nr := *old
		nr.bind = rebind(made, nil, old.prev())
		if at.After(nr.availableAt) {
			nr.availableAt = at
		}
		nr.revision++
		s.publish(k, &nr)
	}
	delete(s.holdings, serviceID)
	return h.live, nil
}

// holding is the current leases of one service: the numbers whose record
// holds lease (the very pointer). A number leased to another service
// since stays in keys until they are tidied.
type holding struct {
	lease *numbermap.Lease
	keys  []uint64
	live  int // keys whose record holds lease
}

// liveKeys returns h's keys whose record holds h.lease, sorted, and drops
// the others from h; s.mu is held.
func (s *Store) liveKeys(h *holding) []uint64 {
	live := h.keys[:0]
	for _, k := range h.keys {
		if s.lookup(k).lease() == h.lease {
			live = append(live, k)
		}
	}
	clear(h.keys[len(live):])
	h.keys = live
	slices.Sort(h.keys)
	return h.keys
}

// listLocked returns copies of h's records sorted by number; s.mu is held.
func (s *Store) listLocked(h *holding) []numbermap.Record {
	keys := s.liveKeys(h)
	out := make([]numbermap.Record, len(keys))
	for i, k := range keys {
		out[i] = s.lookup(k).record(numberOf(k))
	}
	return out
}

// leave notes that a number of lease's service no longer holds it; s.mu
// is held.
func (s *Store) leave(lease *numbermap.Lease) {
	h := s.holdings[lease.ServiceID]
	if h == nil || h.lease != lease {
		return
	}
	h.live--
	switch {
	case h.live == 0:
		delete(s.holdings, lease.ServiceID)
	case len(h.keys) > 2*h.live+16:
		s.liveKeys(h)
	}
}
