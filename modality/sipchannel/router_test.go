package sipchannel_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/sipchannel"
)

// fakeRouter is a modality.Router for the tests: it records what the
// channel enqueues and hangs up, refuses when told to, and delivers the
// decisions a test gives it to the engagement's notify. Like the
// lifecycle's router it tells Finished on the goroutine of the Hangup
// that caused it, and forgets an engagement once it has finished.
type fakeRouter struct {
	mu       sync.Mutex
	refuse   error // Enqueue's error, when set
	enqueued []enqueue
	hangups  []string
	notify   map[string]func(modality.Decision) // engagements not finished
	// within, when set, runs inside Enqueue once the engagement is
	// admitted: a router that decides at once.
	within func(r *fakeRouter, id string)
}

// enqueue is one call of Enqueue.
type enqueue struct {
	e     modality.Engagement
	queue string
}

var _ modality.Router = (*fakeRouter)(nil)

func newFakeRouter() *fakeRouter {
	return &fakeRouter{notify: map[string]func(modality.Decision){}}
}

func (r *fakeRouter) Enqueue(e modality.Engagement, queue string, notify func(modality.Decision)) (modality.Place, error) {
	r.mu.Lock()
	r.enqueued = append(r.enqueued, enqueue{e, queue})
	if r.refuse != nil {
		err := r.refuse
		r.mu.Unlock()
		return modality.Place{}, err
	}
	r.notify[e.ID] = notify
	n, within := len(r.notify), r.within
	r.mu.Unlock()
	if within != nil {
		within(r, e.ID)
	}
	return modality.Place{Position: n}, nil
}

func (r *fakeRouter) Hangup(id string) error {
	r.mu.Lock()
	r.hangups = append(r.hangups, id)
	r.mu.Unlock()
	r.deliver(id, modality.Decision{Kind: modality.Finished, Outcome: "abandoned"})
	return nil
}

// setRefuse makes Enqueue fail with err (nil: admit).
func (r *fakeRouter) setRefuse(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refuse = err
}

// setWithin makes Enqueue run f once it has admitted an engagement.
func (r *fakeRouter) setWithin(f func(r *fakeRouter, id string)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.within = f
}

// deliver tells engagement id's notify d, as the router deciding it; it
// reports whether the engagement was still the router's.
func (r *fakeRouter) deliver(id string, d modality.Decision) bool {
	r.mu.Lock()
	notify := r.notify[id]
	if d.Kind == modality.Finished {
		delete(r.notify, id)
	}
	r.mu.Unlock()
	if notify == nil {
		return false
	}
	d.Engagement = id
	notify(d)
	return true
}

func (r *fakeRouter) calls() (enqueued []enqueue, hangups []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]enqueue(nil), r.enqueued...), append([]string(nil), r.hangups...)
}

// routed runs a channel with cfg on which service "expo" is open with
// setup s and a fake router; it returns the channel, the router and the
// channel's UDP address. Make the test's phones first, so that the
// channel, shut down when the test ends, still reaches them.
func routed(t *testing.T, cfg sipchannel.Config, s modality.Setup) (*sipchannel.Channel, *fakeRouter, string) {
	t.Helper()
	r := newFakeRouter()
	s.Router = r
	cfg.Transports = []string{sipchannel.UDP}
	ch := startChannel(t, cfg)
	require.NoError(t, ch.Open(t.Context(), "expo", s))
	return ch, r, addrOf(t, ch, sipchannel.UDP)
}

// liveCall returns the only live call of "expo".
func liveCall(t *testing.T, ch *sipchannel.Channel) sipchannel.Call {
	t.Helper()
	calls, err := ch.Calls(t.Context(), "expo")
	require.NoError(t, err)
	require.Len(t, calls, 1, "one live call")
	return calls[0]
}

// TestRouterEnqueue: a routed call is handed to the router with its
// engagement and its entry point's queue, answered, and waits.
func TestRouterEnqueue(t *testing.T) {
	checkNoLeaks(t)
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	clk := newClock(t0)
	ph := newPhone(t, sipchannel.UDP) // before the channel: closed after it
	ch, r, addr := routed(t, sipchannel.Config{Now: clk.Now}, telephony(n))

	a, err := ph.call(ctx, addr, n.String())
	require.NoError(t, err)
	require.Equal(t, 200, a.res.StatusCode, "an admitted call is answered: got %s", a.status())
	enq, hangups := r.calls()
	require.Len(t, enq, 1, "the call is enqueued once")
	assert.Equal(t, modality.Engagement{ID: a.id, ServiceID: "expo", Kind: modality.Telephony, EntryPoint: "phone-1",
		From: enq[0].e.From, State: modality.Waiting, Arrived: t0}, enq[0].e, "the engagement: the call's ID, kind, entry point and arrival")
	assert.Contains(t, enq[0].e.From, "phone@", "the caller's address")
	assert.Equal(t, "general", enq[0].queue, "the entry point's queue")
	assert.Empty(t, hangups, "nothing hung up yet")

	c := liveCall(t, ch)
	assert.Equal(t, a.id, c.ID)
	assert.Equal(t, modality.Waiting, c.State, "the call waits for the router")
	assert.Equal(t, "general", c.Queue)
	assert.Equal(t, modality.Counts{Kind: modality.Telephony, Waiting: 1, Arrivals: 1}, counts(t, ch, "expo"))

	t.Run("no receptionist: the first queue", func(t *testing.T) {
		m := num(t, "+1 555 000 1002")
		s := telephony(m)
		s.Queues = []string{"first", "second"}
		s.EntryPoints[0].Queue = ""
		ph := newPhone(t, sipchannel.UDP)
		_, r, addr := routed(t, sipchannel.Config{}, s)
		a, err := ph.call(ctx, addr, m.String())
		require.NoError(t, err)
		require.Equal(t, 200, a.res.StatusCode, "got %s", a.status())
		enq, _ := r.calls()
		require.Len(t, enq, 1)
		assert.Equal(t, "first", enq[0].queue, "an entry point without a queue, and no receptionist: the setup's first queue")
	})
}

// TestRouterRefuses: a call the router turns away is refused on the
// wire and never counted.
func TestRouterRefuses(t *testing.T) {
	checkNoLeaks(t)
	n := num(t, "+1 555 000 1001")
	for _, tc := range []struct {
		name    string
		cfg     sipchannel.Config
		err     error
		status  int
		retry   string // "": no Retry-After wanted
		message string
	}{
		{"busy", sipchannel.Config{}, &modality.BusyError{Queue: "general", RetryAfter: 2500 * time.Millisecond, Reason: "12 waiting"},
			486, "3", "a full queue: 486 with the router's Retry-After, rounded up"},
		{"busy, retry under a second", sipchannel.Config{}, &modality.BusyError{Queue: "general", RetryAfter: time.Millisecond},
			486, "1", "Retry-After is at least 1"},
		{"busy, wrapped, BusyStatus 503", sipchannel.Config{BusyStatus: 503},
			fmt.Errorf("line: %w", &modality.BusyError{Queue: "general", RetryAfter: 7 * time.Second}),
			503, "7", "the configured busy status, with the router's Retry-After"},
		{"other error", sipchannel.Config{RetryAfter: 42 * time.Second}, errors.New("no such queue"),
			503, "42", "any other refusal: 503"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ph := newPhone(t, sipchannel.UDP)
			ch, r, addr := routed(t, tc.cfg, telephony(n))
			r.setRefuse(tc.err)
			a, err := ph.call(t.Context(), addr, n.String())
			require.NoError(t, err)
			assert.Equal(t, tc.status, a.res.StatusCode, "%s: got %s", tc.message, a.status())
			if h := a.res.GetHeader("Retry-After"); assert.NotNil(t, h, "%s: want Retry-After", tc.message) {
				assert.Equal(t, tc.retry, h.Value(), tc.message)
			}
			assert.Equal(t, modality.Counts{Kind: modality.Telephony}, counts(t, ch, "expo"), "a refused call is not counted, not even as an arrival")
			calls, err := ch.Calls(t.Context(), "expo")
			require.NoError(t, err)
			assert.Empty(t, calls, "a refused call is not live")
			enq, hangups := r.calls()
			assert.Len(t, enq, 1, "the router was asked once")
			assert.Empty(t, hangups, "a call the router refused is not hung up on it")

			r.setRefuse(nil)
			a, err = ph.call(t.Context(), addr, n.String())
			require.NoError(t, err)
			assert.Equal(t, 200, a.res.StatusCode, "admitted once the router takes calls again")
			assert.Equal(t, int64(1), counts(t, ch, "expo").Arrivals)
		})
	}
}

// TestRouterDecisions: Connected makes the call active, Requeued waiting
// again, and Finished makes the channel hang it up (a BYE), counted
// completed when an agent had it, without telling the router back.
func TestRouterDecisions(t *testing.T) {
	checkNoLeaks(t)
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	clk := newClock(t0)
	ph := newPhone(t, sipchannel.UDP)
	ch, r, addr := routed(t, sipchannel.Config{Now: clk.Now}, telephony(n))
	a, err := ph.call(ctx, addr, n.String())
	require.NoError(t, err)
	require.Equal(t, 200, a.res.StatusCode)

	require.True(t, r.deliver(a.id, modality.Decision{Kind: modality.Connected, Queue: "general", Agent: "ada", At: t0.Add(time.Minute)}))
	c := liveCall(t, ch)
	assert.Equal(t, modality.Active, c.State, "Connected: the call is with an agent")
	assert.Equal(t, t0.Add(time.Minute), c.Answered, "answered at the decision's time")
	assert.Equal(t, modality.Counts{Kind: modality.Telephony, Active: 1, Arrivals: 1}, counts(t, ch, "expo"))

	require.True(t, r.deliver(a.id, modality.Decision{Kind: modality.Requeued, Queue: "vip", At: t0.Add(2 * time.Minute)}))
	c = liveCall(t, ch)
	assert.Equal(t, modality.Waiting, c.State, "Requeued: waiting again")
	assert.Zero(t, c.Answered, "no agent has it")
	assert.Equal(t, "vip", c.Queue, "in the queue the router says")
	assert.Equal(t, modality.Counts{Kind: modality.Telephony, Waiting: 1, Arrivals: 1}, counts(t, ch, "expo"))

	require.True(t, r.deliver(a.id, modality.Decision{Kind: modality.Connected, Queue: "vip", Agent: "bo", At: t0.Add(3 * time.Minute)}))
	clk.Set(t0.Add(8 * time.Minute))
	require.True(t, r.deliver(a.id, modality.Decision{Kind: modality.Finished, Outcome: "answered", At: t0.Add(8 * time.Minute)}))
	require.Eventually(t, func() bool { return ph.byes.Load() == 1 }, 10*time.Second, 5*time.Millisecond,
		"Finished: the channel sends the caller a BYE")
	require.Eventually(t, func() bool { return counts(t, ch, "expo").Live() == 0 }, 10*time.Second, 5*time.Millisecond,
		"the call ends")
	assert.Equal(t, modality.Counts{Kind: modality.Telephony, Arrivals: 1, Completed: 1, HandleTime: 5 * time.Minute}, counts(t, ch, "expo"),
		"completed, handled from the second Connected to the hang-up")
	_, hangups := r.calls()
	assert.Empty(t, hangups, "the router ended the call: it is not told back")

	t.Run("finished waiting", func(t *testing.T) {
		b, err := ph.call(ctx, addr, n.String())
		require.NoError(t, err)
		require.True(t, r.deliver(b.id, modality.Decision{Kind: modality.Finished, Outcome: "expired"}))
		require.Eventually(t, func() bool { return counts(t, ch, "expo").Live() == 0 }, 10*time.Second, 5*time.Millisecond, "the call ends")
		assert.Equal(t, int64(2), ph.byes.Load(), "the caller got a BYE")
		assert.Equal(t, int64(1), counts(t, ch, "expo").Abandoned, "ended while waiting: abandoned")
	})
}

// TestRouterDecidesWithinEnqueue: a router may decide before Enqueue
// returns, on the channel's goroutine.
func TestRouterDecidesWithinEnqueue(t *testing.T) {
	checkNoLeaks(t)
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	ph := newPhone(t, sipchannel.UDP)
	ch, r, addr := routed(t, sipchannel.Config{}, telephony(n))

	r.setWithin(func(r *fakeRouter, id string) {
		r.deliver(id, modality.Decision{Kind: modality.Connected, Agent: "ada", At: t0})
	})
	a, err := ph.call(ctx, addr, n.String())
	require.NoError(t, err)
	require.Equal(t, 200, a.res.StatusCode)
	assert.Equal(t, modality.Active, liveCall(t, ch).State, "connected at once")
	assert.Equal(t, modality.Counts{Kind: modality.Telephony, Active: 1, Arrivals: 1}, counts(t, ch, "expo"))
	require.NoError(t, a.sess.Bye(ctx))

	r.setWithin(func(r *fakeRouter, id string) {
		r.deliver(id, modality.Decision{Kind: modality.Finished, Outcome: "expired"})
	})
	b, err := ph.call(ctx, addr, n.String())
	require.NoError(t, err)
	require.Equal(t, 200, b.res.StatusCode, "admitted, then finished: answered and hung up")
	require.Eventually(t, func() bool { return counts(t, ch, "expo").Live() == 0 }, 10*time.Second, 5*time.Millisecond, "the call ends")
	assert.Equal(t, int64(1), ph.byes.Load(), "the finished call got a BYE")
	assert.Equal(t, modality.Counts{Kind: modality.Telephony, Arrivals: 2, Completed: 1, Abandoned: 1}, counts(t, ch, "expo"))
}

// TestRouterCallerLeaves: the caller's BYE, or CANCEL while ringing,
// ends the call and tells the router, once.
func TestRouterCallerLeaves(t *testing.T) {
	checkNoLeaks(t)
	n := num(t, "+1 555 000 1001")

	t.Run("BYE", func(t *testing.T) {
		ctx := t.Context()
		ph := newPhone(t, sipchannel.UDP)
		ch, r, addr := routed(t, sipchannel.Config{}, telephony(n))
		a, err := ph.call(ctx, addr, n.String())
		require.NoError(t, err)
		require.NoError(t, a.sess.Bye(ctx), "the caller hangs up")
		_, hangups := r.calls()
		assert.Equal(t, []string{a.id}, hangups, "the router is told, exactly once")
		assert.Equal(t, modality.Counts{Kind: modality.Telephony, Arrivals: 1, Abandoned: 1}, counts(t, ch, "expo"))
		assert.False(t, r.deliver(a.id, modality.Decision{Kind: modality.Finished}), "the router finished it on Hangup")
	})

	t.Run("CANCEL", func(t *testing.T) {
		ph := newPhone(t, sipchannel.UDP)
		ch, r, addr := routed(t, sipchannel.Config{RingTime: time.Hour}, telephony(n))
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			_, err := ph.call(ctx, addr, n.String())
			done <- err
		}()
		require.Eventually(t, func() bool { return counts(t, ch, "expo").Waiting == 1 }, 10*time.Second, 5*time.Millisecond, "the call rings")
		enq, _ := r.calls()
		require.Len(t, enq, 1, "enqueued before it rings")
		cancel() // sends CANCEL
		<-done
		require.Eventually(t, func() bool { return counts(t, ch, "expo").Live() == 0 }, 10*time.Second, 5*time.Millisecond, "the call ends")
		_, hangups := r.calls()
		assert.Equal(t, []string{enq[0].e.ID}, hangups, "the router is told, exactly once")
	})
}

// TestRouterHostHangsUp: Channel.Hangup and Disconnect hang up routed
// calls and tell the router of each.
func TestRouterHostHangsUp(t *testing.T) {
	checkNoLeaks(t)
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	ph := newPhone(t, sipchannel.UDP)
	ch, r, addr := routed(t, sipchannel.Config{}, telephony(n))
	var ids []string
	for range 4 {
		a, err := ph.call(ctx, addr, n.String())
		require.NoError(t, err)
		require.Equal(t, 200, a.res.StatusCode)
		ids = append(ids, a.id)
	}
	require.True(t, r.deliver(ids[1], modality.Decision{Kind: modality.Connected, Agent: "ada", At: t0}))

	require.NoError(t, ch.Hangup(ctx, ids[0]))
	_, hangups := r.calls()
	assert.Equal(t, []string{ids[0]}, hangups, "Hangup tells the router")

	require.NoError(t, ch.StopIntake(ctx, "expo"))
	got, err := ch.Disconnect(ctx, "expo")
	require.NoError(t, err)
	assert.Equal(t, 3, got, "Disconnect ends the other calls")
	assert.Equal(t, int64(4), ph.byes.Load(), "each caller got a BYE")
	_, hangups = r.calls()
	assert.ElementsMatch(t, ids, hangups, "the router is told of every call, once")
	assert.Equal(t, modality.Counts{Kind: modality.Telephony, Arrivals: 4, Completed: 1, Abandoned: 3}, counts(t, ch, "expo"))
}

// TestRouterReceptionist: a call with the receptionist is enqueued when
// the caller picks an option handing off to a queue; one the router
// turns away then is hung up.
func TestRouterReceptionist(t *testing.T) {
	checkNoLeaks(t)
	n := num(t, "+1 555 000 1001")
	setup := modality.Setup{
		EntryPoints: []modality.EntryPoint{{Name: "desk", Kind: modality.Telephony, Address: n.String()}},
		Queues:      []string{"general", "lost-found"},
		Receptionist: &modality.Receptionist{Greeting: "Welcome.", ClosedMessage: "Closed.", Options: []modality.Option{
			{Key: "1", Label: "Opening hours", Answer: "Nine to five."},
			{Key: "2", Label: "Lost and found", Queue: "lost-found"},
		}},
	}
	press := func(t *testing.T, a answer, key string) {
		t.Helper()
		req := sip.NewRequest(sip.INFO, a.sess.InviteResponse.Contact().Address)
		req.SetBody([]byte("Signal=" + key + "\r\nDuration=160\r\n"))
		req.AppendHeader(sip.NewHeader("Content-Type", "application/dtmf-relay"))
		res, err := a.sess.Do(t.Context(), req)
		require.NoError(t, err, "INFO %s", key)
		require.Equal(t, 200, res.StatusCode, "INFO %s", key)
	}

	t.Run("hand-off", func(t *testing.T) {
		ph := newPhone(t, sipchannel.UDP)
		ch, r, addr := routed(t, sipchannel.Config{}, setup)
		a, err := ph.call(t.Context(), addr, n.String())
		require.NoError(t, err)
		require.Equal(t, 200, a.res.StatusCode)
		enq, _ := r.calls()
		assert.Empty(t, enq, "with the receptionist, the call is not the router's yet")
		assert.Equal(t, modality.Counts{Kind: modality.Telephony, Waiting: 1, Arrivals: 1}, counts(t, ch, "expo"), "but it arrived")

		press(t, a, "1")
		enq, _ = r.calls()
		assert.Empty(t, enq, "an answer keeps the caller with the receptionist")
		press(t, a, "2")
		enq, _ = r.calls()
		require.Len(t, enq, 1, "key 2 hands the call off")
		assert.Equal(t, "lost-found", enq[0].queue, "to the option's queue")
		assert.Equal(t, a.id, enq[0].e.ID)
		assert.Equal(t, "desk", enq[0].e.EntryPoint)
		assert.Equal(t, "lost-found", liveCall(t, ch).Queue)
		press(t, a, "2")
		enq, _ = r.calls()
		assert.Len(t, enq, 1, "handed off once")
		assert.Equal(t, modality.Counts{Kind: modality.Telephony, Waiting: 1, Arrivals: 1}, counts(t, ch, "expo"), "one arrival")
	})

	t.Run("refused at the hand-off", func(t *testing.T) {
		ph := newPhone(t, sipchannel.UDP)
		ch, r, addr := routed(t, sipchannel.Config{}, setup)
		a, err := ph.call(t.Context(), addr, n.String())
		require.NoError(t, err)
		require.Equal(t, 200, a.res.StatusCode)
		r.setRefuse(&modality.BusyError{Queue: "lost-found", RetryAfter: time.Minute})
		press(t, a, "2")
		require.Eventually(t, func() bool { return ph.byes.Load() == 1 }, 10*time.Second, 5*time.Millisecond,
			"the router turned the answered call away: the channel hangs it up")
		require.Eventually(t, func() bool { return counts(t, ch, "expo").Live() == 0 }, 10*time.Second, 5*time.Millisecond, "the call ends")
		assert.Equal(t, modality.Counts{Kind: modality.Telephony, Arrivals: 1, Abandoned: 1}, counts(t, ch, "expo"))
		_, hangups := r.calls()
		assert.Empty(t, hangups, "a call the router refused is not hung up on it")
	})
}

// TestRouterAnswerRefused: with a router, agents take calls through it,
// not through Channel.Answer.
func TestRouterAnswerRefused(t *testing.T) {
	checkNoLeaks(t)
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	ph := newPhone(t, sipchannel.UDP)
	ch, _, addr := routed(t, sipchannel.Config{}, telephony(n))
	a, err := ph.call(ctx, addr, n.String())
	require.NoError(t, err)
	err = ch.Answer(ctx, a.id)
	assert.ErrorIs(t, err, sipchannel.ErrRouted, "the router decides who answers")
	assert.ErrorIs(t, err, modality.ErrUnsupported, "ErrRouted is ErrUnsupported")
	assert.Equal(t, modality.Waiting, liveCall(t, ch).State, "the call still waits")
	assert.ErrorIs(t, ch.Answer(ctx, "no-such-call"), modality.ErrNotFound, "an unknown call is still not found")
}

// TestRouterRinging: Finished while the call rings refuses it with 480.
func TestRouterRinging(t *testing.T) {
	checkNoLeaks(t)
	n := num(t, "+1 555 000 1001")
	ph := newPhone(t, sipchannel.UDP)
	ch, r, addr := routed(t, sipchannel.Config{RingTime: time.Hour}, telephony(n))
	res := make(chan answer, 1)
	go func() {
		a, err := ph.call(t.Context(), addr, n.String())
		assert.NoError(t, err)
		res <- a
	}()
	require.Eventually(t, func() bool { return counts(t, ch, "expo").Waiting == 1 }, 10*time.Second, 5*time.Millisecond, "the call rings")
	enq, _ := r.calls()
	require.Len(t, enq, 1)
	require.True(t, r.deliver(enq[0].e.ID, modality.Decision{Kind: modality.Finished, Outcome: "expired"}))
	a := <-res
	assert.Equal(t, 480, a.res.StatusCode, "finished while ringing: 480, got %s", a.status())
	require.Eventually(t, func() bool { return counts(t, ch, "expo").Live() == 0 }, 10*time.Second, 5*time.Millisecond, "the call ends")
	assert.Equal(t, int64(1), counts(t, ch, "expo").Abandoned)
	_, hangups := r.calls()
	assert.Empty(t, hangups, "the router ended it: not told back")
}

// TestRouterShutdown: Shutdown hangs up routed calls and tells the router.
func TestRouterShutdown(t *testing.T) {
	checkNoLeaks(t)
	ctx := t.Context()
	n := num(t, "+1 555 000 1001")
	ph := newPhone(t, sipchannel.UDP)
	ch, r, addr := routed(t, sipchannel.Config{}, telephony(n))
	for range 3 {
		a, err := ph.call(ctx, addr, n.String())
		require.NoError(t, err)
		require.Equal(t, 200, a.res.StatusCode)
	}
	require.NoError(t, ch.Shutdown(ctx))
	assert.Equal(t, int64(3), ph.byes.Load(), "every call got a BYE")
	_, hangups := r.calls()
	assert.Len(t, hangups, 3, "the router is told of every call")
}

// TestSIPpRouted runs a routed service against SIPp: admitted calls wait
// for the router, which connects and then finishes each, and the
// channel's BYE, which SIPp answers, ends it; once the router finds the
// queue full, calls get 486 with its Retry-After rounded up.
func TestSIPpRouted(t *testing.T) {
	sippPath(t)
	for _, tr := range []string{sipchannel.UDP, sipchannel.TCP} {
		t.Run(tr, func(t *testing.T) {
			checkNoLeaks(t)
			ctx := t.Context()
			n := num(t, "+1 555 000 1001")
			r := newFakeRouter()
			s := telephony(n)
			s.Router = r
			ch := startChannel(t, sipchannel.Config{Transports: []string{tr}})
			require.NoError(t, ch.Open(ctx, "expo", s))
			addr := addrOf(t, ch, tr)

			waitBye, err := filepath.Abs("testdata/sipp/uac_wait_bye.xml")
			require.NoError(t, err)
			const calls = 20
			sipp := prepareSIPp(t, addr, tr, "-sf", waitBye, "-s", n.String(),
				"-r", "100", "-m", strconv.Itoa(calls), "-l", strconv.Itoa(calls))
			type outcome struct {
				r   sippResult
				err error
			}
			// SIPp runs in its own goroutine, which fails no test; the
			// test's end cancels ctx, which kills a SIPp still running.
			done := make(chan outcome, 1)
			go func() {
				r, err := sipp.run(ctx)
				done <- outcome{r, err}
			}()
			// Poll (a bounded wait on another process) until every call
			// waits for the router; SIPp exiting first has failed.
			upBy := time.NewTimer(60 * time.Second)
			defer upBy.Stop()
			poll := time.NewTicker(10 * time.Millisecond)
			defer poll.Stop()
			for live := counts(t, ch, "expo").Waiting; live < calls; live = counts(t, ch, "expo").Waiting {
				select {
				case o := <-done:
					require.NoError(t, o.err, "SIPp ended with %d of %d calls waiting", live, calls)
					require.Failf(t, "SIPp exited before every call was up", "%d of %d calls waiting: sipp %s", live, calls, o.r)
				case <-upBy.C:
					require.Failf(t, "calls not up", "%d of %d calls waiting after 60s", live, calls)
				case <-poll.C:
				}
			}
			enq, _ := r.calls()
			require.Len(t, enq, calls, "every call was enqueued")
			for _, e := range enq {
				require.True(t, r.deliver(e.e.ID, modality.Decision{Kind: modality.Connected, Agent: "ada", At: time.Now()}))
				require.True(t, r.deliver(e.e.ID, modality.Decision{Kind: modality.Finished, Outcome: "answered", At: time.Now()}))
			}
			var o outcome
			select {
			case o = <-done:
			case <-time.After(90 * time.Second):
				require.Fail(t, "SIPp still running 90s after the router finished every call; want it to exit once it has answered every BYE")
			}
			require.NoError(t, o.err)
			require.Equal(t, 0, o.r.exit, "sipp must exit 0 (every call got its BYE): %s", o.r)
			assert.Equal(t, int64(calls), o.r.successful, "SIPp saw and answered every BYE: %s", o.r)
			require.Eventually(t, func() bool { return counts(t, ch, "expo").Live() == 0 }, 10*time.Second, 5*time.Millisecond, "every call ends")
			c := counts(t, ch, "expo")
			assert.Equal(t, int64(calls), c.Arrivals)
			assert.Equal(t, int64(calls), c.Completed, "every call had an agent")
			_, hangups := r.calls()
			assert.Empty(t, hangups, "the router ended every call: it is not told back")

			r.setRefuse(&modality.BusyError{Queue: "general", RetryAfter: 2500 * time.Millisecond, Reason: "full"})
			busy, err := filepath.Abs("testdata/sipp/uac_busy.xml")
			require.NoError(t, err)
			res := runSIPp(ctx, t, addr, tr, "-sf", busy, "-s", n.String(), "-m", "5", "-r", "10")
			require.Equal(t, 0, res.exit, "sipp must exit 0 (every call got 486 with Retry-After: 3): %s", res)
			assert.Equal(t, int64(5), res.successful, "%s", res)
			assert.Equal(t, int64(calls), counts(t, ch, "expo").Arrivals, "calls turned away are not arrivals")
		})
	}
}
