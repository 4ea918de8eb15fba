package channeltest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
)

// Driver creates traffic on the channel under test, standing in for
// attendees and agents. The suite calls it with the channel Harness.New
// returned and instants that only move forward within a subtest.
//
// Implementations must be safe for concurrent use.
type Driver interface {
	// Arrive makes an attendee reach serviceID through the entry point
	// named entryPoint at the instant at, and returns the new engagement's
	// ID (the one the channel reports, unique on the channel). The channel's
	// refusal must come back detectable with errors.Is:
	// [modality.ErrNotOpen] when the service is not open or has no such
	// entry point, [modality.ErrIntakeStopped] after StopIntake.
	Arrive(ctx context.Context, ch modality.Channel, serviceID, entryPoint string, at time.Time) (id string, err error)
	// Answer makes an agent take the waiting engagement id at the instant
	// at. It returns an error if the channel no longer holds the
	// engagement (after Disconnect, say).
	Answer(ctx context.Context, ch modality.Channel, id string, at time.Time) error
}

// Harness is what [Run] needs to test a channel.
type Harness struct {
	// New returns a new channel with no service open. It is called once
	// per subtest, with that subtest's t.
	New func(t *testing.T) modality.Channel
	// Drive creates traffic on the channels New returns.
	Drive Driver
}

// Run runs the conformance suite against the channels h makes, one named
// subtest per sentence of the [modality.Channel] contract.
func Run(t *testing.T, h Harness) {
	t.Helper()
	require.NotNil(t, h.New, "Harness.New is required")
	require.NotNil(t, h.Drive, "Harness.Drive is required")

	cases := []struct {
		name string
		run  func(f *fixture)
	}{
		{"Kinds/Stable", testKindsStable},
		{"Open/Idempotent", testOpenIdempotent},
		{"Open/ReplacesSetup", testOpenReplacesSetup},
		{"Open/KeepsOwnCopy", testOpenKeepsOwnCopy},
		{"Open/UnsupportedOpensNothing", testOpenUnsupported},
		{"StopIntake/RefusesNewLiveGoOn", testStopIntake},
		{"StopIntake/NotOpenIsNoError", testStopIntakeNotOpen},
		{"StopIntake/ReopenAcceptsAgain", testReopenAfterStopIntake},
		{"Disconnect/EndsEveryLive", testDisconnect},
		{"Disconnect/SecondReturnsZero", testDisconnectTwice},
		{"Disconnect/NotOpenIsZero", testDisconnectNotOpen},
		{"Remove/ThenArriveFails", testRemoveThenArrive},
		{"Remove/KeepsLiveEngagements", testRemoveKeepsLive},
		{"Remove/Idempotent", testRemoveIdempotent},
		{"Isolation", testIsolation},
		{"Counts/NeverOpenedIsZero", testCountsNeverOpened},
		{"Counts/PerKindInKindsOrder", testCountsPerKind},
		{"Counts/Cumulative", testCountsCumulative},
		{"Counts/CallerOwnsResult", testCountsCallerOwns},
		{"Context/Done", testContextDone},
		{"Concurrency", testConcurrency},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ch := h.New(t)
			require.NotNil(t, ch, "Harness.New returned a nil channel")
			f := &fixture{
				t:     t,
				ctx:   t.Context(),
				ch:    ch,
				drive: h.Drive,
				kinds: ch.Kinds(),
				at:    start,
			}
			require.NotEmpty(t, f.kinds, "the channel must serve at least one kind")
			c.run(f)
		})
	}
}

// start is the first instant the suite hands a Driver.
var start = time.Date(2030, time.June, 1, 9, 0, 0, 0, time.UTC)

// addressSeq makes addresses unique within a test binary, so a channel
// backed by shared infrastructure never sees two services claim one.
var addressSeq atomic.Int64

// queue is the queue every entry point of the suite's setups leads to.
const queue = "general"

// fixture is one subtest's channel and helpers.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	ch    modality.Channel
	drive Driver
	kinds []modality.Kind

	mu sync.Mutex
	at time.Time // the last instant handed out
}

// now returns a new instant, one second after the previous one.
func (f *fixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.at = f.at.Add(time.Second)
	return f.at
}

// entryName is the name of the suite's entry point of kind k.
func entryName(k modality.Kind) string { return "main-" + string(k) }

// entryPoint returns an entry point of kind k called name, with a fresh
// fictional address.
func entryPoint(serviceID, name string, k modality.Kind) modality.EntryPoint {
	n := addressSeq.Add(1)
	var addr string
	switch k {
	case modality.Telephony, modality.SMS:
		addr = fmt.Sprintf("+1555%07d", n%10_000_000)
	case modality.Social:
		addr = fmt.Sprintf("@eventcc_%d", n)
	default:
		addr = fmt.Sprintf("https://eventcc.example/%s/%s/%d", serviceID, name, n)
	}
	return modality.EntryPoint{Name: name, Kind: k, Address: addr, Queue: queue}
}

// setup is a valid setup with one entry point per kind served.
func (f *fixture) setup(serviceID string) modality.Setup {
	s := modality.Setup{
		Queues: []string{queue},
		Receptionist: &modality.Receptionist{
			Greeting:      "Welcome to the event help desk.",
			ClosedMessage: "The help desk is closed.",
			Options: []modality.Option{
				{Key: "1", Label: "Opening hours", Answer: "Doors open at nine."},
				{Key: "2", Label: "Speak to someone", Queue: queue},
			},
		},
	}
	for _, k := range f.kinds {
		s.EntryPoints = append(s.EntryPoints, entryPoint(serviceID, entryName(k), k))
	}
	return s
}

// open opens serviceID with f.setup and fails the test if it cannot.
func (f *fixture) open(serviceID string) modality.Setup {
	f.t.Helper()
	s := f.setup(serviceID)
	require.NoError(f.t, f.ch.Open(f.ctx, serviceID, s), "Open(%q) of a valid setup", serviceID)
	return s
}

// arrive makes an attendee arrive on the suite's entry point of kind k.
func (f *fixture) arrive(serviceID string, k modality.Kind) string {
	f.t.Helper()
	id, err := f.drive.Arrive(f.ctx, f.ch, serviceID, entryName(k), f.now())
	require.NoError(f.t, err, "arrival on %s of open service %q", entryName(k), serviceID)
	require.NotEmpty(f.t, id, "an arrival must have an engagement id")
	return id
}

// answer makes an agent take engagement id.
func (f *fixture) answer(id string) {
	f.t.Helper()
	require.NoError(f.t, f.drive.Answer(f.ctx, f.ch, id, f.now()), "answer of waiting engagement %q", id)
}

// counts returns the service's counts, checked for shape.
func (f *fixture) counts(serviceID string) []modality.Counts {
	f.t.Helper()
	cs, err := f.ch.Counts(f.ctx, serviceID)
	require.NoError(f.t, err, "Counts(%q)", serviceID)
	require.Len(f.t, cs, len(f.kinds), "Counts(%q) must have one entry per kind served", serviceID)
	for i, c := range cs {
		require.Equal(f.t, f.kinds[i], c.Kind, "Counts(%q)[%d] must be of the kind at Kinds()[%d]", serviceID, i, i)
	}
	return cs
}

// total adds up counts of every kind.
func total(cs []modality.Counts) modality.Counts {
	var t modality.Counts
	for _, c := range cs {
		t.Waiting += c.Waiting
		t.Active += c.Active
		t.Arrivals += c.Arrivals
		t.Completed += c.Completed
		t.Abandoned += c.Abandoned
		t.HandleTime += c.HandleTime
	}
	return t
}

// live is the number of live engagements of serviceID.
func (f *fixture) live(serviceID string) int {
	f.t.Helper()
	return total(f.counts(serviceID)).Live()
}

// fillEveryKind makes n arrivals on every kind and answers the first of
// each kind; it returns the IDs.
func (f *fixture) fillEveryKind(serviceID string, n int) []string {
	f.t.Helper()
	var ids []string
	for _, k := range f.kinds {
		for i := range n {
			id := f.arrive(serviceID, k)
			if i == 0 {
				f.answer(id)
			}
			ids = append(ids, id)
		}
	}
	return ids
}

// Kinds lists the kinds this channel serves; it never changes.
func testKindsStable(f *fixture) {
	t := f.t
	seen := map[modality.Kind]bool{}
	for _, k := range f.kinds {
		_, err := modality.ParseKind(string(k))
		assert.NoError(t, err, "Kinds() must list only known kinds, got %q", k)
		assert.False(t, seen[k], "Kinds() must not repeat %q", k)
		seen[k] = true
	}
	again := f.ch.Kinds()
	assert.Equal(t, f.kinds, again, "Kinds() must return the same kinds in the same order every time")
	again[0] = "tampered"
	assert.Equal(t, f.kinds, f.ch.Kinds(), "changing the slice Kinds() returned must not change the channel's kinds")

	f.open("svc")
	assert.Equal(t, f.kinds, f.ch.Kinds(), "Kinds() must not change when a service opens")
}

// Open ... Every method is idempotent.
func testOpenIdempotent(f *fixture) {
	t := f.t
	s := f.open("svc")
	require.NoError(t, f.ch.Open(f.ctx, "svc", s), "opening again with the same setup")
	f.fillEveryKind("svc", 2)
	before := f.counts("svc")
	require.NoError(t, f.ch.Open(f.ctx, "svc", s), "opening an open service with live engagements again")
	assert.Equal(t, before, f.counts("svc"), "opening again with the same setup must change no counts and end no engagement")
	f.arrive("svc", f.kinds[0])
	assert.Equal(t, before[0].Arrivals+1, f.counts("svc")[0].Arrivals, "after opening twice, one arrival must count once")
}

// Open ... replacing a previous setup of the service.
func testOpenReplacesSetup(f *fixture) {
	t := f.t
	k := f.kinds[0]
	old := modality.Setup{Queues: []string{queue}, EntryPoints: []modality.EntryPoint{entryPoint("svc", "old", k)}}
	require.NoError(t, f.ch.Open(f.ctx, "svc", old), "Open with entry point old")
	_, err := f.drive.Arrive(f.ctx, f.ch, "svc", "old", f.now())
	require.NoError(t, err, "arrival on entry point old while it is open")

	repl := modality.Setup{Queues: []string{queue}, EntryPoints: []modality.EntryPoint{entryPoint("svc", "new", k)}}
	require.NoError(t, f.ch.Open(f.ctx, "svc", repl), "Open replacing old by new")
	_, err = f.drive.Arrive(f.ctx, f.ch, "svc", "old", f.now())
	assert.ErrorIs(t, err, modality.ErrNotOpen, "arrival on an entry point the new setup dropped")
	_, err = f.drive.Arrive(f.ctx, f.ch, "svc", "new", f.now())
	assert.NoError(t, err, "arrival on the entry point of the new setup")
}

// Setup ... The channel keeps its own copy.
func testOpenKeepsOwnCopy(f *fixture) {
	t := f.t
	s := f.open("svc")
	for i := range s.EntryPoints {
		s.EntryPoints[i].Name = "changed-" + s.EntryPoints[i].Name
	}
	s.Queues[0] = "changed"
	for _, k := range f.kinds {
		f.arrive("svc", k) // on the names given to Open
	}
	_, err := f.drive.Arrive(f.ctx, f.ch, "svc", s.EntryPoints[0].Name, f.now())
	assert.ErrorIs(t, err, modality.ErrNotOpen, "changing the caller's setup after Open must not add entry points")
}

// An entry point of a kind the channel does not serve is ErrUnsupported
// and nothing is opened.
func testOpenUnsupported(f *fixture) {
	unserved := []modality.Kind{"carrier-pigeon"}
	for _, k := range modality.Kinds() {
		if !slices.Contains(f.kinds, k) {
			unserved = append(unserved, k)
		}
	}
	for _, k := range unserved {
		f.t.Run(string(k), func(t *testing.T) {
			svc := "svc-" + string(k)
			s := f.setup(svc)
			s.EntryPoints = append(s.EntryPoints, entryPoint(svc, "unsupported", k))
			err := f.ch.Open(f.ctx, svc, s)
			require.ErrorIs(t, err, modality.ErrUnsupported, "Open with an entry point of kind %q the channel does not serve", k)

			_, err = f.drive.Arrive(f.ctx, f.ch, svc, entryName(f.kinds[0]), f.now())
			assert.ErrorIs(t, err, modality.ErrNotOpen, "a failed Open must open none of the setup's entry points")
			cs, err := f.ch.Counts(f.ctx, svc)
			require.NoError(t, err)
			assert.Zero(t, total(cs), "a failed Open must leave the service with zero counts")
		})
	}
}

// StopIntake refuses new engagements for service from now on; live ones
// go on.
func testStopIntake(f *fixture) {
	t := f.t
	k := f.kinds[0]
	f.open("svc")
	active := f.arrive("svc", k)
	f.answer(active)
	waiting := f.arrive("svc", k)

	require.NoError(t, f.ch.StopIntake(f.ctx, "svc"))
	_, err := f.drive.Arrive(f.ctx, f.ch, "svc", entryName(k), f.now())
	assert.ErrorIs(t, err, modality.ErrIntakeStopped, "arrival after StopIntake")
	require.NoError(t, f.ch.StopIntake(f.ctx, "svc"), "StopIntake again")
	_, err = f.drive.Arrive(f.ctx, f.ch, "svc", entryName(k), f.now())
	assert.ErrorIs(t, err, modality.ErrIntakeStopped, "arrival after StopIntake twice")

	c := f.counts("svc")[0]
	assert.Equal(t, 1, c.Waiting, "the waiting engagement must still wait after StopIntake")
	assert.Equal(t, 1, c.Active, "the active engagement must still be active after StopIntake")
	assert.Equal(t, int64(2), c.Arrivals, "refused arrivals must not count")
	f.answer(waiting)
	assert.Equal(t, 2, f.counts("svc")[0].Active, "a waiting engagement must still be answerable after StopIntake")
}

// StopIntake ... Not an error for a service that is not open.
func testStopIntakeNotOpen(f *fixture) {
	t := f.t
	assert.NoError(t, f.ch.StopIntake(f.ctx, "never-opened"), "StopIntake of a service never opened")
	f.open("svc")
	require.NoError(t, f.ch.Remove(f.ctx, "svc"))
	assert.NoError(t, f.ch.StopIntake(f.ctx, "svc"), "StopIntake of a closed service")
}

// Opening after StopIntake accepts engagements again.
func testReopenAfterStopIntake(f *fixture) {
	t := f.t
	k := f.kinds[0]
	s := f.open("svc")
	require.NoError(t, f.ch.StopIntake(f.ctx, "svc"))
	_, err := f.drive.Arrive(f.ctx, f.ch, "svc", entryName(k), f.now())
	require.ErrorIs(t, err, modality.ErrIntakeStopped, "arrival after StopIntake")
	require.NoError(t, f.ch.Open(f.ctx, "svc", s), "Open after StopIntake")
	_, err = f.drive.Arrive(f.ctx, f.ch, "svc", entryName(k), f.now())
	assert.NoError(t, err, "arrival after opening again must be accepted")
}

// Disconnect ends every live engagement of service and returns how many
// it ended. Afterwards the channel holds no end point of the service.
func testDisconnect(f *fixture) {
	t := f.t
	f.open("svc")
	ids := f.fillEveryKind("svc", 3)
	before := total(f.counts("svc"))
	require.Equal(t, len(ids), before.Live(), "every arrival must be live before Disconnect")

	n, err := f.ch.Disconnect(f.ctx, "svc")
	require.NoError(t, err)
	assert.Equal(t, len(ids), n, "Disconnect must return how many live engagements it ended")
	after := f.counts("svc")
	for _, c := range after {
		assert.Zero(t, c.Live(), "no %s engagement may be live after Disconnect", c.Kind)
	}
	sum := total(after)
	assert.Equal(t, before.Arrivals, sum.Arrivals, "Disconnect must not change arrivals")
	assert.Equal(t, before.Completed+int64(before.Active), sum.Completed, "engagements ended after being answered are completed")
	assert.Equal(t, before.Abandoned+int64(before.Waiting), sum.Abandoned, "engagements ended while waiting are abandoned")
	assert.GreaterOrEqual(t, sum.HandleTime, before.HandleTime, "handle time is cumulative")
	for _, id := range ids {
		assert.Error(t, f.drive.Answer(f.ctx, f.ch, id, f.now()), "answering %q after Disconnect must fail: the channel holds no end point", id)
	}
}

// Every method is idempotent: a second Disconnect ends nothing.
func testDisconnectTwice(f *fixture) {
	t := f.t
	f.open("svc")
	f.fillEveryKind("svc", 2)
	n, err := f.ch.Disconnect(f.ctx, "svc")
	require.NoError(t, err)
	require.Equal(t, 2*len(f.kinds), n, "first Disconnect")
	before := f.counts("svc")
	n, err = f.ch.Disconnect(f.ctx, "svc")
	require.NoError(t, err)
	assert.Zero(t, n, "a second Disconnect must end nothing")
	assert.Equal(t, before, f.counts("svc"), "a second Disconnect must change no counts")
}

// Disconnect ... Not an error for a service that is not open (0).
func testDisconnectNotOpen(f *fixture) {
	n, err := f.ch.Disconnect(f.ctx, "never-opened")
	assert.NoError(f.t, err, "Disconnect of a service never opened")
	assert.Zero(f.t, n, "Disconnect of a service never opened ends nothing")
}

// Remove forgets the service's entry points: calls to them are no longer
// the service's.
func testRemoveThenArrive(f *fixture) {
	t := f.t
	f.open("svc")
	f.arrive("svc", f.kinds[0])
	require.NoError(t, f.ch.Remove(f.ctx, "svc"))
	for _, k := range f.kinds {
		_, err := f.drive.Arrive(f.ctx, f.ch, "svc", entryName(k), f.now())
		assert.ErrorIs(t, err, modality.ErrNotOpen, "arrival on %s after Remove", entryName(k))
	}
}

// Close ... does not end live engagements (call Disconnect first).
func testRemoveKeepsLive(f *fixture) {
	t := f.t
	f.open("svc")
	ids := f.fillEveryKind("svc", 2)
	require.NoError(t, f.ch.Remove(f.ctx, "svc"))
	assert.Equal(t, len(ids), f.live("svc"), "Remove must not end live engagements")
	n, err := f.ch.Disconnect(f.ctx, "svc")
	require.NoError(t, err)
	assert.Equal(t, len(ids), n, "Disconnect after Close must still end the live engagements, leaving nothing behind")
	assert.Zero(t, f.live("svc"), "nothing may be live after Disconnect")
}

// Remove ... Idempotent.
func testRemoveIdempotent(f *fixture) {
	t := f.t
	assert.NoError(t, f.ch.Remove(f.ctx, "never-opened"), "Remove of a service never opened")
	f.open("svc")
	require.NoError(t, f.ch.Remove(f.ctx, "svc"))
	assert.NoError(t, f.ch.Remove(f.ctx, "svc"), "second Remove")
	_, err := f.drive.Arrive(f.ctx, f.ch, "svc", entryName(f.kinds[0]), f.now())
	assert.ErrorIs(t, err, modality.ErrNotOpen, "arrival after Remove twice")
}

// Every method is ... scoped to one service: nothing done for one service
// touches another's engagements.
func testIsolation(f *fixture) {
	t := f.t
	f.open("a")
	f.open("b")
	f.fillEveryKind("a", 2)
	f.fillEveryKind("b", 3)
	b := f.counts("b")

	require.NoError(t, f.ch.StopIntake(f.ctx, "a"))
	assert.Equal(t, b, f.counts("b"), "StopIntake of a must not touch b")
	n, err := f.ch.Disconnect(f.ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, 2*len(f.kinds), n, "Disconnect of a must end a's engagements only")
	assert.Equal(t, b, f.counts("b"), "Disconnect of a must not touch b")
	require.NoError(t, f.ch.Remove(f.ctx, "a"))
	assert.Equal(t, b, f.counts("b"), "Remove of a must not touch b")

	for _, k := range f.kinds {
		f.arrive("b", k) // b still accepts on every entry point
	}
	n, err = f.ch.Disconnect(f.ctx, "b")
	require.NoError(t, err)
	assert.Equal(t, 4*len(f.kinds), n, "b must have kept all its engagements")
	assert.Zero(t, total(f.counts("a")).Live(), "a must hold nothing")
}

// Counts ... A service never opened has zero counts.
func testCountsNeverOpened(f *fixture) {
	for _, c := range f.counts("never-opened") {
		assert.Equal(f.t, modality.Counts{Kind: c.Kind}, c, "a service never opened must have zero counts")
	}
}

// Counts returns the service's traffic per kind served, in the order of
// Kinds.
func testCountsPerKind(f *fixture) {
	t := f.t
	f.open("svc")
	for i, k := range f.kinds {
		for range i + 1 {
			f.arrive("svc", k)
		}
	}
	for i, c := range f.counts("svc") {
		assert.Equal(t, int64(i+1), c.Arrivals, "arrivals of %s (Kinds()[%d])", c.Kind, i)
		assert.Equal(t, i+1, c.Waiting, "waiting engagements of %s (Kinds()[%d])", c.Kind, i)
		assert.Zero(t, c.Active, "active engagements of %s", c.Kind)
	}
}

// Cumulative fields only grow while the service is open on the channel.
func testCountsCumulative(f *fixture) {
	t := f.t
	k := f.kinds[0]
	s := f.open("svc")
	var prev modality.Counts
	check := func(step string) modality.Counts {
		t.Helper()
		c := f.counts("svc")[0]
		assert.GreaterOrEqual(t, c.Arrivals, prev.Arrivals, "arrivals must not go down (%s)", step)
		assert.GreaterOrEqual(t, c.Completed, prev.Completed, "completed must not go down (%s)", step)
		assert.GreaterOrEqual(t, c.Abandoned, prev.Abandoned, "abandoned must not go down (%s)", step)
		assert.GreaterOrEqual(t, c.HandleTime, prev.HandleTime, "handle time must not go down (%s)", step)
		assert.Equal(t, c.Arrivals, int64(c.Live())+c.Completed+c.Abandoned,
			"every arrival is waiting, active, completed or abandoned (%s)", step)
		prev = c
		return c
	}

	a := f.arrive("svc", k)
	f.arrive("svc", k)
	c := check("two arrivals")
	assert.Equal(t, int64(2), c.Arrivals, "two arrivals")
	assert.Equal(t, 2, c.Waiting, "two waiting")

	f.answer(a)
	c = check("one answered")
	assert.Equal(t, 1, c.Waiting, "one waiting after an answer")
	assert.Equal(t, 1, c.Active, "one active after an answer")

	_, err := f.ch.Disconnect(f.ctx, "svc")
	require.NoError(t, err)
	c = check("disconnect")
	assert.Equal(t, int64(1), c.Completed, "the answered engagement ended: completed")
	assert.Equal(t, int64(1), c.Abandoned, "the waiting engagement ended: abandoned")

	require.NoError(t, f.ch.StopIntake(f.ctx, "svc"))
	check("stop intake")
	require.NoError(t, f.ch.Open(f.ctx, "svc", s))
	check("open again")
	f.arrive("svc", k)
	c = check("arrival after opening again")
	assert.Equal(t, int64(3), c.Arrivals, "arrivals must keep counting across StopIntake and Open")
}

// Values returned belong to the caller.
func testCountsCallerOwns(f *fixture) {
	f.open("svc")
	f.arrive("svc", f.kinds[0])
	cs := f.counts("svc")
	want := slices.Clone(cs)
	cs[0].Arrivals, cs[0].Kind = 999, "tampered"
	assert.Equal(f.t, want, f.counts("svc"), "changing the slice Counts returned must not change the channel's counts")
}

// A done ctx makes a method return ctx.Err() (possibly wrapped).
func testContextDone(f *fixture) {
	canceled, cancel := context.WithCancel(f.ctx)
	cancel()
	expired, cancel := context.WithDeadline(f.ctx, time.Unix(0, 0)) // long past
	defer cancel()
	s := f.open("svc")
	f.arrive("svc", f.kinds[0])

	for _, c := range []struct {
		ctx  context.Context
		want error
	}{{canceled, context.Canceled}, {expired, context.DeadlineExceeded}} {
		f.t.Run(c.want.Error(), func(t *testing.T) {
			ctx := c.ctx
			assert.ErrorIs(t, f.ch.Open(ctx, "svc", s), c.want, "Open with a done ctx")
			assert.ErrorIs(t, f.ch.StopIntake(ctx, "svc"), c.want, "StopIntake with a done ctx")
			_, err := f.ch.Disconnect(ctx, "svc")
			assert.ErrorIs(t, err, c.want, "Disconnect with a done ctx")
			assert.ErrorIs(t, f.ch.Remove(ctx, "svc"), c.want, "Remove with a done ctx")
			_, err = f.ch.Counts(ctx, "svc")
			assert.ErrorIs(t, err, c.want, "Counts with a done ctx")
		})
	}
}

// Implementations must be safe for concurrent use. Arrivals on several
// services while one is disconnected: afterwards that service holds
// nothing and the others lost nothing.
func testConcurrency(f *fixture) {
	t := f.t
	const (
		services = 4
		workers  = 3
		arrivals = 40
		target   = "svc-0"
	)
	name := func(i int) string { return fmt.Sprintf("svc-%d", i) }
	for i := range services {
		f.open(name(i))
	}

	var (
		wg           sync.WaitGroup
		arrived      [services]atomic.Int64
		answered     [services]atomic.Int64
		disconnected atomic.Int64
	)
	for i := range services {
		svc := name(i)
		for w := range workers {
			wg.Go(func() {
				k := f.kinds[w%len(f.kinds)]
				for range arrivals {
					id, err := f.drive.Arrive(f.ctx, f.ch, svc, entryName(k), f.now())
					if !assert.NoError(t, err, "concurrent arrival on %s", svc) {
						return
					}
					arrived[i].Add(1)
					if arrived[i].Load()%2 == 0 {
						err := f.drive.Answer(f.ctx, f.ch, id, f.now())
						if svc == target {
							continue // it may have been disconnected already
						}
						if assert.NoError(t, err, "concurrent answer on %s", svc) {
							answered[i].Add(1)
						}
					}
				}
			})
		}
	}
	wg.Go(func() {
		for range workers * arrivals / 4 {
			n, err := f.ch.Disconnect(f.ctx, target)
			assert.NoError(t, err, "concurrent Disconnect")
			disconnected.Add(int64(n))
			_, err = f.ch.Counts(f.ctx, name(1))
			assert.NoError(t, err, "concurrent Counts")
		}
	})
	wg.Wait()

	n, err := f.ch.Disconnect(f.ctx, target)
	require.NoError(t, err)
	disconnected.Add(int64(n))
	assert.Equal(t, arrived[0].Load(), disconnected.Load(), "Disconnect must end each arrival on %s exactly once", target)
	c := total(f.counts(target))
	assert.Zero(t, c.Live(), "%s must hold nothing after Disconnect", target)
	assert.Equal(t, arrived[0].Load(), c.Arrivals, "every arrival on %s must count", target)

	for i := 1; i < services; i++ {
		c := total(f.counts(name(i)))
		assert.Equal(t, arrived[i].Load(), c.Arrivals, "arrivals on %s", name(i))
		assert.Equal(t, int(arrived[i].Load()), c.Live(), "%s must have lost nothing", name(i))
		assert.Equal(t, int(answered[i].Load()), c.Active, "active engagements on %s", name(i))
	}
}
