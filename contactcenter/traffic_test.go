package contactcenter_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
	"github.com/eventcc/eventcc/scaling"
	"github.com/eventcc/eventcc/scaling/scalingtest"
)

// TestChannelTraffic_Conformance holds the lifecycle's default traffic
// source to the TrafficSource suite, fed by attendees arriving on an
// in-memory channel.
func TestChannelTraffic_Conformance(t *testing.T) {
	scalingtest.Run(t, scalingtest.Harness{New: func(t *testing.T) (scaling.TrafficSource, scalingtest.Feeder) {
		ch, err := memchannel.New(modality.Telephony, modality.Chat)
		require.NoError(t, err)
		return contactcenter.NewChannelTraffic(ch), &channelFeeder{ch: ch, open: map[string]bool{}}
	}})
}

// channelFeeder makes engagements arrive on a memchannel, opening each
// service on first use.
type channelFeeder struct {
	ch   *memchannel.Channel
	mu   sync.Mutex
	open map[string]bool
	n    int
}

func (f *channelFeeder) Arrive(ctx context.Context, serviceID, kind string, n int, at time.Time) error {
	f.mu.Lock()
	if !f.open[serviceID] {
		err := f.ch.Open(ctx, serviceID, modality.Setup{
			Queues: []string{"q"},
			EntryPoints: []modality.EntryPoint{
				{Name: scalingtest.Telephony, Kind: modality.Telephony, Address: "+15555550100", Queue: "q"},
				{Name: scalingtest.Chat, Kind: modality.Chat, Address: "https://chat.invalid/" + serviceID, Queue: "q"},
			},
		})
		if err != nil {
			f.mu.Unlock()
			return err
		}
		f.open[serviceID] = true
	}
	f.mu.Unlock()
	for i := 0; i < n; i++ {
		f.mu.Lock()
		f.n++
		from := fmt.Sprint("attendee-", f.n)
		f.mu.Unlock()
		if _, err := f.ch.Arrive(ctx, serviceID, kind, from, at); err != nil {
			return err
		}
	}
	return nil
}
