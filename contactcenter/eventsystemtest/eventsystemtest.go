package eventsystemtest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/modality"
)

// Harness tells the suite how to make and observe the EventSystem under
// test.
type Harness struct {
	// New returns an EventSystem with nothing published for the services
	// the suite uses. It is called once per subtest; clean up with
	// t.Cleanup.
	New func(t *testing.T) contactcenter.EventSystem
	// Published reports what es shows attendees for serviceID, and
	// whether it shows anything: what a platform's API or page would
	// return. It may be nil if the implementation cannot be observed;
	// the cases that need it are then skipped with a message.
	Published func(es contactcenter.EventSystem, serviceID string) (contactcenter.Publication, bool)
}

// Run runs the conformance suite against the EventSystems h makes.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("eventsystemtest: Harness.New is nil; want a constructor of empty EventSystems")
	}
	cases := []struct {
		name    string
		observe bool // needs h.Published
		run     func(t *testing.T, s suite)
	}{
		{"Publish/ThenObserve", true, testPublishObserve},
		{"Publish/Replaces", true, testPublishReplaces},
		{"Publish/Idempotent", false, testPublishIdempotent},
		{"Publish/CallerMayMutateAfter", true, testPublishCallerMutates},
		{"Retract/Withdraws", true, testRetract},
		{"Retract/Idempotent", false, testRetractIdempotent},
		{"Retract/NothingPublished", false, testRetractUnknown},
		{"Retract/ThenPublishAgain", true, testRepublish},
		{"Services/Isolated", true, testIsolated},
		{"Context/Cancelled", false, func(t *testing.T, s suite) { testDoneContext(t, s, cancelled(t)) }},
		{"Context/DeadlineExceeded", false, func(t *testing.T, s suite) { testDoneContext(t, s, expired(t)) }},
		{"Concurrent/DistinctServices", false, testConcurrentServices},
		{"Concurrent/SameService", false, testConcurrentSameService},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.observe && h.Published == nil {
				t.Skip("Harness.Published is nil: cannot observe what is published")
			}
			es := h.New(t)
			require.NotNil(t, es, "Harness.New returned a nil EventSystem; want an empty one")
			c.run(t, suite{es: es, published: h.Published})
		})
	}
}

type suite struct {
	es        contactcenter.EventSystem
	published func(contactcenter.EventSystem, string) (contactcenter.Publication, bool)
}

func (s suite) canObserve() bool { return s.published != nil }

// observe returns what is published for serviceID, normalized.
func (s suite) observe(serviceID string) (contactcenter.Publication, bool) {
	p, ok := s.published(s.es, serviceID)
	return normalized(p), ok
}

// assertShows asserts that want is what is published for want.ServiceID.
func (s suite) assertShows(t *testing.T, want contactcenter.Publication, msg string) {
	t.Helper()
	got, ok := s.observe(want.ServiceID)
	if assert.True(t, ok, "%s: want something published for %q", msg, want.ServiceID) {
		assert.Equal(t, normalized(want), got, "%s: want what was published last for %q", msg, want.ServiceID)
	}
}

// assertShowsNothing asserts that nothing is published for serviceID.
func (s suite) assertShowsNothing(t *testing.T, serviceID, msg string) {
	t.Helper()
	got, ok := s.observe(serviceID)
	assert.False(t, ok, "%s: want nothing published for %q, got %+v", msg, serviceID, got)
}

// t0 is the instant the fixtures are built around: whole seconds in UTC,
// which any platform can hold.
var t0 = time.Date(2026, time.May, 4, 9, 0, 0, 0, time.UTC)

// publication returns a Publication with every field set.
func publication(serviceID string) contactcenter.Publication {
	return contactcenter.Publication{
		ServiceID: serviceID,
		EventID:   serviceID,
		EntryPoints: []modality.EntryPoint{
			{Name: "main", Kind: modality.Telephony, Address: "+4930555001", Queue: "visitors"},
			{Name: "chat", Kind: modality.Chat, Address: "https://chat.example/" + serviceID, Queue: "visitors"},
		},
		Opens:    t0.Add(72 * time.Hour),
		Closes:   t0.Add(120 * time.Hour),
		TimeZone: "Europe/Berlin",
	}
}

// normalized rewrites what a platform may legitimately change without
// changing the publication: instants to UTC, no entry points to nil.
func normalized(p contactcenter.Publication) contactcenter.Publication {
	p.Opens, p.Closes = p.Opens.UTC(), p.Closes.UTC()
	if len(p.EntryPoints) == 0 {
		p.EntryPoints = nil
	}
	return p
}

func cancelled(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx
}

func expired(t *testing.T) context.Context {
	ctx, cancel := context.WithDeadline(t.Context(), time.Unix(0, 0))
	t.Cleanup(cancel)
	return ctx
}

func mustPublish(t *testing.T, s suite, p contactcenter.Publication) {
	t.Helper()
	require.NoError(t, s.es.Publish(t.Context(), p), "Publish(%q): want no error", p.ServiceID)
}

func mustRetract(t *testing.T, s suite, serviceID string) {
	t.Helper()
	require.NoError(t, s.es.Retract(t.Context(), serviceID), "Retract(%q): want no error", serviceID)
}

func testPublishObserve(t *testing.T, s suite) {
	s.assertShowsNothing(t, "expo", "before any Publish")
	mustPublish(t, s, publication("expo"))
	s.assertShows(t, publication("expo"), "after Publish")
}

func testPublishReplaces(t *testing.T, s suite) {
	mustPublish(t, s, publication("expo"))
	changed := publication("expo")
	changed.EntryPoints = changed.EntryPoints[1:] // one fewer: a replace, not a merge
	changed.EntryPoints[0].Queue = "general"
	changed.Closes = changed.Closes.Add(24 * time.Hour) // the event was extended
	changed.TimeZone = "Europe/Paris"
	mustPublish(t, s, changed)
	s.assertShows(t, changed, "after a second Publish")

	bare := contactcenter.Publication{ServiceID: "expo", EventID: "expo", Opens: t0, Closes: t0.Add(time.Hour)}
	mustPublish(t, s, bare)
	s.assertShows(t, bare, "after a Publish without entry points")
}

func testPublishIdempotent(t *testing.T, s suite) {
	p := publication("expo")
	for i := range 3 {
		assert.NoError(t, s.es.Publish(t.Context(), p), "Publish of the same publication, time %d: want no error", i+1)
	}
	if s.canObserve() {
		s.assertShows(t, p, "after the same Publish three times")
	}
}

func testPublishCallerMutates(t *testing.T, s suite) {
	p := publication("expo")
	mustPublish(t, s, p)
	p.EntryPoints[0].Address = "+4930999999"
	p.EntryPoints[1] = modality.EntryPoint{Name: "changed"}
	p.EntryPoints = append(p.EntryPoints, modality.EntryPoint{Name: "added"})
	p.EventID = "changed"
	p.Closes = p.Closes.Add(time.Hour)
	s.assertShows(t, publication("expo"), "after the caller changed what it passed to Publish")
}

func testRetract(t *testing.T, s suite) {
	mustPublish(t, s, publication("expo"))
	mustRetract(t, s, "expo")
	s.assertShowsNothing(t, "expo", "after Retract")
}

func testRetractIdempotent(t *testing.T, s suite) {
	mustPublish(t, s, publication("expo"))
	for i := range 3 {
		assert.NoError(t, s.es.Retract(t.Context(), "expo"), "Retract, time %d: want no error", i+1)
	}
	if s.canObserve() {
		s.assertShowsNothing(t, "expo", "after Retract three times")
	}
}

func testRetractUnknown(t *testing.T, s suite) {
	assert.NoError(t, s.es.Retract(t.Context(), "never-published"), "Retract of a service never published: want no error")
	mustPublish(t, s, publication("expo"))
	assert.NoError(t, s.es.Retract(t.Context(), "never-published"), "Retract of a service never published, beside one that is: want no error")
	if s.canObserve() {
		s.assertShowsNothing(t, "never-published", "after Retract of a service never published")
		s.assertShows(t, publication("expo"), "after Retract of another service")
	}
}

func testRepublish(t *testing.T, s suite) {
	mustPublish(t, s, publication("expo"))
	mustRetract(t, s, "expo")
	again := publication("expo")
	again.Opens = again.Opens.Add(7 * 24 * time.Hour) // rescheduled
	again.Closes = again.Closes.Add(7 * 24 * time.Hour)
	mustPublish(t, s, again)
	s.assertShows(t, again, "Publish after Retract")
}

func testIsolated(t *testing.T, s suite) {
	mustPublish(t, s, publication("expo"))
	mustPublish(t, s, publication("gala"))
	changed := publication("expo")
	changed.TimeZone = "Asia/Tokyo"
	mustPublish(t, s, changed)
	s.assertShows(t, publication("gala"), "after replacing expo's publication")
	mustRetract(t, s, "expo")
	s.assertShows(t, publication("gala"), "after retracting expo")
	s.assertShowsNothing(t, "expo", "after retracting expo")
	s.assertShowsNothing(t, "expo-2", "a service never published whose ID extends another's")
}

func testDoneContext(t *testing.T, s suite, done context.Context) {
	want := done.Err()
	require.Error(t, want)
	err := s.es.Publish(done, publication("expo"))
	assert.ErrorIs(t, err, want, "Publish with a done ctx: want ctx.Err()")
	err = s.es.Retract(done, "expo")
	assert.ErrorIs(t, err, want, "Retract with a done ctx: want ctx.Err()")
}

const (
	workers = 6
	rounds  = 20
)

type errorsOf struct {
	mu   sync.Mutex
	errs []error
}

func (e *errorsOf) add(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs = append(e.errs, err)
}

func testConcurrentServices(t *testing.T, s suite) {
	var (
		wg   sync.WaitGroup
		errs errorsOf
	)
	for w := range workers {
		wg.Go(func() {
			id := fmt.Sprint("svc-", w)
			for r := range rounds {
				p := publication(id)
				p.EntryPoints[0].Queue = fmt.Sprint("round-", r)
				if err := s.es.Publish(t.Context(), p); err != nil {
					errs.add(err)
					return
				}
				if r%3 == 0 {
					if err := s.es.Retract(t.Context(), id); err != nil {
						errs.add(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	require.Empty(t, errs.errs, "concurrent Publish and Retract of distinct services: want no error")
	if !s.canObserve() {
		return
	}
	for w := range workers {
		want := publication(fmt.Sprint("svc-", w))
		want.EntryPoints[0].Queue = fmt.Sprint("round-", rounds-1) // the last round, not retracted
		s.assertShows(t, want, "after concurrent use")
	}
}

func testConcurrentSameService(t *testing.T, s suite) {
	var (
		wg    sync.WaitGroup
		errs  errorsOf
		start = make(chan struct{})
	)
	variants := make([]contactcenter.Publication, workers)
	for w := range workers {
		variants[w] = publication("expo")
		variants[w].EntryPoints[0].Queue = fmt.Sprint("writer-", w)
		wg.Go(func() {
			<-start
			if err := s.es.Publish(t.Context(), variants[w]); err != nil {
				errs.add(err)
			}
		})
	}
	close(start)
	wg.Wait()
	require.Empty(t, errs.errs, "concurrent Publish of one service: want no error")
	if !s.canObserve() {
		return
	}
	got, ok := s.observe("expo")
	require.True(t, ok, "after concurrent Publish: want something published")
	matches := 0
	for _, v := range variants {
		if assert.ObjectsAreEqual(normalized(v), got) {
			matches++
		}
	}
	assert.Equal(t, 1, matches, "after concurrent Publish of %d variants: want exactly one of them shown whole, got %+v", workers, got)
}
