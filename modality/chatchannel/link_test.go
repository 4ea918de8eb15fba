package chatchannel_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/chatchannel"
)

// pipeEnd is one end of an in-memory modality.Link.
type pipeEnd struct {
	in, out chan []byte
	state   *pipeState
}

type pipeState struct {
	once   sync.Once
	done   chan struct{}
	closed *modality.LinkClosedError
}

func pipe() (a, b *pipeEnd) {
	st := &pipeState{done: make(chan struct{})}
	ab, ba := make(chan []byte, 64), make(chan []byte, 64)
	return &pipeEnd{in: ba, out: ab, state: st}, &pipeEnd{in: ab, out: ba, state: st}
}

func (p *pipeEnd) Send(ctx context.Context, f []byte) error {
	select {
	case <-p.state.done:
		return p.state.closed
	case p.out <- append([]byte(nil), f...):
		return nil
	}
}

func (p *pipeEnd) Recv(ctx context.Context) ([]byte, error) {
	select {
	case f := <-p.in:
		return f, nil
	case <-p.state.done:
		return nil, p.state.closed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *pipeEnd) Close(code int, reason string) error {
	p.state.once.Do(func() {
		p.state.closed = &modality.LinkClosedError{Code: code, Reason: reason}
		close(p.state.done)
	})
	return nil
}

// forwarder links sockets to the channel `to` serves, as the lifecycle
// does over its relay: ServeLink on the other end.
type forwarder struct {
	to      *chatchannel.Channel
	wg      sync.WaitGroup
	refuse  error
	forward chan string
}

func (f *forwarder) Forward(ctx context.Context, kind modality.Kind, svc, entry, remote string) (modality.Link, error) {
	if f.refuse != nil {
		return nil, f.refuse
	}
	here, there := pipe()
	f.forward <- svc + "?" + entry
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		f.to.ServeLink(context.Background(), svc, entry, remote, there)
	}()
	return here, nil
}

// TestForwarding: a channel that does not serve a service passes its
// sockets to the one that does; the attendee chats and resumes as if
// connected there; a service open nowhere says it is closed with what
// the forwarder says.
func TestForwarding(t *testing.T) {
	a := newEnv(t, chatchannel.Config{}) // drives "svc"
	a.open(t, "svc")
	b := newEnv(t, chatchannel.Config{}) // does not
	f := &forwarder{to: a.ch, forward: make(chan string, 8)}
	b.ch.SetForwarder(f)
	defer f.wg.Wait()

	c := b.dial(t, "/svc/chat?entry=direct")
	conv := c.hello("tok-svc-alice").Conversation
	assert.Equal(t, "svc?direct", <-f.forward, "b forwarded the socket, with its entry point")
	got := <-a.r.enqueue
	assert.Equal(t, conv, got.ID, "a's channel, and a's router, took the conversation")
	a.r.decide(t, conv, modality.Decision{Kind: modality.Connected, Agent: "bob"})
	_, err := a.ch.Post(t.Context(), "svc", conv, "bob", "Hello from a")
	require.NoError(t, err)
	for m := c.next(); m.Body != "Hello from a"; m = c.next() {
	}
	c.send(map[string]any{"type": "message", "client_msg_id": "m1", "body": "Hi a, I'm at b"})
	ack, _ := c.until("ack")
	assert.Equal(t, "m1", ack.ClientMsgID)

	// The attendee's socket at b goes; they resume at a directly.
	c.conn.Close(websocket.StatusGoingAway, "")
	r := a.dial(t, "/svc/chat")
	r.send(map[string]any{"type": "hello", "token": "tok-svc-alice", "conversation": conv, "last_seq": 0})
	w, _ := r.until("welcome")
	assert.Equal(t, conv, w.Conversation, "resumed where the conversation lives")
	for m, _ := r.until("message"); m.Body != "Hi a, I'm at b"; m, _ = r.until("message") {
	}

	// b's Close closes the sockets it forwards, and their links.
	c2 := b.dial(t, "/svc/chat?entry=direct")
	c2.hello("tok-svc-carol")
	<-f.forward
	<-a.r.enqueue
	closed := make(chan error)
	go func() { closed <- b.ch.Close() }()
	assert.Equal(t, websocket.StatusGoingAway, c2.closeStatus())
	require.NoError(t, <-closed)
}

// TestForwarding_NotOpenAnywhere: a service no replica drives is closed,
// in the words the forwarder gives; a forwarder that fails is a 503 the
// page retries.
func TestForwarding_NotOpenAnywhere(t *testing.T) {
	b := newEnv(t, chatchannel.Config{})
	f := &forwarder{refuse: &modality.NotOpenError{ServiceID: "gala", Message: "The gala's help desk is closed."}}
	b.ch.SetForwarder(f)
	c := b.dial(t, "/gala/chat")
	c.send(map[string]any{"type": "hello", "token": "tok-gala-alice"})
	assert.Equal(t, frame{Type: "closed", Reason: "closed", Message: "The gala's help desk is closed."}, c.next())

	f.refuse = errors.New("no replica drives it right now")
	_, res, err := websocket.Dial(t.Context(), "ws"+b.srv.URL[len("http"):]+"/gala/chat", nil)
	require.Error(t, err)
	assert.Equal(t, 503, res.StatusCode)
}
