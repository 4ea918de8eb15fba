package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/lifecycletest"
)

// Leases are measured on the database server's clock: a replica whose
// own clock runs an hour ahead cannot take over a lease another replica
// holds, and one whose clock is an hour behind still sees its lease end.
func TestAcquire_ServerClockIgnoresReplicaSkew(t *testing.T) {
	db := newDBWith(t) // the server's clock
	ctx := context.Background()
	st := db.Services()
	now := time.Now()
	req := lifecycletest.Conference("conf-skew")
	_, err := st.Create(ctx, contactcenter.Service{ID: req.EventID, Request: req, State: contactcenter.Scheduled,
		Term: req.Term, Expires: req.Term.End, Created: now, Updated: now})
	require.NoError(t, err)

	const ttl = 30 * time.Second
	held, err := st.Acquire(ctx, "behind", now.Add(-time.Hour), ttl)
	require.NoError(t, err)
	require.Len(t, held, 1, "want the first replica to hold the service")

	held, err = st.Acquire(ctx, "ahead", now.Add(time.Hour), ttl)
	require.NoError(t, err)
	assert.Empty(t, held, "want a replica whose clock is an hour ahead not to take over a lease valid on the server's clock")

	held, err = st.Acquire(ctx, "behind", now.Add(-time.Hour), ttl)
	require.NoError(t, err)
	assert.Len(t, held, 1, "want the holder to renew its lease")

	// With the callers' clocks, the skew alone hands the lease over: the
	// reason the server's clock is the default.
	sim := newDB(t)
	_, err = sim.Services().Create(ctx, contactcenter.Service{ID: req.EventID, Request: req, State: contactcenter.Scheduled,
		Term: req.Term, Expires: req.Term.End, Created: now, Updated: now})
	require.NoError(t, err)
	_, err = sim.Services().Acquire(ctx, "behind", now.Add(-time.Hour), ttl)
	require.NoError(t, err)
	held, err = sim.Services().Acquire(ctx, "ahead", now.Add(time.Hour), ttl)
	require.NoError(t, err)
	assert.Len(t, held, 1, "with WithCallerClock the skewed replica takes the lease")
}

func TestDue_ServerClock(t *testing.T) {
	db := newDBWith(t)
	ctx := context.Background()
	now := time.Now()
	req := lifecycletest.Conference("conf-due")
	_, err := db.Services().Create(ctx, contactcenter.Service{ID: req.EventID, Request: req, State: contactcenter.Active,
		Term: contactcenter.Term{Start: now.Add(-2 * time.Hour), End: now.Add(-time.Hour)}, Expires: now.Add(time.Hour), Created: now, Updated: now})
	require.NoError(t, err)
	due, err := db.Services().Due(ctx, now.Add(-24*time.Hour)) // a caller's clock a day behind
	require.NoError(t, err)
	assert.Equal(t, []string{req.EventID}, due, "want the term's end, passed on the server's clock, due")
}
