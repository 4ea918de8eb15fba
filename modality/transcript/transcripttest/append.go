package transcripttest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/transcript"
)

func testRoundTrip(t *testing.T, s transcript.Store) {
	in := []transcript.Message{
		msg("expo", "c-1", "k-1", 0),
		{ServiceID: "expo", Conversation: "c-1", Author: transcript.AuthorReceptionist,
			Body: "Bienvenue 👋\nline two, \"quoted\", tab\there", At: base.Add(1500 * time.Microsecond)},
		{ServiceID: "expo", Conversation: "c-1", Author: "agent:ann", Body: "x", At: time.Date(2030, time.May, 1, 11, 0, 0, 7000, time.FixedZone("CEST", 2*3600))},
		{ServiceID: "expo", Conversation: "c-1", Author: transcript.AuthorSystem, Body: "no instant"},
	}
	var want []transcript.Message
	for i, m := range in {
		got := mustAppend(t, s, m)
		m.Seq, m.ID = int64(i+1), got.ID
		assertMessage(t, m, got, fmt.Sprintf("Append of message %d: want it returned with every field as given, Seq and ID assigned", i))
		want = append(want, m)
	}
	assertMessages(t, want, mustSince(t, s, "c-1", 0), "Since after the Appends: want every message, every field as appended")
}

func testSeq(t *testing.T, s transcript.Store) {
	for i := range 5 {
		m := mustAppend(t, s, msg("expo", "c-1", "", i))
		assert.Equal(t, int64(i+1), m.Seq, "Append %d to c-1: want Seq %d, the conversation's last plus one from 1", i, i+1)
		if i == 1 {
			m := mustAppend(t, s, msg("expo", "c-2", "", 0))
			assert.Equal(t, int64(1), m.Seq, "first Append to c-2 while c-1 has messages: want Seq 1, each conversation has its own sequence")
		}
	}
	m := mustAppend(t, s, msg("gala", "c-3", "", 0))
	assert.Equal(t, int64(1), m.Seq, "first Append to a conversation of another service: want Seq 1")
	m = mustAppend(t, s, msg("expo", "c-2", "", 1))
	assert.Equal(t, int64(2), m.Seq, "second Append to c-2: want Seq 2")
	assert.Equal(t, upTo(5), seqs(mustSince(t, s, "c-1", 0)), "Since of c-1: want Seqs 1 to 5, no gaps")
	assert.Equal(t, upTo(2), seqs(mustSince(t, s, "c-2", 0)), "Since of c-2: want Seqs 1 and 2")
}

func testAssignsID(t *testing.T, s transcript.Store) {
	ids := make(map[string]int64)
	for i := range 4 {
		m := mustAppend(t, s, msg("expo", "c-1", "", i))
		assert.NotEmpty(t, m.ID, "Append without an ID: want one assigned")
		if prev, dup := ids[m.ID]; dup {
			assert.Fail(t, "Append without an ID: want an ID unique within the conversation", "ID %q of Seq %d was assigned to Seq %d already", m.ID, m.Seq, prev)
		}
		ids[m.ID] = m.Seq
	}
	for _, m := range mustSince(t, s, "c-1", 0) {
		assert.Equal(t, m.Seq, ids[m.ID], "Since: want each message with the ID Append returned for it")
	}
}

func testKeepsID(t *testing.T, s transcript.Store) {
	m := msg("expo", "c-1", "", 0)
	m.ID = "given-id"
	got := mustAppend(t, s, m)
	assert.Equal(t, "given-id", got.ID, "Append of a message with an ID: want its ID kept")
	all := mustSince(t, s, "c-1", 0)
	if assert.Len(t, all, 1, "Since after one Append") {
		assert.Equal(t, "given-id", all[0].ID, "Since: want the ID given to Append")
	}
}

func testIdempotent(t *testing.T, s transcript.Store) {
	first := mustAppend(t, s, msg("expo", "c-1", "k", 0))
	mustAppend(t, s, msg("expo", "c-1", "other", 1))
	resend := msg("expo", "c-1", "k", 2)
	resend.Author, resend.ID = transcript.AuthorSystem, "a-new-id"
	again := mustAppend(t, s, resend)
	assertMessage(t, first, again, "Append of a ClientMsgID the conversation has, other fields changed: want the stored message (same ID and Seq)")
	all := mustSince(t, s, "c-1", 0)
	assert.Equal(t, upTo(2), seqs(all), "Since after a resend: want it stored once")
	if len(all) > 0 {
		assertMessage(t, first, all[0], "Since after a resend: want the first message as first stored")
	}
	next := mustAppend(t, s, msg("expo", "c-1", "", 3))
	assert.Equal(t, int64(3), next.Seq, "Append after a resend: want Seq 3, a resend takes no Seq")

	other := mustAppend(t, s, msg("expo", "c-2", "k", 4))
	assert.Equal(t, int64(1), other.Seq, "Append of the ClientMsgID to another conversation: want it stored there, client ids are per conversation")
	assert.Equal(t, "message 4", other.Body, "Append of the ClientMsgID to another conversation: want its own body")
}

func testEmptyClientMsgID(t *testing.T, s transcript.Store) {
	a := mustAppend(t, s, msg("expo", "c-1", "", 0))
	b := mustAppend(t, s, msg("expo", "c-1", "", 0))
	assert.Equal(t, []int64{1, 2}, []int64{a.Seq, b.Seq}, "two Appends of the same message without ClientMsgID: want both stored")
	assert.Len(t, mustSince(t, s, "c-1", 0), 2, "Since after two Appends without ClientMsgID: want both")
}

func testInvalid(t *testing.T, s transcript.Store) {
	for _, tc := range []struct {
		name string
		m    transcript.Message
	}{
		{"no ServiceID", msg("", "c-1", "k", 0)},
		{"no Conversation", msg("expo", "", "k", 0)},
		{"neither", msg("", "", "", 0)},
	} {
		got, err := s.Append(context.Background(), tc.m)
		assert.ErrorIs(t, err, transcript.ErrInvalid, "Append of a message with %s: want ErrTranscriptInput", tc.name)
		assert.Zero(t, got.Seq, "Append of a message with %s: want no Seq", tc.name)
	}
	assert.Empty(t, mustSince(t, s, "c-1", 0), "Since after invalid Appends: want nothing stored")
	assert.Empty(t, mustSince(t, s, "", 0), "Since of the empty conversation after invalid Appends: want nothing stored")
	n, err := s.DeleteService(context.Background(), "expo")
	require.NoError(t, err)
	assert.Zero(t, n, "DeleteService after invalid Appends: want no conversation")
	m := mustAppend(t, s, msg("expo", "c-1", "k", 1))
	assert.Equal(t, int64(1), m.Seq, "a valid Append after invalid ones: want Seq 1")
	assert.Equal(t, "message 1", m.Body, "a valid Append with a ClientMsgID an invalid one had: want it stored, not a resend")
}
