package sipchannel

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emiago/sipgo/sip"
	"github.com/go-logr/logr"

	"github.com/eventcc/eventcc/internal/configerr"
	"github.com/eventcc/eventcc/modality/voice"
	"github.com/eventcc/eventcc/numbermap"
)

// Transports a channel can serve.
const (
	UDP = "udp"
	TCP = "tcp"
)

// Limits on what the channel puts on the wire, so that every response it
// sends fits one UDP datagram (sipgo refuses to send more than 1,300 bytes
// over UDP and does not switch to TCP): configured reason phrases and
// forwarding domains are checked against them by [New], and text that
// comes from elsewhere at run time (an announcement from the number pool)
// is cut to fit.
const (
	MaxReasonLen = 128 // bytes of a reason phrase
	MaxDomainLen = 128 // bytes of Config.ForwardDomain
)

// Config configures a [Channel]. [New] validates it and reports every
// problem at once; the channel keeps its own copy. Zero fields take the
// default documented on them.
type Config struct {
	// Listen lists the local addresses ("host:port") to serve SIP on;
	// each is served on every transport of Transports, on the same port.
	// Port 0 picks a free port, the same one for UDP and TCP; read it back
	// with [Channel.Addrs]. At least one is required.
	Listen []string
	// Transports are the transports served: UDP and/or TCP. Default: both.
	Transports []string

	// Numbers is the pool of telephone numbers, consulted on every call at
	// the instant of the call ([numbermap.LookupTo]): a number in its
	// lease's term reaches its service; a number past its expiry routes per
	// its retirement policy (302 to the forwarding number, the
	// announcement, or not in service), whatever the channel was told, so
	// routing fails closed at expiry. A number not in the pool is unknown.
	// Nil routes a number to the open service whose setup lists it, and
	// nowhere else: the channel then knows no terms and no retirement.
	Numbers numbermap.Store
	// Now is the clock of every time decision (the instant a number is
	// looked up at, arrival, answer and end times). Pass the lifecycle's
	// clock. Default: time.Now.
	Now func() time.Time
	// Logger receives the channel's logs (sipgo's own logs go to
	// Logger.WithName("sipgo"), one verbosity level down). Default: logs
	// nothing.
	Logger logr.Logger

	// RingTime is how long a call rings (180 Ringing) before the channel
	// answers it. Default 0: answered at once. A ringing call is refused
	// with 480 if its service is disconnected meanwhile.
	RingTime time.Duration
	// BusyStatus is the status refusing a call beyond its service's
	// capacity ([Channel.SetCapacity]) or turned away by its service's
	// router (a [modality.BusyError]): 486 (Busy Here, the default) or 503
	// (Service Unavailable). Both carry Retry-After.
	BusyStatus int
	// RetryAfter is the Retry-After of busy and shutdown refusals, in
	// whole seconds from 1s to 24h. Default 30s. A router's refusal
	// carries the router's own, rounded up to whole seconds (at most
	// 24h).
	RetryAfter time.Duration
	// AnnounceStatus refuses calls to a number retired with an
	// announcement, whose text is the reason phrase: 480 (the default) or
	// 410 (Gone).
	AnnounceStatus int
	// VacantStatus refuses calls to a retired number not in service: 404
	// (the default) or 410 (Gone).
	VacantStatus int
	// NotOpenReason is the reason phrase of the 480 given to a number
	// leased to a service that is not open on the channel (before its term
	// opens). Default "Not Open Yet".
	NotOpenReason string
	// ClosedReason is the reason phrase of the 480 given to a service
	// whose intake stopped (after its term ended). Default "Closed".
	ClosedReason string
	// VacantReason is the reason phrase given to a retired number not in
	// service. Default "Number Not In Service".
	VacantReason string
	// ForwardDomain makes the Contact of a 302 to a forwarding number a
	// SIP URI, sip:+15555550100@ForwardDomain;user=phone, for peers that
	// want one. Default "": a tel: URI, <tel:+15555550100>.
	ForwardDomain string

	// MaxHangupsInFlight bounds the BYEs (and 480s to ringing calls) the
	// channel has outstanding at once when it disconnects calls. Default
	// 50: on loopback against SIPp, 100 in flight lost a datagram now and
	// then, and its retransmission (after T1, 500 ms) took ten times as
	// long as the whole teardown of 1,000 calls at 50.
	MaxHangupsInFlight int
	// HangupRate paces disconnections: at most this many started per
	// second, across the channel. Default 0: bounded only by
	// MaxHangupsInFlight.
	HangupRate float64
	// HangupTimeout bounds one hang-up: the wait for the caller's ACK to
	// our 200 (a BYE may not precede it) and for the answer to the BYE.
	// When it passes, the call is released anyway: its dialog is over for
	// us (RFC 3261 section 15.1.1). Default 5s.
	HangupTimeout time.Duration
	// LookupTimeout bounds one look-up in Numbers; a call whose look-up
	// fails gets 503 with Retry-After. Default 2s.
	LookupTimeout time.Duration
	// ShutdownTimeout bounds the graceful shutdown [Channel.Run] does when
	// its context is done. Default 10s.
	ShutdownTimeout time.Duration
	// MaxConnections bounds the TCP connections served at once, per
	// listening address; further connections wait to be accepted. Default
	// 1024.
	MaxConnections int
	// UserAgent names the channel in the SDP it sends and in the From of
	// requests it originates. Letters, digits, '-', '.' and '_', at most
	// 32. Default "eventcc".
	UserAgent string

	// SourceRate bounds the UDP datagrams a second one source address may
	// send (bursts of twice as many, at least 20); beyond it they are
	// dropped before they are parsed, so that a flood from one host costs
	// little. Set it when callers reach the channel directly; leave it
	// unset behind a carrier trunk or a session border controller, which
	// sends every call from one address (at 1,500 calls a second, about
	// 6,000 datagrams). Default 0: no limit; the channel's memory under a
	// flood is bounded without it (MaxHeaderLines, MaxRejectsPending).
	SourceRate float64
	// MaxHeaderLines bounds the header lines of a UDP datagram: more are
	// dropped before they are parsed (a call needs about twenty). Default
	// 100.
	MaxHeaderLines int
	// MaxRejectsPending bounds the refused INVITEs whose transactions are
	// kept to retransmit the refusal until the caller's ACK (over UDP, at
	// most 2 s each); beyond it a refusal is sent once and forgotten, so a
	// flood of calls that must be refused costs no memory that lasts.
	// Default 2048.
	MaxRejectsPending int

	// Registrar lets agents register SIP phones to take the services'
	// calls (REGISTER, with digest authentication against the passwords
	// it gives; see [Registrar]). Nil: REGISTER is refused (405).
	Registrar Registrar

	// NoMedia answers calls without media, as the channel did before it
	// had any: the SDP answer's audio stream is inactive on the discard
	// port, and the receptionist takes keys as SIP INFO only. For load
	// tests of signalling, and hosts that carry media elsewhere. Default
	// false: every answered call has RTP (see the package documentation).
	NoMedia bool
	// MediaAddr is the IP address RTP is received on and named in SDP.
	// Default: the address the call's INVITE reached. Required when a
	// Listen address is unspecified (0.0.0.0 or ::), unless NoMedia.
	MediaAddr string
	// RTPPortMin and RTPPortMax bound the ports calls' RTP is received on,
	// for a firewall: each call takes an even port of the range for RTP
	// and the next one for RTCP, in turn around the range; a call that
	// finds no pair free is refused (503). Both 0: any free port.
	RTPPortMin, RTPPortMax int
	// Prompts holds the prompt files templates name
	// (modality.Receptionist.Prompts). Default: voice.Builtin, the set the
	// built-in templates name.
	Prompts fs.FS
	// Speaker speaks the phrases without a prompt (text-to-speech). Nil:
	// such phrases are skipped.
	Speaker voice.Speaker
}

// withDefaults returns cfg with its zero fields set to their defaults.
func (cfg Config) withDefaults() Config {
	if len(cfg.Transports) == 0 {
		cfg.Transports = []string{UDP, TCP}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	defD := func(p *time.Duration, v time.Duration) {
		if *p == 0 {
			*p = v
		}
	}
	defS := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&cfg.BusyStatus, sip.StatusBusyHere)
	def(&cfg.AnnounceStatus, sip.StatusTemporarilyUnavailable)
	def(&cfg.VacantStatus, sip.StatusNotFound)
	def(&cfg.MaxHangupsInFlight, 50)
	def(&cfg.MaxConnections, 1024)
	def(&cfg.MaxHeaderLines, 100)
	def(&cfg.MaxRejectsPending, 2048)
	defD(&cfg.RetryAfter, 30*time.Second)
	defD(&cfg.HangupTimeout, 5*time.Second)
	defD(&cfg.LookupTimeout, 2*time.Second)
	defD(&cfg.ShutdownTimeout, 10*time.Second)
	defS(&cfg.NotOpenReason, "Not Open Yet")
	defS(&cfg.ClosedReason, "Closed")
	defS(&cfg.VacantReason, "Number Not In Service")
	defS(&cfg.UserAgent, "eventcc")
	if cfg.Prompts == nil {
		cfg.Prompts = voice.Builtin
	}
	cfg.Listen = append([]string(nil), cfg.Listen...)
	cfg.Transports = append([]string(nil), cfg.Transports...)
	return cfg
}

// validate reports every problem of cfg as given, before defaults, at
// once, as a *ConfigError in the order of the fields. A zero field, which
// takes its default, is never a problem but for Listen, which has none.
func (cfg Config) validate() error {
	c := configerr.New("sipchannel.Config")
	if len(cfg.Listen) == 0 {
		c.Add("Listen", "at least one address is required")
	}
	for i, a := range cfg.Listen {
		field := fmt.Sprintf("Listen[%d]", i)
		host, port, err := net.SplitHostPort(a)
		switch {
		case err != nil:
			c.Add(field, "%q is not host:port: %v", a, err)
		case net.ParseIP(host) == nil:
			c.Add(field, "%q: the host must be an IP address", a)
		default:
			if _, err := net.LookupPort("udp", port); err != nil {
				c.Add(field, "%q: bad port: %v", a, err)
			}
		}
	}
	seen := map[string]bool{}
	for i, t := range cfg.Transports {
		switch {
		case t != UDP && t != TCP:
			c.Add(fmt.Sprintf("Transports[%d]", i), "%q is not %q or %q", t, UDP, TCP)
		case seen[t]:
			c.Add(fmt.Sprintf("Transports[%d]", i), "%q given twice", t)
		}
		seen[t] = true
	}
	if cfg.RingTime < 0 {
		c.Add("RingTime", "%v is negative", cfg.RingTime)
	}
	oneOf := func(field string, v int, allowed ...int) {
		if v != 0 && !slices.Contains(allowed, v) {
			c.Add(field, "%d is not one of %v", v, allowed)
		}
	}
	oneOf("BusyStatus", cfg.BusyStatus, sip.StatusBusyHere, sip.StatusServiceUnavailable)
	if r := cfg.RetryAfter; r != 0 && (r < time.Second || r > 24*time.Hour || r%time.Second != 0) {
		c.Add("RetryAfter", "%v must be whole seconds from 1s to 24h", r)
	}
	oneOf("AnnounceStatus", cfg.AnnounceStatus, sip.StatusTemporarilyUnavailable, sip.StatusGone)
	oneOf("VacantStatus", cfg.VacantStatus, sip.StatusNotFound, sip.StatusGone)
	for _, r := range []struct{ field, v string }{
		{"NotOpenReason", cfg.NotOpenReason}, {"ClosedReason", cfg.ClosedReason}, {"VacantReason", cfg.VacantReason},
	} {
		if r.v == "" {
			continue
		}
		if err := checkReason(r.v); err != nil {
			c.Add(r.field, "%v", err)
		}
	}
	if d := cfg.ForwardDomain; d != "" {
		if err := checkDomain(d); err != nil {
			c.Add("ForwardDomain", "%v", err)
		}
	}
	if cfg.MaxHangupsInFlight < 0 {
		c.Add("MaxHangupsInFlight", "%d is negative", cfg.MaxHangupsInFlight)
	}
	if cfg.HangupRate < 0 || cfg.HangupRate != cfg.HangupRate {
		c.Add("HangupRate", "%v must be a number >= 0", cfg.HangupRate)
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{{"HangupTimeout", cfg.HangupTimeout}, {"LookupTimeout", cfg.LookupTimeout}, {"ShutdownTimeout", cfg.ShutdownTimeout}} {
		if d.v < 0 {
			c.Add(d.field, "%v is negative", d.v)
		}
	}
	if cfg.MaxConnections < 0 {
		c.Add("MaxConnections", "%d is negative", cfg.MaxConnections)
	}
	if cfg.UserAgent != "" && !validToken(cfg.UserAgent, 32) {
		c.Add("UserAgent", "%q: letters, digits, '-', '.' and '_', at most 32", cfg.UserAgent)
	}
	if cfg.SourceRate < 0 {
		c.Add("SourceRate", "%v is negative; 0 is no limit", cfg.SourceRate)
	}
	if cfg.MaxHeaderLines < 0 {
		c.Add("MaxHeaderLines", "%d is negative", cfg.MaxHeaderLines)
	}
	if cfg.MaxRejectsPending < 0 {
		c.Add("MaxRejectsPending", "%d is negative", cfg.MaxRejectsPending)
	}
	switch min, max := cfg.RTPPortMin, cfg.RTPPortMax; {
	case min == 0 && max == 0:
	case min < 1024 || min%2 != 0:
		c.Add("RTPPortMin", "%d: want an even port of 1024 or more", min)
	case max > 65535 || max < min+1:
		c.Add("RTPPortMax", "%d: want a port of %d to 65535, so that the range holds an RTP and RTCP pair", max, min+1)
	}
	if cfg.MediaAddr != "" {
		if ip := net.ParseIP(cfg.MediaAddr); ip == nil || ip.IsUnspecified() {
			c.Add("MediaAddr", "%q: want the IP address RTP is received on, not unspecified", cfg.MediaAddr)
		}
	} else if !cfg.NoMedia {
		for i, a := range cfg.Listen {
			if host, _, err := net.SplitHostPort(a); err == nil && net.ParseIP(host) != nil && net.ParseIP(host).IsUnspecified() {
				c.Add("MediaAddr", "required: Listen[%d] %q is unspecified, and RTP needs an address callers can reach (or set NoMedia)", i, a)
				break
			}
		}
	}
	return c.Err()
}

// checkReason reports why s cannot be a reason phrase: the phrase goes on
// the status line verbatim, so CR, LF or any other control character would
// inject headers.
func checkReason(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return errors.New("blank")
	case len(s) > MaxReasonLen:
		return fmt.Errorf("%d bytes, at most %d", len(s), MaxReasonLen)
	case !utf8.ValidString(s):
		return fmt.Errorf("%q is not valid UTF-8", s)
	}
	for i, r := range s {
		if unicode.IsControl(r) {
			return fmt.Errorf("%q: control character %q at byte %d (CR and LF would inject headers)", s, r, i)
		}
	}
	return nil
}

// checkDomain reports why d cannot be the host part of a forwarding URI.
func checkDomain(d string) error {
	if len(d) > MaxDomainLen {
		return fmt.Errorf("%d bytes, at most %d", len(d), MaxDomainLen)
	}
	for i, r := range d {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(`<>"@;?&,\`, r) {
			return fmt.Errorf("%q: character %q at byte %d is not allowed in a host", d, r, i)
		}
	}
	var u sip.Uri
	if err := sip.ParseUri("sip:+15555550100@"+d, &u); err != nil {
		return fmt.Errorf("%q does not make a SIP URI: %v", d, err)
	}
	if u.Host == "" || u.UriParams != nil || u.Headers != nil {
		return fmt.Errorf("%q is not host[:port]", d)
	}
	return nil
}

// validToken reports whether s is 1 to max letters, digits, '-', '.' or '_'.
func validToken(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, r := range s {
		if !(r < utf8.RuneSelf && (r == '-' || r == '.' || r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')) {
			return false
		}
	}
	return true
}

// sanitizeReason makes text from outside the configuration (an
// announcement) safe as a reason phrase: control characters become
// spaces, invalid UTF-8 is replaced, runs of space collapse, and the
// result is cut to MaxReasonLen bytes on a character boundary. Blank text
// gives fallback.
func sanitizeReason(s, fallback string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		n := utf8.RuneLen(r)
		if space {
			n++
		}
		if b.Len()+n > MaxReasonLen {
			break
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return fallback
	}
	return b.String()
}

// clean reports whether s is already what sanitizeReason would make of
// it: printable ASCII, no space at either end or twice in a row, short
// enough. The common case, which needs no copy.
func clean(s string) bool {
	if s == "" || len(s) > MaxReasonLen || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] >= 0x7f || s[i] == ' ' && s[i+1] == ' ' {
			return false
		}
	}
	return true
}
