package desktop_test

import (
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDesktop_CloseLeavesNothing: with agents signed in, Close closes
// their sockets (going away) and returns with no goroutine of the
// package left; a socket after it is refused.
func TestDesktop_CloseLeavesNothing(t *testing.T) {
	e := newEnv(t)
	var agents []*ws
	for i := range 3 {
		_, tok := e.agentToken(t, i)
		a, _ := e.agent(t, tok)
		agents = append(agents, a)
	}
	require.Positive(t, ownGoroutines(), "the sockets have goroutines")
	closed := make(chan error)
	go func() { closed <- e.desk.Close() }()
	for _, a := range agents {
		assert.Equal(t, websocket.StatusGoingAway, a.closeStatus())
	}
	require.NoError(t, <-closed)
	deadline := time.Now().Add(10 * time.Second)
	for ownGoroutines() > 0 {
		require.False(t, time.Now().After(deadline), "goroutines of the package remain after Close")
		time.Sleep(10 * time.Millisecond) // polling for goroutines to exit, as goleak does
	}
	_, res, err := websocket.Dial(t.Context(), "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/desk/"+e.svc.ID+"/socket", nil)
	require.Error(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	require.NoError(t, e.desk.Close(), "idempotent")
}

// TestDesktop_CrossOrigin: a page of another origin may not open a
// desktop socket unless Config.Origins allows it.
func TestDesktop_CrossOrigin(t *testing.T) {
	e := newEnv(t)
	_, res, err := websocket.Dial(t.Context(), "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/desk/"+e.svc.ID+"/socket",
		&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://elsewhere.example"}}})
	require.Error(t, err)
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
}

// ownGoroutines counts the goroutines running the package's code (and
// its sockets' writers), the test's own excepted.
func ownGoroutines() int {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	count := 0
	for _, g := range strings.Split(string(buf[:n]), "\n\n") {
		own := strings.Contains(g, "eventcc/contactcenter/desktop.") || strings.Contains(g, "eventcc/internal/wsock.")
		if own && !strings.Contains(g, "desktop_test.Test") {
			count++
		}
	}
	return count
}
