package contactcenter_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/memrelay"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
)

// echoChat is a chat channel that serves links: it answers every frame
// with the frame upper-cased, and "bye" by ending the session.
type echoChat struct {
	*memchannel.Channel
	fwd    atomic.Value // modality.Forwarder
	served chan string  // service/entry/remote of each link served
	ended  chan error   // why each link's Recv ended
}

func newEchoChat(t *testing.T) *echoChat {
	ch, err := memchannel.New(modality.Chat)
	require.NoError(t, err)
	return &echoChat{Channel: ch, served: make(chan string, 8), ended: make(chan error, 8)}
}

func (c *echoChat) SetForwarder(f modality.Forwarder) { c.fwd.Store(f) }

func (c *echoChat) ServeLink(ctx context.Context, svc, entry, remote string, l modality.Link) {
	c.served <- svc + "/" + entry + "/" + remote
	for {
		f, err := l.Recv(ctx)
		if err != nil {
			c.ended <- err
			return
		}
		if string(f) == "bye" {
			c.ended <- nil
			return // the lifecycle closes the link
		}
		if err := l.Send(ctx, bytes.ToUpper(f)); err != nil {
			c.ended <- err
			return
		}
	}
}

// lossy drops the relay messages drop says to.
type lossy struct {
	contactcenter.Relay
	drop func(msg []byte) bool
}

func (r lossy) Send(ctx context.Context, to string, msg []byte) error {
	if r.drop(msg) {
		return nil
	}
	return r.Relay.Send(ctx, to, msg)
}

// linkWorld is two replicas, a driving a conference, b not, each with
// an echoChat, over one relay whose messages a test may drop.
func linkWorld(t *testing.T) (a, b *contactcenter.Lifecycle, achat, bchat *echoChat, svc contactcenter.Service, drop *atomic.Pointer[func([]byte) bool], w *world) {
	t.Helper()
	w = newWorld(t)
	drop = &atomic.Pointer[func([]byte) bool]{}
	relay := lossy{Relay: memrelay.New(), drop: func(m []byte) bool {
		if f := drop.Load(); f != nil {
			return (*f)(m)
		}
		return false
	}}
	replica := func(name string) (*contactcenter.Lifecycle, *echoChat) {
		phones, err := memchannel.New(modality.Telephony, modality.SMS)
		require.NoError(t, err)
		chat := newEchoChat(t)
		cfg := w.Config(name)
		cfg.Channels, cfg.Relay = []modality.Channel{phones, chat}, relay
		lc, err := contactcenter.New(cfg)
		require.NoError(t, err)
		t.Cleanup(func() { lc.Close() })
		return lc, chat
	}
	a, achat = replica("a")
	b, bchat = replica("b")
	req := conference("conf-links")
	svc, err := a.Request(context.Background(), req)
	require.NoError(t, err)
	w.runUntil(t, a, time.Minute, req.Term.Start.Add(time.Minute), func() bool { return w.State(t, svc.ID) == contactcenter.Active })
	require.NoError(t, b.Tick(context.Background())) // b listens; a holds the service
	return a, b, achat, bchat, svc, drop, w
}

func TestLinks_CarryASocketToTheDrivingReplica(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	a, b, achat, bchat, svc, _, _ := linkWorld(t)
	assert.Same(t, b, bchat.fwd.Load(), "with a relay, the lifecycle forwards its chat channel's sockets")
	assert.Same(t, a, achat.fwd.Load())

	_, err := a.Forward(ctx, modality.Chat, svc.ID, "", "")
	require.ErrorIs(t, err, modality.ErrNotFound, "a drives it: nothing to forward")
	_, err = b.Forward(ctx, modality.Chat, "no-such-service", "", "")
	require.ErrorIs(t, err, modality.ErrNotFound)

	l, err := b.Forward(ctx, modality.Chat, svc.ID, "web", "192.0.2.7:5000")
	require.NoError(t, err)
	assert.Equal(t, svc.ID+"/web/192.0.2.7:5000", <-achat.served, "a serves the socket that arrived at b")
	require.NoError(t, l.Send(ctx, []byte(`{"type":"hello"}`)))
	got, err := l.Recv(ctx)
	require.NoError(t, err)
	assert.Equal(t, `{"TYPE":"HELLO"}`, string(got))

	big := []byte(strings.Repeat("abcdefgh", 5000)) // 40 KB: ten relay messages each way
	require.NoError(t, l.Send(ctx, big))
	got, err = l.Recv(ctx)
	require.NoError(t, err)
	assert.Equal(t, bytes.ToUpper(big), got, "a frame larger than a relay message arrives whole")

	require.NoError(t, l.Send(ctx, []byte("bye")))
	require.NoError(t, <-achat.ended)
	_, err = l.Recv(ctx)
	var closed *modality.LinkClosedError
	require.ErrorAs(t, err, &closed, "the session at a ended: so does the link at b")
	assert.Equal(t, 1000, closed.Code)
	require.ErrorAs(t, l.Send(ctx, []byte("more")), &closed)
}

func TestLinks_CloseReachesTheOtherEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, b, achat, _, svc, _, _ := linkWorld(t)
	l, err := b.Forward(ctx, modality.Chat, svc.ID, "", "")
	require.NoError(t, err)
	<-achat.served
	require.NoError(t, l.Close(1001, "the attendee left"))
	require.NoError(t, l.Close(1001, "again"), "idempotent")
	err = <-achat.ended
	var closed *modality.LinkClosedError
	require.ErrorAs(t, err, &closed)
	assert.Equal(t, modality.LinkClosedError{Code: 1001, Reason: "the attendee left"}, *closed)
}

func TestLinks_ALostFrameClosesTheLink(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, b, achat, _, svc, drop, _ := linkWorld(t)
	l, err := b.Forward(ctx, modality.Chat, svc.ID, "", "")
	require.NoError(t, err)
	<-achat.served
	var once sync.Once
	f := func(m []byte) bool {
		dropped := false
		if bytes.Contains(m, []byte(`"op":"frame"`)) {
			once.Do(func() { dropped = true })
		}
		return dropped
	}
	drop.Store(&f)
	require.NoError(t, l.Send(ctx, []byte("lost")))
	require.NoError(t, l.Send(ctx, []byte("next")))
	err = <-achat.ended
	var closed *modality.LinkClosedError
	require.ErrorAs(t, err, &closed, "a gap is not papered over")
	assert.Equal(t, 1011, closed.Code)
	_, err = l.Recv(ctx)
	require.ErrorAs(t, err, &closed, "and b's end hears it: the attendee reconnects and resumes")
	assert.Equal(t, 1011, closed.Code)
	assert.False(t, errors.Is(err, context.DeadlineExceeded))
}

// TestLinks_ATakeoverClosesTheOldOnes: when b takes the service over
// (a died), the links b had opened to a close with 1012, so the pages
// reconnect and reach b.
func TestLinks_ATakeoverClosesTheOldOnes(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	a, b, achat, _, svc, drop, w := linkWorld(t)
	l, err := b.Forward(ctx, modality.Chat, svc.ID, "", "")
	require.NoError(t, err)
	<-achat.served
	silent := func(m []byte) bool { return bytes.Contains(m, []byte(`"from":"a"`)) }
	drop.Store(&silent)
	require.NoError(t, a.Close()) // a dies without a word; its lease runs out
	for {
		require.NoError(t, b.Tick(ctx))
		if holder, _ := w.store.Holder(ctx, svc.ID, w.Clock.Now()); holder == "b" {
			break
		}
		w.Clock.Advance(30 * time.Second)
	}
	require.NoError(t, b.Tick(ctx))
	_, err = l.Recv(ctx)
	var closed *modality.LinkClosedError
	require.ErrorAs(t, err, &closed)
	assert.Equal(t, 1012, closed.Code, "service restart: reconnect")
}
