package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunLosesNothing runs the benchmark for a second at a low rate,
// each provider, and checks that every message was taken, reached the
// agent side and sits in a conversation an agent accepted. It asserts
// nothing about speed.
func TestRunLosesNothing(t *testing.T) {
	for _, provider := range []string{"memprovider", "twilio"} {
		t.Run(provider, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			var out bytes.Buffer
			// 20 senders for 50 messages: follow-ups in open
			// conversations, and new conversations after one ended.
			rep, err := bench(ctx, []string{"-rate", "50", "-duration", "1s", "-senders", "20", "-agents", "10",
				"-handle", "300ms", "-provider", provider, "-drain", "1m"}, &out)
			require.NoError(t, err, "the run: %s", out.String())
			require.NotNil(t, rep)
			assert.Equal(t, 50, rep.Messages)
			assert.Equal(t, map[string]int{"200": 50}, rep.Status, "every webhook taken")
			assert.Zero(t, rep.Lost, "messages lost")
			assert.Len(t, rep.Server.Seen, 50, "every message reached the agent side")
			for id, v := range rep.Server.Seen {
				assert.NotZero(t, v[1], "message %s: its conversation was never accepted", id)
			}
			assert.Positive(t, rep.Server.Started)
			assert.Equal(t, rep.Server.Started, rep.Server.Assigned, "every conversation assigned to an agent")
			assert.Equal(t, rep.Server.Assigned, rep.Server.Posts, "every agent replied")
			assert.Equal(t, rep.Server.Replies, rep.Server.Sent, "every reply reached the provider")
			assert.Contains(t, out.String(), "lost: none")
		})
	}
}
