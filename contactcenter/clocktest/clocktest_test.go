package clocktest_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/eventcc/eventcc/contactcenter/clocktest"
)

func TestClock_ConcurrentUse(t *testing.T) {
	start := time.Date(2027, 5, 3, 8, 0, 0, 0, time.UTC)
	c := clocktest.New(start)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Second)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, start.Add(800*time.Second), c.Now(), "want every advance counted once")
	assert.Equal(t, start.Add(time.Hour), c.Set(start.Add(time.Hour)), "want Set to a later instant to move the clock")
}
