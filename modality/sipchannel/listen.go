package sipchannel

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
)

// bindAttempts bounds the tries to find a port free for both UDP and TCP
// when an address asks for port 0.
const bindAttempts = 16

// bind opens the sockets of one listening address on the transports
// given. With port 0 and both transports, UDP picks the port and TCP must
// get the same one; when TCP finds it taken, both are closed and tried
// again, a bounded number of times.
func bind(addr string, transports []string, maxConns int) (net.PacketConn, net.Listener, error) {
	wantUDP, wantTCP := false, false
	for _, t := range transports {
		wantUDP = wantUDP || t == UDP
		wantTCP = wantTCP || t == TCP
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, err
	}
	for attempt := 0; ; attempt++ {
		var pc net.PacketConn
		tcpAddr := addr
		if wantUDP {
			pc, err = net.ListenPacket("udp", addr)
			if err != nil {
				return nil, nil, fmt.Errorf("listen udp %s: %w", addr, err)
			}
			_, port, _ = net.SplitHostPort(pc.LocalAddr().String())
			tcpAddr = net.JoinHostPort(host, port)
		}
		if !wantTCP {
			return pc, nil, nil
		}
		l, err := net.Listen("tcp", tcpAddr)
		if err == nil {
			return pc, newLimitListener(l, maxConns), nil
		}
		if pc != nil {
			pc.Close()
		}
		retry := wantUDP && errors.Is(err, syscall.EADDRINUSE) && attempt+1 < bindAttempts && isPortZero(addr)
		if !retry {
			return nil, nil, fmt.Errorf("listen tcp %s: %w", tcpAddr, err)
		}
	}
}

func isPortZero(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err == nil && (port == "0" || port == "")
}

// limitListener accepts at most n connections open at once; Accept waits
// for one to close before taking another. It bounds the goroutines sipgo
// starts per TCP connection, and it knows the connections it accepted, so
// the channel can close every one of them when it shuts down (sipgo's own
// pool skips a connection whose reference count it lost track of, and the
// connection's reader would stay).
type limitListener struct {
	net.Listener
	sem       chan struct{}
	done      chan struct{}
	closeOnce sync.Once

	mu    sync.Mutex
	conns map[*limitConn]struct{}
}

func newLimitListener(l net.Listener, n int) *limitListener {
	return &limitListener{Listener: l, sem: make(chan struct{}, n), done: make(chan struct{}), conns: map[*limitConn]struct{}{}}
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	lc := &limitConn{Conn: c, l: l}
	l.mu.Lock()
	l.conns[lc] = struct{}{}
	l.mu.Unlock()
	return lc, nil
}

func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// closeConns closes every connection still open.
func (l *limitListener) closeConns() {
	l.mu.Lock()
	conns := make([]*limitConn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// limitConn gives its slot back once, on its first Close.
type limitConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
		<-c.l.sem
	})
	return err
}
