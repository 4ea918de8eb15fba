package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/lifecycletest"
	"github.com/eventcc/eventcc/contactcenter/pgstore"
)

// createService stores a scheduled service of id, its term starting in
// a day.
func createService(t *testing.T, st *pgstore.Services, id string, now time.Time) contactcenter.Service {
	t.Helper()
	req := lifecycletest.Conference(id)
	s, err := st.Create(context.Background(), contactcenter.Service{ID: req.EventID, Request: req, State: contactcenter.Scheduled,
		Term: req.Term, Expires: req.Term.End, Created: now, Updated: now})
	require.NoError(t, err)
	return s
}

func holder(t *testing.T, st *pgstore.Services, id string, now time.Time) string {
	t.Helper()
	owner, err := st.Holder(context.Background(), id, now)
	require.NoError(t, err, "Holder(%q)", id)
	return owner
}

// Holder names the owner whose lease is valid at now, on the callers'
// clock under WithCallerClock: nobody before Acquire, the holder until
// its lease runs out or is released, nobody once the service is final.
func TestHolder_CallerClock(t *testing.T) {
	st := newDB(t).Services()
	ctx := context.Background()
	now := time.Date(2030, time.May, 1, 9, 0, 0, 0, time.UTC)
	const ttl = 30 * time.Second
	s := createService(t, st, "conf-holder", now)
	assert.Empty(t, holder(t, st, s.ID, now), "want nobody before any Acquire")
	assert.Empty(t, holder(t, st, "no-such-service", now), "want nobody for a service not stored")

	held, err := st.Acquire(ctx, "replica-a", now, ttl)
	require.NoError(t, err)
	require.Len(t, held, 1)
	assert.Equal(t, "replica-a", holder(t, st, s.ID, now), "want the owner that acquired the lease")
	assert.Equal(t, "replica-a", holder(t, st, s.ID, now.Add(ttl-time.Microsecond)), "want the owner until its lease runs out")
	assert.Empty(t, holder(t, st, s.ID, now.Add(ttl)), "want nobody once the lease has run out, as Acquire counts it")

	// Another owner takes over the expired lease.
	held, err = st.Acquire(ctx, "replica-b", now.Add(ttl), ttl)
	require.NoError(t, err)
	require.Len(t, held, 1)
	assert.Equal(t, "replica-b", holder(t, st, s.ID, now.Add(ttl)), "want the owner that took the lease over")

	require.NoError(t, st.Release(ctx, "replica-b", s.ID))
	assert.Empty(t, holder(t, st, s.ID, now.Add(ttl)), "want nobody once the lease is released")

	_, err = st.Acquire(ctx, "replica-a", now.Add(ttl), ttl)
	require.NoError(t, err)
	s, err = st.Get(ctx, s.ID)
	require.NoError(t, err)
	s.State = contactcenter.Cancelled
	_, err = st.Update(ctx, s)
	require.NoError(t, err)
	assert.Empty(t, holder(t, st, s.ID, now.Add(ttl)), "want nobody for a service in a final state")
}

// Without WithCallerClock, Holder measures leases on the server's clock,
// as Acquire does, whatever now the caller passes.
func TestHolder_ServerClock(t *testing.T) {
	st := newDBWith(t).Services()
	ctx := context.Background()
	now := time.Now()
	s := createService(t, st, "conf-holder", now)
	_, err := st.Acquire(ctx, "replica-a", now, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, "replica-a", holder(t, st, s.ID, now.Add(time.Hour)), "want the holder even to a caller whose clock is an hour ahead")
	assert.Equal(t, "replica-a", holder(t, st, s.ID, now.Add(-time.Hour)), "want the holder to a caller whose clock is an hour behind")

	// A lease of a microsecond has run out by the next statement.
	_, err = st.Acquire(ctx, "replica-a", now, time.Microsecond)
	require.NoError(t, err)
	assert.Empty(t, holder(t, st, s.ID, now.Add(-time.Hour)), "want nobody once the lease ran out on the server's clock, whatever the caller's")

	require.NoError(t, st.Release(ctx, "replica-a"))
	_, err = st.Acquire(ctx, "replica-b", now, time.Minute)
	require.NoError(t, err)
	require.NoError(t, st.Release(ctx, "replica-b"))
	assert.Empty(t, holder(t, st, s.ID, now), "want nobody once the lease is released")
}

// A done ctx makes Holder return its error.
func TestHolder_DoneCtx(t *testing.T) {
	st := newDB(t).Services()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := st.Holder(ctx, "conf-holder", time.Now())
	assert.ErrorIs(t, err, context.Canceled)
}
