package chatchannel

import (
	"fmt"
	"time"

	"github.com/eventcc/eventcc/modality"
)

// AnswerForTest is an agent taking the waiting conversation id of a
// service without a router (the conformance suite's Driver.Answer):
// it becomes Active, connected to agent.
func (c *Channel) AnswerForTest(id, agent string, at time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	conv := c.convs[id]
	switch {
	case conv == nil:
		return fmt.Errorf("answer %q: %w", id, modality.ErrNotFound)
	case conv.e.State != modality.Waiting:
		return fmt.Errorf("answer %q: already %s", id, conv.e.State)
	case conv.router != nil:
		return fmt.Errorf("answer %q: routed", id)
	}
	conv.e.State, conv.e.Answered, conv.agent = modality.Active, at, agent
	conv.svc.counts.Waiting--
	conv.svc.counts.Active++
	return nil
}

// DetachedForTest counts serviceID's live conversations whose socket
// closed.
func (c *Channel) DetachedForTest(serviceID string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	if svc := c.services[serviceID]; svc != nil {
		for _, conv := range svc.live {
			if !conv.detached.IsZero() {
				n++
			}
		}
	}
	return n
}
