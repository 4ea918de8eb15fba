package pgstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter/pgstore"
	"github.com/eventcc/eventcc/modality/transcript"
	"github.com/eventcc/eventcc/modality/transcript/transcripttest"
)

func transcriptsHarness() transcripttest.Harness {
	return transcripttest.Harness{New: func(t testing.TB) transcript.Store { return newDB(t).Transcripts() }}
}

func TestTranscripts_Conformance(t *testing.T) {
	testURL(t)
	transcripttest.Run(t, transcriptsHarness())
}

func BenchmarkTranscripts(b *testing.B) {
	testURL(b)
	transcripttest.Benchmark(b, transcriptsHarness())
}

// TestTranscripts_TwoProcesses: replicas on pools of their own (as
// processes of their own) append to one conversation at once, each
// resending some of its messages; every message gets a distinct Seq, the
// Seqs run 1 to n without gaps, and each replica's messages keep the
// order it appended them in.
func TestTranscripts_TwoProcesses(t *testing.T) {
	db := newDB(t)
	const replicas, writers, msgs = 2, 3, 15
	ctx := context.Background()
	stores := make([]*pgstore.Transcripts, replicas)
	for r := range stores {
		stores[r] = replicaDB(t, db, appName("transcripts")).Transcripts()
	}
	errs := make([][]error, replicas*writers)
	seqs := make([][]int64, replicas*writers)
	var wg sync.WaitGroup
	for r := range replicas {
		for w := range writers {
			g := r*writers + w
			wg.Go(func() {
				for i := range msgs {
					m := transcript.Message{ServiceID: "expo", Conversation: "c-1", Author: transcript.AuthorAttendee,
						Body: fmt.Sprintf("%d-%d", g, i), ClientMsgID: fmt.Sprintf("%d-%d", g, i)}
					got, err := stores[r].Append(ctx, m)
					if err == nil && i%4 == 3 {
						var again transcript.Message
						again, err = stores[(r+1)%replicas].Append(ctx, m) // resent through the other replica
						if err == nil && again != got {
							err = fmt.Errorf("resend of %s through the other replica: %+v, want the stored %+v", m.Body, again, got)
						}
					}
					if err != nil {
						errs[g] = append(errs[g], err)
						continue
					}
					seqs[g] = append(seqs[g], got.Seq)
				}
			})
		}
	}
	wg.Wait()
	seen := make(map[int64]int)      // Seq -> its writer
	bodies := make(map[int64]string) // Seq -> the body appended with it
	for g := range errs {
		assert.Empty(t, errs[g], "writer %d: want every Append and resend to succeed", g)
		for i, s := range seqs[g] {
			if prev, dup := seen[s]; dup {
				assert.Fail(t, "want distinct Seqs", "Seq %d given to writers %d and %d", s, prev, g)
			}
			seen[s], bodies[s] = g, fmt.Sprintf("%d-%d", g, i)
			if i > 0 {
				assert.Greater(t, s, seqs[g][i-1], "writer %d: want its messages' Seqs increasing in the order it appended them", g)
			}
		}
	}
	all, err := db.Transcripts().Since(ctx, "c-1", 0)
	require.NoError(t, err)
	require.Len(t, all, replicas*writers*msgs, "Since after the concurrent Appends: want every message once")
	for i, m := range all {
		assert.Equal(t, int64(i+1), m.Seq, "Since: want Seqs 1 to %d without gaps", len(all))
		assert.Equal(t, fmt.Sprintf("c-1-%d", m.Seq), m.ID, "Since: want the assigned ID <conversation>-<seq>")
		assert.Equal(t, bodies[m.Seq], m.Body, "Since: want the message of Seq %d the one whose Append returned it", m.Seq)
	}
}

// TestTranscripts_Nanoseconds: At keeps the nanoseconds below the
// microsecond PostgreSQL keeps, in UTC; the zero instant stays zero.
func TestTranscripts_Nanoseconds(t *testing.T) {
	s := newDB(t).Transcripts()
	ctx := context.Background()
	at := time.Date(2030, time.May, 1, 9, 0, 0, 123456789, time.FixedZone("CEST", 2*3600))
	for i, when := range []time.Time{at, {}, time.Date(-4713, time.November, 24, 0, 0, 0, 0, time.UTC), time.Unix(9223372036853, 999999999).UTC()} {
		m, err := s.Append(ctx, transcript.Message{ServiceID: "expo", Conversation: "c-1", Author: transcript.AuthorSystem, Body: "x", At: when})
		require.NoError(t, err, "Append of At %s", when)
		all, err := s.Since(ctx, "c-1", m.Seq-1)
		require.NoError(t, err)
		require.Len(t, all, 1)
		assert.Equal(t, when.UTC(), all[0].At, "message %d: want At to the nanosecond, in UTC", i)
	}
}

// TestTranscripts_Unstorable: what PostgreSQL text or timestamptz cannot
// hold is refused with ErrTranscriptInput and nothing is stored.
func TestTranscripts_Unstorable(t *testing.T) {
	s := newDB(t).Transcripts()
	ctx := context.Background()
	ok := transcript.Message{ServiceID: "expo", Conversation: "c-1", Author: transcript.AuthorAttendee, Body: "hello"}
	for _, tc := range []struct {
		name string
		edit func(*transcript.Message)
	}{
		{"a NUL byte in Body", func(m *transcript.Message) { m.Body = "a\x00b" }},
		{"invalid UTF-8 in Body", func(m *transcript.Message) { m.Body = "a\xffb" }},
		{"a NUL byte in ClientMsgID", func(m *transcript.Message) { m.ClientMsgID = "\x00" }},
		{"At before 4714 BC", func(m *transcript.Message) { m.At = time.Date(-5000, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"At after 294247 AD", func(m *transcript.Message) { m.At = time.Unix(9223372036854, 0) }},
	} {
		m := ok
		tc.edit(&m)
		_, err := s.Append(ctx, m)
		assert.ErrorIs(t, err, transcript.ErrInvalid, "Append of a message with %s: want ErrTranscriptInput", tc.name)
	}
	all, err := s.Since(ctx, "c-1", 0)
	require.NoError(t, err)
	assert.Empty(t, all, "Since after the refused Appends: want nothing stored")
}
