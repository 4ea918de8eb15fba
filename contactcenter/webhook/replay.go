package webhook

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Errors of [ReplayStore.Claim], checked with errors.Is.
var (
	// ErrReplayed: the very same signed request (delivery ID and
	// timestamp) was claimed already, by this Handler or by any other
	// sharing the store, and not released. The Handler answers 409
	// replayed.
	ErrReplayed = errors.New("webhook: delivery received already")
	// ErrReplayFull: the store has no room for another claim until some
	// expire. The Handler answers 503 with Retry-After.
	ErrReplayFull = errors.New("webhook: replay window full")
)

// ReplayClaim is one signed delivery, as a [ReplayStore] remembers it.
type ReplayClaim struct {
	// ID is the delivery's ID.
	ID string
	// Signed is the instant the delivery was signed: its
	// [HeaderTimestamp], whole seconds.
	Signed time.Time
	// Until is the last instant at which the signature check accepts
	// the delivery, by the Handler's clock: Signed plus the tolerance.
	Until time.Time
}

// ReplayStore remembers the signed deliveries received within the
// tolerance window, keyed by delivery ID and signing instant, so that the
// very same signed request is refused when it comes again. Handlers on
// several replicas that share one durable ReplayStore refuse a request
// that any of them received. A legitimate sender signs each attempt
// afresh, so its retries carry new timestamps and pass; they are then
// answered idempotently from the [VersionStore].
//
// Implementations must be safe for concurrent use, also for one claim:
// of several concurrent Claims of one (ID, Signed), exactly one
// succeeds. A done ctx makes a method return ctx.Err(), possibly
// wrapped, with nothing changed. Any error other than those documented
// makes the Handler answer 503 without applying the delivery (it fails
// closed), so that the sender retries.
type ReplayStore interface {
	// Claim records c, received at now by the caller's clock. It returns
	// nil if (c.ID, c.Signed) is not held, an error wrapping
	// [ErrReplayed] if it is, or one wrapping [ErrReplayFull] if there is
	// no room for it. A claim is held at least while now is at or before
	// its Until, whatever claims come meanwhile; after that the store
	// may forget it, and must do so in time to stay bounded.
	Claim(ctx context.Context, c ReplayClaim, now time.Time) error
	// Release forgets the claim of (id, signed), so that the same signed
	// request may be tried again: the Handler releases a delivery that
	// failed for a reason the sender should retry. Releasing what is not
	// held is no error.
	Release(ctx context.Context, id string, signed time.Time) error
}

// MemReplays is an in-memory [ReplayStore], the Handler's default. It
// holds at most a fixed number of claims, each until the clock passed to
// Claim is after its Until; when full of unexpired claims, Claim returns
// [ErrReplayFull]. It is private to the process: a Handler on another
// replica, or after a restart, does not see its claims (share a durable
// store, such as
// [github.com/eventcc/eventcc/contactcenter/pgstore.DB.WebhookReplays],
// for that).
type MemReplays struct {
	mu  sync.Mutex
	max int
	ids map[string][]held // delivery ID → its claims
	n   int               // claims: the sum of len(ids[*])
	exp expiryHeap        // every claim's expiry, and released claims' until they expire
}

// held is one claim of a delivery ID.
type held struct {
	ts    int64 // the signing instant, Unix seconds
	until time.Time
}

var _ ReplayStore = (*MemReplays)(nil)

type replayEntry struct {
	until time.Time
	id    string
	ts    int64
}

type expiryHeap []replayEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].until.Before(h[j].until) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(replayEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// NewMemReplays returns an empty MemReplays holding at most capacity
// claims; zero or less means [DefaultReplayCapacity].
func NewMemReplays(capacity int) *MemReplays {
	if capacity <= 0 {
		capacity = DefaultReplayCapacity
	}
	return &MemReplays{max: capacity, ids: make(map[string][]held)}
}

// Claim implements [ReplayStore].
func (s *MemReplays) Claim(ctx context.Context, c ReplayClaim, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ts := c.Signed.Unix()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(now)
	for _, h := range s.ids[c.ID] {
		if h.ts == ts {
			return fmt.Errorf("%w: %s signed at %d", ErrReplayed, c.ID, ts)
		}
	}
	if s.n >= s.max {
		return fmt.Errorf("%w: %d claims held", ErrReplayFull, s.n)
	}
	s.ids[c.ID] = append(s.ids[c.ID], held{ts: ts, until: c.Until})
	s.n++
	heap.Push(&s.exp, replayEntry{until: c.Until, id: c.ID, ts: ts})
	return nil
}

// Release implements [ReplayStore]. The claim's heap entry stays until it
// expires and then finds nothing.
func (s *MemReplays) Release(ctx context.Context, id string, signed time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remove(id, func(h held) bool { return h.ts == signed.Unix() })
	return nil
}

// Len returns how many claims s holds.
func (s *MemReplays) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// expire drops the claims whose Until is before now: at Until itself the
// signature check still accepts the delivery, so its claim is kept.
func (s *MemReplays) expire(now time.Time) {
	for len(s.exp) > 0 && s.exp[0].until.Before(now) {
		e := heap.Pop(&s.exp).(replayEntry)
		// Only the claim this entry was pushed for: a released claim
		// claimed again has an entry of its own.
		s.remove(e.id, func(h held) bool { return h.ts == e.ts && h.until.Equal(e.until) })
	}
	if len(s.exp) > 2*s.max {
		// Released claims leave heap entries behind; rebuild from what
		// is held, one entry per claim, so the heap stays bounded too.
		type key struct {
			id string
			ts int64
		}
		seen := make(map[key]bool, s.n)
		kept := s.exp[:0]
		for _, e := range s.exp {
			k := key{e.id, e.ts}
			if seen[k] {
				continue
			}
			for _, h := range s.ids[e.id] {
				if h.ts == e.ts && h.until.Equal(e.until) {
					kept = append(kept, e)
					seen[k] = true
					break
				}
			}
		}
		s.exp = kept
		heap.Init(&s.exp)
	}
}

// remove forgets the first claim of id that match accepts.
func (s *MemReplays) remove(id string, match func(held) bool) {
	hs := s.ids[id]
	for i, h := range hs {
		if match(h) {
			hs = append(hs[:i], hs[i+1:]...)
			s.n--
			break
		}
	}
	if len(hs) == 0 {
		delete(s.ids, id)
	} else {
		s.ids[id] = hs
	}
}
