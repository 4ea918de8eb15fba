package chatchannel

import (
	"context"
	"fmt"
	"time"

	"github.com/go-logr/logr"

	"github.com/eventcc/eventcc/internal/configerr"
)

// StartPrivilege is the privilege a hello's token must hold for the
// service it names: the access package's StartEngagements
// ("engagement.start"), spelled here because modality does not import
// access.
const StartPrivilege = "engagement.start"

// Tokens verifies an attendee's session token. AuthorizeToken returns the
// principal (the attendee's id) the token was minted for if it holds
// privilege for serviceID, and an error otherwise: any error means
// denied (a token for another service, an expired or revoked one, a
// store failure). It must be safe for concurrent use. The host adapts
// its *access.Authority with [TokensFunc]; see the package doc.
type Tokens interface {
	AuthorizeToken(ctx context.Context, token, serviceID, privilege string) (principal string, err error)
}

// TokensFunc adapts a function to [Tokens].
type TokensFunc func(ctx context.Context, token, serviceID, privilege string) (string, error)

// AuthorizeToken calls f.
func (f TokensFunc) AuthorizeToken(ctx context.Context, token, serviceID, privilege string) (string, error) {
	return f(ctx, token, serviceID, privilege)
}

// RateLimit is a per-session token bucket over the client frames that
// follow the hello.
type RateLimit struct {
	PerSecond float64 // frames per second, refilled continuously
	Burst     int     // frames accepted at once from a full bucket
}

// Config configures a [Channel]. The zero value of every field is
// usable: it takes the default its doc gives.
//
// Who may chat is not the channel's configuration but each service's
// setup: a hello without a token is admitted only where the service's
// [modality.Setup] lists [modality.Chat] in Anonymous, and queues listed
// in its RegisteredOnly are for token holders only (see the package
// doc).
type Config struct {
	// Tokens verifies hello tokens. Nil: no token is accepted, and only
	// anonymous visitors, on services whose setup admits them, can start
	// conversations.
	Tokens Tokens
	// Origins are the Origin header patterns (path.Match syntax against
	// the origin's host, as github.com/coder/websocket's
	// AcceptOptions.OriginPatterns) allowed to open a socket. Empty: only
	// the request's own host. A refused origin gets 403 at the upgrade.
	Origins []string
	// MaxFrame is the largest client frame accepted, in bytes; a larger
	// one closes the socket with 1009 (message too big). Default 32 KiB,
	// room for a body of MaxBody bytes however JSON escapes it.
	MaxFrame int64
	// Rate limits the frames of one session. Default 5 per second, burst
	// 10. A frame over the limit is dropped with an error frame
	// "rate_limited"; MaxDropped dropped frames in a row close the socket
	// with 1008.
	Rate RateLimit
	// MaxDropped is how many frames in a row a session may have dropped
	// (rate limited) or rejected (malformed) before its socket is closed
	// with 1008 (policy violation). Default 20 for rate limiting; a
	// session is closed after 3 malformed frames whatever this is.
	MaxDropped int
	// Grace is how long a conversation whose attendee's socket closed
	// (without a leave frame) stays open for them to reconnect and
	// resume; after it, [Channel.Sweep] ends it. Default 2 minutes.
	Grace time.Duration
	// SweepEvery is how often [Channel.Run] calls [Channel.Sweep].
	// Default 10 seconds.
	SweepEvery time.Duration
	// HelloTimeout is how long a new socket may take to send its hello;
	// then it is closed with 1008. Default 10 seconds (wall-clock time,
	// not Now: it guards the server, not a business rule).
	HelloTimeout time.Duration
	// Now is the clock of every time decision (messages' times, the
	// grace, the rate limit). Default time.Now.
	Now func() time.Time
	// Logger logs refusals, bad input and closes. The zero value logs
	// nothing.
	Logger logr.Logger
	// Transcripts keeps the conversations' messages. Default
	// [NewMemTranscripts]().
	Transcripts Transcripts
}

// ConfigError is the error [New] returns for a Config it refuses: the
// configuration's type, "chatchannel.Config", and every problem found,
// each naming its field. It is one type with sipchannel.ConfigError and
// contactcenter.ConfigError: errors.As finds it under any of those names.
type ConfigError = configerr.Error

// ConfigProblem is one problem of a [ConfigError].
type ConfigProblem = configerr.Problem

// Defaults of [Config].
const (
	DefaultMaxFrame     = 32 << 10
	DefaultGrace        = 2 * time.Minute
	DefaultSweepEvery   = 10 * time.Second
	DefaultHelloTimeout = 10 * time.Second
	DefaultMaxDropped   = 20
	maxMalformed        = 3
)

// check validates cfg as given, before defaults.
func (cfg Config) check() error {
	c := configerr.New("chatchannel.Config")
	for i, o := range cfg.Origins {
		if o == "" {
			c.Add(fmt.Sprintf("Origins[%d]", i), "empty pattern")
		}
	}
	if cfg.MaxFrame < 0 {
		c.Add("MaxFrame", "%d is negative", cfg.MaxFrame)
	} else if cfg.MaxFrame > 0 && cfg.MaxFrame < 256 {
		c.Add("MaxFrame", "%d is below 256 bytes: a hello would not fit", cfg.MaxFrame)
	}
	if cfg.Rate.PerSecond < 0 {
		c.Add("Rate.PerSecond", "%v is negative", cfg.Rate.PerSecond)
	}
	if cfg.Rate.Burst < 0 {
		c.Add("Rate.Burst", "%d is negative", cfg.Rate.Burst)
	}
	if cfg.MaxDropped < 0 {
		c.Add("MaxDropped", "%d is negative", cfg.MaxDropped)
	}
	if cfg.Grace < 0 {
		c.Add("Grace", "%v is negative", cfg.Grace)
	}
	if cfg.SweepEvery < 0 {
		c.Add("SweepEvery", "%v is negative", cfg.SweepEvery)
	}
	if cfg.HelloTimeout < 0 {
		c.Add("HelloTimeout", "%v is negative", cfg.HelloTimeout)
	}
	return c.Err()
}

// withDefaults fills the zero fields.
func (cfg Config) withDefaults() Config {
	if cfg.MaxFrame == 0 {
		cfg.MaxFrame = DefaultMaxFrame
	}
	if cfg.Rate.PerSecond == 0 {
		cfg.Rate.PerSecond = 5
	}
	if cfg.Rate.Burst == 0 {
		cfg.Rate.Burst = 10
	}
	if cfg.MaxDropped == 0 {
		cfg.MaxDropped = DefaultMaxDropped
	}
	if cfg.Grace == 0 {
		cfg.Grace = DefaultGrace
	}
	if cfg.SweepEvery == 0 {
		cfg.SweepEvery = DefaultSweepEvery
	}
	if cfg.HelloTimeout == 0 {
		cfg.HelloTimeout = DefaultHelloTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Transcripts == nil {
		cfg.Transcripts = NewMemTranscripts()
	}
	cfg.Origins = append([]string(nil), cfg.Origins...)
	cfg.Logger = cfg.Logger.WithName("chatchannel")
	return cfg
}
