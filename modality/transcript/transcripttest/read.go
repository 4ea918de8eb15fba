package transcripttest

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/transcript"
)

func testSince(t *testing.T, s transcript.Store) {
	var all []transcript.Message
	for i := range 5 {
		all = append(all, mustAppend(t, s, msg("expo", "c-1", fmt.Sprint("k-", i), i)))
	}
	mustAppend(t, s, msg("expo", "c-2", "", 9))
	for _, tc := range []struct {
		after int64
		want  []transcript.Message
	}{
		{-1, all},
		{0, all},
		{1, all[1:]},
		{3, all[3:]},
		{4, all[4:]},
		{5, nil},
		{99, nil},
	} {
		assertMessages(t, tc.want, mustSince(t, s, "c-1", tc.after),
			fmt.Sprintf("Since(c-1, %d) of Seqs 1 to 5: want those above %d, in Seq order, only c-1's", tc.after, tc.after))
	}
}

func testSinceUnknown(t *testing.T, s transcript.Store) {
	got, err := s.Since(context.Background(), "nobody", 0)
	assert.NoError(t, err, "Since of a conversation in an empty store: want no error")
	assert.Empty(t, got, "Since of a conversation in an empty store: want no messages")
	mustAppend(t, s, msg("expo", "c-1", "", 0))
	got, err = s.Since(context.Background(), "nobody", 0)
	assert.NoError(t, err, "Since of a conversation never written: want no error")
	assert.Empty(t, got, "Since of a conversation never written: want no messages")
}

func testSinceOwned(t *testing.T, s transcript.Store) {
	want := []transcript.Message{mustAppend(t, s, msg("expo", "c-1", "", 0)), mustAppend(t, s, msg("expo", "c-1", "", 1))}
	first := mustSince(t, s, "c-1", 0)
	second := mustSince(t, s, "c-1", 0)
	require.Len(t, first, 2, "Since: want both messages")
	first[0].Body, first[0].Seq = "scribbled", 99
	first[1] = transcript.Message{}
	assertMessages(t, want, second, "a second Since, after the caller changed what the first returned: want it unchanged")
	assertMessages(t, want, mustSince(t, s, "c-1", 0), "Since after the caller changed what Since returned: want the store unchanged")
}

func testDeleteService(t *testing.T, s transcript.Store) {
	ctx := context.Background()
	for _, conv := range []string{"c-1", "c-2"} {
		for i := range 3 {
			mustAppend(t, s, msg("expo", conv, fmt.Sprint("k-", i), i))
		}
	}
	n, err := s.DeleteService(ctx, "expo")
	require.NoError(t, err, "DeleteService of a service with transcripts: want no error")
	assert.Equal(t, 2, n, "DeleteService of a service with 2 conversations of 3 messages each: want 2, the conversations counted")
	for _, conv := range []string{"c-1", "c-2"} {
		assert.Empty(t, mustSince(t, s, conv, 0), "Since of %s after DeleteService: want nothing", conv)
	}
	n, err = s.DeleteService(ctx, "expo")
	assert.NoError(t, err, "a second DeleteService: want no error")
	assert.Zero(t, n, "a second DeleteService: want 0")
	n, err = s.DeleteService(ctx, "nobody")
	assert.NoError(t, err, "DeleteService of a service never written: want no error")
	assert.Zero(t, n, "DeleteService of a service never written: want 0")

	m := mustAppend(t, s, msg("expo", "c-1", "k-0", 7))
	assert.Equal(t, int64(1), m.Seq, "Append to a deleted conversation: want Seq 1, nothing is kept")
	assert.Equal(t, "message 7", m.Body, "Append of a deleted ClientMsgID: want it stored anew, not a resend")
}

func testDeleteIsolated(t *testing.T, s transcript.Store) {
	ctx := context.Background()
	mustAppend(t, s, msg("expo", "e-1", "", 0))
	gala := []transcript.Message{mustAppend(t, s, msg("gala", "g-1", "", 0)), mustAppend(t, s, msg("gala", "g-1", "", 1))}
	gala2 := mustAppend(t, s, msg("gala", "g-2", "", 0))
	other := mustAppend(t, s, msg("expo-2", "x-1", "", 0)) // a service whose ID extends expo's

	n, err := s.DeleteService(ctx, "expo")
	require.NoError(t, err)
	assert.Equal(t, 1, n, "DeleteService of expo: want its one conversation")
	assert.Empty(t, mustSince(t, s, "e-1", 0), "Since of expo's conversation after its DeleteService: want nothing")
	assertMessages(t, gala, mustSince(t, s, "g-1", 0), "Since of gala's conversation after expo's DeleteService: want it untouched")
	assertMessages(t, []transcript.Message{gala2}, mustSince(t, s, "g-2", 0), "Since of gala's other conversation after expo's DeleteService: want it untouched")
	assertMessages(t, []transcript.Message{other}, mustSince(t, s, "x-1", 0), "Since of expo-2's conversation after expo's DeleteService: want it untouched")
}

func testDone(t *testing.T, s transcript.Store, done context.Context) {
	stored := mustAppend(t, s, msg("expo", "c-1", "k", 0))
	want := done.Err()

	_, err := s.Append(done, msg("expo", "c-1", "", 1))
	assert.ErrorIs(t, err, want, "Append with a done ctx: want ctx.Err()")
	_, err = s.Append(done, msg("expo", "c-2", "", 1))
	assert.ErrorIs(t, err, want, "Append to a new conversation with a done ctx: want ctx.Err()")
	_, err = s.Append(done, msg("expo", "c-1", "k", 2))
	assert.ErrorIs(t, err, want, "Append of a resend with a done ctx: want ctx.Err()")
	_, err = s.Since(done, "c-1", 0)
	assert.ErrorIs(t, err, want, "Since with a done ctx: want ctx.Err()")
	_, err = s.DeleteService(done, "expo")
	assert.ErrorIs(t, err, want, "DeleteService with a done ctx: want ctx.Err()")

	assertMessages(t, []transcript.Message{stored}, mustSince(t, s, "c-1", 0), "Since after calls with a done ctx: want nothing appended, nothing deleted")
	assert.Empty(t, mustSince(t, s, "c-2", 0), "Since of a new conversation after an Append with a done ctx: want nothing")
	next := mustAppend(t, s, msg("expo", "c-1", "", 3))
	assert.Equal(t, int64(2), next.Seq, "Append after calls with a done ctx: want Seq 2, none was taken")
}
