package webhook

import (
	"container/heap"
	"sync"
	"time"
)

// replaySet remembers the signed deliveries received within the
// tolerance window, keyed by delivery ID, so that the very same signed
// request (same delivery ID, same timestamp) is refused when it comes
// again. A legitimate sender signs each attempt afresh, so its retries
// carry new timestamps and pass; they are then answered idempotently
// from the VersionStore.
//
// An entry expires at its timestamp plus the tolerance: from then on the
// request would be refused as stale anyway. Memory is bounded by max
// entries; when full of unexpired entries, claim refuses.
type replaySet struct {
	mu        sync.Mutex
	tolerance time.Duration
	max       int
	ids       map[string][]int64 // delivery ID → timestamps claimed
	n         int                // entries: the sum of len(ids[*])
	exp       expiryHeap
}

type replayEntry struct {
	at time.Time // expiry
	id string
	ts int64
}

type expiryHeap []replayEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(replayEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

func newReplaySet(tolerance time.Duration, max int) *replaySet {
	return &replaySet{tolerance: tolerance, max: max, ids: make(map[string][]int64)}
}

type claimResult int

const (
	claimed  claimResult = iota
	replayed             // the same ID and timestamp are held
	full                 // no room until entries expire
)

// claim records (id, signed at) as received at now, unless it is held
// already or the set is full.
func (s *replaySet) claim(id string, signed, now time.Time) claimResult {
	ts := signed.Unix()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(now)
	for _, t := range s.ids[id] {
		if t == ts {
			return replayed
		}
	}
	if s.n >= s.max {
		return full
	}
	s.ids[id] = append(s.ids[id], ts)
	s.n++
	heap.Push(&s.exp, replayEntry{at: signed.Add(s.tolerance), id: id, ts: ts})
	return claimed
}

// release forgets a claim, so that the same signed request may be tried
// again: used when the delivery failed for a reason the sender should
// retry. Its heap entry stays until it expires and then finds nothing.
func (s *replaySet) release(id string, signed time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remove(id, signed.Unix())
}

// expire drops the entries whose window ended at or before now.
func (s *replaySet) expire(now time.Time) {
	for len(s.exp) > 0 && !s.exp[0].at.After(now) {
		e := heap.Pop(&s.exp).(replayEntry)
		s.remove(e.id, e.ts)
	}
	if len(s.exp) > 2*s.max {
		// Released claims leave heap entries behind; rebuild from what
		// is held so the heap stays bounded too.
		kept := s.exp[:0]
		for _, e := range s.exp {
			for _, t := range s.ids[e.id] {
				if t == e.ts {
					kept = append(kept, e)
					break
				}
			}
		}
		s.exp = kept
		heap.Init(&s.exp)
	}
}

func (s *replaySet) remove(id string, ts int64) {
	held := s.ids[id]
	for i, t := range held {
		if t == ts {
			held = append(held[:i], held[i+1:]...)
			s.n--
			break
		}
	}
	if len(held) == 0 {
		delete(s.ids, id)
	} else {
		s.ids[id] = held
	}
}

// len returns how many entries are held.
func (s *replaySet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}
