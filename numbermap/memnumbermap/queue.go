package memnumbermap

import (
	"cmp"
	"slices"
	"time"

	"github.com/eventcc/eventcc/numbermap"
)

// classKey is a combination of the attributes claims select on.
type classKey struct {
	country, region string
	typ             numbermap.NumberType
	caps            numbermap.Capabilities
}

// class is the numbers of one classKey, with a queue of when each becomes
// available.
type class struct {
	key   classKey
	size  int // numbers in the class
	queue queue
}

// classOf returns the class of o, creating it if need be; s.mu is held.
func (s *Store) classOf(o numbermap.Owned) *class {
	k := classKey{o.Country, o.Region, o.Type, o.Capabilities}
	c := s.classes[k]
	if c == nil {
		c = &class{key: k}
		s.classes[k] = c
		s.list = append(s.list, c)
	}
	return c
}

// current reports whether it says when its number becomes available now
// and returns the number's record; s.mu is held.
func (s *Store) current(it item) (*rec, bool) {
	r := s.lookup(it.key)
	from := r.availableFrom()
	return r, from.Unix() == it.sec && int32(from.Nanosecond()) == it.nsec
}

// top drops the stale items at the head of c's queue, and those of numbers
// in taken, and returns the record of the head's number, or nil if the
// queue is empty; s.mu is held.
func (c *class) top(s *Store, taken map[uint64]bool) *rec {
	for len(c.queue.items) > 0 {
		it := c.queue.items[0]
		if r, ok := s.current(it); ok && !taken[it.key] {
			return r
		}
		c.queue.pop()
	}
	return nil
}

// tidy rebuilds c's queue without its stale items when they outnumber the
// current ones; s.mu is held.
func (c *class) tidy(s *Store) {
	q := &c.queue
	if len(q.items) <= 2*c.size+32 {
		return
	}
	kept := q.items[:0]
	for _, it := range q.items {
		if _, ok := s.current(it); ok {
			kept = append(kept, it)
		}
	}
	slices.SortFunc(kept, item.compare)
	kept = slices.Compact(kept) // a number may have been queued twice at the same instant
	clear(q.items[len(kept):])
	q.items = kept // sorted, so a heap
}

// item says that the number with key becomes available at the instant
// (sec, nsec), as time.Time.Unix and Nanosecond give it.
type item struct {
	sec  int64
	key  uint64
	nsec int32
}

func itemAt(k uint64, t time.Time) item {
	return item{sec: t.Unix(), nsec: int32(t.Nanosecond()), key: k}
}

// compare orders items by instant, then by number.
func (it item) compare(o item) int {
	if c := cmp.Compare(it.sec, o.sec); c != 0 {
		return c
	}
	if c := cmp.Compare(it.nsec, o.nsec); c != 0 {
		return c
	}
	return cmp.Compare(it.key, o.key)
}

func (it item) less(o item) bool { return it.compare(o) < 0 }

// after reports whether it's instant is after t.
func (it item) after(t time.Time) bool {
	sec := t.Unix()
	return it.sec > sec || it.sec == sec && it.nsec > int32(t.Nanosecond())
}

// queue is a binary min-heap of items, earliest first. Items go stale when
// their number's availability changes: a new item is pushed and the old
// one is dropped when it reaches the head (class.top) or when the queue
// is tidied (class.tidy).
type queue struct {
	items []item
}

func (q *queue) push(k uint64, at time.Time) { q.pushItem(itemAt(k, at)) }

func (q *queue) pushItem(it item) {
	q.items = append(q.items, it)
	h := q.items
	for i := len(h) - 1; i > 0; {
		parent := (i - 1) / 2
		if !h[i].less(h[parent]) {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
}

func (q *queue) pop() item {
	h := q.items
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l, least := 2*i+1, i
		if l < len(h) && h[l].less(h[least]) {
			least = l
		}
		if r := l + 1; r < len(h) && h[r].less(h[least]) {
			least = r
		}
		if least == i {
			break
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
	q.items = h
	return top
}
