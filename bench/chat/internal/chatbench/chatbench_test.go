package chatbench_test

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/bench/chat/internal/chatbench"
)

// TestLoad runs both ends in one process with a few sockets: every one
// waits in the queue, the server reports them, and a disconnect reaches
// each with closed{reason:"closed"}.
func TestLoad(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	s, err := chatbench.NewServer(t.Context(), "http://"+srv.Listener.Addr().String())
	require.NoError(t, err)
	srv.Config.Handler = s
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		assert.NoError(t, s.Close())
	})

	const n = 20
	res, err := chatbench.Load(t.Context(), chatbench.LoadConfig{Server: srv.URL, Conns: n, Concurrency: 4, Disconnect: true})
	require.NoError(t, err)
	assert.Equal(t, n, res.After.Live, "want every socket waiting at the router")
	assert.Equal(t, n, res.Ended, "want Disconnect to end every conversation")
	assert.Equal(t, n, res.ClosedReason, "want every attendee told closed{reason:closed}")
	assert.Positive(t, res.LastSocketClose, "want the sockets' closes after the call")
	assert.Zero(t, s.Router.Waiting(), "want every engagement hung up at the router")
}
