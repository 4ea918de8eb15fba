package webhook

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestReplaySet(t *testing.T) {
	at := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	s := newReplaySet(5*time.Minute, 3)
	assert.Equal(t, claimed, s.claim("d1", at, at), "a first delivery: want it claimed")
	assert.Equal(t, replayed, s.claim("d1", at, at.Add(time.Minute)), "the same ID and timestamp: want a replay")
	assert.Equal(t, claimed, s.claim("d1", at.Add(time.Second), at.Add(time.Minute)), "the same ID signed afresh: want it claimed")
	assert.Equal(t, claimed, s.claim("d2", at, at.Add(time.Minute)))
	assert.Equal(t, full, s.claim("d3", at, at.Add(time.Minute)), "beyond the capacity: want full")

	s.release("d2", at)
	assert.Equal(t, 2, s.len(), "a released claim is forgotten")
	assert.Equal(t, claimed, s.claim("d2", at, at.Add(time.Minute)), "a released claim may be claimed again")

	// At the end of the window, every entry signed at `at` expires.
	assert.Equal(t, claimed, s.claim("d3", at.Add(5*time.Minute), at.Add(5*time.Minute)))
	assert.Equal(t, 2, s.len(), "after the window: want only d1's second claim and d3 held")
	assert.Equal(t, claimed, s.claim("d1", at, at.Add(5*time.Minute)), "after the window the entry is gone (and Verify refuses it as stale)")
}

func TestReplaySet_MemoryBounded(t *testing.T) {
	at := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	s := newReplaySet(time.Minute, 100)
	for i := range 10_000 {
		now := at.Add(time.Duration(i) * time.Second)
		id := fmt.Sprint("d", i)
		if got := s.claim(id, now, now); got != claimed {
			t.Fatalf("claim %d: got %v; want claimed: entries older than the window must expire", i, got)
		}
		if i%3 == 0 {
			s.release(id, now) // released claims leave heap entries behind
		}
		if s.len() > 100 || len(s.exp) > 2*100+1 {
			t.Fatalf("after %d claims: %d entries, heap %d; want at most the capacity", i+1, s.len(), len(s.exp))
		}
	}
}
