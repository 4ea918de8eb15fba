package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/go-logr/logr"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/internal/configerr"
)

// Defaults of [EventSystemConfig].
const (
	DefaultMaxAttempts     = 5
	DefaultInitialInterval = 500 * time.Millisecond
	DefaultMaxInterval     = 10 * time.Second
	DefaultMaxElapsed      = time.Minute
	DefaultRequestTimeout  = 10 * time.Second
)

// ErrClosed is returned (marked [contactcenter.Permanent]) by an
// EventSystem's methods after Close.
var ErrClosed = errors.New("webhook: event system closed")

// EventSystemConfig configures an [EventSystem]. [NewEventSystem]
// validates it, reporting every problem at once, and keeps a copy.
type EventSystemConfig struct {
	// URL is where announcements are POSTed: an absolute http or https
	// URL. Required.
	URL string
	// Secrets sign every delivery, each at least [MinSecretLen] bytes.
	// With more than one, every delivery carries one signature per
	// secret, so a receiver holding any of them accepts it: add the new
	// secret here, then to the receiver, then drop the old one from both.
	// At least one is required.
	Secrets [][]byte
	// Client sends the requests. Its CheckRedirect is replaced (a signed
	// delivery is never redirected; a 3xx answer is a permanent error).
	// Default: a client of its own whose idle connections Close closes.
	Client *http.Client
	// RequestTimeout bounds each attempt. Default: [DefaultRequestTimeout].
	RequestTimeout time.Duration
	// MaxAttempts bounds the attempts of one delivery, the first
	// included. Default: [DefaultMaxAttempts].
	MaxAttempts int
	// InitialInterval, MaxInterval and MaxElapsed shape the exponential
	// backoff between attempts (with jitter), measured in real time. A
	// Retry-After from the receiver lengthens a wait up to MaxInterval.
	// Defaults: [DefaultInitialInterval], [DefaultMaxInterval],
	// [DefaultMaxElapsed].
	InitialInterval time.Duration
	MaxInterval     time.Duration
	MaxElapsed      time.Duration
	// Now is the clock deliveries are stamped with; the receiver checks
	// the stamp against its own clock. Default: time.Now.
	Now func() time.Time
	// Logger receives a line per failed attempt. Default: logs nothing.
	Logger logr.Logger
}

// EventSystem is a [contactcenter.EventSystem] that announces a service's
// entry points to an event platform over signed HTTP webhooks: Publish
// POSTs an [EntryPointsPublished] announcement, Retract an
// [EntryPointsRetracted] one, each signed like the deliveries the
// [Handler] accepts.
//
// Each call is one delivery with its own ID, attempted up to MaxAttempts
// times with exponential backoff while the receiver answers 408, 425,
// 429 or 5xx or cannot be reached; each attempt is signed afresh. A 2xx
// answer is success. Any other answer is a permanent error (marked
// [contactcenter.Permanent]), since sending it again cannot help; running
// out of attempts returns the last error unmarked, so the Lifecycle's
// executor retries the step later. A done ctx ends the call with
// ctx.Err(), wrapped.
//
// An EventSystem is safe for concurrent use and starts no goroutines of
// its own. Announcements of one service carry increasing versions, so the
// receiver can order concurrent or retried ones.
type EventSystem struct {
	url       string
	secrets   [][]byte
	client    *http.Client
	ownClient bool
	timeout   time.Duration
	attempts  int
	initial   time.Duration
	max       time.Duration
	elapsed   time.Duration
	now       func() time.Time
	log       logr.Logger

	mu      sync.Mutex
	version int64 // last version handed out
	closed  atomic.Bool
}

var _ contactcenter.EventSystem = (*EventSystem)(nil)

// NewEventSystem validates cfg and returns an EventSystem. It validates
// cfg as given, before it applies the defaults, and refuses it with a
// *[ConfigError] naming every bad field at once.
func NewEventSystem(cfg EventSystemConfig) (*EventSystem, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	es := &EventSystem{
		url:      cfg.URL,
		secrets:  cloneSecrets(cfg.Secrets),
		timeout:  orDefault(cfg.RequestTimeout, DefaultRequestTimeout),
		attempts: cfg.MaxAttempts,
		initial:  orDefault(cfg.InitialInterval, DefaultInitialInterval),
		max:      orDefault(cfg.MaxInterval, DefaultMaxInterval),
		elapsed:  orDefault(cfg.MaxElapsed, DefaultMaxElapsed),
		now:      cfg.Now,
		log:      cfg.Logger.WithName("webhook"),
	}
	if es.attempts == 0 {
		es.attempts = DefaultMaxAttempts
	}
	if es.initial > es.max {
		es.initial = es.max
	}
	if es.now == nil {
		es.now = time.Now
	}
	if cfg.Client != nil {
		c := *cfg.Client
		es.client = &c
	} else {
		es.client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		es.ownClient = true
	}
	es.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return es, nil
}

// validate reports every problem of cfg at once, as a *ConfigError in
// the order of the fields.
func (cfg *EventSystemConfig) validate() error {
	c := configerr.New("webhook.EventSystemConfig")
	if cfg.URL == "" {
		c.Add("URL", "required")
	} else if u, err := url.Parse(cfg.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.Add("URL", "%q: want an absolute http or https URL", cfg.URL)
	}
	for _, p := range secretProblems("Secrets", cfg.Secrets) {
		c.Add(p.Field, "%s", p.Message)
	}
	negative := func(field string, d time.Duration) {
		if d < 0 {
			c.Add(field, "%v is negative", d)
		}
	}
	negative("RequestTimeout", cfg.RequestTimeout)
	if cfg.MaxAttempts < 0 {
		c.Add("MaxAttempts", "%d is negative", cfg.MaxAttempts)
	}
	negative("InitialInterval", cfg.InitialInterval)
	if cfg.InitialInterval > 0 && cfg.MaxInterval > 0 && cfg.InitialInterval > cfg.MaxInterval {
		c.Add("InitialInterval", "%v exceeds MaxInterval %v", cfg.InitialInterval, cfg.MaxInterval)
	}
	negative("MaxInterval", cfg.MaxInterval)
	negative("MaxElapsed", cfg.MaxElapsed)
	return c.Err()
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// Publish announces p's entry points and hours, replacing what was
// announced for p.ServiceID. p is not retained. A publication without a
// ServiceID is a permanent error.
func (es *EventSystem) Publish(ctx context.Context, p contactcenter.Publication) error {
	if p.ServiceID == "" {
		return contactcenter.Permanent(errors.New("webhook: publish: publication without a service ID"))
	}
	return es.send(ctx, func(id string, v int64) Announcement { return announcementOf(id, v, p) })
}

// Retract announces that nothing is shown for serviceID any more.
// Idempotent for the receiver; whether anything was published is not
// known here, so it is always sent.
func (es *EventSystem) Retract(ctx context.Context, serviceID string) error {
	if serviceID == "" {
		return contactcenter.Permanent(errors.New("webhook: retract: empty service ID"))
	}
	return es.send(ctx, func(id string, v int64) Announcement {
		return Announcement{ID: id, Type: EntryPointsRetracted, ServiceID: serviceID, Version: v}
	})
}

// Close makes later calls return ErrClosed and closes the idle
// connections of the EventSystem's own client (not of a client passed in
// the Config). Calls in progress finish. Idempotent.
func (es *EventSystem) Close() error {
	if es.closed.Swap(true) {
		return nil
	}
	if es.ownClient {
		es.client.CloseIdleConnections()
	}
	return nil
}

// nextVersion returns a version greater than any handed out before, taken
// from the clock when it has moved on, so that versions keep increasing
// across restarts of a host with a real clock.
func (es *EventSystem) nextVersion() int64 {
	es.mu.Lock()
	defer es.mu.Unlock()
	v := es.now().UnixNano()
	if v <= es.version {
		v = es.version + 1
	}
	es.version = v
	return v
}

func newDeliveryID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return "dlv_" + hex.EncodeToString(b[:])
}

// send delivers one announcement, retrying as documented on EventSystem.
func (es *EventSystem) send(ctx context.Context, build func(id string, version int64) Announcement) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if es.closed.Load() {
		return contactcenter.Permanent(ErrClosed)
	}
	a := build(newDeliveryID(), es.nextVersion())
	body, err := json.Marshal(a)
	if err != nil {
		return contactcenter.Permanent(fmt.Errorf("webhook: encode %s: %w", a.Type, err))
	}
	log := es.log.WithValues("delivery", a.ID, "type", a.Type, "service", a.ServiceID)

	b := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(es.initial),
		backoff.WithMaxInterval(es.max),
		backoff.WithMaxElapsedTime(es.elapsed),
	)
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for attempt := 1; ; attempt++ {
		retryAfter, err := es.attempt(ctx, body)
		if err == nil {
			if attempt > 1 {
				log.V(1).Info("delivered after retries", "attempts", attempt)
			}
			return nil
		}
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("webhook: %s %s: %w", a.Type, a.ServiceID, cerr)
		}
		var perm *backoff.PermanentError
		if errors.As(err, &perm) {
			log.Error(perm.Err, "delivery refused by the receiver", "attempt", attempt)
			return contactcenter.Permanent(fmt.Errorf("webhook: %s %s: %w", a.Type, a.ServiceID, perm.Err))
		}
		wait := b.NextBackOff()
		if attempt >= es.attempts || wait == backoff.Stop {
			log.Error(err, "delivery failed; giving up for now", "attempts", attempt)
			return fmt.Errorf("webhook: %s %s: %d attempt(s): %w", a.Type, a.ServiceID, attempt, err)
		}
		if retryAfter > wait {
			wait = min(retryAfter, es.max)
		}
		log.V(1).Info("attempt failed; retrying", "attempt", attempt, "wait", wait, "error", err.Error())
		if timer == nil {
			timer = time.NewTimer(wait)
		} else {
			timer.Reset(wait)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("webhook: %s %s: %w", a.Type, a.ServiceID, ctx.Err())
		case <-timer.C:
		}
	}
}

// attempt POSTs body once. It returns nil on a 2xx answer, an error
// wrapped in *backoff.PermanentError when retrying cannot help, and
// otherwise a transient error with the receiver's Retry-After, if any.
func (es *EventSystem) attempt(ctx context.Context, body []byte) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, es.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, es.url, bytes.NewReader(body))
	if err != nil {
		return 0, backoff.Permanent(err)
	}
	now := es.now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "eventcc-webhook/1")
	req.Header.Set(HeaderTimestamp, Timestamp(now))
	req.Header.Set(HeaderSignature, Sign(now, body, es.secrets...))
	resp, err := es.client.Do(req)
	if err != nil {
		return 0, err // unreachable, reset, timed out: transient
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // so the connection can be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return 0, nil
	}
	err = fmt.Errorf("receiver answered %s: %s", resp.Status, bytes.TrimSpace(snippet))
	switch {
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooEarly,
		resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		return retryAfter(resp.Header.Get("Retry-After"), now), err
	}
	return 0, backoff.Permanent(err)
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
