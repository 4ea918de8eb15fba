// Package clocktest is a manually advanced clock for tests, simulations
// and examples. Pass its Now as contactcenter.Config.Now (and to the
// adapters that take a clock: channels, the webhook handler, the access
// Authority), and every time decision of the Lifecycle follows it: a whole
// event's life runs in milliseconds, and a test decides exactly when
// each instant comes.
//
//	clock := clocktest.New(time.Date(2027, 5, 3, 8, 0, 0, 0, time.UTC))
//	lc, err := contactcenter.New(contactcenter.Config{Now: clock.Now, …})
//	…
//	clock.Advance(time.Minute)
//	err = lc.Tick(ctx)
package clocktest

import (
	"sync"
	"time"
)

// Clock is a clock that moves only when told. Safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a clock reading start.
func New(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (never backward) and returns the
// new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
	}
	return c.now
}

// Set moves the clock to t if t is later than its time, and returns the
// clock's time.
func (c *Clock) Set(t time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
	return c.now
}
