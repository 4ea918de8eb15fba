package sipchannel

import (
	"errors"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/numbermap"
)

// The service's router ([modality.Setup.Router]), when it has one,
// decides what becomes of a call once it reaches a queue. The channel
// calls it outside every lock, since the router may tell the call's
// decisions (decided) on the calling goroutine, before Enqueue returns,
// or from another goroutine at any time.

// enqueue hands cl, whose route is routeEnqueuing, to router in queue and
// returns the router's refusal. A call the router admits is counted (an
// arrival, unless it was counted when it arrived for the receptionist) and
// the router is told when it ends; one that ended while the router
// decided is hung up on the router at once.
func (c *Channel) enqueue(cl *call, router modality.Router, queue string) error {
	place, err := router.Enqueue(cl.engagement(), queue, func(d modality.Decision) { c.decided(cl, d) })
	now := c.cfg.Now()
	c.mu.Lock()
	if err != nil {
		cl.route = routeDone
		c.mu.Unlock()
		return err
	}
	if !cl.counted {
		cl.counted = true
		n := &cl.svc.counts
		n.Arrivals++
		if cl.state == modality.Active { // connected within Enqueue
			n.Active++
		} else {
			n.Waiting++
		}
		if cl.ended {
			countEnd(n, cl, now)
		}
	}
	hangup, waits := false, false
	if cl.route == routeEnqueuing { // else finished within Enqueue
		if cl.ended {
			cl.route, hangup = routeDone, true
		} else {
			cl.route, waits = routeHeld, cl.state == modality.Waiting
		}
	}
	c.mu.Unlock()
	if waits {
		c.startHold(cl)
	}
	if l := c.log.V(3); l.Enabled() {
		l.Info("call queued", "call", cl.id, "queue", queue, "position", place.Position, "expectedWait", place.ExpectedWait)
	}
	if hangup {
		c.hangupRouter(router, cl.id)
	}
	return nil
}

// turnedAway is the response to call id, to number, that its router did
// not admit in queue (err), logged: busy (Config.BusyStatus) with the
// router's Retry-After when the queue is full, else 503.
func (c *Channel) turnedAway(id, queue string, number numbermap.Number, err error) outcome {
	var be *modality.BusyError
	switch {
	case errors.As(err, &be):
		o := c.busy(max(be.RetryAfter, time.Nanosecond)) // at least 1s, never Config.RetryAfter
		c.refused(number, o)
		return o
	case errors.Is(err, modality.ErrBusy):
		o := c.busy(0)
		c.refused(number, o)
		return o
	case errors.Is(err, modality.ErrIntakeStopped):
		c.log.V(1).Info("router takes no more calls; refusing the call with 503", "call", id, "queue", queue, "reason", err.Error())
	default:
		c.log.Error(err, "router refused the call; refusing it with 503", "call", id, "queue", queue)
	}
	return outcome{status: sip.StatusServiceUnavailable, reason: "Service Unavailable", retryAfter: true}
}

// decided applies the router's decision d about cl. It never blocks: a
// call the router finished is hung up by a goroutine of its own.
func (c *Channel) decided(cl *call, d modality.Decision) {
	at := d.At
	if d.Kind == modality.Connected && at.IsZero() {
		at = c.cfg.Now()
	}
	rehold := false
	var dropLeg *agentLeg
	defer func() { // after the unlock below: these take c.mu
		if dropLeg != nil { // back in a queue: the agent's phone is hung up
			c.media.Go(func() { c.endLeg(dropLeg, true) })
		}
		if rehold {
			c.startHold(cl)
		}
	}()
	c.mu.Lock()
	defer c.mu.Unlock()
	if d.Kind == modality.Finished {
		cl.route = routeDone // nothing to tell the router any more
	}
	if cl.ended {
		return
	}
	if d.Queue != "" {
		cl.queue = d.Queue
	}
	n := &cl.svc.counts
	switch d.Kind {
	case modality.Connected:
		if cl.media != nil {
			cl.media.dequeued()
		}
		if cl.state != modality.Active {
			cl.state, cl.answered = modality.Active, at
			if cl.counted {
				n.Waiting--
				n.Active++
			}
		}
	case modality.Requeued:
		rehold = cl.media != nil && cl.route == routeHeld
		dropLeg = cl.leg
		if cl.state == modality.Active {
			cl.state, cl.answered = modality.Waiting, time.Time{}
			if cl.counted {
				n.Active--
				n.Waiting++
			}
		}
	case modality.Finished:
		c.hangUpLocked(cl)
	}
}

// hangUpLocked hangs cl up in a goroutine of its own, paced and bounded
// in flight like every hang-up, unless another hang-up has it already or
// the sockets are closed (Shutdown then ends it). The goroutine counts as
// one of the channel's SIP handlers, which Shutdown waits for. The caller
// holds c.mu.
func (c *Channel) hangUpLocked(cl *call) {
	if cl.ended || cl.claimed || c.state == closed {
		return
	}
	cl.claimed = true
	c.inflight++
	go func() {
		defer c.leave()
		if _, err := c.hangupAll(c.base, []*call{cl}); err != nil {
			c.log.V(1).Info("call not hung up", "call", cl.id, "err", err.Error())
		}
	}()
}

// hangupRouter tells router that the caller of call id has left (or that
// the channel ended the call). The caller holds no lock.
func (c *Channel) hangupRouter(router modality.Router, id string) {
	if err := router.Hangup(id); err != nil {
		c.log.Error(err, "router not told of the end of a call", "call", id)
	}
}
