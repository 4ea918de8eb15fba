package sipchannel

import (
	"context"
	"net/netip"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/eventcc/eventcc/modality"
)

// ringTimeout bounds how long an agent's phone rings before the offer is
// given back. The router's own offer timeout is usually shorter: its
// decline then ends the ringing (the call has ended or moved on).
const ringTimeout = 30 * time.Second

// agentLeg is the call to an agent's phone that carries a caller's call:
// its dialog and media, bridged to the caller's.
type agentLeg struct {
	agent string
	dlg   *sipgo.DialogClientSession
	media *callMedia
	call  *call
}

// phoneOf is svcID's record, agent's phone there and the service's
// router as [modality.Phones], each nil when there is none. The caller
// holds c.mu.
func (c *Channel) phoneOf(svcID, agent string) (*service, *phone, modality.Phones) {
	svc := c.services[svcID]
	if svc == nil {
		return nil, nil, nil
	}
	phones, _ := svc.router.(modality.Phones)
	return svc, svc.phones[agent], phones
}

// attachPhone puts the agent whose phone just registered for svcID on
// duty through it, when the service's router offers engagements to
// phones ([modality.Phones]). The caller holds no lock.
func (c *Channel) attachPhone(svcID, agent string) {
	c.mu.Lock()
	svc, p, phones := c.phoneOf(svcID, agent)
	attach := p != nil && phones != nil && p.detach == nil
	c.mu.Unlock()
	if !attach {
		return
	}
	detach, err := phones.AttachPhone(agent, func(engagementID string) {
		c.media.Go(func() { c.ring(svcID, agent, engagementID) })
	})
	if err != nil {
		c.log.Info("registered phone not put on duty", "service", svcID, "agent", agent, "reason", err.Error())
		return
	}
	c.mu.Lock()
	if q := svc.phones[agent]; q == p && p.detach == nil {
		p.detach = detach
		detach = nil
	}
	c.mu.Unlock()
	if detach != nil { // unregistered meanwhile
		detach()
	}
}

// ring offers the call engagementID to agent's phone: an INVITE to the
// Contact it registered, with an SDP offer of a media session of its
// own; answered, the two calls' audio is bridged and the router told;
// refused, unanswered or impossible, the offer is given back.
func (c *Channel) ring(svcID, agent, engagementID string) {
	c.mu.Lock()
	svc, p, phones := c.phoneOf(svcID, agent)
	cl := c.calls[engagementID]
	var detach func()
	if p != nil && !c.cfg.Now().Before(p.Expires) { // the registration lapsed
		detach = p.detach
		delete(svc.phones, agent)
		p = nil
	}
	live := p != nil && cl != nil && !cl.ended && cl.media != nil && cl.leg == nil
	var ph phone
	if p != nil {
		ph = *p
	}
	c.mu.Unlock()
	if phones == nil {
		return
	}
	if detach != nil {
		defer detach() // off duty, once the offer is given back
	}
	refuse := func(why string, err error) {
		c.log.V(1).Info("agent's phone did not take the call", "service", svcID, "agent", agent, "call", engagementID, "why", why, "err", err)
		if err := phones.PhoneRefused(agent, engagementID); err != nil {
			c.log.V(1).Info("offer not given back", "call", engagementID, "err", err.Error())
		}
	}
	if !live {
		refuse("no live phone or call with media", nil)
		return
	}
	var recipient sip.Uri
	if err := sip.ParseUri(ph.Contact, &recipient); err != nil {
		refuse("contact does not parse", err)
		return
	}
	addr, err := netip.ParseAddr(strings.Trim(ph.ours.Address.Host, "[]"))
	if err != nil || addr.IsUnspecified() {
		addr = netip.MustParseAddr("127.0.0.1")
	}
	m, offer, err := newOfferMedia(c.mediaAddr(addr), c.rtpPorts)
	if err != nil {
		refuse("no RTP port", err)
		return
	}
	req := sip.NewRequest(sip.INVITE, recipient)
	req.SetBody(offer)
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetTransport(ph.Transport)
	req.Laddr = ph.laddr
	ctx, cancel := context.WithTimeout(c.base, ringTimeout)
	defer cancel()
	c.sendMu.RLock()
	if c.uaClosed {
		c.sendMu.RUnlock()
		m.close()
		return
	}
	ua := sipgo.DialogUA{Client: c.client, ContactHDR: *ph.ours}
	dlg, err := ua.WriteInvite(ctx, req)
	c.sendMu.RUnlock()
	if err != nil {
		m.close()
		refuse("INVITE not sent", err)
		return
	}
	if err := dlg.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		m.close()
		dlg.Close()
		refuse("not answered", err)
		return
	}
	if err := dlg.Ack(ctx); err != nil {
		m.close()
		dlg.Close()
		refuse("ACK not sent", err)
		return
	}
	leg := &agentLeg{agent: agent, dlg: dlg, media: m, call: cl}
	fail := func(why string, err error) {
		c.byeLeg(leg)
		refuse(why, err)
	}
	if err := m.answered(dlg.InviteResponse.Body()); err != nil {
		fail("no common codec in the phone's answer", err)
		return
	}
	c.mu.Lock()
	if cl.ended || cl.leg != nil {
		c.mu.Unlock()
		fail("the caller left while the phone rang", nil)
		return
	}
	cl.leg = leg
	c.legs[dlg.ID] = leg
	c.mu.Unlock()
	bridge(cl.media, m)
	m.start(&c.media, func(string) {})
	if err := phones.PhoneAnswered(agent, engagementID); err != nil {
		c.log.V(1).Info("answered phone refused by the router; hanging it up", "call", engagementID, "agent", agent, "err", err.Error())
		c.endLeg(leg, true)
	}
}

// endLeg ends an agent's leg: unbridged, hung up (bye: the channel ends
// it) and forgotten.
func (c *Channel) endLeg(leg *agentLeg, bye bool) {
	c.mu.Lock()
	if leg.call.leg == leg {
		leg.call.leg = nil
	}
	delete(c.legs, leg.dlg.ID)
	c.mu.Unlock()
	leg.media.unbridge()
	if bye {
		c.byeLeg(leg)
	} else {
		leg.media.close()
	}
}

// byeLeg hangs up an agent's leg and closes its media.
func (c *Channel) byeLeg(leg *agentLeg) {
	leg.media.close()
	ctx, cancel := context.WithTimeout(c.base, c.cfg.HangupTimeout)
	defer cancel()
	c.sendMu.RLock()
	defer c.sendMu.RUnlock()
	if c.uaClosed {
		return
	}
	if err := leg.dlg.Bye(ctx); err != nil {
		c.log.V(1).Info("BYE to the agent's phone failed", "agent", leg.agent, "err", err.Error())
	}
	leg.dlg.Close()
}

// onLegBye is the agent hanging up their phone: the leg ends and the
// router is told, which ends the caller's call.
func (c *Channel) onLegBye(req *sip.Request, tx sip.ServerTransaction) bool {
	id, err := sip.DialogIDFromRequestUAC(req)
	if err != nil {
		return false
	}
	c.mu.Lock()
	leg := c.legs[id]
	var phones modality.Phones
	if leg != nil {
		phones, _ = leg.call.svc.router.(modality.Phones)
	}
	c.mu.Unlock()
	if leg == nil {
		return false
	}
	if err := leg.dlg.ReadBye(req, tx); err != nil {
		c.log.V(2).Info("agent's BYE not answered", "agent", leg.agent, "err", err.Error())
	}
	c.endLeg(leg, false)
	if phones != nil {
		if err := phones.PhoneHungUp(leg.agent, leg.call.id); err != nil {
			c.log.V(1).Info("router not told the agent hung up", "call", leg.call.id, "err", err.Error())
		}
	}
	return true
}
