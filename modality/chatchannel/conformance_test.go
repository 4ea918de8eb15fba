package chatchannel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/channeltest"
	"github.com/eventcc/eventcc/modality/chatchannel"
)

// served is the channel under test with the server that carries its
// sockets.
type served struct {
	*chatchannel.Channel
	url string
}

// driver is an attendee opening a real socket: Arrive dials the entry
// point, says hello with a token for the service (the suite's setups
// admit no anonymous visitors) and returns the welcome's conversation;
// a closed frame comes back as the contract's errors: "closed" is
// ErrNotOpen, "stopped" ErrIntakeStopped. The socket stays open, read
// in the background, until the test ends. Answer is an agent taking the
// conversation (the services have no router).
type driver struct{}

func (driver) Arrive(ctx context.Context, ch modality.Channel, serviceID, entryPoint string, _ time.Time) (string, error) {
	s := ch.(*served)
	url := "ws" + strings.TrimPrefix(s.url, "http") + "/" + serviceID + "/chat?entry=" + entryPoint
	conn, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return "", err
	}
	keep := false
	defer func() {
		if !keep {
			conn.CloseNow()
		}
	}()
	if err := conn.Write(ctx, websocket.MessageText, []byte(`{"type":"hello","token":"tok-`+serviceID+`-attendee"}`)); err != nil {
		return "", err
	}
	_, b, err := conn.Read(ctx)
	if err != nil {
		return "", err
	}
	var f struct{ Type, Conversation, Reason string }
	if err := json.Unmarshal(b, &f); err != nil {
		return "", err
	}
	switch {
	case f.Type == "welcome":
		keep = true
		conn.CloseRead(context.Background()) // answers the server's close; ends with the socket
		return f.Conversation, nil
	case f.Reason == chatchannel.ReasonClosed:
		return "", fmt.Errorf("hello refused: %s: %w", b, modality.ErrNotOpen)
	case f.Reason == chatchannel.ReasonStopped:
		return "", fmt.Errorf("hello refused: %s: %w", b, modality.ErrIntakeStopped)
	}
	return "", fmt.Errorf("unexpected answer to a hello: %s", b)
}

func (driver) Answer(_ context.Context, ch modality.Channel, id string, at time.Time) error {
	return ch.(*served).AnswerForTest(id, "agent-1", at)
}

// TestConformance runs the modality.Channel conformance suite against
// the chat channel, with real sockets.
func TestConformance(t *testing.T) {
	checkNoLeaks(t)
	channeltest.Run(t, channeltest.Harness{
		New: func(t *testing.T) modality.Channel {
			ch, err := chatchannel.New(chatchannel.Config{Tokens: tokens})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(ch)
			t.Cleanup(func() {
				ch.Close()
				srv.Close()
			})
			return &served{Channel: ch, url: srv.URL}
		},
		Drive: driver{},
	})
}
