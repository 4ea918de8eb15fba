package sipchannel_test

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emiago/diago/audio"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/pion/rtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/sipchannel"
	"github.com/eventcc/eventcc/modality/voice"
	"github.com/eventcc/eventcc/numbermap"
)

// phoneRouter is a fakeRouter that offers engagements to phones
// ([modality.Phones]): the test rings them.
type phoneRouter struct {
	*fakeRouter
	pmu      sync.Mutex
	rings    map[string]func(string) // by agent, while on duty
	answered []string
	refused  []string
	hungUp   []string
}

func newPhoneRouter() *phoneRouter {
	return &phoneRouter{fakeRouter: newFakeRouter(), rings: map[string]func(string){}}
}

func (r *phoneRouter) AttachPhone(agent string, ring func(string)) (func(), error) {
	r.pmu.Lock()
	defer r.pmu.Unlock()
	r.rings[agent] = ring
	return func() {
		r.pmu.Lock()
		defer r.pmu.Unlock()
		delete(r.rings, agent)
	}, nil
}

func (r *phoneRouter) PhoneAnswered(agent, id string) error {
	r.pmu.Lock()
	r.answered = append(r.answered, agent+"/"+id)
	r.pmu.Unlock()
	r.deliver(id, modality.Decision{Kind: modality.Connected, Agent: agent})
	return nil
}

func (r *phoneRouter) PhoneRefused(agent, id string) error {
	r.pmu.Lock()
	defer r.pmu.Unlock()
	r.refused = append(r.refused, agent+"/"+id)
	return nil
}

func (r *phoneRouter) PhoneHungUp(agent, id string) error {
	r.pmu.Lock()
	r.hungUp = append(r.hungUp, agent+"/"+id)
	r.pmu.Unlock()
	r.deliver(id, modality.Decision{Kind: modality.Finished, Outcome: "completed"})
	return nil
}

func (r *phoneRouter) ringer(agent string) func(string) {
	r.pmu.Lock()
	defer r.pmu.Unlock()
	return r.rings[agent]
}

func (r *phoneRouter) log() (answered, refused, hungUp []string) {
	r.pmu.Lock()
	defer r.pmu.Unlock()
	return append([]string(nil), r.answered...), append([]string(nil), r.refused...), append([]string(nil), r.hungUp...)
}

// agentSide is an agent's SIP phone that answers every call with its RTP
// peer's SDP.
type agentSide struct {
	*phone
	peer     *rtpPeer
	answered chan *sipgo.DialogServerSession
}

func newAgentSide(t *testing.T) *agentSide {
	t.Helper()
	a := &agentSide{peer: newRTPPeer(t), answered: make(chan *sipgo.DialogServerSession, 4)}
	a.phone = newSIPPhone(t, sipchannel.UDP, "ada", func(p *phone, srv *sipgo.Server, contact sip.ContactHeader) {
		dsc := sipgo.NewDialogServerCache(p.client, contact)
		srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
			dlg, err := dsc.ReadInvite(req, tx)
			if err != nil {
				return
			}
			a.answered <- dlg
			ct := sip.ContentTypeHeader("application/sdp")
			_ = dlg.Respond(sip.StatusOK, "OK", []byte(a.peer.offer("0 101", "0 PCMU/8000", "101 telephone-event/8000")), &ct)
		})
		srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) { _ = dsc.ReadAck(req, tx) })
		srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
			p.byes.Add(1)
			_ = dsc.ReadBye(req, tx)
		})
	})
	return a
}

// send sends payloads as RTP packets of payload type pt from p's socket
// to addr, 20 ms apart in RTP time (sent at once).
func (p *rtpPeer) send(t testing.TB, addr *net.UDPAddr, pt uint8, payloads [][]byte) {
	t.Helper()
	for _, pl := range payloads {
		pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: p.seq, Timestamp: p.ts, SSRC: 0xBEEF}, Payload: pl}
		p.seq++
		p.ts += voice.FrameSamples
		b, err := pkt.Marshal()
		require.NoError(t, err)
		_, err = p.conn.WriteToUDP(b, addr)
		require.NoError(t, err)
		time.Sleep(2 * time.Millisecond) // a burst would overflow the bridge's feed
	}
}

// receives reports whether p receives want's frames in a row within a
// thousand packets.
func (p *rtpPeer) receives(want [][]byte) bool { return p.find(want, 1000) }

// newRingRig is a channel serving "expo" on +1 555 000 1001 into the
// general queue of a phoneRouter, a caller with an RTP peer, and ada's
// phone, registered.
func newRingRig(t *testing.T) (numbermap.Number, *phone, *rtpPeer, *agentSide, *phoneRouter, *sipchannel.Channel, string) {
	t.Helper()
	n := num(t, "+1 555 000 1001")
	caller := newPhone(t, sipchannel.UDP)
	callerPeer := newRTPPeer(t)
	agent := newAgentSide(t)
	router := newPhoneRouter()
	g := &grants{passwords: map[string][]string{"expo/ada": {"s3cret"}}}
	ch := startChannel(t, sipchannel.Config{Registrar: g})
	require.NoError(t, ch.Open(t.Context(), "expo", modality.Setup{
		EntryPoints: []modality.EntryPoint{{Name: "line", Kind: modality.Telephony, Address: n.String(), Queue: "general"}},
		Queues:      []string{"general"},
		Router:      router,
	}))
	addr := addrOf(t, ch, sipchannel.UDP)
	require.Equal(t, 200, agent.register(t.Context(), t, addr, "ada", "expo", "s3cret", -1).StatusCode)
	return n, caller, callerPeer, agent, router, ch, addr
}

// TestRingAgentPhone: an agent registers a phone; a caller waits in a
// queue; the router offers the call to the agent, the channel rings the
// phone, which answers; the two calls' audio is bridged both ways; the
// agent hangs up, and the caller gets a BYE.
func TestRingAgentPhone(t *testing.T) {
	ctx := t.Context()
	n, caller, callerPeer, agent, router, ch, addr := newRingRig(t)
	ring := router.ringer("ada")
	require.NotNil(t, ring, "the registered phone put ada on duty")

	a, err := caller.inviteSDP(ctx, sip.NewRequest(sip.INVITE, caller.uri(n.String(), addr)), callerPeer.offer("8", "8 PCMA/8000"))
	require.NoError(t, err)
	require.Equal(t, 200, a.res.StatusCode)
	callerTo, _ := answeredMedia(t, a.res.Body())

	ring(a.id)
	var dlg *sipgo.DialogServerSession
	select {
	case dlg = <-agent.answered:
	case <-time.After(10 * time.Second):
		t.Fatal("the agent's phone did not ring")
	}
	agentTo, formats := answeredMedia(t, dlg.InviteRequest.Body())
	assert.Contains(t, formats, "0", "the phone is offered PCMU")
	require.Eventually(t, func() bool { ans, _, _ := router.log(); return len(ans) == 1 }, 10*time.Second, 5*time.Millisecond, "the answer told to the router")
	calls, err := ch.Calls(ctx, "expo")
	require.NoError(t, err)
	require.Len(t, calls, 1)
	assert.Equal(t, modality.Active, calls[0].State, "connected")

	// Audio both ways: the agent speaks PCMU, the caller hears PCMA, and
	// the other way round.
	agentVoice := frames(t, tone(440, 200*time.Millisecond), voice.ULaw)
	callerVoice := frames(t, tone(660, 200*time.Millisecond), voice.ALaw)
	agent.peer.drain()
	callerPeer.drain()
	agent.peer.send(t, agentTo, 0, agentVoice)
	assert.True(t, callerPeer.receives(transcoded(agentVoice, voice.ULaw)[1:9]), "the caller hears the agent, in A-law")
	callerPeer.send(t, callerTo, 8, callerVoice)
	assert.True(t, agent.peer.receives(transcoded(callerVoice, voice.ALaw)[1:9]), "the agent hears the caller, in µ-law")

	// The agent hangs up: the caller gets a BYE.
	require.NoError(t, dlg.Bye(ctx))
	require.Eventually(t, func() bool { return caller.byes.Load() == 1 }, 10*time.Second, 5*time.Millisecond, "the caller hung up")
	_, _, hung := router.log()
	assert.Equal(t, []string{"ada/" + a.id}, hung)
}

// TestRingAgentPhoneCallerHangsUp: the caller hanging up hangs up the
// agent's phone.
func TestRingAgentPhoneCallerHangsUp(t *testing.T) {
	ctx := t.Context()
	n, caller, callerPeer, agent, router, ch, addr := newRingRig(t)
	a, err := caller.inviteSDP(ctx, sip.NewRequest(sip.INVITE, caller.uri(n.String(), addr)), callerPeer.offer("0", "0 PCMU/8000"))
	require.NoError(t, err)
	router.ringer("ada")(a.id)
	select {
	case <-agent.answered:
	case <-time.After(10 * time.Second):
		t.Fatal("the agent's phone did not ring")
	}
	require.Eventually(t, func() bool { ans, _, _ := router.log(); return len(ans) == 1 }, 10*time.Second, 5*time.Millisecond)
	require.NoError(t, a.sess.Bye(ctx))
	require.Eventually(t, func() bool { return agent.byes.Load() == 1 }, 10*time.Second, 5*time.Millisecond, "the agent's phone got a BYE")

	// Unregistering takes the agent off duty.
	require.NoError(t, ch.Unregister(ctx, "expo", "ada"))
	assert.Nil(t, router.ringer("ada"))
}

// transcoded is frames of law in the other law, through linear PCM.
func transcoded(frames [][]byte, law voice.Law) [][]byte {
	var out [][]byte
	for _, f := range frames {
		lpcm := make([]byte, 2*len(f))
		g := make([]byte, len(f))
		if law == voice.ULaw {
			_, _ = audio.DecodeUlawTo(lpcm, f)
			_, _ = audio.EncodeAlawTo(g, lpcm)
		} else {
			_, _ = audio.DecodeAlawTo(lpcm, f)
			_, _ = audio.EncodeUlawTo(g, lpcm)
		}
		out = append(out, g)
	}
	return out
}

// A call the router sends back to a queue (a transfer) leaves the
// agent's phone, which gets a BYE, and hears the hold again.
func TestRingAgentPhoneTransfer(t *testing.T) {
	ctx := t.Context()
	_, caller, callerPeer, agent, router, _, addr := newRingRig(t)
	n := num(t, "+1 555 000 1001")
	a, err := caller.inviteSDP(ctx, sip.NewRequest(sip.INVITE, caller.uri(n.String(), addr)), callerPeer.offer("0", "0 PCMU/8000"))
	require.NoError(t, err)
	router.ringer("ada")(a.id)
	select {
	case <-agent.answered:
	case <-time.After(10 * time.Second):
		t.Fatal("the agent's phone did not ring")
	}
	require.Eventually(t, func() bool { ans, _, _ := router.log(); return len(ans) == 1 }, 10*time.Second, 5*time.Millisecond)
	require.True(t, router.deliver(a.id, modality.Decision{Kind: modality.Requeued, Queue: "general"}))
	require.Eventually(t, func() bool { return agent.byes.Load() == 1 }, 10*time.Second, 5*time.Millisecond, "the agent's phone got a BYE")
	assert.Zero(t, caller.byes.Load(), "the caller stays, in the queue")
}
