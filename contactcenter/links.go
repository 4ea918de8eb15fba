package contactcenter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/eventcc/eventcc/modality"
)

// Attendees' sockets between replicas.
//
// A chat attendee may connect to any replica; the conversation lives in
// the chat channel of the replica that drives the service (with its
// router). A replica that does not drive it forwards the socket there
// over a link: the frames travel over the Relay, each as one or more
// "link" messages of at most linkChunk bytes, numbered per direction so
// that a lost one (the Relay delivers at most once) closes the link with
// 1011 rather than leaving a gap: the attendee's page reconnects and
// resumes from its last seq.

// linkChunk is the most bytes of a frame one relay message carries: as
// base64 with the envelope, well under MaxRelayMessage.
const linkChunk = 4096

// linkQueue is how many frames may wait for a link's reader; more, and
// the link closes (1008, "too slow"), as a slow socket would.
const linkQueue = 64

// Close codes a link ends with on its own.
const (
	linkLost     = 1011 // frames lost between the replicas, or the other end is gone
	linkGoneAway = 1001 // this lifecycle closed
	linkTooSlow  = 1008
)

var _ modality.Forwarder = (*Lifecycle)(nil)

// links are this replica's ends of links, by ID.
type links struct {
	mu   sync.Mutex
	next uint64
	byID map[string]*link
	wg   sync.WaitGroup // links served here (ServeLink)
}

// link is one end of a link.
type link struct {
	l       *Lifecycle
	id      string // "<dialing replica>/<n>": unique among the replicas
	peer    string // the other end's replica
	service string // with a link this replica dialed: the service it serves

	sendMu  sync.Mutex
	sendSeq int64

	mu      sync.Mutex
	in      [][]byte
	wake    chan struct{} // signalled when in grows or the link closes
	recvSeq int64
	partial []byte
	closed  *modality.LinkClosedError
}

func (l *Lifecycle) newLink(id, peer string) *link {
	k := &link{l: l, id: id, peer: peer, wake: make(chan struct{}, 1)}
	l.links.mu.Lock()
	if l.links.byID == nil {
		l.links.byID = map[string]*link{}
	}
	l.links.byID[id] = k
	l.links.mu.Unlock()
	return k
}

// Forward implements modality.Forwarder over the Relay: it opens a link
// to the channel of kind on the replica that drives serviceID. Errors:
// one wrapping modality.ErrNotFound when no other replica drives it (or
// there is no Relay).
func (l *Lifecycle) Forward(ctx context.Context, kind modality.Kind, serviceID, entry, remote string) (modality.Link, error) {
	loc, ok := l.cfg.Store.(Locator)
	if l.cfg.Relay == nil || !ok {
		return nil, fmt.Errorf("contactcenter: %s: forward: no relay: %w", serviceID, modality.ErrNotFound)
	}
	owner, err := loc.Holder(ctx, serviceID, l.now())
	if err != nil {
		return nil, fmt.Errorf("contactcenter: %s: forward: who drives it: %w", serviceID, err)
	}
	switch owner {
	case l.cfg.Owner:
		return nil, fmt.Errorf("contactcenter: %s: forward: this replica drives it: %w", serviceID, modality.ErrNotFound)
	case "":
		return nil, l.notDriven(ctx, serviceID)
	}
	l.links.mu.Lock()
	l.links.next++
	id := l.cfg.Owner + "/" + strconv.FormatUint(l.links.next, 10)
	l.links.mu.Unlock()
	k := l.newLink(id, owner)
	k.service = serviceID
	m := relayMsg{Kind: "link", Op: "open", Service: serviceID, Link: id, Entry: entry, Remote: remote, Modality: kind}
	if err := k.relay(ctx, m); err != nil {
		k.end(linkLost, "the replica driving the service cannot be reached")
		return nil, fmt.Errorf("contactcenter: %s: forward to %q: %w", serviceID, owner, err)
	}
	return k, nil
}

// notDriven is why a service no replica drives cannot be forwarded to:
// unknown (modality.ErrNotFound), not open (a *modality.NotOpenError
// with the receptionist's closed message), or open and between owners,
// a replica dead and its lease not yet taken over (an error the caller
// retries).
func (l *Lifecycle) notDriven(ctx context.Context, serviceID string) error {
	s, err := l.cfg.Store.Get(ctx, serviceID)
	switch {
	case errors.Is(err, ErrNotFound):
		return fmt.Errorf("contactcenter: %s: forward: %w", serviceID, modality.ErrNotFound)
	case err != nil:
		return fmt.Errorf("contactcenter: %s: forward: %w", serviceID, err)
	case s.State == Active || s.State == Terminating:
		return fmt.Errorf("contactcenter: %s: forward: no replica drives it right now; try again", serviceID)
	}
	closed := &modality.NotOpenError{ServiceID: serviceID}
	if r := s.Config.Receptionist; r != nil {
		closed.Message = r.ClosedMessage
	}
	return fmt.Errorf("contactcenter: %s: forward: %w", serviceID, closed)
}

// relay sends m to the other end, numbered.
func (k *link) relay(ctx context.Context, m relayMsg) error {
	m.From, m.Link = k.l.cfg.Owner, k.id
	k.sendSeq++
	m.Seq = k.sendSeq
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return k.l.cfg.Relay.Send(ctx, k.peer, b)
}

// Send passes one frame, in chunks, to the other end.
func (k *link) Send(ctx context.Context, frame []byte) error {
	if err := k.err(); err != nil {
		return err
	}
	k.sendMu.Lock()
	defer k.sendMu.Unlock()
	for first := true; first || len(frame) > 0; first = false {
		n := min(len(frame), linkChunk)
		m := relayMsg{Kind: "link", Op: "frame", Body: frame[:n], More: n < len(frame)}
		if m.Body == nil {
			m.Body = []byte{}
		}
		if err := k.relay(ctx, m); err != nil {
			k.end(linkLost, "the other replica cannot be reached")
			return fmt.Errorf("contactcenter: link %s: %w", k.id, err)
		}
		frame = frame[n:]
	}
	return nil
}

// Recv returns the next frame from the other end.
func (k *link) Recv(ctx context.Context) ([]byte, error) {
	for {
		k.mu.Lock()
		if len(k.in) > 0 {
			f := k.in[0]
			k.in[0] = nil
			k.in = k.in[1:]
			k.mu.Unlock()
			return f, nil
		}
		closed := k.closed
		k.mu.Unlock()
		if closed != nil {
			return nil, fmt.Errorf("contactcenter: link %s: %w", k.id, closed)
		}
		select {
		case <-k.wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Close ends the link and tells the other end.
func (k *link) Close(code int, reason string) error {
	if !k.end(code, reason) {
		return nil
	}
	k.sendMu.Lock()
	defer k.sendMu.Unlock()
	err := k.relay(context.Background(), relayMsg{Kind: "link", Op: "close", Close: code, Reason: reason})
	if err != nil {
		return fmt.Errorf("contactcenter: link %s: close: %w", k.id, err)
	}
	return nil
}

func (k *link) err() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed != nil {
		return fmt.Errorf("contactcenter: link %s: %w", k.id, k.closed)
	}
	return nil
}

// end marks the link closed with code and reason, and forgets it; it
// reports whether this call closed it.
func (k *link) end(code int, reason string) bool {
	k.mu.Lock()
	if k.closed != nil {
		k.mu.Unlock()
		return false
	}
	k.closed = &modality.LinkClosedError{Code: code, Reason: reason}
	k.mu.Unlock()
	k.signal()
	k.l.links.mu.Lock()
	delete(k.l.links.byID, k.id)
	k.l.links.mu.Unlock()
	return true
}

func (k *link) signal() {
	select {
	case k.wake <- struct{}{}:
	default:
	}
}

// receive takes one relayed link message for this end. A message out of
// sequence means one was lost: the link closes, both ends.
func (k *link) receive(m relayMsg) {
	if m.Op == "close" { // whatever came before it: the link is over
		k.end(m.Close, m.Reason)
		return
	}
	k.mu.Lock()
	if k.closed != nil {
		k.mu.Unlock()
		return
	}
	if m.Seq != k.recvSeq+1 {
		k.mu.Unlock()
		k.l.log.Info("link: a frame was lost between the replicas; closing", "link", k.id, "want", k.recvSeq+1, "got", m.Seq)
		go k.Close(linkLost, "frames lost between replicas")
		return
	}
	k.recvSeq = m.Seq
	switch m.Op {
	case "frame":
		k.partial = append(k.partial, m.Body...)
		if m.More {
			k.mu.Unlock()
			return
		}
		if len(k.in) >= linkQueue {
			k.mu.Unlock()
			go k.Close(linkTooSlow, "too slow")
			return
		}
		k.in = append(k.in, k.partial)
		k.partial = nil
	}
	k.mu.Unlock()
	k.signal()
}

// onLink handles a link message from another replica: a new link for
// one of this replica's channels, or the next message of a known one.
func (l *Lifecycle) onLink(ctx context.Context, m relayMsg) {
	l.links.mu.Lock()
	k := l.links.byID[m.Link]
	l.links.mu.Unlock()
	switch {
	case k != nil:
		k.receive(m)
	case m.Op == "open":
		var srv modality.LinkServer
		for _, ch := range l.cfg.Channels {
			if s, ok := ch.(modality.LinkServer); ok && serves(ch, m.Modality) {
				srv = s
				break
			}
		}
		k = l.newLink(m.Link, m.From)
		k.recvSeq = m.Seq
		if srv == nil {
			k.Close(linkLost, "no channel here serves "+string(m.Modality))
			return
		}
		l.links.wg.Add(1)
		go func() {
			defer l.links.wg.Done()
			srv.ServeLink(ctx, m.Service, m.Entry, m.Remote, k)
			k.Close(1000, "")
		}()
	case m.Op != "close":
		// A link this replica does not know (it restarted, or the open
		// was lost): the other end must not wait for it.
		b, err := json.Marshal(relayMsg{Kind: "link", Op: "close", From: l.cfg.Owner, Link: m.Link, Seq: -1, Close: linkLost, Reason: "no such link here"})
		if err == nil {
			err = l.cfg.Relay.Send(ctx, m.From, b)
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			l.log.Info("link: unknown link not refused", "link", m.Link, "error", err.Error())
		}
	}
}

// linkMoved is the close code of links to a replica that no longer
// drives their service: the page reconnects, and reaches the new one.
const linkMoved = 1012

// closeLinksOf ends the links this replica dialed for serviceID: it now
// drives the service itself (it took it over), so the replica at their
// other end does not, or is gone.
func (l *Lifecycle) closeLinksOf(serviceID string) {
	l.links.mu.Lock()
	var moved []*link
	for _, k := range l.links.byID {
		if k.service == serviceID {
			moved = append(moved, k)
		}
	}
	l.links.mu.Unlock()
	for _, k := range moved {
		_ = k.Close(linkMoved, "the contact center moved; reconnect")
	}
}

// closeLinks ends every link of this replica: the lifecycle is closing.
func (l *Lifecycle) closeLinks() {
	l.links.mu.Lock()
	all := make([]*link, 0, len(l.links.byID))
	for _, k := range l.links.byID {
		all = append(all, k)
	}
	l.links.mu.Unlock()
	for _, k := range all {
		_ = k.Close(linkGoneAway, "going away")
	}
	l.links.wg.Wait()
}

// serves reports whether ch serves kind.
func serves(ch modality.Channel, kind modality.Kind) bool {
	for _, k := range ch.Kinds() {
		if k == kind {
			return true
		}
	}
	return false
}
