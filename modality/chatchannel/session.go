package chatchannel

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/eventcc/eventcc/internal/wsock"
)

// outQueue is how many frames may wait for a slow socket; a socket that
// falls further behind is closed (1008) and its attendee resumes.
const outQueue = 64

// writeTimeout bounds one write to a forwarded socket, and the setting
// up of a forward (link.go).
const writeTimeout = 10 * time.Second

// session is one attendee socket. A goroutine that ServeHTTP starts
// after the upgrade reads (ServeHTTP returns, so net/http's state for
// the request is let go while the socket idles); a writer goroutine,
// started when there is something to write and gone when the queue is
// empty, writes what send queues, so an idle socket costs one goroutine.
type session struct {
	c      *Channel
	conn   wire
	svcID  string
	remote string
	out    *wsock.Queue // the frames to write
	// closedMsg is what to tell the attendee if the service is not open,
	// when this channel has no word of its own (link.go).
	closedMsg string

	// Only the reading goroutine uses these.
	conv      *conversation
	tokens    float64
	last      time.Time
	dropped   int
	malformed int
}

// ServeHTTP accepts attendee sockets at "/<serviceID>/chat", relative to
// where the host mounts the handler (strip any prefix with
// http.StripPrefix), optionally with "?entry=<name>" to choose one of
// the service's chat entry points (default: the first). A request for
// another path is 404; one that is not a WebSocket upgrade is 426
// (Upgrade Required); an Origin not allowed by [Config.Origins] is 403;
// after [Channel.Close], 503. The protocol is in the package doc.
func (c *Channel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/widget.js" { // the attendee widget (widget.go)
		c.serveWidget(w, r)
		return
	}
	svcID, ok := parsePath(r.URL.Path)
	if !ok {
		c.log.V(1).Info("request refused: not a chat path", "path", r.URL.Path, "remote", r.RemoteAddr)
		http.Error(w, "chatchannel: no such chat: sockets are at /<serviceID>/chat", http.StatusNotFound)
		return
	}
	if !isUpgrade(r) {
		c.log.Info("request refused: not a WebSocket upgrade", "service", svcID, "remote", r.RemoteAddr)
		w.Header().Set("Upgrade", "websocket")
		http.Error(w, "chatchannel: this is a WebSocket endpoint: send a GET with Connection: Upgrade and Upgrade: websocket", http.StatusUpgradeRequired)
		return
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		http.Error(w, "chatchannel: closed", http.StatusServiceUnavailable)
		return
	}
	c.wg.Add(1)
	c.mu.Unlock()
	defer c.wg.Done()

	closedMsg := ""
	if f := c.forwarding(svcID); f != nil {
		var handled bool
		if handled, closedMsg = c.acceptForwarded(w, r, f, svcID); handled {
			return // another replica drives the service: the socket is served there (link.go)
		}
	}
	log := c.log.WithValues("service", svcID, "remote", r.RemoteAddr)
	hw := withSmallBuffers(w)
	conn, err := websocket.Accept(hw, r, &websocket.AcceptOptions{OriginPatterns: c.cfg.Origins})
	if err != nil { // Accept answered (403 for a refused origin)
		log.Info("socket refused at the upgrade", "origin", r.Header.Get("Origin"), "error", err.Error())
		return
	}
	conn.SetReadLimit(c.cfg.MaxFrame)
	s := &session{
		c: c, conn: newWSWire(conn, hw), svcID: svcID, remote: r.RemoteAddr, closedMsg: closedMsg,
		tokens: float64(c.cfg.Rate.Burst), last: c.cfg.Now(),
	}
	s.out = wsock.New(s.conn, &c.wg, outQueue)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		conn.Close(websocket.StatusGoingAway, "closed")
		return
	}
	c.sessions[s] = struct{}{}
	c.mu.Unlock()

	// The socket is served on a goroutine of its own, so that net/http's
	// state for the request (its connection, the request and its
	// headers, the response's buffers) is let go while the socket idles.
	entry := r.URL.Query().Get("entry")
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.run(s, entry)
	}()
}

// run serves a registered session until its socket closes, then lets it
// go: its conversation is detached (the grace starts).
func (c *Channel) run(s *session, entry string) {
	c.serve(s, entry)
	s.finish(websocket.StatusNormalClosure, "")
	<-s.out.Done()
	c.mu.Lock()
	delete(c.sessions, s)
	c.mu.Unlock()
	if s.conv != nil {
		c.detach(s.conv, s)
	}
}

// parsePath returns the service of "/<serviceID>/chat".
func parsePath(p string) (string, bool) {
	svc, rest, ok := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	if !ok || svc == "" || rest != "chat" {
		return "", false
	}
	return svc, true
}

func isUpgrade(r *http.Request) bool {
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

// send queues a frame without blocking; a socket too far behind is
// closed (1008) and its attendee resumes.
func (s *session) send(frame any) {
	if !s.out.Send(encode(frame)) && s.out.Slow() {
		s.c.log.Info("socket too slow, closed", "service", s.svcID, "remote", s.remote)
	}
}

// finish makes the writer send what is queued and close the socket with
// code and reason. The first call's code and reason win.
func (s *session) finish(code websocket.StatusCode, reason string) { s.out.Finish(code, reason) }

// kill closes the socket as going away (Channel.Close): the writer sends
// what is queued, then the close frame, and waits for the peer's close
// (at most 5 seconds, github.com/coder/websocket's limit).
func (s *session) kill() { s.finish(websocket.StatusGoingAway, "going away") }

// allow takes a token from the session's bucket.
func (s *session) allow(now time.Time) bool {
	rate := s.c.cfg.Rate
	if dt := now.Sub(s.last).Seconds(); dt > 0 {
		s.tokens = min(float64(rate.Burst), s.tokens+dt*rate.PerSecond)
	}
	s.last = now
	if s.tokens < 1 {
		return false
	}
	s.tokens--
	return true
}

// serve runs the protocol on s until the socket closes.
func (c *Channel) serve(s *session, entry string) {
	log := c.log.WithValues("service", s.svcID, "remote", s.remote)
	ctx := context.Background() // the socket outlives the request
	// No hello in time: closed with 1008, as other bad input (a read
	// with a deadline would drop the connection without a close code).
	timer := time.AfterFunc(c.cfg.HelloTimeout, func() {
		log.Info("socket closed: no hello in time")
		s.finish(websocket.StatusPolicyViolation, "no hello")
	})
	typ, data, err := s.conn.Read(ctx)
	if !timer.Stop() {
		return // too late: the socket is closing
	}
	if err != nil {
		logReadError(log, err)
		return
	}
	f, err := decodeFrame(data)
	if typ != websocket.MessageText || err != nil || f.Type != frameHello {
		log.Info("first frame is not a hello", "error", errString(err))
		s.send(errorFrame{Type: "error", Code: "hello_required", Message: "the first frame must be a hello"})
		s.finish(websocket.StatusPolicyViolation, "hello required")
		return
	}
	if msg, open := c.isOpen(s); !open {
		// Whoever they are: a closed service says so, and nothing else
		// (after the close, their token is void too).
		log.Info("hello refused: the service is not open")
		s.send(closedFrame{Type: "closed", Reason: ReasonClosed, Message: msg})
		s.finish(websocket.StatusNormalClosure, ReasonClosed)
		return
	}
	from, ok := c.authenticate(ctx, log, s.svcID, f.Token)
	if !ok {
		s.send(closedFrame{Type: "closed", Reason: ReasonUnauthorized})
		s.finish(websocket.StatusPolicyViolation, ReasonUnauthorized)
		return
	}
	if f.Conversation != "" {
		if !c.resume(ctx, s, from, f.Conversation, f.LastSeq) {
			return
		}
	} else if !c.start(ctx, s, from, entry) {
		return
	}
	for {
		typ, data, err := s.conn.Read(ctx)
		if err != nil {
			logReadError(log, err)
			return
		}
		if !s.allow(c.cfg.Now()) {
			s.dropped++
			log.V(1).Info("frame rate limited", "dropped", s.dropped)
			if s.dropped >= c.cfg.MaxDropped {
				log.Info("socket closed: sustained flood", "dropped", s.dropped)
				s.send(errorFrame{Type: "error", Code: "rate_limited", Message: "too many frames; closing"})
				s.finish(websocket.StatusPolicyViolation, "rate limited")
				return
			}
			s.send(errorFrame{Type: "error", Code: "rate_limited", Message: "too many frames; this one was dropped"})
			continue
		}
		s.dropped = 0
		f, err := decodeFrame(data)
		if typ != websocket.MessageText && err == nil {
			err = errFrame
		}
		if err == nil && f.Type == frameHello {
			err = errors.New("hello after hello")
		}
		if err != nil {
			s.malformed++
			code := "bad_frame"
			if errors.Is(err, errUnknownType) {
				code = "unknown_type"
			}
			log.Info("bad frame", "error", err.Error(), "strikes", s.malformed)
			s.send(errorFrame{Type: "error", Code: code, Message: err.Error()})
			if s.malformed >= maxMalformed {
				s.finish(websocket.StatusPolicyViolation, "bad frames")
				return
			}
			continue
		}
		if !c.handle(ctx, s, f) {
			return
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func logReadError(log interface {
	Info(string, ...any)
}, err error) {
	switch st := websocket.CloseStatus(err); {
	case st == websocket.StatusNormalClosure || st == websocket.StatusGoingAway:
	case st == -1 && strings.Contains(err.Error(), "read limited"):
		log.Info("socket closed: frame too big", "error", err.Error())
	default:
		log.Info("socket closed", "status", int(st), "error", err.Error())
	}
}

// isOpen reports whether s's service is open here, and if not, what to
// tell its attendee.
func (c *Channel) isOpen(s *session) (closedMsg string, open bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	svc := c.services[s.svcID]
	switch {
	case svc != nil && svc.open:
		return "", true
	case (svc == nil || svc.closedMsg == "") && s.closedMsg != "":
		return s.closedMsg, false
	}
	return svc.closedMessage(), false
}

// authenticate returns the attendee's address: the token's principal,
// or "anonymous:<random>" for no token where the service's setup admits
// anonymous visitors (its Anonymous lists chat). It runs before the
// entry point is looked up: start checks the setup again, with the entry
// point's queue.
func (c *Channel) authenticate(ctx context.Context, log interface {
	Info(string, ...any)
}, serviceID, token string) (string, bool) {
	if token == "" {
		c.mu.Lock()
		svc := c.services[serviceID]
		ok := svc != nil && svc.anonymous
		c.mu.Unlock()
		if ok {
			return "anonymous:" + newID(""), true
		}
		log.Info("hello refused: no token, and the service admits no anonymous visitors")
		return "", false
	}
	if c.cfg.Tokens == nil {
		log.Info("hello refused: a token, and no Tokens to verify it")
		return "", false
	}
	p, err := c.cfg.Tokens.AuthorizeToken(ctx, token, serviceID, StartPrivilege)
	if err != nil || p == "" {
		log.Info("hello refused: token denied", "error", errString(err))
		return "", false
	}
	return p, true
}

// socketBuffer is the size of a socket's read and write buffers. Chat
// frames are small; a larger one is read or written past the buffer.
// net/http's are 4 KiB each, held for as long as the socket is open.
const socketBuffer = 1 << 10

// withSmallBuffers returns w, hijacked with buffers of socketBuffer
// bytes, if w can be hijacked; else w, which Accept refuses as before.
func withSmallBuffers(w http.ResponseWriter) http.ResponseWriter {
	for u := w; ; {
		switch t := u.(type) {
		case http.Hijacker:
			return &smallBuffers{ResponseWriter: w}
		case interface{ Unwrap() http.ResponseWriter }:
			u = t.Unwrap()
		default:
			return w
		}
	}
}

// smallBuffers is a ResponseWriter whose Hijack hands
// github.com/coder/websocket buffers of socketBuffer bytes instead of
// net/http's, keeping what the server had read ahead, and writes through
// a coalescer.
type smallBuffers struct {
	http.ResponseWriter
	co *coalescer // set by Hijack
}

func (w *smallBuffers) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	// What the server read ahead (the first byte of the hello, read to
	// notice a closed connection) goes in the new buffer, where Accept
	// keeps what is buffered.
	br := brw.Reader
	if n := br.Buffered(); n <= socketBuffer {
		ahead, _ := br.Peek(n)
		br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(ahead)), conn), socketBuffer)
		if _, err := br.Peek(n); err != nil {
			return nil, nil, err
		}
	}
	w.co = &coalescer{w: conn}
	return conn, bufio.NewReadWriter(br, bufio.NewWriterSize(w.co, socketBuffer)), nil
}

// coalescer writes to a socket, and can hold one write back to make it
// with the next: a frame and the close frame after it in one system
// call.
type coalescer struct {
	w    io.Writer
	mu   sync.Mutex
	hold bool
	held []byte
}

// holdNext holds the next write back until the one after it.
func (c *coalescer) holdNext() {
	c.mu.Lock()
	c.hold = true
	c.mu.Unlock()
}

func (c *coalescer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hold {
		c.hold, c.held = false, append(c.held[:0], p...)
		return len(p), nil
	}
	if len(c.held) > 0 {
		b := append(c.held, p...)
		c.held = nil
		if _, err := c.w.Write(b); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.w.Write(p)
}
