package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/webhook"
	"github.com/eventcc/eventcc/modality"
)

func TestHandler_AppliesEventChanges(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	requireApplied(t, e.send(t, created("d1", 1)), "applied", "created")
	s := e.service(t)
	assert.Equal(t, contactcenter.Term{Start: start, End: end, TimeZone: "Europe/Berlin"}, s.Term, "want the service requested with the delivery's term")
	assert.Equal(t, "conference", s.Request.Template)
	assert.Equal(t, []modality.Kind{modality.Telephony, modality.Chat}, s.Request.Features.Modalities)
	assert.Equal(t, 1200, s.Request.ExpectedAttendance)
	assert.True(t, s.Request.Features.Receptionist)

	requireApplied(t, e.send(t, updated("d2", 2, start, end.Add(2*time.Hour))), "applied", "extended")
	assert.Equal(t, end.Add(2*time.Hour), e.service(t).Term.End, "after event.updated with a later end: want the term extended")

	requireApplied(t, e.send(t, updated("d3", 3, start, end.Add(time.Hour))), "applied", "shortened")
	assert.Equal(t, end.Add(time.Hour), e.service(t).Term.End, "after event.updated with an earlier end: want the term shortened")

	later := start.Add(24 * time.Hour)
	requireApplied(t, e.send(t, updated("d4", 4, later, later.Add(6*time.Hour))), "applied", "rescheduled")
	assert.Equal(t, contactcenter.Term{Start: later, End: later.Add(6 * time.Hour), TimeZone: "Europe/Berlin"}, e.service(t).Term,
		"after event.updated with another start: want the service rescheduled")

	requireApplied(t, e.send(t, cancelled("d5", 5)), "applied", "cancelled")
	s, err := e.lc.Get(ctx, "expo")
	require.NoError(t, err)
	assert.Equal(t, contactcenter.Cancelled, s.State, "after event.cancelled: want the service cancelled")
	assert.Equal(t, "venue flooded", s.CancelReason)
}

func TestHandler_CreatedForExistingServiceUpdatesTheTerm(t *testing.T) {
	e := newEnv(t)
	requireApplied(t, e.send(t, created("d1", 1)), "applied", "created")
	again := created("d2", 2)
	again["event"].(delivery)["term"] = term(start, end.Add(time.Hour))
	requireApplied(t, e.send(t, again), "applied", "extended")
	assert.Equal(t, end.Add(time.Hour), e.service(t).Term.End)

	other := created("d3", 3)
	other["event"].(delivery)["template"] = "webinar"
	a := e.send(t, other)
	assert.Equal(t, http.StatusConflict, a.status, "event.created naming another template: want 409; got %s", a.raw)
	assert.Equal(t, webhook.CodeTemplateMismatch, a.resp.Code)
	assert.Equal(t, "event.template", a.resp.Field)
}

func TestHandler_Idempotent(t *testing.T) {
	e := newEnv(t)
	changes := e.termChanges(t)
	requireApplied(t, e.send(t, created("d1", 1)), "applied", "created")
	requireApplied(t, e.send(t, updated("d2", 2, start, end.Add(time.Hour))), "applied", "extended")
	before := e.service(t)
	n := len(changes())

	// The sender did not see the answer and sends the delivery again:
	// same ID, signed afresh a minute later.
	e.clock.Advance(time.Minute)
	// Someone replays the resend as captured: refused, nothing changes.
	resend := e.signed(t, mustJSON(t, updated("d2", 2, start, end.Add(time.Hour))))
	requireApplied(t, e.do(t, resend.Clone(context.Background())), "already-applied", "extended")
	replay := e.signed(t, mustJSON(t, updated("d2", 2, start, end.Add(time.Hour))))
	a := e.do(t, replay)
	assert.Equal(t, http.StatusConflict, a.status, "the resend replayed as is: want 409; got %s", a.raw)
	assert.Equal(t, webhook.CodeReplayed, a.resp.Code)
	// The event system sends the same version again under another ID.
	requireApplied(t, e.send(t, updated("d2-bis", 2, start, end.Add(time.Hour))), "already-applied", "extended")
	requireApplied(t, e.send(t, created("d1", 1)), "stale", "")

	after := e.service(t)
	assert.Equal(t, before.Revision, after.Revision, "the same delivery again: want the service unchanged")
	assert.Len(t, changes(), n, "the same delivery again: want no term change")
}

func TestHandler_RefusalIsAnsweredAgainTheSameWay(t *testing.T) {
	e := newEnv(t)
	requireApplied(t, e.send(t, created("d1", 1)), "applied", "created")
	s := e.service(t)
	e.clock.Set(s.Expires.Add(time.Minute)) // expired, closing plan not yet run
	first := e.send(t, updated("d2", 2, start, end.Add(time.Hour)))
	require.Equal(t, http.StatusConflict, first.status, "an extension after expiry: want 409; got %s", first.raw)
	assert.Equal(t, webhook.CodeExpired, first.resp.Code)
	e.clock.Advance(time.Minute)
	again := e.send(t, updated("d2", 2, start, end.Add(time.Hour)))
	assert.Equal(t, first.status, again.status, "the refused delivery again: want the same answer")
	assert.Equal(t, first.resp.Code, again.resp.Code)
	assert.Equal(t, first.resp.Error, again.resp.Error)
}

func TestHandler_OrderedByVersionNotArrival(t *testing.T) {
	t.Run("version", func(t *testing.T) {
		e := newEnv(t)
		requireApplied(t, e.send(t, created("d1", 1)), "applied", "created")
		requireApplied(t, e.send(t, updated("d3", 3, start, end.Add(3*time.Hour))), "applied", "extended")
		requireApplied(t, e.send(t, updated("d2", 2, start, end.Add(time.Hour))), "stale", "")
		assert.Equal(t, end.Add(3*time.Hour), e.service(t).Term.End, "version 2 after version 3: want version 3's term")
	})
	t.Run("updatedAt", func(t *testing.T) {
		e := newEnv(t)
		c := created("d1", 0)
		ev := c["event"].(delivery)
		delete(ev, "version")
		ev["updatedAt"] = "2027-02-20T10:00:00Z"
		requireApplied(t, e.send(t, c), "applied", "created")
		upd := func(id, at string, newEnd time.Time) delivery {
			d := updated(id, 0, start, newEnd)
			delete(d["event"].(delivery), "version")
			d["event"].(delivery)["updatedAt"] = at
			return d
		}
		requireApplied(t, e.send(t, upd("d3", "2027-02-22T10:00:00+01:00", end.Add(-time.Hour))), "applied", "shortened")
		requireApplied(t, e.send(t, upd("d2", "2027-02-21T10:00:00Z", end.Add(time.Hour))), "stale", "")
		assert.Equal(t, end.Add(-time.Hour), e.service(t).Term.End, "the older update arriving last: want the newer term kept")

		mixed := updated("d4", 9, start, end)
		a := e.send(t, mixed)
		assert.Equal(t, http.StatusBadRequest, a.status, "a version after deliveries ordered by updatedAt: want 400; got %s", a.raw)
		assert.Equal(t, "event.version", a.resp.Field)
	})
	t.Run("cancellation overtakes creation", func(t *testing.T) {
		e := newEnv(t)
		requireApplied(t, e.send(t, cancelled("d2", 2)), "applied", "none")
		requireApplied(t, e.send(t, created("d1", 1)), "stale", "")
		_, err := e.lc.Get(context.Background(), "expo")
		assert.ErrorIs(t, err, contactcenter.ErrNotFound, "a creation older than the cancellation: want no service")
	})
	t.Run("update overtakes creation", func(t *testing.T) {
		e := newEnv(t)
		a := e.send(t, updated("d2", 2, start, end.Add(time.Hour)))
		require.Equal(t, http.StatusNotFound, a.status, "an update before its event is created: want 404; got %s", a.raw)
		assert.Equal(t, webhook.CodeUnknownEvent, a.resp.Code)
		requireApplied(t, e.send(t, created("d1", 1)), "applied", "created")
		// The sender retries the 404 (the very same signed request: it
		// was not decided, so it is no replay).
		e.clock.Advance(time.Second)
		requireApplied(t, e.send(t, updated("d2", 2, start, end.Add(time.Hour))), "applied", "extended")
		assert.Equal(t, end.Add(time.Hour), e.service(t).Term.End)
	})
}

func TestHandler_Attendees(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	during := start.Add(time.Hour)
	requireApplied(t, e.send(t, created("d1", 1)), "applied", "created")

	requireApplied(t, e.send(t, attendee("a1", "attendee.registered", "att-42", 1)), "applied", "registered")
	assert.NoError(t, access.Authorize(ctx, e.grants, during, "att-42", "expo", "engagement.start"),
		"a registered attendee: want access to the attendee-only features")
	requireApplied(t, e.send(t, attendee("a1-again", "attendee.registered", "att-42", 1)), "already-applied", "registered")

	requireApplied(t, e.send(t, attendee("a3", "attendee.unregistered", "att-42", 3)), "applied", "unregistered")
	assert.ErrorIs(t, access.Authorize(ctx, e.grants, during, "att-42", "expo", "engagement.start"), access.ErrDenied,
		"an unregistered attendee: want access revoked")
	requireApplied(t, e.send(t, attendee("a2", "attendee.registered", "att-42", 2)), "stale", "")
	assert.ErrorIs(t, access.Authorize(ctx, e.grants, during, "att-42", "expo", "engagement.start"), access.ErrDenied,
		"a registration older than the unregistration arriving last: want access still revoked")

	// Attendees are ordered apart from each other and from the event.
	requireApplied(t, e.send(t, attendee("b1", "attendee.registered", "att-7", 1)), "applied", "registered")
	requireApplied(t, e.send(t, updated("d2", 2, start, end.Add(time.Hour))), "applied", "extended")
	g, err := e.grants.Get(ctx, "expo/attendee/att-7")
	require.NoError(t, err)
	assert.Equal(t, e.service(t).Expires, g.NotAfter, "after an extension: want the attendee's grant to end at the new expiry")

	a := e.send(t, delivery{"id": "x1", "type": "attendee.registered", "event": delivery{"id": "nope"}, "attendee": delivery{"id": "att-1", "version": 1}})
	assert.Equal(t, http.StatusNotFound, a.status, "an attendee of an unknown event: want 404; got %s", a.raw)
}

// badInput is one row of the bad-input table: what is sent, and the
// answer wanted.
type badInput struct {
	name   string
	prep   func(t *testing.T, e *env) // state before the request
	req    func(t *testing.T, e *env) *http.Request
	status int
	code   string
	field  string
	msg    string // a fragment of the error message
}

func TestHandler_BadInputs(t *testing.T) {
	body := func(d delivery) []byte { return mustJSON(t, d) }
	good := body(updated("d9", 9, start, end.Add(time.Hour)))
	raw := func(s string) func(*testing.T, *env) *http.Request {
		return func(t *testing.T, e *env) *http.Request { return e.signed(t, []byte(s)) }
	}
	withEvent := func(d delivery, key string, v any) delivery { d["event"].(delivery)[key] = v; return d }
	createdFirst := func(t *testing.T, e *env) { requireApplied(t, e.send(t, created("d1", 1)), "applied", "created") }

	cases := []badInput{
		{name: "wrong signature", status: 401, code: webhook.CodeBadSignature,
			req: func(t *testing.T, e *env) *http.Request { return e.signed(t, good, otherSecret) }},
		{name: "signature of another body", status: 401, code: webhook.CodeBadSignature,
			req: func(t *testing.T, e *env) *http.Request {
				r := e.signed(t, good)
				r.Header.Set(webhook.HeaderSignature, webhook.Sign(e.clock.Now(), []byte(`{}`), secret))
				return r
			}},
		{name: "malformed signature", status: 401, code: webhook.CodeBadSignature, msg: "malformed",
			req: func(t *testing.T, e *env) *http.Request {
				r := e.signed(t, good)
				r.Header.Set(webhook.HeaderSignature, "v1=zz")
				return r
			}},
		{name: "missing signature", status: 401, code: webhook.CodeMissingSignature,
			req: func(t *testing.T, e *env) *http.Request {
				r := e.signed(t, good)
				r.Header.Del(webhook.HeaderSignature)
				return r
			}},
		{name: "malformed timestamp", status: 401, code: webhook.CodeBadTimestamp,
			req: func(t *testing.T, e *env) *http.Request {
				r := e.signed(t, good)
				r.Header.Set(webhook.HeaderTimestamp, "2027-02-27T12:00:00Z")
				return r
			}},
		{name: "stale timestamp", status: 401, code: webhook.CodeStaleTimestamp, msg: "tolerance 5m0s",
			req: func(t *testing.T, e *env) *http.Request {
				r := e.signed(t, good) // signed now, received 5m01s later
				e.clock.Advance(5*time.Minute + time.Second)
				return r
			}},
		{name: "timestamp from the future", status: 401, code: webhook.CodeStaleTimestamp,
			req: func(t *testing.T, e *env) *http.Request {
				r := e.signed(t, good)
				at := e.clock.Now().Add(5*time.Minute + time.Second)
				r.Header.Set(webhook.HeaderTimestamp, webhook.Timestamp(at))
				r.Header.Set(webhook.HeaderSignature, webhook.Sign(at, good, secret))
				return r
			}},
		{name: "replay", status: 409, code: webhook.CodeReplayed, msg: "received already",
			prep: createdFirst,
			req: func(t *testing.T, e *env) *http.Request {
				first := e.signed(t, good)
				requireApplied(t, e.do(t, first.Clone(context.Background())), "applied", "extended")
				replay := e.signed(t, good) // the same bytes, timestamp and signature
				e.clock.Advance(time.Minute)
				return replay
			}},
		{name: "truncated JSON", status: 400, code: webhook.CodeMalformed, field: "event.term.timeZone", msg: "truncated JSON",
			req: raw(string(good[:bytes.Index(good, []byte(`"Europe/`))+4]))},
		{name: "truncated JSON between fields", status: 400, code: webhook.CodeMalformed, field: "", msg: "truncated JSON",
			req: raw(string(good[:len(good)-1]))},
		{name: "not JSON", status: 400, code: webhook.CodeMalformed, msg: "invalid JSON", req: raw(`id=d9&type=event.updated`)},
		{name: "empty body", status: 400, code: webhook.CodeMalformed, msg: "empty body", req: raw(``)},
		{name: "array", status: 400, code: webhook.CodeMalformed, msg: "want an object", req: raw(`[]`)},
		{name: "trailing data", status: 400, code: webhook.CodeMalformed, msg: "trailing data", req: raw(string(good) + `{}`)},
		{name: "unknown delivery type", status: 400, code: webhook.CodeMalformed, field: "type", msg: `unknown delivery type "event.exploded"`,
			req: raw(`{"id":"d9","type":"event.exploded","event":{"id":"expo","version":9}}`)},
		{name: "unknown event", status: 404, code: webhook.CodeUnknownEvent, field: "event.id", msg: "not found",
			req: func(t *testing.T, e *env) *http.Request { return e.signed(t, good) }},
		{name: "unknown field", status: 400, code: webhook.CodeMalformed, field: "priority", msg: "unknown field",
			req: func(t *testing.T, e *env) *http.Request {
				d := updated("d9", 9, start, end)
				d["priority"] = "high"
				return e.signed(t, body(d))
			}},
		{name: "unknown nested field", status: 400, code: webhook.CodeMalformed, field: "event.term.ends", msg: "unknown field",
			req: func(t *testing.T, e *env) *http.Request {
				d := updated("d9", 9, start, end)
				d["event"].(delivery)["term"].(delivery)["ends"] = "2027-03-01T18:00:00Z"
				return e.signed(t, body(d))
			}},
		{name: "key in another case", status: 400, code: webhook.CodeMalformed, field: "Event", msg: `did you mean "event"?`,
			req: raw(`{"id":"d9","type":"event.updated","Event":{"id":"expo"}}`)},
		{name: "repeated key", status: 400, code: webhook.CodeMalformed, field: "event.version", msg: "repeated",
			req: raw(`{"id":"d9","type":"event.updated","event":{"id":"expo","version":9,"version":10}}`)},
		{name: "wrong type", status: 400, code: webhook.CodeMalformed, field: "event.version", msg: "want an integer, got a string",
			req: func(t *testing.T, e *env) *http.Request {
				return e.signed(t, body(withEvent(updated("d9", 9, start, end), "version", "9")))
			}},
		{name: "bad time", status: 400, code: webhook.CodeMalformed, field: "event.term.start", msg: "RFC 3339",
			req: func(t *testing.T, e *env) *http.Request {
				return e.signed(t, body(withEvent(updated("d9", 9, start, end), "term", delivery{"start": "tomorrow", "end": "2027-03-01T18:00:00Z"})))
			}},
		{name: "missing term", status: 400, code: webhook.CodeMalformed, field: "event.term", msg: "required",
			req: raw(`{"id":"d9","type":"event.updated","event":{"id":"expo","version":9}}`)},
		{name: "missing version", status: 400, code: webhook.CodeMalformed, field: "event.version", msg: "required",
			req: func(t *testing.T, e *env) *http.Request {
				d := updated("d9", 9, start, end)
				delete(d["event"].(delivery), "version")
				return e.signed(t, body(d))
			}},
		{name: "end before start", status: 400, code: webhook.CodeMalformed, field: "event.term.end", msg: "must be after the start",
			req: func(t *testing.T, e *env) *http.Request { return e.signed(t, body(updated("d9", 9, end, start))) }},
		{name: "unknown time zone", status: 400, code: webhook.CodeMalformed, field: "event.term.timeZone", msg: "unknown time zone",
			req: func(t *testing.T, e *env) *http.Request {
				d := updated("d9", 9, start, end)
				d["event"].(delivery)["term"].(delivery)["timeZone"] = "Mars/Olympus_Mons"
				return e.signed(t, body(d))
			}},
		{name: "bad delivery id", status: 400, code: webhook.CodeMalformed, field: "id",
			req: raw(`{"id":"has spaces","type":"event.cancelled","event":{"id":"expo","version":9}}`)},
		{name: "attendee missing", status: 400, code: webhook.CodeMalformed, field: "attendee", msg: "required",
			req: raw(`{"id":"a9","type":"attendee.registered","event":{"id":"expo"}}`)},
		{name: "attendee with an event type", status: 400, code: webhook.CodeMalformed, field: "attendee", msg: "only with",
			req: raw(`{"id":"d9","type":"event.cancelled","event":{"id":"expo","version":9},"attendee":{"id":"a","version":1}}`)},
		{name: "huge body", status: 413, code: webhook.CodeTooLarge,
			req: func(t *testing.T, e *env) *http.Request {
				d := cancelled("d9", 9)
				d["event"].(delivery)["reason"] = strings.Repeat("x", webhook.DefaultMaxBodyBytes)
				return e.signed(t, body(d))
			}},
		{name: "huge body without a length", status: 413, code: webhook.CodeTooLarge,
			req: func(t *testing.T, e *env) *http.Request {
				r := e.signed(t, bytes.Repeat([]byte(" "), webhook.DefaultMaxBodyBytes+1))
				r.ContentLength = -1 // chunked: only reading finds out
				r.Body = io.NopCloser(struct{ io.Reader }{bytes.NewReader(bytes.Repeat([]byte(" "), webhook.DefaultMaxBodyBytes+1))})
				r.GetBody = nil
				return r
			}},
		{name: "GET", status: 405, code: webhook.CodeMethodNotAllowed,
			req: func(t *testing.T, e *env) *http.Request {
				r, err := http.NewRequest(http.MethodGet, e.srv.URL, nil)
				require.NoError(t, err)
				return r
			}},
		{name: "not JSON media", status: 415, code: webhook.CodeUnsupportedMedia,
			req: func(t *testing.T, e *env) *http.Request {
				r := e.signed(t, good)
				r.Header.Set("Content-Type", "text/plain")
				return r
			}},
		{name: "extension after expiry", status: 409, code: webhook.CodeExpired, msg: "expired",
			prep: func(t *testing.T, e *env) {
				createdFirst(t, e)
				e.clock.Set(e.service(t).Expires)
			},
			req: func(t *testing.T, e *env) *http.Request { return e.signed(t, good) }},
		{name: "reschedule once deploying", status: 409, code: webhook.CodeInvalidState, msg: "reschedule",
			prep: func(t *testing.T, e *env) {
				createdFirst(t, e)
				e.clock.Set(start.Add(time.Hour))
				require.NoError(t, e.lc.Tick(context.Background()))
				require.Equal(t, contactcenter.Active, e.service(t).State)
			},
			req: func(t *testing.T, e *env) *http.Request {
				return e.signed(t, body(updated("d9", 9, start.Add(2*time.Hour), end.Add(2*time.Hour))))
			}},
		{name: "change to a cancelled event", status: 409, code: webhook.CodeInvalidState, msg: "cancel",
			prep: func(t *testing.T, e *env) {
				createdFirst(t, e)
				requireApplied(t, e.send(t, cancelled("d2", 2)), "applied", "cancelled")
			},
			req: func(t *testing.T, e *env) *http.Request { return e.signed(t, good) }},
		{name: "reschedule into the past", status: 422, code: webhook.CodeInvalidRequest, field: "event.term.end", msg: "has ended",
			prep: createdFirst,
			req: func(t *testing.T, e *env) *http.Request {
				return e.signed(t, body(updated("d9", 9, t0.Add(-48*time.Hour), t0.Add(-24*time.Hour))))
			}},
		{name: "unknown template", status: 422, code: webhook.CodeInvalidRequest, field: "event.template", msg: "template",
			req: func(t *testing.T, e *env) *http.Request {
				return e.signed(t, body(withEvent(created("d1", 1), "template", "rodeo")))
			}},
		{name: "event type the template does not serve", status: 422, code: webhook.CodeInvalidRequest, field: "event.type",
			req: func(t *testing.T, e *env) *http.Request {
				return e.signed(t, body(withEvent(created("d1", 1), "type", "rodeo")))
			}},
		{name: "unknown modality", status: 400, code: webhook.CodeMalformed, field: "event.features.modalities[1]", msg: `unknown modality "fax"`,
			req: func(t *testing.T, e *env) *http.Request {
				return e.signed(t, body(withEvent(created("d1", 1), "features", delivery{"modalities": []string{"chat", "fax"}})))
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			if c.prep != nil {
				c.prep(t, e)
			}
			req := c.req(t, e)
			var before contactcenter.Service
			if s, err := e.lc.Get(context.Background(), "expo"); err == nil {
				before = s
			}
			a := e.do(t, req)
			assert.Equal(t, c.status, a.status, "want HTTP %d; got %s", c.status, a.raw)
			assert.Equal(t, c.code, a.resp.Code, "want code %q; got %s", c.code, a.raw)
			assert.Equal(t, c.field, a.resp.Field, "want the field %q named; got %s", c.field, a.raw)
			assert.NotEmpty(t, a.resp.Error, "want an error message; got %s", a.raw)
			assert.Contains(t, a.resp.Error+" "+problemsText(a.resp.Problems), c.msg, "want the error to say %q; got %s", c.msg, a.raw)
			assert.Empty(t, a.resp.Status, "a refusal is not applied")
			if c.status == http.StatusServiceUnavailable || c.status == http.StatusMethodNotAllowed {
				assert.NotEmpty(t, a.header.Get("Retry-After")+a.header.Get("Allow"))
			}
			if s, err := e.lc.Get(context.Background(), "expo"); err == nil && before.ID != "" {
				assert.Equal(t, before.Term, s.Term, "a refused delivery must not change the term")
				assert.Equal(t, before.State, s.State, "a refused delivery must not change the state")
			}
		})
	}
}

func problemsText(ps []webhook.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.String() + "; ")
	}
	return b.String()
}

func TestHandler_SecretRotation(t *testing.T) {
	e := newEnv(t, withHandler(func(c *webhook.HandlerConfig) { c.Secrets = [][]byte{secret, otherSecret} }))
	requireApplied(t, e.do(t, e.signed(t, mustJSON(t, created("d1", 1)), secret)), "applied", "created")
	requireApplied(t, e.do(t, e.signed(t, mustJSON(t, updated("d2", 2, start, end.Add(time.Hour))), otherSecret)), "applied", "extended")
	both := e.signed(t, mustJSON(t, updated("d3", 3, start, end.Add(2*time.Hour))), []byte("an-unknown-secret-of-32-bytes-xx"), otherSecret)
	requireApplied(t, e.do(t, both), "applied", "extended")

	require.NoError(t, e.h.SetSecrets(otherSecret), "dropping the old secret")
	a := e.do(t, e.signed(t, mustJSON(t, updated("d4", 4, start, end.Add(3*time.Hour))), secret))
	assert.Equal(t, http.StatusUnauthorized, a.status, "signed with a secret dropped by the rotation: want 401; got %s", a.raw)
	requireApplied(t, e.do(t, e.signed(t, mustJSON(t, updated("d4", 4, start, end.Add(3*time.Hour))), otherSecret)), "applied", "extended")

	assert.Error(t, e.h.SetSecrets(), "no secret at all: want an error")
	assert.Error(t, e.h.SetSecrets([]byte("short")), "a short secret: want an error")
	requireApplied(t, e.do(t, e.signed(t, mustJSON(t, updated("d5", 5, start, end)), otherSecret)), "applied", "shortened")
}

// failingStore fails Update while fail is set, as a store that lost its
// connection would.
type failingStore struct {
	contactcenter.Store
	fail atomic.Bool
}

var errUnavailable = errors.New("store unreachable")

func (s *failingStore) Update(ctx context.Context, svc contactcenter.Service) (contactcenter.Service, error) {
	if s.fail.Load() {
		return contactcenter.Service{}, errUnavailable
	}
	return s.Store.Update(ctx, svc)
}

// failingEvents fails Publish while fail is set.
type failingEvents struct {
	contactcenter.EventSystem
	fail atomic.Bool
}

func (f *failingEvents) Publish(ctx context.Context, p contactcenter.Publication) error {
	if f.fail.Load() {
		return errUnavailable
	}
	return f.EventSystem.Publish(ctx, p)
}

func TestHandler_TransientFailureIs503AndTheRetryApplies(t *testing.T) {
	t.Run("store down", func(t *testing.T) {
		var fs *failingStore
		e := newEnv(t, withStore(func(s contactcenter.Store) contactcenter.Store { fs = &failingStore{Store: s}; return fs }))
		requireApplied(t, e.send(t, created("d1", 1)), "applied", "created")
		fs.fail.Store(true)
		req := e.signed(t, mustJSON(t, updated("d2", 2, start, end.Add(time.Hour))))
		a := e.do(t, req.Clone(context.Background()))
		assert.Equal(t, http.StatusServiceUnavailable, a.status, "the store down: want 503; got %s", a.raw)
		assert.Equal(t, webhook.CodeUnavailable, a.resp.Code)
		assert.Equal(t, "5", a.header.Get("Retry-After"), "a 503 says when to retry")
		assert.NotContains(t, a.resp.Error, errUnavailable.Error(), "internal errors stay in the log")
		assert.Equal(t, end, e.service(t).Term.End, "a failed delivery changes nothing")

		fs.fail.Store(false)
		// The sender resends the very same signed request: a transient
		// failure does not count as received, so it is no replay.
		again := e.signed(t, mustJSON(t, updated("d2", 2, start, end.Add(time.Hour))))
		requireApplied(t, e.do(t, again), "applied", "extended")
		assert.Equal(t, end.Add(time.Hour), e.service(t).Term.End)
	})
	t.Run("publish fails after the term moved", func(t *testing.T) {
		var fe *failingEvents
		e := newEnv(t, withEvents(func(es contactcenter.EventSystem) contactcenter.EventSystem {
			fe = &failingEvents{EventSystem: es}
			return fe
		}))
		requireApplied(t, e.send(t, created("d1", 1)), "applied", "created")
		e.clock.Set(start.Add(time.Hour))
		require.NoError(t, e.lc.Tick(context.Background()))
		require.Equal(t, contactcenter.Active, e.service(t).State)

		fe.fail.Store(true)
		a := e.send(t, updated("d2", 2, start, end.Add(time.Hour)))
		require.Equal(t, http.StatusServiceUnavailable, a.status, "publishing the new hours failed: want 503; got %s", a.raw)
		fe.fail.Store(false)
		e.clock.Advance(time.Second)
		requireApplied(t, e.send(t, updated("d2", 2, start, end.Add(time.Hour))), "applied", "unchanged")
		p, ok := fe.EventSystem.(interface {
			Published(string) (contactcenter.Publication, bool)
		}).Published("expo")
		require.True(t, ok)
		assert.Equal(t, end.Add(time.Hour), p.Closes, "the retry re-applies the extension: want the new hours published")
	})
}

func TestHandler_ReplayWindowIsBounded(t *testing.T) {
	e := newEnv(t, withHandler(func(c *webhook.HandlerConfig) { c.ReplayCapacity = 2 }))
	requireApplied(t, e.send(t, cancelled("c1", 1)), "applied", "none")
	requireApplied(t, e.send(t, cancelled("c2", 2)), "applied", "none")
	a := e.send(t, cancelled("c3", 3))
	assert.Equal(t, http.StatusServiceUnavailable, a.status, "the replay window full: want 503; got %s", a.raw)
	assert.NotEmpty(t, a.header.Get("Retry-After"))
	e.clock.Advance(webhook.DefaultTolerance + time.Second)
	requireApplied(t, e.send(t, cancelled("c3", 3)), "applied", "none")
}

func TestHandler_ConcurrentDeliveriesOrderedByVersion(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const events, versions = 4, 12
	for i := range events {
		d := created(fmt.Sprint("c", i), 1)
		d["event"].(delivery)["id"] = fmt.Sprint("expo-", i)
		requireApplied(t, e.send(t, d), "applied", "created")
	}
	type job struct {
		event   int
		version int64
	}
	var jobs []job
	for i := range events {
		for v := int64(2); v <= versions; v++ {
			jobs = append(jobs, job{i, v})
		}
	}
	rand.Shuffle(len(jobs), func(i, j int) { jobs[i], jobs[j] = jobs[j], jobs[i] })
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []string
		next     atomic.Int64
	)
	for range 6 {
		wg.Go(func() {
			for {
				n := int(next.Add(1)) - 1
				if n >= len(jobs) {
					return
				}
				j := jobs[n]
				d := updated(fmt.Sprintf("u-%d-%d", j.event, j.version), j.version, start, end.Add(time.Duration(j.version)*time.Minute))
				d["event"].(delivery)["id"] = fmt.Sprint("expo-", j.event)
				body := mustJSON(t, d)
				req, err := http.NewRequest(http.MethodPost, e.srv.URL, bytes.NewReader(body))
				if err != nil {
					panic(err)
				}
				now := e.clock.Now()
				req.Header.Set(webhook.HeaderTimestamp, webhook.Timestamp(now))
				req.Header.Set(webhook.HeaderSignature, webhook.Sign(now, body, secret))
				res, err := e.srv.Client().Do(req)
				if err == nil {
					res.Body.Close()
				}
				if err != nil || res.StatusCode != http.StatusOK {
					mu.Lock()
					failures = append(failures, fmt.Sprint(j, err, res))
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	require.Empty(t, failures, "every delivery, in any order: want 200")
	for i := range events {
		s, err := e.lc.Get(ctx, fmt.Sprint("expo-", i))
		require.NoError(t, err)
		assert.Equal(t, end.Add(versions*time.Minute), s.Term.End, "expo-%d after versions 2..%d in random order: want the last version's term", i, versions)
	}
	e.srv.Close()
	assertNoGoroutinesOfPackage(t)
}

func TestNewHandler_ReportsEveryProblem(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    webhook.HandlerConfig
		fields []string // every bad field, in field order
		want   []string // each must appear in the error
	}{
		{"Several", webhook.HandlerConfig{
			Secrets:        [][]byte{[]byte("short")},
			Tolerance:      -time.Second,
			MaxBodyBytes:   -1,
			ReplayCapacity: -1,
			ApplyTimeout:   -time.Second,
		}, []string{"Lifecycle", "Secrets[0]", "Tolerance", "MaxBodyBytes", "ReplayCapacity", "ApplyTimeout"},
			[]string{"Lifecycle: required", "Secrets[0]: 5 bytes; want at least 32", "Tolerance: -1s is negative", "MaxBodyBytes: -1 is negative"}},
		{"Empty", webhook.HandlerConfig{}, []string{"Lifecycle", "Secrets"}, []string{"Secrets: at least one secret is required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := webhook.NewHandler(tc.cfg)
			assert.Nil(t, h, "no Handler on error")
			var ce *webhook.ConfigError
			require.ErrorAs(t, err, &ce, "want a *ConfigError")
			assert.Equal(t, "webhook.HandlerConfig", ce.Config)
			assert.Equal(t, tc.fields, configFields(ce), "want every problem reported at once, in field order")
			for _, w := range tc.want {
				assert.ErrorContains(t, err, w)
			}
		})
	}
}

func TestHandler_LogsEveryDelivery(t *testing.T) {
	var (
		mu    sync.Mutex
		lines []string
	)
	logger := funcr.New(func(prefix, args string) {
		mu.Lock()
		lines = append(lines, prefix+" "+args)
		mu.Unlock()
	}, funcr.Options{Verbosity: 1})
	e := newEnv(t, withHandler(func(c *webhook.HandlerConfig) { c.Logger = logger }))
	requireApplied(t, e.send(t, created("d1", 1)), "applied", "created")
	e.do(t, e.signed(t, mustJSON(t, updated("d2", 2, start, end)), otherSecret))
	requireApplied(t, e.send(t, created("d1-again", 1)), "already-applied", "created")

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, lines, 3, "want one line per delivery; got %q", lines)
	assert.Contains(t, lines[0], `"msg"="delivery applied"`)
	assert.Contains(t, lines[0], `"change"="created"`)
	assert.Contains(t, lines[0], "webhook", "want the component named")
	assert.Contains(t, lines[1], `"code"="bad_signature"`)
	assert.Contains(t, lines[2], `"status"="already-applied"`)
}
