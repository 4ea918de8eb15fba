package watch_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eventcc/eventcc/internal/watch"
)

func TestSet(t *testing.T) {
	var s watch.Set[int]
	var a, b []int
	stopA := s.Add("svc", func(e int) { a = append(a, e) })
	s.Add("other", func(e int) { b = append(b, e) })
	s.Notify("svc", 1)
	stopA()
	stopA() // idempotent
	s.Notify("svc", 2)
	s.Notify("other", 3)
	s.Notify("nobody", 4)
	assert.Equal(t, []int{1}, a, "events of its key, until stopped")
	assert.Equal(t, []int{3}, b)

	// A callback may stop itself while being called.
	var stop func()
	n := 0
	stop = s.Add("svc", func(int) { n++; stop() })
	s.Notify("svc", 5)
	s.Notify("svc", 6)
	assert.Equal(t, 1, n)
}
