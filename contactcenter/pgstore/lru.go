package pgstore

// lru is a map of at most max entries that evicts the least recently used
// one (by get or put) to make room. Its entries form a ring through a
// sentinel: sentinel.next is the most recently used, sentinel.prev the
// least. get allocates nothing; put reuses the entry it evicts. It is not
// safe for concurrent use: the Cache's mutex guards it.
type lru[K comparable, V any] struct {
	max      int
	entries  map[K]*lruEntry[K, V]
	sentinel lruEntry[K, V]
}

type lruEntry[K comparable, V any] struct {
	key        K
	val        V
	prev, next *lruEntry[K, V]
}

// newLRU returns an empty lru of at most max (>= 1) entries.
func newLRU[K comparable, V any](max int) *lru[K, V] {
	l := &lru[K, V]{max: max, entries: make(map[K]*lruEntry[K, V])}
	l.sentinel.prev, l.sentinel.next = &l.sentinel, &l.sentinel
	return l
}

func (l *lru[K, V]) unlink(e *lruEntry[K, V]) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (l *lru[K, V]) pushFront(e *lruEntry[K, V]) {
	e.prev, e.next = &l.sentinel, l.sentinel.next
	e.prev.next, e.next.prev = e, e
}

// get returns key's value and marks it the most recently used.
func (l *lru[K, V]) get(key K) (V, bool) {
	e, ok := l.entries[key]
	if !ok {
		var zero V
		return zero, false
	}
	if l.sentinel.next != e {
		l.unlink(e)
		l.pushFront(e)
	}
	return e.val, true
}

// put stores val under key as the most recently used entry, evicting the
// least recently used one if the lru is full.
func (l *lru[K, V]) put(key K, val V) {
	if e, ok := l.entries[key]; ok {
		e.val = val
		l.unlink(e)
		l.pushFront(e)
		return
	}
	var e *lruEntry[K, V]
	if len(l.entries) >= l.max {
		e = l.sentinel.prev
		l.unlink(e)
		delete(l.entries, e.key)
	} else {
		e = new(lruEntry[K, V])
	}
	e.key, e.val = key, val
	l.entries[key] = e
	l.pushFront(e)
}

// remove deletes key's entry, if any.
func (l *lru[K, V]) remove(key K) {
	if e, ok := l.entries[key]; ok {
		l.unlink(e)
		delete(l.entries, key)
		*e = lruEntry[K, V]{} // release the value
	}
}

// clear deletes every entry.
func (l *lru[K, V]) clear() {
	clear(l.entries)
	l.sentinel.prev, l.sentinel.next = &l.sentinel, &l.sentinel
}

// len returns how many entries the lru holds.
func (l *lru[K, V]) len() int { return len(l.entries) }
