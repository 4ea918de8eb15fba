package chatchannel_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/chatchannel"
)

// TestNoGoroutineLeftAfterClose: with attendees still connected, some
// detached, and Run going, Close and Run's return leave no goroutine of
// the package behind.
func TestNoGoroutineLeftAfterClose(t *testing.T) {
	e := newEnv(t, chatchannel.Config{})
	e.open(t, "svc")
	ctx, cancel := context.WithCancel(t.Context())
	ran := make(chan error)
	go func() { ran <- e.ch.Run(ctx) }()
	var clients []*client
	for range 20 {
		c := e.dial(t, "/svc/chat?entry=direct")
		c.hello("tok-svc-a")
		<-e.r.enqueue
		clients = append(clients, c)
	}
	for _, c := range clients[:5] {
		c.conn.CloseNow() // gone without a word: detached
	}
	n, _ := ownGoroutines()
	assert.Positive(t, n, "the channel has goroutines while sockets are open")

	cancel()
	assert.ErrorIs(t, <-ran, context.Canceled, "Run returns when its ctx is done")
	closed := make(chan error)
	go func() { closed <- e.ch.Close() }()
	for _, c := range clients[5:] {
		c.closeStatus() // the attendees' pages answer the close
	}
	require.NoError(t, <-closed)
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, dump := ownGoroutines()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after Close, %d goroutine(s) of the package remain; want none:\n%s", n, dump)
		}
		time.Sleep(10 * time.Millisecond) // polling for goroutines to exit, as goleak does
	}
}
