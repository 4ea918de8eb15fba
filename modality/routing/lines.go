package routing

import (
	"math/bits"

	"github.com/eventcc/eventcc/modality"
)

// A lane is one kind of one queue: where its engagements wait, in
// arrival order, and its offerable agents wait, in the order the queue's
// strategy chooses them. A lane never has both: an engagement that could
// be offered is.
type lane struct {
	q       *queue
	kind    modality.Kind
	k       int // kindIndex(kind)
	waiting engagements
	pool    pool
	stats   Stats
	slots   int // engagements its Available agents may hold at once
}

// queue is a Queue and its lanes.
type queue struct {
	Queue
	overflow *queue
	lanes    []*lane // one per kind it takes
}

func (q *queue) lane(k modality.Kind) *lane {
	for _, l := range q.lanes {
		if l.kind == k {
			return l
		}
	}
	return nil
}

// engagements is an intrusive list of waiting engagements, oldest first.
type engagements struct {
	head, tail *engagement
	n          int
}

// insert puts e in its place by age: after every engagement that arrived
// before it. New arrivals go to the back at once; a requeued one walks
// from the front, where its elders are.
func (l *engagements) insert(e *engagement) {
	if l.tail == nil || !e.older(l.tail) {
		l.linkAfter(l.tail, e)
		return
	}
	var prev *engagement
	for cur := l.head; cur != nil && cur.older(e); cur = cur.next {
		prev = cur
	}
	l.linkAfter(prev, e)
}

// linkAfter links e after prev (at the front when prev is nil).
func (l *engagements) linkAfter(prev, e *engagement) {
	e.prev = prev
	if prev == nil {
		e.next = l.head
		l.head = e
	} else {
		e.next = prev.next
		prev.next = e
	}
	if e.next == nil {
		l.tail = e
	} else {
		e.next.prev = e
	}
	l.n++
}

func (l *engagements) remove(e *engagement) {
	if e.prev == nil {
		l.head = e.next
	} else {
		e.prev.next = e.next
	}
	if e.next == nil {
		l.tail = e.prev
	} else {
		e.next.prev = e.prev
	}
	e.prev, e.next = nil, nil
	l.n--
}

// A seat is an agent's place in one lane's pool.
type seat struct {
	a     *agent
	lane  *lane
	k     int32 // the lane's kind index
	score int32 // the agent's levels in the queue's skills, summed
	in    bool  // in the lane's pool now

	// the pool's bookkeeping
	index      int32  // heap
	prev, next *seat  // fifo
	seq        uint64 // when it joined the pool, in order: ties go to the earliest
}

// pool holds a lane's offerable agents, in the order its strategy takes
// them.
type pool interface {
	add(s *seat)
	remove(s *seat)
	// pick returns the seat of the agent to offer the next engagement
	// to, nil when the pool is empty. It does not remove it.
	pick() *seat
	// chose tells the pool the router offered an engagement to s's
	// agent.
	chose(s *seat)
}

func newPool(s Strategy) pool {
	switch s {
	case RoundRobin:
		return &ring{}
	case LeastBusy:
		return &heap{less: func(a, b *seat) bool {
			if a.a.handled != b.a.handled {
				return a.a.handled < b.a.handled
			}
			return a.seq < b.seq
		}}
	case SkillsWeighted:
		return &heap{less: func(a, b *seat) bool {
			if a.score != b.score {
				return a.score > b.score
			}
			return a.seq < b.seq
		}}
	}
	return &fifo{}
}

// fifo is LongestIdle: the agent offerable the longest is at the front.
type fifo struct{ head, tail *seat }

func (f *fifo) add(s *seat) {
	s.prev, s.next = f.tail, nil
	if f.tail == nil {
		f.head = s
	} else {
		f.tail.next = s
	}
	f.tail = s
}

func (f *fifo) remove(s *seat) {
	if s.prev == nil {
		f.head = s.next
	} else {
		s.prev.next = s.next
	}
	if s.next == nil {
		f.tail = s.prev
	} else {
		s.next.prev = s.prev
	}
	s.prev, s.next = nil, nil
}

func (f *fifo) pick() *seat   { return f.head }
func (f *fifo) chose(s *seat) {}

// ring is RoundRobin: a bit per agent, by the order they joined, and the
// place after the agent last chosen.
type ring struct {
	bits   []uint64
	seats  []*seat // by agent number
	cursor int
	n      int
}

func (r *ring) add(s *seat) {
	i := s.a.num
	for len(r.bits)*64 <= i {
		r.bits = append(r.bits, 0)
	}
	for len(r.seats) <= i {
		r.seats = append(r.seats, nil)
	}
	r.bits[i/64] |= 1 << (i % 64)
	r.seats[i] = s
	r.n++
}

func (r *ring) remove(s *seat) {
	i := s.a.num
	r.bits[i/64] &^= 1 << (i % 64)
	r.n--
}

func (r *ring) pick() *seat {
	if r.n == 0 {
		return nil
	}
	if i := r.next(r.cursor, len(r.bits)*64); i >= 0 {
		return r.seats[i]
	}
	return r.seats[r.next(0, r.cursor)]
}

// next returns the first agent number in [from, to) with its bit set, or -1.
func (r *ring) next(from, to int) int {
	for w := from / 64; w*64 < to && w < len(r.bits); w++ {
		word := r.bits[w]
		if w == from/64 {
			word &^= 1<<(from%64) - 1
		}
		if word != 0 {
			if i := w*64 + bits.TrailingZeros64(word); i < to {
				return i
			}
			return -1
		}
	}
	return -1
}

func (r *ring) chose(s *seat) { r.cursor = s.a.num + 1 }

// heap is LeastBusy and SkillsWeighted: a binary heap of seats by less.
type heap struct {
	seats []*seat
	less  func(a, b *seat) bool
}

func (h *heap) add(s *seat) {
	s.index = int32(len(h.seats))
	h.seats = append(h.seats, s)
	h.up(int(s.index))
}

func (h *heap) remove(s *seat) {
	i, last := int(s.index), len(h.seats)-1
	if i != last {
		h.swap(i, last)
	}
	h.seats[last] = nil
	h.seats = h.seats[:last]
	if i != last {
		h.down(i)
		h.up(i)
	}
	s.index = -1
}

func (h *heap) pick() *seat {
	if len(h.seats) == 0 {
		return nil
	}
	return h.seats[0]
}

func (h *heap) chose(s *seat) {}

func (h *heap) swap(i, j int) {
	h.seats[i], h.seats[j] = h.seats[j], h.seats[i]
	h.seats[i].index = int32(i)
	h.seats[j].index = int32(j)
}

func (h *heap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(h.seats[i], h.seats[p]) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h *heap) down(i int) {
	n := len(h.seats)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h.less(h.seats[r], h.seats[l]) {
			m = r
		}
		if !h.less(h.seats[m], h.seats[i]) {
			return
		}
		h.swap(i, m)
		i = m
	}
}
