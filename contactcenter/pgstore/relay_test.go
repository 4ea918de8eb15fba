package pgstore_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/pgstore"
	"github.com/eventcc/eventcc/contactcenter/relaytest"
)

// newRelay returns a relay over db, closed when the test ends.
func newRelay(t testing.TB, db *pgstore.DB) *pgstore.Relay {
	t.Helper()
	r, err := db.NewRelay(context.Background(), logr.Discard())
	require.NoError(t, err, "want a relay")
	t.Cleanup(func() { r.Close() })
	return r
}

func relayHarness() relaytest.Harness {
	return relaytest.Harness{
		New:      func(t testing.TB) contactcenter.Relay { return newRelay(t, newDB(t)) },
		TextOnly: true, // a notification's payload is text
	}
}

func TestRelay_Conformance(t *testing.T) {
	testURL(t)
	relaytest.Run(t, relayHarness())
}

func BenchmarkRelay(b *testing.B) {
	testURL(b)
	relaytest.Benchmark(b, relayHarness())
}

// received collects what a Listen hands over, for the tests below.
type received struct {
	ch      chan string
	repeats map[string]bool // sent again and again by sendUntil: copies may come late
}

func listen(t *testing.T, r *pgstore.Relay, ctx context.Context, owner string) (*received, <-chan error) {
	t.Helper()
	got := &received{ch: make(chan string, 64), repeats: map[string]bool{}}
	ret := make(chan error, 1)
	go func() { ret <- r.Listen(ctx, owner, func(msg []byte) { got.ch <- string(msg) }) }()
	return got, ret
}

// next returns the next message handed over other than a late copy of
// one sendUntil sent, failing after 20s.
func (r *received) next(t *testing.T) string {
	t.Helper()
	timer := time.NewTimer(20 * time.Second)
	defer timer.Stop()
	for {
		select {
		case m := <-r.ch:
			if !r.repeats[m] {
				return m
			}
		case <-timer.C:
			t.Fatal("no message within 20s")
			return ""
		}
	}
}

// sendUntil sends msg to owner every 20ms until the listener has it,
// failing after 20s: a listener in place (or back) gets it.
func sendUntil(t *testing.T, r *pgstore.Relay, got *received, owner, msg string) {
	t.Helper()
	got.repeats[msg] = true
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		require.NoError(t, r.Send(context.Background(), owner, []byte(msg)), "Send to %q", owner)
	wait:
		for {
			select {
			case m := <-got.ch:
				if m == msg {
					return
				}
				require.True(t, got.repeats[m], "got %q; want the message sent, or a late copy of one sent before", m)
			case <-tick.C:
				break wait
			}
		}
		require.True(t, time.Now().Before(deadline), "want %q to reach the listener for %q within 20s", msg, owner)
	}
}

// Deployments in schemas of their own, in one database, do not hear each
// other's relays: NOTIFY channels are per database.
func TestRelay_SchemasApart(t *testing.T) {
	r1, r2 := newRelay(t, newDB(t)), newRelay(t, newDB(t))
	require.NotEqual(t, r1.Channel(), r2.Channel(), "want a channel per schema")
	got, _ := listen(t, r1, t.Context(), "replica-a")
	sendUntil(t, r1, got, "replica-a", `{"ready":true}`)
	// Sent first, in commit order: the listener would have it before the
	// message sent next through its own relay.
	require.NoError(t, r2.Send(t.Context(), "replica-a", []byte(`{"from":"the other deployment"}`)))
	require.NoError(t, r1.Send(t.Context(), "replica-a", []byte(`{"from":"this deployment"}`)))
	assert.Equal(t, `{"from":"this deployment"}`, got.next(t), "want nothing from the relay of another schema")
}

// A relay refuses what PostgreSQL could not carry, or could not address,
// before it reaches the database.
func TestRelay_Refuses(t *testing.T) {
	r := newRelay(t, newDB(t))
	ctx := t.Context()
	for name, owner := range map[string]string{
		"empty":         "",
		"too long":      strings.Repeat("r", pgstore.MaxRelayOwner+1),
		"NUL":           "replica\x00a",
		"invalid UTF-8": "replica-\xff",
	} {
		assert.Error(t, r.Send(ctx, owner, []byte(`{}`)), "Send to an owner name %s: want an error", name)
		assert.Error(t, r.Listen(ctx, owner, func([]byte) {}), "Listen for an owner name %s: want an error at once", name)
	}
	longest := strings.Repeat("é", pgstore.MaxRelayOwner/2)
	got, _ := listen(t, r, ctx, longest)
	msg := strings.Repeat("€", contactcenter.MaxRelayMessage/3) + "x"
	require.Len(t, msg, contactcenter.MaxRelayMessage)
	sendUntil(t, r, got, longest, msg) // the largest payload: under PostgreSQL's 8000 bytes
}

// A second Listen for an owner already listened for through the relay
// is an error; the first goes on.
func TestRelay_OneListenPerOwner(t *testing.T) {
	r := newRelay(t, newDB(t))
	got, _ := listen(t, r, t.Context(), "replica-a")
	sendUntil(t, r, got, "replica-a", `{"n":1}`)
	err := r.Listen(t.Context(), "replica-a", func([]byte) {})
	assert.Error(t, err, "want a second Listen for the same owner refused")
	sendUntil(t, r, got, "replica-a", `{"n":2}`)
}

// The relay's connection, killed, is re-made, and the listeners get what
// is sent afterwards.
func TestRelay_Reconnects(t *testing.T) {
	db := newDB(t)
	r := newRelay(t, db)
	got, ret := listen(t, r, t.Context(), "replica-a")
	sendUntil(t, r, got, "replica-a", `{"n":"before"}`)
	var killed int
	err := db.Pool().QueryRow(t.Context(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE pid <> pg_backend_pid() AND query = $1`, `LISTEN "`+r.Channel()+`";`).Scan(&killed)
	require.NoError(t, err)
	require.Equal(t, 1, killed, "want the relay's listening connection found and killed")
	sendUntil(t, r, got, "replica-a", `{"n":"after"}`)
	select {
	case err := <-ret:
		t.Fatalf("Listen returned %v when the connection was lost; want it to go on", err)
	default:
	}
}

// Close ends the relay's goroutine, Listens return ErrRelayClosed, and
// so does everything after; Close is idempotent.
func TestRelay_Close(t *testing.T) {
	r := newRelay(t, newDB(t))
	got, ret := listen(t, r, context.Background(), "replica-a")
	sendUntil(t, r, got, "replica-a", `{"n":1}`)
	require.NoError(t, r.Close())
	select {
	case err := <-ret:
		assert.ErrorIs(t, err, pgstore.ErrRelayClosed, "Listen when the relay closes: want ErrRelayClosed")
	case <-time.After(20 * time.Second):
		t.Fatal("Listen did not return within 20s of Close")
	}
	assert.NoError(t, r.Close(), "want Close idempotent")
	assert.ErrorIs(t, r.Send(t.Context(), "replica-a", []byte(`{}`)), pgstore.ErrRelayClosed, "Send after Close")
	assert.ErrorIs(t, r.Listen(t.Context(), "replica-a", func([]byte) {}), pgstore.ErrRelayClosed, "Listen after Close")
	assertNoGoroutine(t, "pgstore.(*Relay)", "pgstore.listenLoop")
}

// A relay made with a ctx cancelled later keeps listening until Close:
// NewRelay's ctx bounds only the setting up.
func TestRelay_OutlivesNewRelayCtx(t *testing.T) {
	db := newDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	r, err := db.NewRelay(ctx, logr.Discard())
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	cancel()
	got, _ := listen(t, r, t.Context(), "replica-a")
	sendUntil(t, r, got, "replica-a", `{"n":1}`)

	_, err = db.NewRelay(ctx, logr.Discard())
	assert.ErrorIs(t, err, context.Canceled, "NewRelay with a done ctx: want ctx's error")
}

// assertNoGoroutine checks, within 5s, that no goroutine runs a function
// whose name contains one of names.
func assertNoGoroutine(t *testing.T, names ...string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		var found []string
		for g := range strings.SplitSeq(stacks, "\n\n") {
			for _, n := range names {
				if strings.Contains(g, n) {
					found = append(found, g)
					break
				}
			}
		}
		if len(found) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("want no goroutine left running %v; found:\n%s", names, strings.Join(found, "\n\n"))
		}
		runtime.Gosched()
	}
}
