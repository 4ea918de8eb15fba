package chatchannel_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/chatchannel"
	"github.com/eventcc/eventcc/modality/transcript"
)

// heldJoins is a transcript store whose appends of "joined" messages
// wait until released: a durable store, slow.
type heldJoins struct {
	*transcript.Mem
	release chan struct{}
	held    chan struct{} // one value each time a join starts waiting
}

func (s *heldJoins) Append(ctx context.Context, m transcript.Message) (transcript.Message, error) {
	if strings.Contains(m.Body, "joined the conversation") {
		s.held <- struct{}{}
		<-s.release
	}
	return s.Mem.Append(ctx, m)
}

// TestChat_ADecisionDoesNotWaitOnTheTranscript: the router delivers a
// service's decisions one at a time, so the channel must not hold one
// up writing what it says of it: while the store holds the first
// agent's "joined", the router's next decision, about another
// conversation, is taken at once. The agent's first message waits its
// turn and lands after their arrival.
func TestChat_ADecisionDoesNotWaitOnTheTranscript(t *testing.T) {
	store := &heldJoins{Mem: transcript.NewMem(), release: make(chan struct{}), held: make(chan struct{}, 2)}
	var once sync.Once
	release := func() { once.Do(func() { close(store.release) }) }
	e := newEnv(t, chatchannel.Config{Transcripts: store})
	t.Cleanup(release) // before the env's: a failing test lets the write go
	e.open(t, "svc")
	a, b := e.dial(t, "/svc/chat?entry=direct"), e.dial(t, "/svc/chat?entry=direct")
	convA, convB := a.hello("tok-svc-ann").Conversation, b.hello("tok-svc-ben").Conversation
	<-e.r.enqueue
	<-e.r.enqueue

	decide := func(conv, agent string) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			e.r.decide(t, conv, modality.Decision{Kind: modality.Connected, Agent: agent})
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second): // bounds a failing test only
			t.Fatalf("the router's decision about %s waited on the transcript", conv)
		}
	}
	decide(convA, "bob")
	<-store.held // bob's "joined" is being written, and held
	decide(convB, "cat")

	posted := make(chan chatchannel.Message, 1)
	go func() {
		m, err := e.ch.Post(context.Background(), "svc", convA, "bob", "How can I help?")
		assert.NoError(t, err)
		posted <- m
	}()
	release()
	m := <-posted
	msgs, err := e.ch.Messages(t.Context(), "svc", convA, 0)
	require.NoError(t, err)
	var authors []string
	for _, x := range msgs {
		authors = append(authors, x.Author+": "+x.Body)
	}
	require.GreaterOrEqual(t, len(msgs), 2)
	assert.Equal(t, "agent:bob: Agent bob joined the conversation.", authors[len(authors)-2], "the arrival first")
	assert.Equal(t, "agent:bob: How can I help?", authors[len(authors)-1], "then what they wrote")
	assert.Equal(t, msgs[len(msgs)-1].Seq, m.Seq)
}
