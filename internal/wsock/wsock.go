// Package wsock holds what eventcc's WebSocket servers (the chat channel,
// the agent desktop) share: a socket's outbound queue, written by a
// goroutine that runs only while there is something to write, and
// closed after what is queued has gone.
package wsock

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// WriteTimeout bounds one frame's write.
const WriteTimeout = 10 * time.Second

// Conn is what a Queue writes to: a *websocket.Conn (see WebSocket), or
// anything that carries frames the same way.
type Conn interface {
	// Write writes one text frame.
	Write(ctx context.Context, b []byte) error
	// Close closes the socket with code and reason (a close frame,
	// then waiting for the peer's).
	Close(code websocket.StatusCode, reason string) error
	// CloseNow closes it without a close frame.
	CloseNow() error
}

// HoldNexter is an optional interface of a Conn that can hold a write
// back to make it with the next: a Queue holds the last frame before a
// close, so the frame and the close frame go out in one system call.
type HoldNexter interface{ HoldNext() }

// WebSocket is the Conn of a WebSocket.
func WebSocket(c *websocket.Conn) Conn { return textConn{c} }

type textConn struct{ *websocket.Conn }

func (c textConn) Write(ctx context.Context, b []byte) error {
	return c.Conn.Write(ctx, websocket.MessageText, b)
}

// Queue is a socket's outbound frames. Send never blocks: a socket that
// falls more than Max frames behind is closed (1008, "too slow") and its
// peer resumes. An idle socket costs no goroutine. A Queue is safe for
// concurrent use.
type Queue struct {
	conn Conn
	wg   *sync.WaitGroup
	max  int
	done chan struct{} // closed once the socket is closed

	mu      sync.Mutex
	queue   [][]byte
	writing bool // a writer goroutine runs
	quit    bool // Finish was called: close after the queue
	slow    bool // closed for falling behind
	closed  bool // the socket is closed; nothing more is written
	code    websocket.StatusCode
	reason  string
}

// New returns the queue of conn, which holds at most max frames. Each
// writer goroutine it starts is counted in wg, so the server's Close can
// wait for them; the caller must hold wg above zero until Done.
func New(conn Conn, wg *sync.WaitGroup, max int) *Queue {
	return &Queue{conn: conn, wg: wg, max: max, done: make(chan struct{})}
}

// Send queues b. It reports false when the frame will not be written:
// the socket is closing or closed, or too far behind (then it is closed
// with 1008).
func (q *Queue) Send(b []byte) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.quit || q.closed {
		return false
	}
	if len(q.queue) >= q.max {
		q.quit, q.slow, q.code, q.reason = true, true, websocket.StatusPolicyViolation, "too slow"
		q.queue = nil
		q.startLocked()
		return false
	}
	q.queue = append(q.queue, b)
	q.startLocked()
	return true
}

// Finish makes the writer send what is queued, then close the socket
// with code and reason. The first call's code and reason win.
func (q *Queue) Finish(code websocket.StatusCode, reason string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.quit || q.closed {
		return
	}
	q.quit, q.code, q.reason = true, code, reason
	q.startLocked()
}

// Slow reports whether the socket was closed for falling behind.
func (q *Queue) Slow() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.slow
}

// Done is closed once the socket is closed.
func (q *Queue) Done() <-chan struct{} { return q.done }

func (q *Queue) startLocked() {
	if q.writing {
		return
	}
	q.writing = true
	q.wg.Add(1)
	go q.write()
}

// write is the writer goroutine: it writes the queue and exits, or,
// after Finish, closes the socket (waiting for the peer's close at most
// 5 seconds, github.com/coder/websocket's limit).
func (q *Queue) write() {
	defer q.wg.Done()
	for {
		q.mu.Lock()
		if len(q.queue) == 0 {
			if !q.quit {
				q.writing = false
				q.mu.Unlock()
				return
			}
			code, reason := q.code, q.reason
			q.mu.Unlock()
			q.conn.Close(code, reason)
			q.markClosed()
			return
		}
		b := q.queue[0]
		q.queue[0] = nil
		q.queue = q.queue[1:]
		if len(q.queue) == 0 {
			q.queue = nil // let the backing array go while idle
			if h, ok := q.conn.(HoldNexter); ok && q.quit {
				h.HoldNext() // the close frame follows: one write for both
			}
		}
		q.mu.Unlock()
		if !q.writeOne(b) {
			q.conn.CloseNow()
			q.markClosed()
			return
		}
	}
}

func (q *Queue) writeOne(b []byte) bool {
	ctx, cancel := context.WithTimeout(context.Background(), WriteTimeout)
	defer cancel()
	return q.conn.Write(ctx, b) == nil
}

// markClosed marks the socket closed and closes Done.
func (q *Queue) markClosed() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed, q.quit, q.queue = true, true, nil
		close(q.done)
	}
}

// IsUpgrade reports whether r asks for a WebSocket: a GET with
// Connection: Upgrade and Upgrade: websocket.
func IsUpgrade(r *http.Request) bool {
	if r.Method != http.MethodGet || !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		return false
	}
	for _, v := range r.Header.Values("Connection") {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), "upgrade") {
				return true
			}
		}
	}
	return false
}
