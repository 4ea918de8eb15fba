package sipchannel_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/channeltest"
	"github.com/eventcc/eventcc/modality/sipchannel"
)

// recorder is the channel under test, remembering the number of every
// entry point it was asked to open (even when Open refused the setup), so
// the driver can dial an entry point by name as an attendee dials the
// published number.
type recorder struct {
	*sipchannel.Channel
	tr string

	mu      sync.Mutex
	numbers map[[2]string]string // {service, entry point} -> number
}

func (r *recorder) Open(ctx context.Context, serviceID string, s modality.Setup) error {
	r.mu.Lock()
	for _, ep := range s.EntryPoints {
		r.numbers[[2]string{serviceID, ep.Name}] = ep.Address
	}
	r.mu.Unlock()
	return r.Channel.Open(ctx, serviceID, s)
}

func (r *recorder) number(serviceID, entryPoint string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, ok := r.numbers[[2]string{serviceID, entryPoint}]
	return n, ok
}

// driver places real calls with a sipgo phone: Arrive dials the entry
// point's number and returns the To tag of the 200 (the engagement ID);
// the channel's refusals come back as the contract's errors: 404 (no
// service has the number) is ErrNotOpen, 480 (intake stopped) is
// ErrIntakeStopped. Answer is an agent taking the call.
type driver struct{ phone *phone }

func (d driver) Arrive(ctx context.Context, ch modality.Channel, serviceID, entryPoint string, _ time.Time) (string, error) {
	r := ch.(*recorder)
	number, ok := r.number(serviceID, entryPoint)
	if !ok {
		return "", fmt.Errorf("no number for entry point %q of %q: %w", entryPoint, serviceID, modality.ErrNotOpen)
	}
	a, err := d.phone.call(ctx, chAddr(r.Channel, r.tr), number)
	if err != nil {
		return "", err
	}
	switch a.res.StatusCode {
	case 200:
		return a.id, nil
	case 404:
		return "", fmt.Errorf("call to %s: %s: %w", number, a.status(), modality.ErrNotOpen)
	case 480:
		return "", fmt.Errorf("call to %s: %s: %w", number, a.status(), modality.ErrIntakeStopped)
	}
	return "", fmt.Errorf("call to %s: unexpected %s", number, a.status())
}

func (d driver) Answer(ctx context.Context, ch modality.Channel, id string, _ time.Time) error {
	return ch.(*recorder).Answer(ctx, id)
}

// TestConformance runs the modality.Channel conformance suite against the
// SIP channel, over UDP and over TCP, with real calls from a sipgo phone.
func TestConformance(t *testing.T) {
	for _, tr := range []string{sipchannel.UDP, sipchannel.TCP} {
		t.Run(tr, func(t *testing.T) {
			checkNoLeaks(t)
			phone := newPhone(t, tr)
			channeltest.Run(t, channeltest.Harness{
				New: func(t *testing.T) modality.Channel {
					ch := startChannel(t, sipchannel.Config{Transports: []string{tr}})
					return &recorder{Channel: ch, tr: tr, numbers: map[[2]string]string{}}
				},
				Drive: driver{phone: phone},
			})
		})
	}
}
