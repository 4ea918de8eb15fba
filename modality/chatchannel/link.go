package chatchannel

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"github.com/coder/websocket"

	"github.com/eventcc/eventcc/internal/wsock"
	"github.com/eventcc/eventcc/modality"
)

// Sockets between replicas. An attendee may reach any replica of the
// host; their conversation lives in the chat channel of the replica that
// drives the service (where its router is). A channel given a
// modality.Forwarder (the contactcenter lifecycle, with a relay, gives
// itself) passes the sockets of services it does not serve to that
// replica over a link, and serves the links other replicas pass it as
// if the attendee had connected here: resuming a conversation after a
// reconnect works whichever replica the attendee reaches.

var _ modality.LinkServer = (*Channel)(nil)

// wire is what a session talks over: the attendee's WebSocket here, or a
// link to the replica they reached.
type wire interface {
	wsock.Conn
	Read(ctx context.Context) (websocket.MessageType, []byte, error)
}

// wsWire is a WebSocket.
type wsWire struct {
	*websocket.Conn
	co *coalescer // nil: writes are not coalesced
}

// newWSWire returns the wire of conn, accepted on w.
func newWSWire(conn *websocket.Conn, w http.ResponseWriter) wsWire {
	ww := wsWire{Conn: conn}
	if sb, ok := w.(*smallBuffers); ok {
		ww.co = sb.co
	}
	return ww
}

func (w wsWire) Write(ctx context.Context, b []byte) error {
	return w.Conn.Write(ctx, websocket.MessageText, b)
}

func (w wsWire) HoldNext() {
	if w.co != nil {
		w.co.holdNext()
	}
}

// linkWire is a link from another replica.
type linkWire struct{ l modality.Link }

func (w linkWire) Read(ctx context.Context) (websocket.MessageType, []byte, error) {
	b, err := w.l.Recv(ctx)
	return websocket.MessageText, b, err
}
func (w linkWire) Write(ctx context.Context, b []byte) error { return w.l.Send(ctx, b) }
func (w linkWire) HoldNext()                                 {}
func (w linkWire) Close(code websocket.StatusCode, reason string) error {
	return w.l.Close(int(code), reason)
}
func (w linkWire) CloseNow() error { return w.l.Close(int(websocket.StatusInternalError), "") }

// SetForwarder implements modality.LinkServer: the sockets of services
// this channel does not serve (not open here) go where f says.
func (c *Channel) SetForwarder(f modality.Forwarder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fwd = f
}

// ServeLink implements modality.LinkServer: it serves an attendee's
// socket that reached another replica, as if it had connected here, and
// returns when the session ends, having closed l.
func (c *Channel) ServeLink(ctx context.Context, serviceID, entry, remote string, l modality.Link) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		l.Close(int(websocket.StatusGoingAway), "going away")
		return
	}
	s := &session{
		c: c, conn: linkWire{l}, svcID: serviceID, remote: remote,
		tokens: float64(c.cfg.Rate.Burst), last: c.cfg.Now(),
	}
	s.out = wsock.New(s.conn, &c.wg, outQueue)
	c.sessions[s] = struct{}{}
	c.wg.Add(1)
	c.mu.Unlock()
	defer c.wg.Done()
	stop := context.AfterFunc(ctx, s.kill)
	defer stop()
	c.run(s, entry)
}

// forwarding reports whether a socket of serviceID goes to another
// replica: the service is not open here and the channel has a forwarder.
func (c *Channel) forwarding(serviceID string) modality.Forwarder {
	c.mu.Lock()
	defer c.mu.Unlock()
	if svc := c.services[serviceID]; svc != nil && svc.open {
		return nil
	}
	return c.fwd
}

// proxy carries an attendee's socket to the replica driving its service
// over l, until either end closes; it tells the other end why.
type proxy struct {
	conn *websocket.Conn
	l    modality.Link
}

// forward serves an accepted socket by passing its frames both ways over
// l. It returns once both directions have stopped.
func (c *Channel) forward(conn *websocket.Conn, l modality.Link) {
	p := &proxy{conn: conn, l: l}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		l.Close(int(websocket.StatusGoingAway), "going away")
		conn.Close(websocket.StatusGoingAway, "going away")
		return
	}
	c.proxies[p] = struct{}{}
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.proxies, p)
		c.mu.Unlock()
	}()

	ctx := context.Background()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the driving replica → the attendee
		defer wg.Done()
		for {
			b, err := l.Recv(ctx)
			if err != nil {
				code, reason := websocket.StatusGoingAway, "going away"
				var closed *modality.LinkClosedError
				if errors.As(err, &closed) {
					code, reason = websocket.StatusCode(closed.Code), closed.Reason
				}
				if code == 1006 || code == 1005 || code == 0 {
					code = websocket.StatusInternalError // not sendable in a close frame
				}
				conn.Close(code, reason)
				return
			}
			wctx, cancel := context.WithTimeout(ctx, writeTimeout)
			err = conn.Write(wctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				l.Close(int(websocket.StatusGoingAway), "the attendee's socket failed")
				conn.CloseNow()
				return
			}
		}
	}()
	for { // the attendee → the driving replica
		typ, b, err := conn.Read(ctx)
		if err != nil {
			code, reason := websocket.CloseStatus(err), "the attendee's socket closed"
			if code == -1 || code == 1005 || code == 1006 {
				code = websocket.StatusGoingAway
			}
			l.Close(int(code), reason)
			break
		}
		if typ != websocket.MessageText {
			b = nil // the driving replica refuses it as a bad frame
		}
		if err := l.Send(ctx, b); err != nil {
			conn.Close(websocket.StatusInternalError, "the contact center cannot be reached; reconnect")
			break
		}
	}
	wg.Wait()
}

// acceptForwarded upgrades a socket of a service another replica drives
// and forwards it there. It reports false, having done nothing, when no
// replica drives the service: the caller serves the socket here and
// tells the attendee the service is closed, with closedMsg if the
// forwarder said what (modality.NotOpenError).
func (c *Channel) acceptForwarded(w http.ResponseWriter, r *http.Request, f modality.Forwarder, serviceID string) (handled bool, closedMsg string) {
	ctx, cancel := context.WithTimeout(r.Context(), writeTimeout)
	defer cancel()
	l, err := f.Forward(ctx, modality.Chat, serviceID, r.URL.Query().Get("entry"), r.RemoteAddr)
	if errors.Is(err, modality.ErrNotFound) {
		var closed *modality.NotOpenError
		if errors.As(err, &closed) {
			closedMsg = closed.Message
		}
		return false, closedMsg
	}
	log := c.log.WithValues("service", serviceID, "remote", r.RemoteAddr)
	if err != nil {
		log.Error(err, "socket not forwarded to the replica driving its service")
		http.Error(w, "chatchannel: the contact center cannot be reached; try again", http.StatusServiceUnavailable)
		return true, ""
	}
	conn, err := websocket.Accept(withSmallBuffers(w), r, &websocket.AcceptOptions{OriginPatterns: c.cfg.Origins})
	if err != nil {
		log.Info("socket refused at the upgrade", "origin", r.Header.Get("Origin"), "error", err.Error())
		l.Close(int(websocket.StatusPolicyViolation), "refused at the upgrade")
		return true, ""
	}
	conn.SetReadLimit(c.cfg.MaxFrame)
	log.V(1).Info("socket forwarded to the replica driving its service")
	c.wg.Add(1)
	go func() { // as local sockets: net/http's state is let go
		defer c.wg.Done()
		c.forward(conn, l)
	}()
	return true, ""
}
