package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/internal/configerr"
)

// Defaults of [HandlerConfig].
const (
	DefaultTolerance      = 5 * time.Minute
	DefaultMaxBodyBytes   = 64 << 10
	DefaultReplayCapacity = 100_000
	DefaultApplyTimeout   = 30 * time.Second
)

// HandlerConfig configures a [Handler]. [NewHandler] validates it,
// reporting every problem at once, and keeps a copy.
type HandlerConfig struct {
	// Lifecycle receives the changes. Required.
	Lifecycle *contactcenter.Lifecycle
	// Secrets are the shared secrets a delivery may be signed with, each
	// at least [MinSecretLen] bytes. A delivery signed with any of them is
	// accepted: during a rotation, hold the old and the new secret, and
	// drop the old one when the event system signs only with the new
	// (see [Handler.SetSecrets]). At least one is required.
	Secrets [][]byte
	// Tolerance is how far a delivery's timestamp may be from Now, either
	// way. Default: [DefaultTolerance] (5 minutes).
	Tolerance time.Duration
	// MaxBodyBytes bounds a delivery's body; a larger one is answered 413.
	// Default: [DefaultMaxBodyBytes] (64 KiB).
	MaxBodyBytes int64
	// Versions remembers the last delivery decided per event and per
	// attendee. Replicas that receive deliveries about the same events
	// share one durable store. Default: a new [MemVersions], with the
	// limits it documents.
	Versions VersionStore
	// Replays remembers the signed deliveries received within Tolerance,
	// to refuse replays. Replicas that receive deliveries from the same
	// event system share one durable store, so that a request received
	// by one is refused by every other. Default: a new [MemReplays] of
	// ReplayCapacity claims, private to this Handler.
	Replays ReplayStore
	// ReplayCapacity bounds how many signed deliveries the default
	// Replays remembers; each is forgotten once its timestamp is older
	// than Tolerance. When full, deliveries are answered 503 until
	// entries expire. Ignored when Replays is set. Default:
	// [DefaultReplayCapacity].
	ReplayCapacity int
	// Locks serialises the deliveries about one event (or one attendee
	// of an event): one at a time, from reading the last version decided
	// to recording the new one. Replicas that receive deliveries about
	// the same events share one cross-process [Locker], as they share
	// Versions and Replays; otherwise two versions of one event
	// delivered to two replicas at once may both be applied, the older
	// last. A Lock error is answered 503 and nothing is applied.
	// Default: a new [MemLocks], private to this Handler.
	Locks Locker
	// ApplyTimeout bounds the work on the Lifecycle for one delivery,
	// the wait for its subject's lock included. The work is not
	// cancelled when the sender hangs up, so a change is never left
	// half-applied for that reason. Default: [DefaultApplyTimeout].
	ApplyTimeout time.Duration
	// Now is the clock timestamps are checked against and term changes
	// are decided on. Pass the Lifecycle's clock. Default: time.Now.
	Now func() time.Time
	// Logger receives a line per delivery. Default: logs nothing.
	Logger logr.Logger
}

// Handler is an http.Handler that applies signed deliveries from the
// event system to a Lifecycle. Create one with [NewHandler] and mount it
// on the URL the event system posts to. It is safe for concurrent use;
// deliveries about one event (or one attendee of an event) are applied
// one at a time (across replicas too, with a shared
// [HandlerConfig].Locks), others in parallel. It starts no goroutines.
type Handler struct {
	lc        *contactcenter.Lifecycle
	secrets   atomic.Pointer[[][]byte]
	tolerance time.Duration
	maxBody   int64
	versions  VersionStore
	replays   ReplayStore
	timeout   time.Duration
	now       func() time.Time
	log       logr.Logger
	locks     Locker
}

var _ http.Handler = (*Handler)(nil)

// NewHandler validates cfg and returns a Handler. It validates cfg as
// given, before it applies the defaults, and refuses it with a
// *[ConfigError] naming every bad field at once.
func NewHandler(cfg HandlerConfig) (*Handler, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Tolerance == 0 {
		cfg.Tolerance = DefaultTolerance
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Versions == nil {
		cfg.Versions = NewMemVersions()
	}
	if cfg.Replays == nil {
		cfg.Replays = NewMemReplays(cfg.ReplayCapacity)
	}
	if cfg.Locks == nil {
		cfg.Locks = NewMemLocks()
	}
	if cfg.ApplyTimeout == 0 {
		cfg.ApplyTimeout = DefaultApplyTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &Handler{
		lc:        cfg.Lifecycle,
		tolerance: cfg.Tolerance,
		maxBody:   cfg.MaxBodyBytes,
		versions:  cfg.Versions,
		replays:   cfg.Replays,
		locks:     cfg.Locks,
		timeout:   cfg.ApplyTimeout,
		now:       cfg.Now,
		log:       cfg.Logger.WithName("webhook"),
	}
	secrets := cloneSecrets(cfg.Secrets)
	h.secrets.Store(&secrets)
	return h, nil
}

// validate reports every problem of cfg at once, as a *ConfigError in
// the order of the fields.
func (cfg *HandlerConfig) validate() error {
	c := configerr.New("webhook.HandlerConfig")
	if cfg.Lifecycle == nil {
		c.Add("Lifecycle", "required")
	}
	for _, p := range secretProblems("Secrets", cfg.Secrets) {
		c.Add(p.Field, "%s", p.Message)
	}
	if cfg.Tolerance < 0 {
		c.Add("Tolerance", "%v is negative", cfg.Tolerance)
	}
	if cfg.MaxBodyBytes < 0 {
		c.Add("MaxBodyBytes", "%d is negative", cfg.MaxBodyBytes)
	}
	if cfg.ReplayCapacity < 0 {
		c.Add("ReplayCapacity", "%d is negative", cfg.ReplayCapacity)
	}
	if cfg.ApplyTimeout < 0 {
		c.Add("ApplyTimeout", "%v is negative", cfg.ApplyTimeout)
	}
	return c.Err()
}

// secretProblems reports every problem of secrets, the field named field:
// none at all, or one too short.
func secretProblems(field string, secrets [][]byte) []ConfigProblem {
	var ps []ConfigProblem
	if len(secrets) == 0 {
		ps = append(ps, ConfigProblem{Field: field, Message: "at least one secret is required"})
	}
	for i, s := range secrets {
		if len(s) < MinSecretLen {
			ps = append(ps, ConfigProblem{Field: fmt.Sprintf("%s[%d]", field, i),
				Message: fmt.Sprintf("%d bytes; want at least %d", len(s), MinSecretLen)})
		}
	}
	return ps
}

// SetSecrets replaces the secrets deliveries may be signed with, for a
// rotation without a restart. Each must be at least [MinSecretLen] bytes
// and at least one is required; otherwise it returns an error and keeps
// the secrets it had. Safe for concurrent use with ServeHTTP: a delivery
// is checked against the secrets held when it arrived.
func (h *Handler) SetSecrets(secrets ...[]byte) error {
	var errs []error
	for _, p := range secretProblems("secrets", secrets) {
		errs = append(errs, fmt.Errorf("webhook: %s", p))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	s := cloneSecrets(secrets)
	h.secrets.Store(&s)
	return nil
}

// Response is the JSON body of every answer of the Handler. A 2xx answer
// has Status (and Change); any other has Code and Error, and Field and
// Problems when the body was at fault.
type Response struct {
	Delivery string `json:"delivery,omitempty"`
	// Status is "applied" (the change was made now), "already-applied"
	// (a delivery with the same version was applied before; nothing
	// changed) or "stale" (a newer version was decided before; nothing
	// changed).
	Status string `json:"status,omitempty"`
	// Change is what the delivery did to the service: "created",
	// "extended", "shortened", "rescheduled", "unchanged", "cancelled",
	// "registered", "unregistered", or "none" (a cancellation of an
	// event with no service).
	Change string `json:"change,omitempty"`
	// Code is a stable word for the error; see the package doc.
	Code     string    `json:"code,omitempty"`
	Error    string    `json:"error,omitempty"`
	Field    string    `json:"field,omitempty"`
	Problems []Problem `json:"problems,omitempty"`
}

// Error codes of [Response.Code], with the status they come with.
const (
	CodeMethodNotAllowed = "method_not_allowed" // 405: not a POST
	CodeUnsupportedMedia = "unsupported_media"  // 415: a Content-Type other than application/json
	CodeTooLarge         = "too_large"          // 413: the body exceeds MaxBodyBytes
	CodeMissingSignature = "missing_signature"  // 401: no timestamp or signature header
	CodeBadTimestamp     = "bad_timestamp"      // 401: the timestamp is not Unix seconds
	CodeStaleTimestamp   = "stale_timestamp"    // 401: the timestamp is outside the tolerance
	CodeBadSignature     = "bad_signature"      // 401: no signature matches
	CodeMalformed        = "malformed"          // 400: the body is not a valid delivery; see Field
	CodeReplayed         = "replayed"           // 409: this signed request was received already
	CodeUnknownEvent     = "unknown_event"      // 404: no service for the event (yet)
	CodeExpired          = "expired"            // 409: the service's term has expired
	CodeInvalidState     = "invalid_state"      // 409: the service's state does not allow the change
	CodeExists           = "exists"             // 409: the service exists and cannot be requested again
	CodeTemplateMismatch = "template_mismatch"  // 409: event.created names another template than the service's
	CodeInvalidRequest   = "invalid_request"    // 422: the lifecycle refused the request; see Problems
	CodeUnavailable      = "unavailable"        // 503: a transient failure; retry
	CodeInternal         = "internal"           // 500: a failure retrying will not fix until an operator acts
)

// Values of [Response.Status].
const (
	statusApplied        = "applied"
	statusAlreadyApplied = "already-applied"
	statusStale          = "stale"
)

// retryAfterSeconds is the Retry-After of a 503.
const retryAfterSeconds = 5

// ServeHTTP answers one delivery: it checks the method, media type and
// size, verifies the signature and timestamp, decodes the body strictly,
// refuses replays, orders the delivery against the last one decided for
// its event (or attendee), and applies it to the Lifecycle. The answer is
// a JSON [Response]; its status is documented in the package doc.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.reply(w, http.StatusMethodNotAllowed, Response{Code: CodeMethodNotAllowed, Error: "deliveries are POSTed"})
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			h.reply(w, http.StatusUnsupportedMediaType, Response{Code: CodeUnsupportedMedia,
				Error: fmt.Sprintf("Content-Type %q; want application/json", clip(ct))})
			return
		}
	}
	tooLarge := Response{Code: CodeTooLarge, Error: fmt.Sprintf("body larger than %d bytes", h.maxBody)}
	if r.ContentLength > h.maxBody {
		h.reply(w, http.StatusRequestEntityTooLarge, tooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			h.reply(w, http.StatusRequestEntityTooLarge, tooLarge)
			return
		}
		h.reply(w, http.StatusBadRequest, Response{Code: CodeMalformed, Error: "reading the body: " + err.Error()})
		return
	}

	now := h.now()
	signed, err := Verify(r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature), body, now, h.tolerance, *h.secrets.Load()...)
	if err != nil {
		code := CodeBadSignature
		switch {
		case errors.Is(err, ErrNoSignature):
			code = CodeMissingSignature
		case errors.Is(err, ErrBadTimestamp):
			code = CodeBadTimestamp
		case errors.Is(err, ErrStaleTimestamp):
			code = CodeStaleTimestamp
		}
		h.log.Info("delivery refused", "code", code, "remote", r.RemoteAddr, "error", err.Error())
		h.reply(w, http.StatusUnauthorized, Response{Code: code, Error: err.Error()})
		return
	}

	d, err := Decode(body)
	if err != nil {
		var de *DecodeError
		errors.As(err, &de)
		h.log.V(1).Info("delivery malformed", "error", err.Error())
		h.reply(w, http.StatusBadRequest, Response{Code: CodeMalformed, Error: err.Error(),
			Field: de.Problems[0].Field, Problems: de.Problems})
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), h.timeout)
	defer cancel()
	// Whatever instant Verify accepted, the claim is held at least until
	// then: Verify accepts a timestamp up to Tolerance old, inclusive.
	err = h.replays.Claim(ctx, ReplayClaim{ID: d.ID, Signed: signed, Until: signed.Add(h.tolerance)}, now)
	switch {
	case errors.Is(err, ErrReplayed):
		h.log.Info("delivery replayed", "delivery", d.ID, "signed", signed)
		h.reply(w, http.StatusConflict, Response{Delivery: d.ID, Code: CodeReplayed,
			Error: fmt.Sprintf("delivery %s signed at %s was received already; sign every attempt afresh", d.ID, signed.UTC().Format(time.RFC3339))})
		return
	case errors.Is(err, ErrReplayFull):
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
		h.log.Error(err, "replay window full: refusing deliveries until entries expire", "delivery", d.ID)
		h.reply(w, http.StatusServiceUnavailable, Response{Delivery: d.ID, Code: CodeUnavailable, Error: "too many deliveries in the replay window; retry later"})
		return
	case err != nil:
		// Unknown whether it is a replay: fail closed.
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
		h.log.Error(err, "cannot check the delivery for a replay; the sender should retry", "delivery", d.ID)
		h.reply(w, http.StatusServiceUnavailable, Response{Delivery: d.ID, Code: CodeUnavailable,
			Error: "temporarily unable to apply the delivery; retry"})
		return
	}

	o := h.deliver(ctx, &d, now)
	if !o.decided {
		// The sender should retry (a transient failure, an event not yet
		// created): let the same signed request through again. Should
		// the release fail, the sender's next attempt, signed afresh,
		// passes all the same.
		if err := h.replays.Release(ctx, d.ID, signed); err != nil {
			h.log.Error(err, "cannot release the delivery's replay claim", "delivery", d.ID)
		}
	}
	resp := o.response(d.ID)
	switch {
	case o.status >= 500:
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
		h.log.Error(o.err, "delivery failed; the sender should retry", "delivery", d.ID, "type", d.Type, "event", d.Event.ID)
	case o.status >= 300:
		h.log.Info("delivery refused", "delivery", d.ID, "type", d.Type, "event", d.Event.ID, "code", o.code, "error", o.message)
	case o.state == statusApplied:
		h.log.Info("delivery applied", "delivery", d.ID, "type", d.Type, "event", d.Event.ID, "change", o.change)
	default:
		h.log.V(1).Info("delivery ignored", "delivery", d.ID, "type", d.Type, "event", d.Event.ID, "status", o.state)
	}
	h.reply(w, o.status, resp)
}

func (h *Handler) reply(w http.ResponseWriter, status int, resp Response) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(resp) // the sender hung up: nothing to do
}
