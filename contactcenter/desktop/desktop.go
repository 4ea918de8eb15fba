package desktop

import (
	_ "embed"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/go-logr/logr"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/internal/asset"
	"github.com/eventcc/eventcc/internal/configerr"
	"github.com/eventcc/eventcc/internal/wsock"
)

// Defaults of Config.
const (
	DefaultMaxFrame     = 32 << 10
	DefaultHelloTimeout = 10 * time.Second
)

// outQueue is how many frames may wait for a slow desktop; one that
// falls further behind is closed (1008) and reloads what it holds.
const outQueue = 256

// maxMalformed malformed frames close a socket (1008).
const maxMalformed = 3

// Config configures a Handler.
type Config struct {
	// Lifecycle is whose desks the agents work at. Required.
	Lifecycle *contactcenter.Lifecycle
	// Origins are the Origin header patterns (path.Match syntax against
	// the origin's host) allowed to open a socket. Empty: only the
	// request's own host, which is where the page is served from.
	Origins []string
	// MaxFrame is the largest client frame accepted, in bytes; a larger
	// one closes the socket with 1009. Default 32 KiB.
	MaxFrame int64
	// HelloTimeout is how long a new socket may take to send its hello;
	// then it is closed with 1008. Default 10 seconds (wall-clock: it
	// guards the server, not a business rule).
	HelloTimeout time.Duration
	// Logger logs sign-ins, refusals and bad input. The zero value logs
	// nothing.
	Logger logr.Logger
}

// ConfigError is the error New returns for a Config it refuses:
// "desktop.Config" and every problem, each naming its field. It is one
// type with contactcenter.ConfigError and the other packages'.
type ConfigError = configerr.Error

// Handler serves the agent desktop: the page, its script, and the
// agents' sockets. Make one with New; the zero value is not usable. A
// Handler is safe for concurrent use.
type Handler struct {
	cfg    Config
	log    logr.Logger
	page   *asset.File
	script *asset.File
	unsub  func()

	mu      sync.Mutex
	closed  bool
	sockets map[string]map[*socket]struct{} // by service
	wg      sync.WaitGroup                  // ServeHTTP calls and writers
}

//go:embed desktop.html
var pageHTML []byte

//go:embed desktop.js
var pageJS []byte

// New returns a Handler for cfg, or a *ConfigError naming every bad
// field. It subscribes to the lifecycle's events until Handler.Close.
func New(cfg Config) (*Handler, error) {
	c := configerr.New("desktop.Config")
	if cfg.Lifecycle == nil {
		c.Add("Lifecycle", "is required")
	}
	if cfg.MaxFrame < 0 {
		c.Add("MaxFrame", "%d is negative", cfg.MaxFrame)
	}
	if cfg.HelloTimeout < 0 {
		c.Add("HelloTimeout", "%v is negative", cfg.HelloTimeout)
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	if cfg.MaxFrame == 0 {
		cfg.MaxFrame = DefaultMaxFrame
	}
	if cfg.HelloTimeout == 0 {
		cfg.HelloTimeout = DefaultHelloTimeout
	}
	cfg.Origins = append([]string(nil), cfg.Origins...)
	h := &Handler{
		cfg:     cfg,
		log:     cfg.Logger.WithName("desktop"),
		page:    asset.New(pageHTML, "text/html; charset=utf-8"),
		script:  asset.New(pageJS, "text/javascript; charset=utf-8"),
		sockets: map[string]map[*socket]struct{}{},
	}
	h.unsub = cfg.Lifecycle.Subscribe(h.onLifecycle)
	return h, nil
}

// ServeHTTP serves, relative to where the host mounts the handler (strip
// any prefix with http.StripPrefix): the desktop page at "/", its script
// at "/desktop.js", and agents' sockets at "/<serviceID>/socket". Another
// path is 404; a socket request that is not a WebSocket upgrade 426; an
// Origin not allowed by [Config.Origins] 403; after [Handler.Close], 503.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/", "/index.html":
		h.page.ServeHTTP(w, r)
		return
	case "/desktop.js":
		h.script.ServeHTTP(w, r)
		return
	}
	svc, rest, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if !ok || svc == "" || rest != "socket" {
		http.Error(w, "desktop: not found: the page is at /, sockets at /<serviceID>/socket", http.StatusNotFound)
		return
	}
	if !wsock.IsUpgrade(r) {
		w.Header().Set("Upgrade", "websocket")
		http.Error(w, "desktop: this is a WebSocket endpoint", http.StatusUpgradeRequired)
		return
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		http.Error(w, "desktop: closed", http.StatusServiceUnavailable)
		return
	}
	h.wg.Add(1)
	h.mu.Unlock()
	defer h.wg.Done()

	log := h.log.WithValues("service", svc, "remote", r.RemoteAddr)
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: h.cfg.Origins})
	if err != nil { // Accept answered (403 for a refused origin)
		log.Info("socket refused at the upgrade", "origin", r.Header.Get("Origin"), "error", err.Error())
		return
	}
	conn.SetReadLimit(h.cfg.MaxFrame)
	s := &socket{h: h, conn: conn, svc: svc, log: log, out: wsock.New(wsock.WebSocket(conn), &h.wg, outQueue), convs: map[string]bool{}}
	s.serve()
	s.out.Finish(websocket.StatusNormalClosure, "")
	<-s.out.Done()
	h.detach(s)
}

// Close closes every agent's socket (going away, 1001) without ending
// their sessions at the desk, refuses new sockets (503), unsubscribes
// from the lifecycle, and returns once every goroutine of the handler
// has exited. Idempotent.
func (h *Handler) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		h.wg.Wait()
		return nil
	}
	h.closed = true
	var all []*socket
	for _, set := range h.sockets {
		for s := range set {
			all = append(all, s)
		}
	}
	h.mu.Unlock()
	h.unsub()
	for _, s := range all {
		s.out.Finish(websocket.StatusGoingAway, "going away")
	}
	h.wg.Wait()
	return nil
}

// attach registers a signed-in socket for its service's events, and
// watches the service's conversations while it has sockets. It reports
// false after Close.
func (h *Handler) attach(s *socket) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	set := h.sockets[s.svc]
	if set == nil {
		set = map[*socket]struct{}{}
		h.sockets[s.svc] = set
	}
	set[s] = struct{}{}
	return true
}

func (h *Handler) detach(s *socket) {
	h.mu.Lock()
	set := h.sockets[s.svc]
	if _, ok := set[s]; !ok {
		h.mu.Unlock()
		return
	}
	delete(set, s)
	if len(set) == 0 {
		delete(h.sockets, s.svc)
	}
	h.mu.Unlock()
}

// each calls fn with every signed-in socket of svc, outside the lock.
func (h *Handler) each(svc string, fn func(*socket)) {
	h.mu.Lock()
	set := h.sockets[svc]
	ss := make([]*socket, 0, len(set))
	for s := range set {
		ss = append(ss, s)
	}
	h.mu.Unlock()
	for _, s := range ss {
		fn(s)
	}
}

// onLifecycle routes the lifecycle's events to the sockets they concern.
// It runs on the goroutine doing the work, so it only queues frames.
func (h *Handler) onLifecycle(ev contactcenter.Event) {
	switch e := ev.(type) {
	case *contactcenter.EngagementEvent:
		h.each(e.ServiceID, func(s *socket) { s.onEngagement(e.Event) })
	case *contactcenter.ConversationEvent:
		h.each(e.ServiceID, func(s *socket) { s.onConversation(e) })
	case *contactcenter.StateChanged:
		if e.To.Final() {
			h.each(e.ServiceID, func(s *socket) { s.close(reasonClosed, "The contact center is closed.") })
		}
	}
}

// Reasons of a closed frame.
const (
	reasonClosed       = "closed"       // the service ended, or is not open
	reasonUnauthorized = "unauthorized" // the token was refused, or access ended
	reasonSignedOut    = "signed_out"   // the agent signed out
)
