package recordstest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/eventcc/eventcc/modality/routing"
)

// versioned returns the record engagement i of service "conc" has at
// seq: every field but the arrival follows seq, so that a reader can
// tell a record torn between two writes.
func versioned(i int, seq int64) routing.Record {
	r := waiting("conc", fmt.Sprintf("e-%02d", i), base.Add(time.Duration(i)*time.Second), seq)
	r.Queue = fmt.Sprintf("q-%d", seq)
	r.Entered = base.Add(time.Duration(seq) * time.Microsecond)
	return connect(r, fmt.Sprintf("agent-%d", seq), base.Add(time.Duration(seq)*time.Millisecond), seq)
}

// torn says what in r differs from versioned(i, r.Seq), "" if nothing.
func torn(i int, r routing.Record) string {
	want := versioned(i, r.Seq)
	if r.ID != want.ID || r.Queue != want.Queue || r.Agent != want.Agent ||
		!r.Entered.Equal(want.Entered) || !r.Accepted.Equal(want.Accepted) || !r.Arrived.Equal(want.Arrived) {
		return fmt.Sprintf("%s#%d: queue %q, agent %q, entered %s, accepted %s; want those of Seq %d", r.ID, r.Seq,
			r.Queue, r.Agent, r.Entered.Format(time.RFC3339Nano), r.Accepted.Format(time.RFC3339Nano), r.Seq)
	}
	return ""
}

// testConcurrentHighestSeq: writers put batches of every engagement,
// each writer a different series of increasing Seqs, in shuffled order,
// while readers list them. Every Put stores or is stale; readers see
// whole records and never a Seq go back; the highest Seq stays.
func testConcurrentHighestSeq(t *testing.T, s routing.Records) {
	const writers, steps, engagements, readers = 8, 25, 6, 2
	ctx := context.Background()
	writeErrs := make([][]error, writers)
	var writing sync.WaitGroup
	for g := range writers {
		writing.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			batch := make([]routing.Record, engagements)
			for step := range steps {
				seq := int64(step*writers + g + 1)
				for i := range batch {
					batch[i] = versioned(i, seq)
				}
				rng.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
				if err := s.Put(ctx, batch...); err != nil && !errors.Is(err, routing.ErrStale) {
					writeErrs[g] = append(writeErrs[g], err)
				}
			}
		})
	}
	stop := make(chan struct{})
	readProblems := make([][]string, readers)
	var reading sync.WaitGroup
	for r := range readers {
		reading.Go(func() {
			seen := make(map[string]int64)
			for reads := 0; ; reads++ {
				select {
				case <-stop:
					if reads > 0 {
						return
					}
				default:
				}
				got, err := s.Live(ctx, "conc")
				if err != nil {
					readProblems[r] = append(readProblems[r], fmt.Sprintf("Live: %v", err))
					return
				}
				for _, rec := range got {
					var i int
					if _, err := fmt.Sscanf(rec.ID, "e-%02d", &i); err != nil {
						readProblems[r] = append(readProblems[r], fmt.Sprintf("Live returned an unknown record %q", rec.ID))
						continue
					}
					if p := torn(i, rec); p != "" {
						readProblems[r] = append(readProblems[r], "torn record "+p)
					}
					if rec.Seq < seen[rec.ID] {
						readProblems[r] = append(readProblems[r], fmt.Sprintf("%s went back from Seq %d to %d", rec.ID, seen[rec.ID], rec.Seq))
					}
					seen[rec.ID] = max(seen[rec.ID], rec.Seq)
				}
			}
		})
	}
	writing.Wait()
	close(stop)
	reading.Wait()

	for g, errs := range writeErrs {
		assert.Empty(t, errs, "writer %d: want every concurrent Put to succeed or be stale (ErrStale)", g)
	}
	for r, ps := range readProblems {
		assert.Empty(t, ps, "reader %d: want every concurrent Live to return whole records whose Seqs never go back", r)
	}
	highest := int64(steps * writers)
	want := make([]routing.Record, engagements)
	for i := range want {
		want[i] = versioned(i, highest)
	}
	assertRecords(t, want, mustLive(t, s, "conc"), fmt.Sprintf("Live after the concurrent Puts: want every engagement at the highest Seq, %d", highest))
}

// testConcurrentServices: a writer per service takes its engagements
// from waiting to ended while others do the same to theirs, then half
// the services are deleted at once.
func testConcurrentServices(t *testing.T, s routing.Records) {
	const services, engagements = 8, 5
	ctx := context.Background()
	errs := make([][]error, services)
	want := make([][]routing.Record, services)
	var wg sync.WaitGroup
	for g := range services {
		wg.Go(func() {
			service := fmt.Sprintf("svc-%d", g)
			recs := make([]routing.Record, engagements)
			for i := range recs {
				recs[i] = waiting(service, fmt.Sprintf("e-%d", i), base.Add(time.Duration(i)*time.Second), 1)
			}
			if err := s.Put(ctx, recs...); err != nil {
				errs[g] = append(errs[g], err)
			}
			for i := range recs {
				recs[i] = connect(recs[i], fmt.Sprintf("agent-%d", i), base.Add(time.Minute), 2)
				if err := s.Put(ctx, recs[i]); err != nil {
					errs[g] = append(errs[g], err)
				}
			}
			for i := range recs {
				recs[i] = end(recs[i], base.Add(time.Duration(10+i)*time.Minute), routing.Answered, 3)
			}
			if err := s.Put(ctx, recs...); err != nil {
				errs[g] = append(errs[g], err)
			}
			want[g] = recs
		})
	}
	wg.Wait()
	for g := range services {
		assert.Empty(t, errs[g], "service %d: want every Put of its own engagements to succeed", g)
		service := fmt.Sprintf("svc-%d", g)
		assert.Empty(t, keys(mustLive(t, s, service)), "Live of %s after its engagements ended: want nothing", service)
		assertRecords(t, want[g], mustEnded(t, s, service, time.Time{}, far), "Ended of "+service)
	}

	counts := make([]int, services)
	delErrs := make([]error, services)
	for g := 0; g < services; g += 2 {
		wg.Go(func() { counts[g], delErrs[g] = s.Delete(ctx, fmt.Sprintf("svc-%d", g)) })
	}
	wg.Wait()
	for g := range services {
		service := fmt.Sprintf("svc-%d", g)
		if g%2 == 0 {
			assert.NoError(t, delErrs[g], "concurrent Delete of %s: want no error", service)
			assert.Equal(t, engagements, counts[g], "concurrent Delete of %s: want its %d records counted", service, engagements)
			assert.Empty(t, keys(mustEnded(t, s, service, time.Time{}, far)), "Ended of %s after its Delete: want nothing", service)
			continue
		}
		assertRecords(t, want[g], mustEnded(t, s, service, time.Time{}, far), "Ended of "+service+", not deleted, after the others' Deletes")
	}
}
