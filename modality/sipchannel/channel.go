package sipchannel

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/go-logr/logr"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/voice"
	"github.com/eventcc/eventcc/numbermap"
)

// Sentinel errors of the channel, besides those of [modality.Channel].
var (
	// ErrClosed: the channel was shut down ([Channel.Shutdown]).
	ErrClosed = errors.New("sipchannel: channel shut down")
	// ErrAddressInUse: an entry point's number is already an entry point
	// of another service open on the channel.
	ErrAddressInUse = errors.New("sipchannel: number already an entry point of another service")
	// ErrRouted: the call's service has a router ([modality.Setup.Router]),
	// which decides who answers its calls: [Channel.Answer] is refused. It
	// wraps [modality.ErrUnsupported].
	ErrRouted = fmt.Errorf("sipchannel: the service's router decides who answers its calls: %w", modality.ErrUnsupported)
)

var (
	_ modality.Channel        = (*Channel)(nil)
	_ modality.CapacitySetter = (*Channel)(nil)
)

// Addr is one address the channel serves.
type Addr struct {
	Transport string // UDP or TCP
	Address   string // host:port
}

// Call is a live call as [Channel.Calls] reports it: the engagement and
// what SIP says about it. Plain data; the caller owns it.
type Call struct {
	modality.Engagement
	// Queue is the queue the call waits in; "" while the caller is with
	// the virtual receptionist.
	Queue string
	// Number is the number dialled, in E.164 form.
	Number    numbermap.Number
	CallID    string // the SIP Call-ID
	Transport string // UDP or TCP
	Remote    string // the source address of the INVITE
	// Media is the call's RTP, nil for a call without media
	// (Config.NoMedia, or an INVITE without an SDP offer).
	Media *MediaStats
}

// MediaStats is what went over a call's RTP so far.
type MediaStats struct {
	Codec    string // PCMU or PCMA
	Local    string // our RTP address, as the SDP answer gave it
	Remote   string // the caller's, as its offer gave it
	Sent     uint64 // packets sent (speech and silence)
	Received uint64 // packets of the caller's taken
	Dropped  uint64 // packets refused: another source, not RTP, keys over the rate
	Keys     uint64 // keys taken (RFC 4733)
}

// Channel is a [modality.Channel] for telephony over SIP: a user agent
// server on UDP and TCP built on sipgo. Make one with [New], serve it with
// [Channel.Run], stop it with [Channel.Shutdown]. The zero value is not
// usable. A Channel is safe for concurrent use by multiple goroutines.
//
// See the package documentation for how calls are routed, admitted, torn
// down and answered on the wire.
type Channel struct {
	cfg         Config
	log         logr.Logger
	ua          *sipgo.UserAgent
	srv         *sipgo.Server
	client      *sipgo.Client
	dua         map[string]*sipgo.DialogUA    // by transport
	contacts    map[string]*sip.ContactHeader // by transport "|" host:port
	first       map[string]*sip.ContactHeader // by transport: the first address's
	packets     []net.PacketConn
	listeners   []net.Listener
	addrs       []Addr
	sem         chan struct{} // hang-ups in flight
	pace        pacer
	sdpIDs      atomic.Uint64
	sendMu      sync.RWMutex // held (read) while a BYE is sent, (write) to close the stack
	uaClosed    bool         // guarded by sendMu
	closing     atomic.Bool  // Shutdown is closing the sockets: read nothing more
	numberCache numberCache

	base       context.Context // bounds look-ups; cancelled when shut down
	cancelBase context.CancelFunc
	stopping   chan struct{} // closed when Shutdown starts
	done       chan struct{} // closed when Shutdown ends

	mu          sync.Mutex
	state       lifeState
	running     bool
	services    map[string]*service
	numbers     map[numbermap.Number]binding
	prompts     *voice.Library
	builtin     *voice.Library // voice.Builtin, when Config.Prompts is another
	guard       *guard
	nonceKey    [32]byte             // digest nonces' HMAC key
	rtpPorts    *ports               // nil: any free port
	announcing  atomic.Int64         // calls hearing a retired number's announcement
	rejecting   atomic.Int64         // refused INVITEs whose transactions are kept for their ACK
	media       sync.WaitGroup       // the calls' media goroutines
	dialogs     map[string]*call     // by SIP dialog ID
	legs        map[string]*agentLeg // agents' legs, by SIP dialog ID
	calls       map[string]*call     // by engagement ID
	inflight    int                  // our SIP handlers running
	idle        chan struct{}        // closed when inflight reaches 0 after Shutdown started
	idleClosed  bool
	shutdownErr error
}

// shutdownGrace is how long Shutdown lets requests already read reach
// their transactions before it closes the SIP stack.
const shutdownGrace = 50 * time.Millisecond

type lifeState int

const (
	serving  lifeState = iota
	draining           // Shutdown started: new calls are refused
	closed             // sockets closed
)

// service is what the channel holds for one service.
type service struct {
	id        string
	open      bool
	intake    bool
	eps       map[string]modality.EntryPoint // by name; nil once closed
	queues    []string
	reception *modality.Receptionist
	hold      modality.Hold
	phones    map[string]*phone // registered agents' phones, by agent
	router    modality.Router   // nil: calls wait on the channel
	capacity  int               // most live calls; < 0: no limit
	live      map[string]*call
	counts    modality.Counts
}

// binding is where a number leads.
type binding struct {
	svc *service
	ep  modality.EntryPoint
}

// New validates cfg, binds its listening sockets and returns a channel
// ready to [Channel.Run]. It validates cfg as given, before it applies the
// defaults, and refuses it with a *[ConfigError] naming every bad field at
// once; a socket that cannot be bound is an error, with nothing left
// open.
func New(cfg Config) (*Channel, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	c := &Channel{
		cfg:      cfg,
		log:      cfg.Logger.WithName("sipchannel"),
		dua:      map[string]*sipgo.DialogUA{},
		contacts: map[string]*sip.ContactHeader{},
		first:    map[string]*sip.ContactHeader{},
		sem:      make(chan struct{}, cfg.MaxHangupsInFlight),
		pace:     pacer{rate: cfg.HangupRate},
		stopping: make(chan struct{}),
		done:     make(chan struct{}),
		services: map[string]*service{},
		numbers:  map[numbermap.Number]binding{},
		dialogs:  map[string]*call{},
		calls:    map[string]*call{},
		legs:     map[string]*agentLeg{},
		idle:     make(chan struct{}),
		prompts:  voice.NewLibrary(cfg.Prompts),
		builtin:  voice.NewLibrary(voice.Builtin),
		guard:    newGuard(cfg.SourceRate, cfg.MaxHeaderLines),
		nonceKey: newNonceKey(),
		rtpPorts: newPorts(cfg.RTPPortMin, cfg.RTPPortMax),
	}
	c.sdpIDs.Store(uint64(time.Now().Unix()))

	fail := func(err error) (*Channel, error) {
		for _, pc := range c.packets {
			pc.Close()
		}
		for _, l := range c.listeners {
			l.Close()
		}
		return nil, fmt.Errorf("sipchannel: %w", err)
	}
	for _, a := range cfg.Listen {
		pc, l, err := bind(a, cfg.Transports, cfg.MaxConnections)
		if err != nil {
			return fail(err)
		}
		if pc != nil {
			c.packets = append(c.packets, pc)
			c.addAddr(UDP, pc.LocalAddr().String())
		}
		if l != nil {
			c.listeners = append(c.listeners, l)
			c.addAddr(TCP, l.Addr().String())
		}
	}

	slogger := sipgoLogger(cfg.Logger)
	host, _, _ := net.SplitHostPort(c.addrs[0].Address)
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent(cfg.UserAgent),
		sipgo.WithUserAgentHostname(host),
		sipgo.WithUserAgentTransactionLayerOptions(
			sip.WithTransactionLayerLogger(slogger),
			sip.WithTransactionLayerUnhandledResponseHandler(func(r *sip.Response) {
				c.log.V(3).Info("response matching no transaction", "status", r.StatusCode)
			}),
		),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(slogger),
			sip.WithTransportLayerReadFilter(func(p sip.TransportReadProps, data []byte) ([]byte, error) {
				if c.closing.Load() {
					return nil, nil // shutting down: read nothing more
				}
				if p.Transport == "UDP" && !c.guard.admit(p.RemoteAddr, data, time.Now()) {
					return nil, nil // never an error: that would stop the listener
				}
				return data, nil
			})),
	)
	if err != nil {
		return fail(err)
	}
	c.ua = ua
	if c.srv, err = sipgo.NewServer(ua, sipgo.WithServerLogger(slogger)); err != nil {
		ua.Close()
		return fail(err)
	}
	if c.client, err = sipgo.NewClient(ua, sipgo.WithClientLogger(slogger)); err != nil {
		ua.Close()
		return fail(err)
	}
	for tr, contact := range c.first {
		// Over TCP, requests of a dialog (our BYE) go back over the
		// caller's connection rather than to a new one: RewriteContact.
		c.dua[tr] = &sipgo.DialogUA{Client: c.client, ContactHDR: *contact, RewriteContact: tr == TCP}
	}
	c.srv.OnInvite(c.onInvite)
	c.srv.OnAck(c.onAck)
	c.srv.OnBye(c.onBye)
	c.srv.OnCancel(c.onCancel)
	c.srv.OnInfo(c.onInfo)
	c.srv.OnRegister(c.onRegister)
	c.srv.OnOptions(c.onOptions)
	c.srv.OnNoRoute(c.onNoRoute)
	c.base, c.cancelBase = context.WithCancel(context.Background())
	return c, nil
}

// addAddr records a bound address and its Contact header.
func (c *Channel) addAddr(tr, hostport string) {
	c.addrs = append(c.addrs, Addr{Transport: tr, Address: hostport})
	host, port, _ := net.SplitHostPort(hostport)
	p, _ := net.LookupPort("udp", port)
	u := sip.Uri{Scheme: "sip", Host: host, Port: p}
	if strings.Contains(host, ":") {
		u.Host = "[" + host + "]"
	}
	if tr == TCP {
		u.UriParams = sip.NewParams()
		u.UriParams.Add("transport", "tcp")
	}
	h := &sip.ContactHeader{Address: u}
	c.contacts[tr+"|"+hostport] = h
	if c.first[tr] == nil {
		c.first[tr] = h
	}
}

// Addrs returns the addresses the channel serves, with the ports actually
// bound, in the order of Config.Listen, UDP before TCP. The slice is new
// on each call.
func (c *Channel) Addrs() []Addr { return slices.Clone(c.addrs) }

// Kinds returns [modality.Telephony] alone; the slice is new on each call.
func (c *Channel) Kinds() []modality.Kind { return []modality.Kind{modality.Telephony} }

// Run serves SIP on the channel's sockets until ctx is done or
// [Channel.Shutdown] is called. When ctx is done it shuts the channel
// down gracefully itself, within Config.ShutdownTimeout. It returns after
// every goroutine it started has exited: ctx.Err() when ctx ended it, nil
// after Shutdown, or the error of a socket that failed (the channel is
// then shut down too). Run may be called once; after Shutdown it returns
// [ErrClosed].
func (c *Channel) Run(ctx context.Context) error {
	c.mu.Lock()
	switch {
	case c.state != serving:
		c.mu.Unlock()
		return ErrClosed
	case c.running:
		c.mu.Unlock()
		return errors.New("sipchannel: Run called twice")
	}
	c.running = true
	c.mu.Unlock()

	var wg sync.WaitGroup
	errc := make(chan error, len(c.packets)+len(c.listeners))
	for _, pc := range c.packets {
		wg.Go(func() { errc <- c.srv.ServeUDP(pc) })
	}
	for _, l := range c.listeners {
		wg.Go(func() { errc <- c.srv.ServeTCP(l) })
	}
	c.log.V(1).Info("serving", "addrs", c.addrs)

	var err error
	select {
	case <-ctx.Done():
		err = ctx.Err()
	case <-c.stopping:
		// Shutdown was called: its caller gets its result.
		wg.Wait()
		return nil
	case serr := <-errc:
		select {
		case <-c.stopping: // Shutdown closed the sockets
			wg.Wait()
			return nil
		default:
		}
		if serr == nil {
			serr = errors.New("a listening socket closed")
		}
		err = fmt.Errorf("sipchannel: serve: %w", serr)
		c.log.Error(serr, "a listening socket failed; shutting down")
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.ShutdownTimeout)
	serr := c.Shutdown(sctx)
	cancel()
	wg.Wait()
	return errors.Join(err, serr)
}

// Shutdown stops the whole channel gracefully: it refuses new calls at
// once (503 with Retry-After), hangs up every live call of every service
// as [Channel.Disconnect] does (BYE to answered calls, 480 to ringing
// ones, paced and bounded in flight) while the sockets are still open,
// then stops reading, lets what was read reach its transaction (50 ms),
// closes the sockets, the SIP stack and the TCP connections it accepted,
// and waits for the channel's SIP handlers to return; calls still live
// then (a hang-up cut short) are counted ended, without a BYE. ctx bounds
// all of it: when it is done first,
// Shutdown still closes the sockets and returns an error wrapping
// ctx.Err(); calls not hung up by then are dropped without a BYE.
//
// Shutdown is idempotent: a second call waits for the first to finish
// (or for its own ctx) and returns the same result. Afterwards
// [Channel.Open] and [Channel.Run] return [ErrClosed]; the other methods
// keep working on what is left (Counts still reports).
func (c *Channel) Shutdown(ctx context.Context) error {
	c.mu.Lock()
	first := c.state == serving
	if first {
		c.state = draining
		close(c.stopping)
	}
	c.mu.Unlock()
	if !first {
		select {
		case <-c.done:
			return c.shutdownErr
		case <-ctx.Done():
			return ctx.Err()
		}
	}

	c.mu.Lock()
	var live []*call
	for _, cl := range c.calls {
		if !cl.claimed {
			cl.claimed = true
			live = append(live, cl)
		}
	}
	c.mu.Unlock()
	n, herr := c.hangupAll(ctx, live)
	if herr != nil {
		herr = fmt.Errorf("sipchannel: shutdown: hung up %d of %d call(s): %w", n, len(live), herr)
	}

	var cerr error
	for _, pc := range c.packets {
		cerr = errors.Join(cerr, ignoreClosed(pc.Close()))
	}
	for _, l := range c.listeners {
		cerr = errors.Join(cerr, ignoreClosed(l.Close()))
	}
	// Read nothing more, and let what was read reach its transaction
	// before the stack closes: sipgo answers a request whose socket it no
	// longer knows from a new socket, which nothing would close.
	c.closing.Store(true)
	grace := time.NewTimer(shutdownGrace)
	select {
	case <-grace.C:
	case <-ctx.Done():
	}
	grace.Stop()
	c.sendMu.Lock() // no BYE goes out once the SIP stack is closing
	c.uaClosed = true
	c.sendMu.Unlock()
	cerr = errors.Join(cerr, ignoreClosed(c.ua.Close()))
	for _, l := range c.listeners {
		if ll, ok := l.(*limitListener); ok {
			ll.closeConns()
		}
	}

	c.mu.Lock()
	c.state = closed
	if c.inflight == 0 && !c.idleClosed {
		c.idleClosed = true
		close(c.idle)
	}
	c.mu.Unlock()
	var werr error
	select {
	case <-c.idle:
	case <-ctx.Done():
		werr = fmt.Errorf("sipchannel: shutdown: waiting for SIP handlers: %w", ctx.Err())
	}
	// Whatever is still live (a hang-up cut short by ctx) has lost its
	// sockets: the channel holds it no more.
	c.mu.Lock()
	var left []*call
	for _, cl := range c.calls {
		left = append(left, cl)
	}
	c.mu.Unlock()
	for _, cl := range left {
		c.end(cl)
	}
	c.cancelBase() // and phones still ringing stop
	c.media.Wait() // ended calls' media stops within a frame
	c.shutdownErr = errors.Join(herr, cerr, werr)
	c.log.V(1).Info("shut down", "hungUp", n, "err", c.shutdownErr)
	close(c.done)
	return c.shutdownErr
}

func ignoreClosed(err error) error {
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// enter registers a SIP handler; it fails once the sockets are closed.
func (c *Channel) enter() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == closed {
		return false
	}
	c.inflight++
	return true
}

func (c *Channel) leave() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inflight--
	if c.inflight == 0 && c.state == closed && !c.idleClosed {
		c.idleClosed = true
		close(c.idle)
	}
}

// Open configures serviceID on the channel and starts accepting its
// calls, replacing a previous setup of the service; live calls and counts
// are kept, and so is a capacity set by [Channel.SetCapacity].
//
// Every problem of s is reported together and nothing is opened (a
// previous setup stays): an entry point of a kind other than telephony is
// [modality.ErrUnsupported] (and [modality.ErrUnknownKind] too when the
// kind is none of the five); an address that is not a telephone number in
// international form (see [DialledNumber]); a
// number already an entry point of another open service is
// [ErrAddressInUse]; a blank service id; a blank or repeated entry point
// name or queue; a queue not among s.Queues; an entry point without a
// queue when there is neither a receptionist nor a queue; a receptionist
// that fails [modality.Receptionist.Validate]. After [Channel.Shutdown] it
// is [ErrClosed]. A done ctx returns ctx.Err() and changes nothing. The
// channel keeps its own copy of s. With s.Router set, the service's calls
// are handed to it as they reach a queue, and it decides who answers them
// and when they end (see the package documentation); calls live before
// keep the router they were handed to.
func (c *Channel) Open(ctx context.Context, serviceID string, s modality.Setup) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	nums, err := validateSetup(serviceID, s)
	if err != nil {
		return fmt.Errorf("sipchannel: open service %q: %w", serviceID, err)
	}
	eps := make(map[string]modality.EntryPoint, len(s.EntryPoints))
	for i, ep := range s.EntryPoints {
		ep.Address = string(nums[i])
		eps[ep.Name] = ep
	}
	var reception *modality.Receptionist
	if s.Receptionist != nil {
		r := *s.Receptionist
		r.Options = slices.Clone(r.Options)
		r.Prompts = maps.Clone(r.Prompts)
		reception = &r
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != serving {
		return fmt.Errorf("sipchannel: open service %q: %w", serviceID, ErrClosed)
	}
	var errs []error
	for i, n := range nums {
		if b, ok := c.numbers[n]; ok && b.svc.id != serviceID {
			errs = append(errs, fmt.Errorf("entryPoints[%d].address: %s is an entry point of service %q: %w", i, n, b.svc.id, ErrAddressInUse))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sipchannel: open service %q: %w", serviceID, err)
	}
	svc := c.service(serviceID)
	c.unbind(svc)
	for _, ep := range eps {
		c.numbers[numbermap.Number(ep.Address)] = binding{svc: svc, ep: ep}
	}
	svc.open, svc.intake = true, true
	svc.eps, svc.queues, svc.reception, svc.router = eps, slices.Clone(s.Queues), reception, s.Router
	svc.hold = s.Hold
	return nil
}

// service returns the record of id, creating it. The caller holds c.mu.
func (c *Channel) service(id string) *service {
	svc := c.services[id]
	if svc == nil {
		svc = &service{id: id, capacity: -1, live: map[string]*call{}, counts: modality.Counts{Kind: modality.Telephony}}
		c.services[id] = svc
	}
	return svc
}

// unbind forgets svc's numbers. The caller holds c.mu.
func (c *Channel) unbind(svc *service) {
	for _, ep := range svc.eps {
		n := numbermap.Number(ep.Address)
		if b, ok := c.numbers[n]; ok && b.svc == svc {
			delete(c.numbers, n)
		}
	}
}

// validateSetup reports every problem of s and returns its numbers, in
// the order of s.EntryPoints.
func validateSetup(serviceID string, s modality.Setup) ([]numbermap.Number, error) {
	errs := []error{s.Validate(serviceID, []modality.Kind{modality.Telephony})}
	numbers := make(map[numbermap.Number]int, len(s.EntryPoints))
	nums := make([]numbermap.Number, len(s.EntryPoints))
	for i, ep := range s.EntryPoints {
		if ep.Kind != modality.Telephony {
			continue // reported by Validate
		}
		if n, err := parseNumber(ep.Address); err != nil {
			errs = append(errs, fmt.Errorf("entryPoints[%d].address: %w", i, err))
		} else if first, dup := numbers[n]; dup {
			errs = append(errs, fmt.Errorf("entryPoints[%d].address: %s duplicates entryPoints[%d].address", i, n, first))
		} else {
			numbers[n] = i
			nums[i] = n
		}
	}
	return nums, errors.Join(errs...)
}

// StopIntake refuses new calls to serviceID from now on (480 with
// Config.ClosedReason); live calls go on. Not an error for a service that
// is not open. A done ctx returns ctx.Err() and changes nothing.
func (c *Channel) StopIntake(ctx context.Context, serviceID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if svc := c.services[serviceID]; svc != nil {
		svc.intake = false
	}
	return nil
}

// Remove forgets serviceID's entry points, capacity and agents' phone
// registrations: calls to its numbers are no longer the service's (404
// without Config.Numbers, else per the number's route). Live calls are
// not ended (call
// [Channel.Disconnect]) and counts are kept. Idempotent; not an error for
// a service never opened. A done ctx returns ctx.Err() and changes
// nothing.
func (c *Channel) Remove(ctx context.Context, serviceID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	var detach []func()
	if svc := c.services[serviceID]; svc != nil {
		c.unbind(svc)
		svc.open, svc.intake = false, false
		svc.eps, svc.queues, svc.reception, svc.router = nil, nil, nil, nil
		for _, p := range svc.phones {
			if p.detach != nil {
				detach = append(detach, p.detach)
			}
		}
		svc.phones = nil // every registration ends with the service
		svc.capacity = -1
	}
	c.mu.Unlock()
	for _, d := range detach { // the agents on duty through them go off
		d()
	}
	return nil
}

// SetCapacity implements [modality.CapacitySetter]: a call that would make
// more than maxLive calls of serviceID live at once (ringing, waiting or
// active) is refused with Config.BusyStatus and a Retry-After, and not
// counted. maxLive < 0 removes the limit. A done ctx returns ctx.Err().
func (c *Channel) SetCapacity(ctx context.Context, serviceID string, maxLive int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.service(serviceID).capacity = max(maxLive, -1)
	return nil
}

// Counts returns serviceID's telephony counts, one entry: ringing and
// queued calls are Waiting, calls with an agent Active; a call that ends
// after an agent took it is Completed, before that Abandoned. A service
// never opened has zero counts. Counts survive Close, Open and Shutdown.
// The slice is new on each call. A done ctx returns ctx.Err().
func (c *Channel) Counts(ctx context.Context, serviceID string) ([]modality.Counts, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if svc := c.services[serviceID]; svc != nil {
		return []modality.Counts{svc.counts}, nil
	}
	return []modality.Counts{{Kind: modality.Telephony}}, nil
}

// Calls returns serviceID's live calls, sorted by arrival, then ID, but
// for a call the service's router has not yet admitted (nor counted).
// Live calls outlast Remove. The slice is new on each call and belongs to the
// caller. A done ctx returns ctx.Err().
func (c *Channel) Calls(ctx context.Context, serviceID string) ([]Call, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	var out []Call
	if svc := c.services[serviceID]; svc != nil {
		out = make([]Call, 0, len(svc.live))
		for _, cl := range svc.live {
			if cl.counted { // not while its router is still deciding to admit it
				out = append(out, cl.snapshot())
			}
		}
	}
	c.mu.Unlock()
	slices.SortFunc(out, func(a, b Call) int {
		return cmp.Or(a.Arrived.Compare(b.Arrived), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// Answer is an agent taking the call id: it becomes
// [modality.Active] at the clock's now. [modality.ErrNotFound] if no live
// call has that id; [ErrRouted] (which wraps [modality.ErrUnsupported])
// if the call's service has a router, which alone decides who answers;
// an error if the call is already active or still ringing. A done ctx
// returns ctx.Err() and changes nothing.
func (c *Channel) Answer(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	cl, ok := c.calls[id]
	switch {
	case !ok:
		return fmt.Errorf("sipchannel: answer %q: %w", id, modality.ErrNotFound)
	case cl.router != nil || cl.svc.router != nil:
		return fmt.Errorf("sipchannel: answer %q: %w", id, ErrRouted)
	case cl.state != modality.Waiting:
		return fmt.Errorf("sipchannel: answer %q: already %s", id, cl.state)
	case cl.phase == ringing:
		return fmt.Errorf("sipchannel: answer %q: still ringing", id)
	}
	cl.state, cl.answered = modality.Active, now
	cl.svc.counts.Waiting--
	cl.svc.counts.Active++
	return nil
}

// Hangup ends the call id from the channel's side, as Disconnect does one
// call: a BYE if it was answered, 480 if it is ringing. It returns once
// the call has ended, [modality.ErrNotFound] if no live call has that id,
// or ctx's error if ctx is done first (the call then stays live). A call
// its service's router holds is hung up on the router too
// ([modality.Router.Hangup]).
func (c *Channel) Hangup(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	cl, ok := c.calls[id]
	claimed := ok && !cl.claimed
	if claimed {
		cl.claimed = true
	}
	c.mu.Unlock()
	switch {
	case !ok:
		return fmt.Errorf("sipchannel: hang up %q: %w", id, modality.ErrNotFound)
	case !claimed: // another hang-up is ending it: wait for that
		select {
		case <-cl.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if _, err := c.hangupAll(ctx, []*call{cl}); err != nil {
		return fmt.Errorf("sipchannel: hang up %q: %w", id, err)
	}
	return nil
}

// Disconnect ends every live call of serviceID and returns how many it
// ended: answered calls get a BYE, ringing calls 480; at most
// Config.MaxHangupsInFlight at once across the channel, paced by
// Config.HangupRate. A call whose BYE gets no answer within
// Config.HangupTimeout is released anyway (its dialog is over for us).
// Calls of other services are untouched. It returns once every call it
// took on has ended, so afterwards the channel holds no end point of the
// service, except calls that arrived meanwhile (the lifecycle stops
// intake first). Calls the service's router holds are hung up on the
// router as they end ([modality.Router.Hangup]). A done ctx stops it: it
// returns how many ended so far and an error wrapping ctx.Err(), and the
// calls left stay live (and counted) for the next Disconnect. A service
// never opened, or with nothing live, gives 0.
func (c *Channel) Disconnect(ctx context.Context, serviceID string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	c.mu.Lock()
	var live []*call
	if svc := c.services[serviceID]; svc != nil {
		for _, cl := range svc.live {
			if !cl.claimed {
				cl.claimed = true
				live = append(live, cl)
			}
		}
	}
	c.mu.Unlock()
	// Every answered call hears the closing message first, all at once;
	// the BYEs, paced, follow once it has been said.
	if d := c.sayClosing(live); d > 0 {
		if dl, ok := ctx.Deadline(); ok {
			d = min(d, time.Until(dl)/2) // and leave the BYEs the rest
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	n, err := c.hangupAll(ctx, live)
	if err != nil {
		return n, fmt.Errorf("sipchannel: disconnect %q: ended %d of %d call(s): %w", serviceID, n, len(live), err)
	}
	c.log.V(1).Info("disconnected", "service", serviceID, "calls", n)
	return n, nil
}

// sayClosing has every answered call with media of calls (claimed by the
// caller) say its receptionist's closed message, and returns how long
// that takes: 0 when no call has one to say.
func (c *Channel) sayClosing(calls []*call) time.Duration {
	var (
		longest time.Duration
		said    = map[*modality.Receptionist][]*voice.Audio{}
	)
	for _, cl := range calls {
		c.mu.Lock()
		r, up := cl.svc.reception, cl.phase == established && !cl.ended
		c.mu.Unlock()
		if cl.media == nil || r == nil || !up {
			continue
		}
		audio, ok := said[r]
		if !ok {
			audio = c.phrases(r, r.Start(false).Says)
			said[r] = audio
		}
		cl.media.dequeued() // no music or place in line after the goodbye
		cl.media.say(audio)
		var d time.Duration
		for _, a := range audio {
			d += a.Duration()
		}
		longest = max(longest, d+frameTime) // and the frame in flight
	}
	return longest
}

// sdpSessionFor is what the channel says about itself in SDP, for a call
// reaching it at contact.
func (c *Channel) sdpSessionFor(contact *sip.ContactHeader) sdpSession {
	addr, err := netip.ParseAddr(strings.Trim(contact.Address.Host, "[]"))
	if err != nil || addr.IsUnspecified() {
		addr = netip.MustParseAddr("127.0.0.1")
	}
	return sdpSession{user: c.cfg.UserAgent, id: c.sdpIDs.Add(1), addr: addr}
}

// Dropped is how many UDP datagrams the channel dropped unparsed: not
// SIP, more than Config.MaxHeaderLines header lines, or over their
// source's Config.SourceRate.
func (c *Channel) Dropped() uint64 { return c.guard.dropped.Load() }

// mediaAddr is the address a call reaching us at addr gets its RTP on:
// Config.MediaAddr, or addr.
func (c *Channel) mediaAddr(addr netip.Addr) netip.Addr {
	if a, err := netip.ParseAddr(c.cfg.MediaAddr); err == nil {
		return a.Unmap()
	}
	return addr.Unmap()
}

// contactFor returns the Contact of our responses to req: the address it
// reached, if that is one of ours, else the first of its transport.
func (c *Channel) contactFor(req *sip.Request) *sip.ContactHeader {
	tr := transportKey(req)
	u := req.Recipient
	if u.Port != 0 && len(c.cfg.Listen) > 1 {
		if h := c.contacts[tr+"|"+net.JoinHostPort(strings.Trim(u.Host, "[]"), strconv.Itoa(u.Port))]; h != nil {
			return h
		}
	}
	if h := c.first[tr]; h != nil {
		return h
	}
	for _, h := range c.first {
		return h
	}
	return nil
}

// transportName is req's transport, "UDP" or "TCP" (as sipgo spells them),
// without allocating for those.
func transportName(req *sip.Request) string {
	switch t := req.Transport(); t {
	case "UDP", "udp":
		return "UDP"
	case "TCP", "tcp":
		return "TCP"
	default:
		return strings.ToUpper(t)
	}
}

// transportKey is req's transport as Config spells it: UDP or TCP.
func transportKey(req *sip.Request) string {
	switch transportName(req) {
	case "UDP":
		return UDP
	case "TCP":
		return TCP
	default:
		return strings.ToLower(req.Transport())
	}
}

// dialogUA returns the dialog user agent of req's transport.
func (c *Channel) dialogUA(req *sip.Request) *sipgo.DialogUA {
	if d := c.dua[transportKey(req)]; d != nil {
		return d
	}
	for _, d := range c.dua {
		return d
	}
	return nil
}

// pacer spaces out hang-ups to rate per second, across the channel.
type pacer struct {
	rate float64
	mu   sync.Mutex
	next time.Time
}

// wait blocks until the next hang-up may start, or ctx is done.
func (p *pacer) wait(ctx context.Context) error {
	if p.rate <= 0 {
		return ctx.Err()
	}
	p.mu.Lock()
	now := time.Now()
	at := p.next
	if at.Before(now) {
		at = now
	}
	p.next = at.Add(time.Duration(float64(time.Second) / p.rate))
	p.mu.Unlock()
	d := time.Until(at)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
