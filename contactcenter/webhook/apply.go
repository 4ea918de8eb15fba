package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/template"
)

// outcome is how one delivery was answered.
type outcome struct {
	status   int
	state    string // statusApplied, statusAlreadyApplied, statusStale (2xx)
	change   string
	code     string
	message  string
	field    string
	problems []Problem
	err      error // the cause of a 5xx, for the log
	// decided: the answer holds for the delivery's version (applied, or
	// refused for good): recorded if it was just made, and the signed
	// request counts as received. Otherwise the sender should retry.
	decided bool
}

func (o outcome) response(delivery string) Response {
	if o.status < 300 {
		return Response{Delivery: delivery, Status: o.state, Change: o.change}
	}
	return Response{Delivery: delivery, Code: o.code, Error: o.message, Field: o.field, Problems: o.problems}
}

func applied(change string) outcome {
	return outcome{status: http.StatusOK, state: statusApplied, change: change, decided: true}
}

func transient(err error) outcome {
	return outcome{status: http.StatusServiceUnavailable, code: CodeUnavailable,
		message: "temporarily unable to apply the delivery; retry", err: err}
}

// deliver orders d against the last delivery decided for its subject and
// applies it if it is newer, holding the subject's lock throughout.
func (h *Handler) deliver(ctx context.Context, d *Delivery, now time.Time) outcome {
	subject, st := d.subject(), d.stamp()
	unlock, err := h.locks.Lock(ctx, subject)
	if err != nil {
		// Not knowing whether another replica is applying a version of
		// this subject: fail closed.
		return transient(fmt.Errorf("webhook: lock %s: %w", subject, err))
	}
	defer unlock()
	last, ok, err := h.versions.Last(ctx, subject)
	if err != nil {
		return transient(fmt.Errorf("webhook: read the last version of %s: %w", subject, err))
	}
	if ok {
		if o, decided := answerFrom(d, subject, st, last); decided {
			return o
		}
	}
	o := h.apply(ctx, d, now)
	if o.decided {
		r := Record{Stamp: st, Delivery: d.ID, Status: o.status, Change: o.change, Code: o.code, Error: o.message}
		err := h.versions.Put(ctx, subject, r)
		if errors.Is(err, ErrNotNewer) {
			// A Handler on another replica sharing the store decided
			// this version, or a newer one, meanwhile: answer as the
			// record says.
			last, ok, lerr := h.versions.Last(ctx, subject)
			if lerr == nil && ok {
				if o, decided := answerFrom(d, subject, st, last); decided {
					h.log.Info("delivery decided concurrently by another Handler", "delivery", d.ID, "subject", subject, "by", last.Delivery)
					return o
				}
			}
			err = errors.Join(err, lerr)
		}
		if err != nil {
			// Applied but not recorded: the retry applies it again, which
			// changes nothing.
			return transient(fmt.Errorf("webhook: record the version of %s: %w", subject, err))
		}
	}
	return o
}

// answerFrom answers d, of stamp st, from last, the record of its
// subject, when last decided d's version or a newer one.
func answerFrom(d *Delivery, subject string, st Stamp, last Record) (o outcome, decided bool) {
	cmp, err := st.Compare(last.Stamp)
	if err != nil {
		return outcome{status: http.StatusBadRequest, code: CodeMalformed, field: d.stampField(),
			message: fmt.Sprintf("cannot order this delivery: the last one decided for %s (%s) carried %s, this one %s",
				subject, last.Delivery, stampKind(last.Stamp), stampKind(st))}, true
	}
	// Decided before: answered from the record, nothing applied.
	switch {
	case cmp < 0:
		return outcome{status: http.StatusOK, state: statusStale, decided: true}, true
	case cmp == 0 && last.Status < 300:
		return outcome{status: http.StatusOK, state: statusAlreadyApplied, change: last.Change, decided: true}, true
	case cmp == 0:
		return outcome{status: last.Status, code: last.Code, message: last.Error, decided: true}, true
	}
	return outcome{}, false
}

func stampKind(s Stamp) string {
	switch {
	case s.Version > 0 && !s.UpdatedAt.IsZero():
		return "a version and an update time"
	case s.Version > 0:
		return "a version only"
	}
	return "an update time only"
}

// apply makes the change d reports.
func (h *Handler) apply(ctx context.Context, d *Delivery, now time.Time) outcome {
	lc, id := h.lc, d.Event.ID
	switch d.Type {
	case EventCreated:
		svc, err := lc.Get(ctx, id)
		if errors.Is(err, contactcenter.ErrNotFound) {
			_, err = lc.Request(ctx, d.request())
			if err == nil {
				return applied("created")
			}
			if !errors.Is(err, contactcenter.ErrExists) {
				return refusal(err)
			}
			svc, err = lc.Get(ctx, id) // created meanwhile: apply as an update
		}
		if err != nil {
			return refusal(err)
		}
		if svc.Request.Template != d.Event.Template {
			return outcome{status: http.StatusConflict, code: CodeTemplateMismatch, field: "event.template", decided: true,
				message: fmt.Sprintf("the service of event %s was requested with template %q, not %q; a service's template does not change",
					id, svc.Request.Template, d.Event.Template)}
		}
		return h.reconcile(ctx, svc, *d.Event.Term, now)
	case EventUpdated:
		svc, err := lc.Get(ctx, id)
		if err != nil {
			return refusal(err)
		}
		return h.reconcile(ctx, svc, *d.Event.Term, now)
	case EventCancelled:
		err := lc.Cancel(ctx, id, d.Event.Reason)
		if errors.Is(err, contactcenter.ErrNotFound) {
			// Nothing to cancel; recorded all the same, so that an older
			// event.created arriving later is ignored.
			return applied("none")
		}
		if err != nil {
			return refusal(err)
		}
		return applied("cancelled")
	case AttendeeRegistered:
		if _, err := lc.RegisterAttendee(ctx, id, d.Attendee.ID); err != nil {
			return refusal(err)
		}
		return applied("registered")
	case AttendeeUnregistered:
		if err := lc.UnregisterAttendee(ctx, id, d.Attendee.ID); err != nil {
			return refusal(err)
		}
		return applied("unregistered")
	}
	return outcome{status: http.StatusBadRequest, code: CodeMalformed, field: "type", message: "unknown delivery type"} // Decode refuses it
}

// reconcile moves svc's term to term with the Lifecycle method that
// fits: the start and time zone unchanged, the end later or earlier, is
// an extension or a shortening; anything else is a reschedule.
func (h *Handler) reconcile(ctx context.Context, svc contactcenter.Service, term contactcenter.Term, now time.Time) outcome {
	lc, id, cur := h.lc, svc.ID, svc.Term
	sameStart := term.Start.Equal(cur.Start) && term.TimeZone == cur.TimeZone
	var (
		err    error
		change string
	)
	switch {
	case sameStart && term.End.Equal(cur.End):
		change = "unchanged"
		if live(svc, now) {
			// Re-apply: a previous attempt may have moved the term but
			// failed before the grants or the published hours followed.
			err = lc.Extend(ctx, id, term.End)
		}
	case sameStart && term.End.After(cur.End):
		change, err = "extended", lc.Extend(ctx, id, term.End)
	case sameStart:
		change, err = "shortened", lc.Shorten(ctx, id, term.End)
	default:
		if !term.End.After(now) {
			return outcome{status: http.StatusUnprocessableEntity, code: CodeInvalidRequest, field: "event.term.end", decided: true,
				message: fmt.Sprintf("cannot reschedule to a term that has ended (%s)", term.End.Format(time.RFC3339))}
		}
		change, err = "rescheduled", lc.Reschedule(ctx, id, term)
	}
	if err != nil {
		return refusal(err)
	}
	return applied(change)
}

// live reports whether svc still takes term changes.
func live(svc contactcenter.Service, now time.Time) bool {
	return svc.State != contactcenter.Terminating && !svc.State.Final() && svc.CancelReason == "" && now.Before(svc.Expires)
}

// refusal maps an error of the Lifecycle to an answer.
func refusal(err error) outcome {
	var ve *template.ValidationError
	switch {
	case errors.As(err, &ve):
		probs := make([]Problem, len(ve.Problems))
		for i, p := range ve.Problems {
			probs[i] = Problem{Field: payloadPath(p.Path), Message: p.Message}
		}
		o := outcome{status: http.StatusUnprocessableEntity, code: CodeInvalidRequest, message: err.Error(), problems: probs, decided: true}
		if len(probs) > 0 {
			o.field = probs[0].Field
		}
		return o
	case errors.Is(err, contactcenter.ErrNotFound):
		return outcome{status: http.StatusNotFound, code: CodeUnknownEvent, field: "event.id", message: err.Error()}
	case errors.Is(err, contactcenter.ErrExpired):
		return outcome{status: http.StatusConflict, code: CodeExpired, message: err.Error(), decided: true}
	case errors.Is(err, contactcenter.ErrInvalidState):
		return outcome{status: http.StatusConflict, code: CodeInvalidState, message: err.Error(), decided: true}
	case errors.Is(err, contactcenter.ErrExists):
		return outcome{status: http.StatusConflict, code: CodeExists, message: err.Error(), decided: true}
	case errors.Is(err, contactcenter.ErrPermanent):
		return outcome{status: http.StatusInternalServerError, code: CodeInternal,
			message: "the contact center cannot apply the delivery until an operator acts", err: err}
	}
	// ErrClosed, ErrConflict, a timeout, an adapter's transient failure.
	return transient(err)
}

// pathMap rewrites the Lifecycle's request field paths into payload
// paths, longest prefix first. The payload's event has the request's
// shape but for its ID and type; a term change names "term.".
var pathMap = []struct{ from, to string }{
	{"request.eventId", "event.id"},
	{"request.eventType", "event.type"},
	{"request.", "event."},
	{"term.", "event.term."},
}

// payloadPath returns the payload field a request problem is about; a
// path outside the request (the resolved configuration) is returned as
// is.
func payloadPath(p string) string {
	for _, m := range pathMap {
		if rest, ok := strings.CutPrefix(p, m.from); ok {
			if strings.HasSuffix(m.from, ".") || rest == "" || rest[0] == '.' || rest[0] == '[' {
				return m.to + rest
			}
		}
	}
	return p
}

// request is the Lifecycle request an event.created delivery makes.
func (d *Delivery) request() contactcenter.Request {
	e := &d.Event
	r := contactcenter.Request{
		EventID:            e.ID,
		EventType:          e.Type,
		Term:               *e.Term,
		Template:           e.Template,
		ExpectedAttendance: e.ExpectedAttendance,
	}
	if e.Features != nil {
		r.Features = *e.Features
	}
	if e.Overrides != nil {
		r.Overrides = *e.Overrides
	}
	return r
}
