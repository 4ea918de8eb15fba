// Package watch holds the callbacks of a Watch method by key (a
// service's ID): what the conversation channels (chat, messaging) call
// with each event of a service's conversations.
package watch

import "sync"

// Set is callbacks by key. The zero value is ready to use; a Set is
// safe for concurrent use.
type Set[E any] struct {
	mu   sync.Mutex
	next int
	fns  map[string]map[int]func(E)
}

// Add calls fn with every event Notify passes for key until the
// returned stop is called. stop is idempotent; once it returns, fn is
// not called by a Notify that starts afterwards.
func (s *Set[E]) Add(key string, fn func(E)) (stop func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fns == nil {
		s.fns = map[string]map[int]func(E){}
	}
	s.next++
	id := s.next
	if s.fns[key] == nil {
		s.fns[key] = map[int]func(E){}
	}
	s.fns[key][id] = fn
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			delete(s.fns[key], id)
			if len(s.fns[key]) == 0 {
				delete(s.fns, key)
			}
		})
	}
}

// Notify calls every callback of key with ev, on the caller's goroutine,
// outside the Set's lock (a callback may Add or stop).
func (s *Set[E]) Notify(key string, ev E) {
	s.mu.Lock()
	fns := make([]func(E), 0, len(s.fns[key]))
	for _, fn := range s.fns[key] {
		fns = append(fns, fn)
	}
	s.mu.Unlock()
	for _, fn := range fns {
		fn(ev)
	}
}
