package contactcenter_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/internal/siptest"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/sipchannel"
)

// sipReplica is a replica with a real SIP channel on a port of its own,
// as a host process on another machine has.
type sipReplica struct {
	lc   *contactcenter.Lifecycle
	addr string // the channel's UDP address
}

func (w *world) sipReplica(t *testing.T, owner string) sipReplica {
	t.Helper()
	ch, err := sipchannel.New(sipchannel.Config{Listen: []string{"127.0.0.1:0"}, Numbers: w.numbers, Now: w.Clock.Now})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = ch.Run(ctx) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	cfg := w.Config(owner)
	cfg.Channels = []modality.Channel{ch}
	lc, err := contactcenter.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { lc.Close() })
	for _, a := range ch.Addrs() {
		if a.Transport == sipchannel.UDP {
			return sipReplica{lc: lc, addr: a.Address}
		}
	}
	t.Fatalf("no UDP address in %v", ch.Addrs())
	return sipReplica{}
}

// Two replicas, each serving SIP on its own port: the owner answers the
// event's number, the other says it is not open here; once the owner
// stops and the other takes the service over, the other answers, and
// the former owner, back again, hangs up the call it still held and no
// longer answers.
func TestReplicas_SIPTakeover(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	phone := siptest.NewPhone(t) // first, so it outlives the channels' hang-ups at cleanup
	a, b := w.sipReplica(t, "a"), w.sipReplica(t, "b")
	req := conference("conf-sip")
	req.Features = contactcenter.Features{Modalities: []modality.Kind{modality.Telephony}, Receptionist: true}
	one := 1
	req.Overrides.Numbers = &one
	svc, err := a.lc.Request(ctx, req)
	require.NoError(t, err)
	w.activate(t, a.lc, svc)
	s, err := a.lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	require.Len(t, s.Numbers, 1)
	number := s.Numbers[0].String()

	res := phone.Call(t, ctx, a.addr, number)
	require.Equal(t, 200, res.StatusCode, "want the owner to answer: %s", res.StartLine())
	res = phone.Call(t, ctx, b.addr, number)
	require.Equal(t, 480, res.StatusCode, "want the other replica not open for the service: %s", res.StartLine())

	// The owner stops ticking; once its lease has run out, b takes over.
	w.Clock.Advance(w.Config("").LeaseTTL + time.Minute)
	require.NoError(t, b.lc.Tick(ctx))
	res = phone.Call(t, ctx, b.addr, number)
	assert.Equal(t, 200, res.StatusCode, "want the new owner to answer on its own port: %s", res.StartLine())

	// a comes back: it no longer holds the service, hangs up the call it
	// held and stops answering for it.
	require.NoError(t, a.lc.Tick(ctx))
	assert.Equal(t, int64(1), phone.Byes(), "want the former owner's call hung up")
	res = phone.Call(t, ctx, a.addr, number)
	assert.NotEqual(t, 200, res.StatusCode, "want the former owner no longer answering: %s", res.StartLine())
}
