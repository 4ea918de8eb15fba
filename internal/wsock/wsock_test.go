package wsock_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/internal/wsock"
)

// serve starts a server whose handler gives each socket to fn, and waits
// for the queue's writers when the test ends.
func serve(t *testing.T, fn func(q *wsock.Queue)) string {
	var wg sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wg.Add(1)
		defer wg.Done()
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		q := wsock.New(wsock.WebSocket(conn), &wg, 4)
		fn(q)
		<-q.Done()
	}))
	t.Cleanup(func() {
		srv.Close()
		wg.Wait()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

func TestQueue_SendsInOrderThenCloses(t *testing.T) {
	url := serve(t, func(q *wsock.Queue) {
		for _, m := range []string{"a", "b", "c"} {
			assert.True(t, q.Send([]byte(m)))
		}
		q.Finish(websocket.StatusNormalClosure, "bye")
		assert.False(t, q.Send([]byte("late")), "nothing is sent after Finish")
	})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, url, nil)
	require.NoError(t, err)
	defer conn.CloseNow()
	var got []string
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			assert.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(err))
			break
		}
		got = append(got, string(b))
	}
	assert.Equal(t, []string{"a", "b", "c"}, got)
}

func TestQueue_TooSlowIsClosed(t *testing.T) {
	slow := make(chan bool, 1)
	url := serve(t, func(q *wsock.Queue) {
		// The peer reads nothing: the writer blocks on the first frames
		// once the socket's buffers fill, and the queue overflows.
		big := make([]byte, 1<<20)
		for i := 0; i < 64 && q.Send(big); i++ {
		}
		slow <- q.Slow()
	})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, url, nil)
	require.NoError(t, err)
	conn.SetReadLimit(-1)
	assert.True(t, <-slow, "a queue of 4 frames overflows before 64 megabytes are written to a peer that reads nothing")
	conn.CloseNow()
}

func TestIsUpgrade(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	assert.False(t, wsock.IsUpgrade(r))
	r.Header.Set("Upgrade", "WebSocket")
	r.Header.Set("Connection", "keep-alive, Upgrade")
	assert.True(t, wsock.IsUpgrade(r))
	r.Method = http.MethodPost
	assert.False(t, wsock.IsUpgrade(r))
}
