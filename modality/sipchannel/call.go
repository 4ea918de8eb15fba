package sipchannel

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/numbermap"
)

// phase is where a call is on the wire.
type phase int

const (
	ringing     phase = iota // 180 sent, waiting Config.RingTime; no final response yet
	answering                // the channel is sending 200; the dialog is not established yet
	established              // 200 sent: a BYE may end it
)

// routeState is where a call is with its service's router
// ([modality.Setup.Router]).
type routeState uint8

const (
	routeNone      routeState = iota // not handed to a router: none, or with the receptionist
	routeEnqueuing                   // in Router.Enqueue
	routeHeld                        // the router holds it: tell it when the call ends
	routeDone                        // the router is done with it (refused or finished it, or was told of its end)
)

// call is one live call. Fields after mu-guarded are guarded by
// Channel.mu; the others are set before the call is published.
type call struct {
	id        string // the engagement ID: the dialog's local tag
	dialogID  string
	svc       *service
	ep        modality.EntryPoint
	number    numbermap.Number
	from      string
	callID    string
	transport string
	remote    string
	laddr     sip.Addr // over UDP: the local socket the call came in on, for our BYE
	arrived   time.Time
	dlg       *sipgo.DialogServerSession
	tx        sip.ServerTransaction // the INVITE's
	media     *callMedia            // nil: no media

	release     chan struct{} // closed to refuse a ringing call (teardown)
	established chan struct{} // closed once established, or ended
	confirmed   chan struct{} // closed once the caller's ACK came, or ended
	done        chan struct{} // closed once ended

	// mu-guarded
	phase     phase
	state     modality.State // Waiting or Active
	answered  time.Time
	queue     string
	counted   bool // in its service's Counts: admitted (by its router, if it has one)
	router    modality.Router
	route     routeState
	claimed   bool      // a hang-up took it on
	leg       *agentLeg // the agent's phone it is bridged to
	released  bool      // refused while ringing
	estClosed bool
	cnfClosed bool
	ended     bool
}

// snapshot copies the call's public view. The caller holds Channel.mu.
func (cl *call) snapshot() Call {
	return Call{
		Engagement: modality.Engagement{
			ID: cl.id, ServiceID: cl.svc.id, Kind: modality.Telephony, EntryPoint: cl.ep.Name,
			From: cl.from, State: cl.state, Arrived: cl.arrived, Answered: cl.answered,
		},
		Queue: cl.queue, Number: cl.number, CallID: cl.callID, Transport: cl.transport, Remote: cl.remote,
		Media: cl.mediaStats(),
	}
}

func (cl *call) mediaStats() *MediaStats {
	if cl.media == nil {
		return nil
	}
	return cl.media.stats()
}

// engagement is the call as its router is told of it: waiting. It reads
// only fields that do not change once the call is admitted.
func (cl *call) engagement() modality.Engagement {
	return modality.Engagement{
		ID: cl.id, ServiceID: cl.svc.id, Kind: modality.Telephony, EntryPoint: cl.ep.Name,
		From: cl.from, State: modality.Waiting, Arrived: cl.arrived,
	}
}

// rejectAckWait bounds how long a handler waits for the ACK of a final
// non-2xx response. Waiting at all matters: sipgo hands an ACK nobody
// reads to a goroutine parked for 5 s, one per rejected call; waiting
// without bound would park ours instead when a peer never ACKs.
const rejectAckWait = 2 * time.Second

// outcome is a final response to refuse a call with.
type outcome struct {
	status     int
	reason     string
	contact    sip.Header // with a 3xx
	retryAfter bool
	retry      time.Duration // the Retry-After, when not Config.RetryAfter
	// announcement is a retired number's announcement, to play before the
	// refusal when the call has media ([Channel.announce]).
	announcement string
	toTag        string // the To tag of the response, when an early dialog set one
}

// maxRetryAfter bounds a Retry-After that comes from a router.
const maxRetryAfter = 24 * time.Hour

func (c *Channel) retryAfter(d time.Duration) sip.Header {
	if d <= 0 {
		d = c.cfg.RetryAfter
	}
	d = min(d, maxRetryAfter)
	secs := d / time.Second
	if d%time.Second != 0 {
		secs++ // rounded up: never sooner than asked
	}
	return sip.NewHeader("Retry-After", strconv.FormatInt(int64(max(secs, 1)), 10))
}

// busy is the refusal of a call its service cannot take now: the
// configured busy status, with a Retry-After of retry (Config.RetryAfter
// if 0).
func (c *Channel) busy(retry time.Duration) outcome {
	reason := "Busy Here"
	if c.cfg.BusyStatus == sip.StatusServiceUnavailable {
		reason = "Service Unavailable"
	}
	return outcome{status: c.cfg.BusyStatus, reason: reason, retryAfter: true, retry: retry}
}

// reply sends o to req (whose transaction is tx) and, for an INVITE,
// waits a bounded time for the ACK, then ends the transaction: it lives
// rejectAckWait at most, not the 32 s of Timer H. Beyond
// Config.MaxRejectsPending such transactions at once, the refusal is sent
// once and the transaction ended at once.
func (c *Channel) reply(req *sip.Request, tx sip.ServerTransaction, o outcome) {
	res := sip.NewResponseFromRequest(req, o.status, o.reason, nil)
	if o.toTag != "" {
		res.To().Params.Add("tag", o.toTag)
	}
	if o.contact != nil {
		res.AppendHeader(o.contact)
	}
	if o.retryAfter {
		res.AppendHeader(c.retryAfter(o.retry))
	}
	if err := tx.Respond(res); err != nil {
		c.log.V(2).Info("response not sent", "status", o.status, "err", err.Error())
		return
	}
	if req.IsInvite() {
		defer tx.Terminate()
		if c.rejecting.Add(1) > int64(c.cfg.MaxRejectsPending) {
			c.rejecting.Add(-1)
			return
		}
		awaitAck(tx)
		c.rejecting.Add(-1)
	}
}

func awaitAck(tx sip.ServerTransaction) {
	t := time.NewTimer(rejectAckWait)
	defer t.Stop()
	select {
	case <-tx.Acks():
	case <-tx.Done():
	case <-t.C:
	}
}

// onInvite handles a new call (or an in-dialog re-INVITE).
func (c *Channel) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if !c.enter() {
		c.reply(req, tx, outcome{status: sip.StatusServiceUnavailable, reason: "Service Unavailable", retryAfter: true})
		return
	}
	defer c.leave()
	if to := req.To(); to != nil && to.Params.Has("tag") {
		c.onReinvite(req, tx)
		return
	}
	number, err := dialledNumber(req, c.numberCache.parse)
	if err != nil {
		if l := c.log.V(2); l.Enabled() {
			l.Info("call refused: no number", "err", err.Error())
		}
		c.reply(req, tx, outcome{status: sip.StatusNotFound, reason: "Not Found"})
		return
	}
	now := c.cfg.Now()
	want, o, ok := c.lookup(number, now)
	if !ok {
		c.refused(number, o)
		if o.announcement != "" && c.announce(req, tx, o, c.contactFor(req)) {
			return
		}
		c.reply(req, tx, o)
		return
	}
	c.mu.Lock()
	_, o, ok = c.check(number, want)
	c.mu.Unlock()
	if !ok {
		c.refused(number, o)
		c.reply(req, tx, o)
		return
	}
	contact := c.contactFor(req)
	sdps := c.sdpSessionFor(contact)
	body, err := answerSDP(req.Body(), sdps, nil) // also the cheap check, before any port is bound
	if err != nil {
		c.reply(req, tx, outcome{status: sip.StatusNotAcceptableHere, reason: "Not Acceptable Here"})
		return
	}
	dlg, err := c.dialogUA(req).ReadInvite(req, tx)
	if err != nil {
		c.log.V(2).Info("call refused: bad INVITE", "err", err.Error())
		c.reply(req, tx, outcome{status: sip.StatusBadRequest, reason: "Bad Request"})
		return
	}
	var m *callMedia
	if !c.cfg.NoMedia && len(bytes.TrimSpace(req.Body())) > 0 {
		sdps.addr = c.mediaAddr(sdps.addr)
		if m, err = newMedia(req.Body(), sdps.addr, c.rtpPorts); err != nil {
			o := outcome{status: sip.StatusNotAcceptableHere, reason: "Not Acceptable Here"}
			if !errors.Is(err, errNoCodec) { // no port to receive on
				c.log.Error(err, "call refused: no RTP port")
				o = outcome{status: sip.StatusServiceUnavailable, reason: "Service Unavailable", retryAfter: true}
			}
			c.reply(dlg.InviteRequest, tx, o)
			return
		}
		body, _ = answerSDP(req.Body(), sdps, m.answer()) // the same offer answered above
	}
	cl, router, o, ok := c.admit(number, want, dlg, tx, req, m)
	if !ok {
		if m != nil {
			m.close()
		}
		c.reply(dlg.InviteRequest, tx, o)
		return
	}
	if router != nil {
		queue := cl.queue
		if err := c.enqueue(cl, router, queue); err != nil {
			c.end(cl) // never admitted: not counted
			c.reply(dlg.InviteRequest, tx, c.turnedAway(cl.id, queue, number, err))
			return
		}
	}
	if m != nil {
		c.mu.Lock()
		r, greet := cl.svc.reception, cl.svc.reception != nil && cl.queue == ""
		c.mu.Unlock()
		if greet { // ready before the 200: the caller hears it at once
			m.say(c.phrases(r, r.Start(true).Says))
		}
	}
	dlg.OnStateReplay(func(s sip.DialogState) {
		switch s {
		case sip.DialogStateEstablished:
			c.setEstablished(cl)
		case sip.DialogStateConfirmed:
			c.setConfirmed(cl)
		case sip.DialogStateEnded:
			c.end(cl)
		}
	})
	c.answer(cl, req, contact, body)
}

// refused logs a refusal, when the logger wants it.
func (c *Channel) refused(number numbermap.Number, o outcome) {
	if l := c.log.V(2); l.Enabled() {
		l.Info("call refused", "number", number, "status", o.status, "reason", o.reason)
	}
}

// routes recycles the Routes of look-ups: numbermap.LookupTo fills one
// in place, so a call's look-up allocates nothing for its answer.
var routes = sync.Pool{New: func() any { return new(numbermap.Route) }}

// lookup asks the number pool how number routes at now. ok with the
// service it routes to ("" without a pool), else the refusal.
func (c *Channel) lookup(number numbermap.Number, now time.Time) (string, outcome, bool) {
	if c.cfg.Numbers == nil {
		return "", outcome{}, true
	}
	ctx, cancel := context.WithTimeout(c.base, c.cfg.LookupTimeout)
	rt := routes.Get().(*numbermap.Route)
	defer routes.Put(rt)
	err := numbermap.LookupTo(ctx, c.cfg.Numbers, number, now, rt)
	cancel()
	switch {
	case errors.Is(err, numbermap.ErrNotFound):
		return "", outcome{status: sip.StatusNotFound, reason: "Not Found"}, false
	case err != nil:
		c.log.Error(err, "number look-up failed; refusing the call with 503", "number", number)
		return "", outcome{status: sip.StatusServiceUnavailable, reason: "Service Unavailable", retryAfter: true}, false
	}
	switch rt.Kind {
	case numbermap.RouteService:
		return rt.ServiceID, outcome{}, true
	case numbermap.RouteForward:
		return "", outcome{status: sip.StatusMovedTemporarily, reason: "Moved Temporarily", contact: c.forwardContact(rt.ForwardTo)}, false
	case numbermap.RouteAnnounce:
		reason := rt.Announcement
		if strings.HasSuffix(strings.ToLower(strings.TrimSpace(reason)), ".wav") {
			reason = "" // a recording's name says nothing to the caller
		}
		return "", outcome{status: c.cfg.AnnounceStatus, reason: sanitizeReason(reason, "Temporarily Unavailable"),
			announcement: rt.Announcement}, false
	case numbermap.RouteVacant:
		return "", outcome{status: c.cfg.VacantStatus, reason: c.cfg.VacantReason}, false
	default:
		return "", outcome{status: sip.StatusNotFound, reason: "Not Found"}, false
	}
}

// forwardContact is the Contact of a 302 to n.
func (c *Channel) forwardContact(n numbermap.Number) sip.Header {
	uri := "tel:" + string(n)
	if c.cfg.ForwardDomain != "" {
		uri = "sip:" + string(n) + "@" + c.cfg.ForwardDomain + ";user=phone"
	}
	var u sip.Uri
	// n is E.164 and ForwardDomain was checked by New: it parses.
	_ = sip.ParseUri(uri, &u)
	return &sip.ContactHeader{Address: u}
}

// check decides whether a call to number may be admitted now: the number
// must be an entry point of an open service (the one the pool routes it
// to, want, when there is a pool) accepting calls and under capacity. The
// caller holds c.mu.
func (c *Channel) check(number numbermap.Number, want string) (binding, outcome, bool) {
	b, ok := c.numbers[number]
	switch {
	case c.state != serving:
		return b, outcome{status: sip.StatusServiceUnavailable, reason: "Service Unavailable", retryAfter: true}, false
	case !ok || (want != "" && b.svc.id != want):
		if c.cfg.Numbers != nil {
			// Leased to a service that is not open here: its term has not
			// opened yet.
			return b, outcome{status: sip.StatusTemporarilyUnavailable, reason: c.cfg.NotOpenReason}, false
		}
		return b, outcome{status: sip.StatusNotFound, reason: "Not Found"}, false
	case !b.svc.intake:
		return b, outcome{status: sip.StatusTemporarilyUnavailable, reason: c.cfg.ClosedReason}, false
	case b.svc.capacity >= 0 && len(b.svc.live) >= b.svc.capacity:
		return b, c.busy(0), false
	}
	return b, outcome{}, true
}

// admit registers the call if it may still be admitted. A call bound for
// a queue of a service with a router is registered, so that no other
// call takes its place within the service's capacity, but not counted:
// the caller hands it to the router returned (in cl.queue), which admits
// it or turns it away.
func (c *Channel) admit(number numbermap.Number, want string, dlg *sipgo.DialogServerSession, tx sip.ServerTransaction, req *sip.Request, m *callMedia) (*call, modality.Router, outcome, bool) {
	tag, _ := dlg.InviteRequest.To().Params.Get("tag")
	now := c.cfg.Now()
	cl := &call{
		id:          tag,
		dialogID:    dlg.ID,
		number:      number,
		from:        fromOf(req),
		transport:   transportName(req),
		remote:      req.Source(),
		dlg:         dlg,
		tx:          tx,
		media:       m,
		release:     make(chan struct{}),
		established: make(chan struct{}),
		confirmed:   make(chan struct{}),
		done:        make(chan struct{}),
		state:       modality.Waiting,
		arrived:     now,
	}
	if h := req.CallID(); h != nil {
		cl.callID = h.Value()
	}
	if contact := c.contactFor(req); contact != nil && cl.transport == "UDP" {
		// Not over TCP: sipgo would pick any connection accepted on that
		// address; there the BYE goes back over the caller's connection.
		cl.laddr = sip.Addr{IP: net.ParseIP(strings.Trim(contact.Address.Host, "[]")), Port: contact.Address.Port}
	}
	if c.cfg.RingTime == 0 {
		cl.phase = answering
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	b, o, ok := c.check(number, want)
	if !ok {
		return nil, nil, o, false
	}
	if _, dup := c.calls[cl.id]; dup || c.dialogs[cl.dialogID] != nil {
		return nil, nil, outcome{status: sip.StatusInternalServerError, reason: "Server Internal Error"}, false
	}
	cl.svc, cl.ep = b.svc, b.ep
	switch {
	case b.ep.Queue != "":
		cl.queue = b.ep.Queue
	case b.svc.reception == nil && len(b.svc.queues) > 0:
		cl.queue = b.svc.queues[0]
	}
	c.calls[cl.id] = cl
	c.dialogs[cl.dialogID] = cl
	b.svc.live[cl.id] = cl
	if r := b.svc.router; r != nil && cl.queue != "" {
		cl.router, cl.route = r, routeEnqueuing
		return cl, r, outcome{}, true
	}
	cl.counted = true
	b.svc.counts.Arrivals++
	b.svc.counts.Waiting++
	if b.svc.reception != nil && cl.queue == "" {
		c.log.V(3).Info("receptionist", "call", cl.id, "says", b.svc.reception.Start(true).Text)
	}
	return cl, nil, outcome{}, true
}

// fromOf is the caller's address as the engagement shows it: the From
// URI without parameters, printable and bounded.
func fromOf(req *sip.Request) string {
	f := req.From()
	if f == nil {
		return ""
	}
	return sanitizeReason(f.Address.Addr(), "")
}

// answer rings the call if so configured, then answers it with 200 and
// the SDP answer, and waits for the caller's ACK.
func (c *Channel) answer(cl *call, req *sip.Request, contact *sip.ContactHeader, body []byte) {
	if c.cfg.RingTime > 0 {
		ring := sip.NewResponseFromRequest(cl.dlg.InviteRequest, sip.StatusRinging, "Ringing", nil)
		ring.AppendHeader(contact)
		if err := cl.tx.Respond(ring); err != nil {
			c.log.V(2).Info("180 not sent", "call", cl.id, "err", err.Error())
		}
		t := time.NewTimer(c.cfg.RingTime)
		select {
		case <-t.C:
		case <-cl.release:
		case <-cl.done:
		}
		t.Stop()
		c.mu.Lock()
		ended, released := cl.ended, cl.released
		if !ended && !released {
			cl.phase = answering
		}
		c.mu.Unlock()
		switch {
		case ended: // cancelled by the caller: sipgo answered 487
			awaitAck(cl.tx)
			return
		case released: // disconnected while ringing
			c.reply(cl.dlg.InviteRequest, cl.tx, outcome{status: sip.StatusTemporarilyUnavailable, reason: c.cfg.ClosedReason})
			c.end(cl)
			return
		}
	}
	ct := sip.ContentTypeHeader("application/sdp")
	err := cl.dlg.Respond(sip.StatusOK, "OK", body, &ct, contact)
	if err == nil {
		return
	}
	// Not confirmed: the caller hung up before its ACK (its BYE ended the
	// call), the transaction died, or no ACK came at all: then the dialog
	// must still be ended with a BYE (RFC 3261 section 13.3.1.4).
	c.mu.Lock()
	ended, est, ours := cl.ended, cl.phase == established, !cl.claimed
	if ours {
		cl.claimed = true
	}
	c.mu.Unlock()
	if ended || !ours { // a hang-up in progress deals with it
		return
	}
	c.log.V(2).Info("call not confirmed", "call", cl.id, "err", err.Error())
	if est {
		ctx, cancel := context.WithTimeout(c.base, c.cfg.HangupTimeout)
		c.hangupAll(ctx, []*call{cl})
		cancel()
	}
	c.end(cl)
}

// setEstablished records that the 200 is on its way, and starts the
// call's media.
func (c *Channel) setEstablished(cl *call) {
	c.mu.Lock()
	start := cl.media != nil && !cl.ended && !cl.estClosed
	if !cl.ended {
		cl.phase = established
	}
	if !cl.estClosed {
		cl.estClosed = true
		close(cl.established)
	}
	c.mu.Unlock()
	if start {
		cl.media.start(&c.media, func(key string) { c.press(cl, key) })
	}
}

// setConfirmed records that the caller's ACK came: a BYE may go.
func (c *Channel) setConfirmed(cl *call) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !cl.cnfClosed {
		cl.cnfClosed = true
		close(cl.confirmed)
	}
}

// end ends the call, once, and counts it: completed if an agent had it,
// else abandoned (a call its router never admitted is not counted). A
// call its router holds is hung up on the router, outside the lock. It
// reports whether this call ended it.
func (c *Channel) end(cl *call) bool {
	now := c.cfg.Now()
	c.mu.Lock()
	if cl.ended {
		c.mu.Unlock()
		return false
	}
	cl.ended = true
	if cl.counted {
		countEnd(&cl.svc.counts, cl, now)
	}
	var tell modality.Router
	if cl.route == routeHeld {
		tell, cl.route = cl.router, routeDone
	}
	leg := cl.leg
	c.endLocked(cl)
	c.mu.Unlock()
	if leg != nil { // the caller left: the agent's phone is hung up
		c.media.Go(func() { c.endLeg(leg, true) })
	}
	if tell != nil {
		c.hangupRouter(tell, cl.id)
	}
	return true
}

// countEnd counts the end of cl, a counted call, at now. The caller holds
// c.mu.
func countEnd(n *modality.Counts, cl *call, now time.Time) {
	if cl.state == modality.Active {
		n.Active--
		n.Completed++
		if now.After(cl.answered) {
			n.HandleTime += now.Sub(cl.answered)
		}
	} else {
		n.Waiting--
		n.Abandoned++
	}
}

// endLocked forgets the ended call cl and wakes whoever waits for it.
// The caller holds c.mu.
func (c *Channel) endLocked(cl *call) {
	if cl.media != nil {
		cl.media.close()
	}
	delete(cl.svc.live, cl.id)
	delete(c.calls, cl.id)
	delete(c.dialogs, cl.dialogID)
	if !cl.estClosed {
		cl.estClosed = true
		close(cl.established)
	}
	if !cl.cnfClosed {
		cl.cnfClosed = true
		close(cl.confirmed)
	}
	close(cl.done)
}

// hangupAll ends calls the caller has claimed, at most
// Config.MaxHangupsInFlight at once across the channel, paced, and
// returns how many ended. Calls still live when ctx is done are given
// back (unclaimed) and the error wraps ctx.Err().
func (c *Channel) hangupAll(ctx context.Context, calls []*call) (int, error) {
	var (
		wg    sync.WaitGroup
		ended atomic.Int64
	)
	for _, cl := range calls {
		if c.pace.wait(ctx) != nil {
			break
		}
		acquired := false
		select {
		case c.sem <- struct{}{}:
			acquired = true
		case <-ctx.Done():
		}
		if !acquired {
			break
		}
		wg.Go(func() {
			defer func() { <-c.sem }()
			if c.hangup(ctx, cl) {
				ended.Add(1)
			}
		})
	}
	wg.Wait()
	left := 0
	c.mu.Lock()
	for _, cl := range calls {
		if !cl.ended {
			cl.claimed = false
			left++
		}
	}
	c.mu.Unlock()
	if left > 0 {
		return int(ended.Load()), errors.Join(ctx.Err(), errors.New("calls left live"))
	}
	return int(ended.Load()), nil
}

// hangup ends one claimed call; it reports whether the call has ended.
func (c *Channel) hangup(ctx context.Context, cl *call) bool {
	c.mu.Lock()
	ph := cl.phase
	if ph == ringing && !cl.released && !cl.ended {
		cl.released = true
		close(cl.release) // its handler refuses it with 480
	}
	c.mu.Unlock()

	if ph != established {
		select {
		case <-cl.established: // ended or established
		case <-ctx.Done():
			return c.isEnded(cl)
		}
		if ph == ringing { // released: the handler ends it
			select {
			case <-cl.done:
				return true
			case <-ctx.Done():
				return c.isEnded(cl)
			}
		}
		if c.isEnded(cl) {
			return true
		}
	}
	// A BYE may not precede the caller's ACK of our 200, unless the
	// INVITE transaction timed out waiting for it (RFC 3261 sections 15
	// and 13.3.1.4); sipgo would poll for it every T1, so wait here.
	bctx, cancel := context.WithTimeout(ctx, c.cfg.HangupTimeout)
	defer cancel()
	select {
	case <-cl.confirmed:
	case <-cl.tx.Done():
	case <-bctx.Done():
	}
	if c.isEnded(cl) {
		return true
	}
	inv := cl.dlg.InviteRequest
	bye := sip.NewRequest(sip.BYE, inv.Contact().Address)
	bye.SetTransport(inv.Transport())
	bye.Laddr = cl.laddr // over UDP, from the socket the call came in on
	c.sendMu.RLock()
	if c.uaClosed { // shut down: the SIP stack can send nothing more
		c.sendMu.RUnlock()
		c.end(cl)
		return true
	}
	err := cl.dlg.WriteBye(bctx, bye)
	c.sendMu.RUnlock()
	if err != nil && ctx.Err() != nil {
		return c.isEnded(cl) // interrupted: not ours to release
	}
	if err != nil {
		c.log.V(1).Info("BYE failed; call released", "call", cl.id, "err", err.Error())
	}
	c.end(cl)
	return true
}

func (c *Channel) isEnded(cl *call) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return cl.ended
}

// inDialog returns the live call of an in-dialog request, or nil.
func (c *Channel) inDialog(req *sip.Request) *call {
	id, err := sip.DialogIDFromRequestUAS(req)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dialogs[id]
}

// onReinvite answers a re-INVITE of a live call (hold, resume, session
// refresh) with 200 and a fresh SDP answer, and refuses one of an unknown
// dialog with 481. The 200 is not retransmitted over UDP.
func (c *Channel) onReinvite(req *sip.Request, tx sip.ServerTransaction) {
	cl := c.inDialog(req)
	if cl == nil {
		c.reply(req, tx, outcome{status: sip.StatusCallTransactionDoesNotExists, reason: "Call/Transaction Does Not Exist"})
		return
	}
	contact := c.contactFor(req)
	sdps := c.sdpSessionFor(contact)
	var audio *audioAnswer
	if cl.media != nil && len(bytes.TrimSpace(req.Body())) > 0 {
		// The same port and codecs; the direction follows the offer's
		// (hold: sendonly or inactive). A new remote address is not
		// taken: the call's RTP stays where its INVITE said.
		sdps.addr, audio = c.mediaAddr(sdps.addr), cl.media.answer()
	}
	body, err := answerSDP(req.Body(), sdps, audio)
	if err != nil {
		c.reply(req, tx, outcome{status: sip.StatusNotAcceptableHere, reason: "Not Acceptable Here"})
		return
	}
	if audio != nil {
		dir := offeredDirection(req.Body())
		cl.media.hold(dir == "sendonly" || dir == "inactive")
	}
	res := sip.NewSDPResponseFromRequest(req, body)
	res.AppendHeader(contact)
	if err := tx.Respond(res); err != nil {
		c.log.V(2).Info("re-INVITE answer not sent", "call", cl.id, "err", err.Error())
	}
}

// onAck confirms a call's dialog. ACKs of refused calls never get here:
// their transactions take them.
func (c *Channel) onAck(req *sip.Request, tx sip.ServerTransaction) {
	if !c.enter() {
		return
	}
	defer c.leave()
	if cl := c.inDialog(req); cl != nil {
		// An ACK of a re-INVITE has another CSeq: not an error.
		err := cl.dlg.ReadAck(req, tx)
		c.log.V(4).Info("ACK", "call", cl.id, "err", err)
	} else {
		c.log.V(4).Info("ACK outside any dialog")
	}
}

// onBye is the caller hanging up.
func (c *Channel) onBye(req *sip.Request, tx sip.ServerTransaction) {
	if !c.enter() {
		return
	}
	defer c.leave()
	cl := c.inDialog(req)
	if cl == nil {
		if c.onLegBye(req, tx) { // an agent hanging up their phone
			return
		}
		c.reply(req, tx, outcome{status: sip.StatusCallTransactionDoesNotExists, reason: "Call/Transaction Does Not Exist"})
		return
	}
	// A BYE with a CSeq below the INVITE's is not of this dialog's caller
	// (ReadBye refuses it too); any other ends the call. Count it ended
	// before the 200 goes out, so Counts agrees with what the caller saw.
	if cs, inv := req.CSeq(), cl.dlg.InviteRequest.CSeq(); cs == nil || inv == nil || cs.SeqNo < inv.SeqNo {
		c.reply(req, tx, outcome{status: sip.StatusInternalServerError, reason: "Server Internal Error"})
		return
	}
	c.end(cl)
	if err := cl.dlg.ReadBye(req, tx); err != nil {
		c.log.V(2).Info("BYE not answered", "call", cl.id, "err", err.Error())
	}
}

// onCancel answers a CANCEL that matches no pending INVITE (sipgo handles
// those that do: 200, then 487 to the INVITE).
func (c *Channel) onCancel(req *sip.Request, tx sip.ServerTransaction) {
	c.reply(req, tx, outcome{status: sip.StatusCallTransactionDoesNotExists, reason: "Call/Transaction Does Not Exist"})
}

// allow lists the methods the channel handles.
const allow = "INVITE, ACK, BYE, CANCEL, INFO, OPTIONS, REGISTER"

// onOptions answers keep-alive and capability probes.
func (c *Channel) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	res := sip.NewResponseFromRequest(req, sip.StatusOK, "OK", nil)
	res.AppendHeader(sip.NewHeader("Allow", allow))
	res.AppendHeader(sip.NewHeader("Accept", "application/sdp"))
	if err := tx.Respond(res); err != nil {
		c.log.V(2).Info("OPTIONS answer not sent", "err", err.Error())
	}
}

// onNoRoute refuses methods the channel does not handle.
func (c *Channel) onNoRoute(req *sip.Request, tx sip.ServerTransaction) {
	if req.IsAck() {
		return
	}
	res := sip.NewResponseFromRequest(req, sip.StatusMethodNotAllowed, "Method Not Allowed", nil)
	res.AppendHeader(sip.NewHeader("Allow", allow))
	if err := tx.Respond(res); err != nil {
		c.log.V(2).Info("405 not sent", "err", err.Error())
	}
}

// onInfo takes a key the caller pressed as SIP INFO (with
// application/dtmf-relay or application/dtmf) to the call's virtual
// receptionist ([Channel.press]), before the INFO is answered.
func (c *Channel) onInfo(req *sip.Request, tx sip.ServerTransaction) {
	if !c.enter() {
		return
	}
	defer c.leave()
	cl := c.inDialog(req)
	if cl == nil {
		c.reply(req, tx, outcome{status: sip.StatusCallTransactionDoesNotExists, reason: "Call/Transaction Does Not Exist"})
		return
	}
	key, ok := dtmfKey(req)
	if !ok {
		c.reply(req, tx, outcome{status: sip.StatusUnsupportedMediaType, reason: "Unsupported Media Type"})
		return
	}
	c.press(cl, key)
	c.reply(req, tx, outcome{status: sip.StatusOK, reason: "OK"})
}

// press takes a key the caller pressed (by SIP INFO or RFC 4733) to the
// call's virtual receptionist: the caller hears its reply (a call with
// media), and a hand-off goes to the service's router, if it has one,
// before press returns; a call the router turns away is hung up.
func (c *Channel) press(cl *call, key string) {
	var (
		router modality.Router
		says   []modality.Phrase
		r      *modality.Receptionist
	)
	c.mu.Lock()
	if r = cl.svc.reception; r != nil && cl.queue == "" && !cl.ended {
		reply := r.Respond(key)
		says = reply.Says
		if reply.Queue != "" {
			cl.queue = reply.Queue
			if router = cl.svc.router; router != nil {
				cl.router, cl.route = router, routeEnqueuing
			}
		}
		c.log.V(3).Info("receptionist", "call", cl.id, "key", key, "says", reply.Text, "queue", reply.Queue)
	}
	queue := cl.queue
	c.mu.Unlock()
	if says != nil && cl.media != nil {
		cl.media.say(c.phrases(r, says))
	}
	if router == nil {
		return
	}
	if err := c.enqueue(cl, router, queue); err != nil {
		// Answered already: the caller hears the end of the call.
		if errors.Is(err, modality.ErrBusy) {
			c.log.Info("router turned the call away at the receptionist's hand-off; hanging up", "call", cl.id, "queue", queue, "reason", err.Error())
		} else {
			c.log.Error(err, "router refused the call at the receptionist's hand-off; hanging up", "call", cl.id, "queue", queue)
		}
		c.mu.Lock()
		c.hangUpLocked(cl)
		c.mu.Unlock()
	}
}

// dtmfKey reads the key of a DTMF INFO body: "Signal=5" lines of
// application/dtmf-relay, or the bare key of application/dtmf.
func dtmfKey(req *sip.Request) (string, bool) {
	ct := req.ContentType()
	if ct == nil {
		return "", false
	}
	body := string(req.Body())
	switch strings.ToLower(strings.TrimSpace(strings.SplitN(ct.Value(), ";", 2)[0])) {
	case "application/dtmf-relay":
		for _, line := range strings.Split(body, "\n") {
			k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "signal") {
				return validKey(strings.TrimSpace(v))
			}
		}
		return "", false
	case "application/dtmf":
		return validKey(strings.TrimSpace(body))
	}
	return "", false
}

// validKey accepts one DTMF key: 0-9, *, #, A-D.
func validKey(s string) (string, bool) {
	if len(s) != 1 {
		return "", false
	}
	r := rune(s[0])
	if unicode.IsDigit(r) || strings.ContainsRune("*#ABCDabcd", r) {
		return strings.ToUpper(s), true
	}
	return "", false
}
