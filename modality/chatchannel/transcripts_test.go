package chatchannel_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/chatchannel"
)

// testTranscripts is a small conformance suite of the Transcripts
// contract, one subtest per sentence; a pgstore implementation will run
// it too once the suite moves to its own package.
func testTranscripts(t *testing.T, newStore func(t *testing.T) chatchannel.Transcripts) {
	ctx := context.Background()
	msg := func(svc, conv, cid, body string) chatchannel.Message {
		return chatchannel.Message{ServiceID: svc, Conversation: conv, ClientMsgID: cid, Author: chatchannel.AuthorAttendee, Body: body}
	}
	t.Run("Append/AssignsSeqAndID", func(t *testing.T) {
		s := newStore(t)
		for i := range 3 {
			m, err := s.Append(ctx, msg("svc", "c1", "", fmt.Sprint(i)))
			require.NoError(t, err)
			assert.Equal(t, int64(i+1), m.Seq, "seq counts from 1 within the conversation")
			assert.NotEmpty(t, m.ID)
		}
		m, err := s.Append(ctx, msg("svc", "c2", "", "x"))
		require.NoError(t, err)
		assert.Equal(t, int64(1), m.Seq, "each conversation has its own sequence")
	})
	t.Run("Append/IdempotentOnClientMsgID", func(t *testing.T) {
		s := newStore(t)
		a, err := s.Append(ctx, msg("svc", "c1", "k", "hello"))
		require.NoError(t, err)
		b, err := s.Append(ctx, msg("svc", "c1", "k", "hello again"))
		require.NoError(t, err)
		assert.Equal(t, a, b, "a resend returns the stored message")
		all, err := s.Since(ctx, "c1", 0)
		require.NoError(t, err)
		assert.Len(t, all, 1, "a resend is stored once")
		c, err := s.Append(ctx, msg("svc", "c2", "k", "other conversation"))
		require.NoError(t, err)
		assert.Equal(t, int64(1), c.Seq, "client ids are per conversation")
	})
	t.Run("Append/Invalid", func(t *testing.T) {
		_, err := newStore(t).Append(ctx, msg("", "c1", "", "x"))
		assert.ErrorIs(t, err, chatchannel.ErrTranscriptInput)
		_, err = newStore(t).Append(ctx, msg("svc", "", "", "x"))
		assert.ErrorIs(t, err, chatchannel.ErrTranscriptInput)
	})
	t.Run("Since", func(t *testing.T) {
		s := newStore(t)
		for i := range 5 {
			_, err := s.Append(ctx, msg("svc", "c1", "", fmt.Sprint(i)))
			require.NoError(t, err)
		}
		got, err := s.Since(ctx, "c1", 3)
		require.NoError(t, err)
		require.Len(t, got, 2)
		assert.Equal(t, []int64{4, 5}, []int64{got[0].Seq, got[1].Seq}, "above afterSeq, in order")
		got[0].Body = "tampered"
		again, err := s.Since(ctx, "c1", 3)
		require.NoError(t, err)
		assert.Equal(t, "3", again[0].Body, "the caller owns what Since returns")
		none, err := s.Since(ctx, "unknown", 0)
		assert.NoError(t, err)
		assert.Empty(t, none, "an unknown conversation has no messages")
	})
	t.Run("DeleteService", func(t *testing.T) {
		s := newStore(t)
		for _, c := range []struct{ svc, conv string }{{"a", "1"}, {"a", "2"}, {"b", "3"}} {
			_, err := s.Append(ctx, msg(c.svc, c.conv, "", "x"))
			require.NoError(t, err)
		}
		n, err := s.DeleteService(ctx, "a")
		require.NoError(t, err)
		assert.Equal(t, 2, n, "DeleteService returns how many conversations it deleted")
		gone, _ := s.Since(ctx, "1", 0)
		assert.Empty(t, gone)
		kept, _ := s.Since(ctx, "3", 0)
		assert.Len(t, kept, 1, "another service's transcripts stay")
	})
	t.Run("Context/Done", func(t *testing.T) {
		s := newStore(t)
		done, cancel := context.WithCancel(ctx)
		cancel()
		_, err := s.Append(done, msg("svc", "c1", "", "x"))
		assert.ErrorIs(t, err, context.Canceled)
		_, err = s.Since(done, "c1", 0)
		assert.ErrorIs(t, err, context.Canceled)
		_, err = s.DeleteService(done, "svc")
		assert.ErrorIs(t, err, context.Canceled)
		all, _ := s.Since(ctx, "c1", 0)
		assert.Empty(t, all, "a done ctx changes nothing")
	})
	t.Run("Concurrency", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Go(func() {
				for i := range 50 {
					_, err := s.Append(ctx, msg("svc", fmt.Sprint("c", w%2), fmt.Sprint(w, "-", i%25), "x"))
					assert.NoError(t, err)
				}
			})
		}
		wg.Wait()
		for _, c := range []string{"c0", "c1"} {
			all, err := s.Since(ctx, c, 0)
			require.NoError(t, err)
			assert.Len(t, all, 4*25, "each client id stored once in %s", c)
			for i, m := range all {
				assert.Equal(t, int64(i+1), m.Seq, "seqs are dense")
			}
		}
	})
}

func TestMemTranscripts(t *testing.T) {
	testTranscripts(t, func(*testing.T) chatchannel.Transcripts { return chatchannel.NewMemTranscripts() })
}
