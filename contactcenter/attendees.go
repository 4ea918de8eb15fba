package contactcenter

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/modality"
)

// AttendeeRole is the name of the template role whose privileges a
// registered attendee receives (see [Lifecycle.RegisterAttendee]).
const AttendeeRole = "attendee"

// DefaultAttendeePrivileges are what a registered attendee receives when
// the service's template has no role named [AttendeeRole]: starting an
// engagement on the service's attendee-only entry points, and nothing an
// agent or supervisor may do. A template that offers attendee-only
// features (a VIP line) names them in its "attendee" role, e.g.
// ["engagement.start", "feature.vip-line"].
func DefaultAttendeePrivileges() []access.Privilege {
	return []access.Privilege{"engagement.start"}
}

// AttendeeChanged reports an attendee's access to a service granted
// (registered) or revoked (unregistered). It is delivered through
// [Lifecycle.Subscribe] like the other events.
type AttendeeChanged struct {
	ServiceID  string
	At         time.Time
	Attendee   string
	Registered bool   // true: granted; false: revoked
	GrantID    string // the grant issued or revoked
	Expires    time.Time
}

func (e *AttendeeChanged) Service() string { return e.ServiceID }
func (e *AttendeeChanged) Time() time.Time { return e.At }

// RegisterAttendee gives attendee access to the service's attendee-only
// features: one grant, of role [AttendeeRole] with that template role's
// privileges (or [DefaultAttendeePrivileges]), valid from now until the
// service's expiry. The grant moves with the term like every grant of the
// service (Extend, Shorten, Reschedule), and ends with it: revoked by the
// closing plan, by a cancellation, or by [Lifecycle.UnregisterAttendee].
//
// Registering again while registered changes nothing and returns the
// grant in force. Registering after an unregistration issues a new grant
// (revocation is final); its ID carries a "#n" suffix.
//
// Errors: ErrNotFound for an unknown service; ErrInvalidState once the
// service is terminating, ended or cancelled; ErrExpired once its expiry
// has passed; an empty attendee is an error wrapping ErrPermanent. The
// access store's errors are returned wrapped. Safe for concurrent use;
// work on one service is serialised with its other changes. The returned
// grant is a copy the caller owns.
func (l *Lifecycle) RegisterAttendee(ctx context.Context, serviceID, attendee string) (access.Grant, error) {
	if attendee == "" {
		return access.Grant{}, Permanent(fmt.Errorf("contactcenter: %s: register attendee: empty attendee id", serviceID))
	}
	var out access.Grant
	err := l.withService(ctx, serviceID, func(e *entry, now time.Time) error {
		s := &e.svc
		switch {
		case s.State == Terminating || s.State.Final():
			return fmt.Errorf("contactcenter: %s: register attendee %s when %s: %w", serviceID, attendee, s.State, ErrInvalidState)
		case s.CancelReason != "":
			return fmt.Errorf("contactcenter: %s: register attendee %s after cancellation: %w", serviceID, attendee, ErrInvalidState)
		case !now.Before(s.Expires):
			return fmt.Errorf("contactcenter: %s: register attendee %s at %s: expired at %s: %w", serviceID, attendee,
				now.Format(time.RFC3339), s.Expires.Format(time.RFC3339), ErrExpired)
		}
		held, err := l.ports.attendeeGrants(ctx, serviceID, attendee)
		if err != nil {
			return err
		}
		for _, g := range held {
			if g.Revoked {
				continue
			}
			if !g.NotAfter.Equal(s.Expires) { // a grant left behind by a failed term change: catch it up
				g.NotAfter = s.Expires
				if g, err = l.cfg.Access.Update(ctx, g); err != nil {
					return fmt.Errorf("contactcenter: %s: move attendee grant %s: %w", serviceID, g.ID, err)
				}
			}
			out = g
			return nil
		}
		privs := privileges(s.Config, AttendeeRole)
		if privs == nil {
			privs = DefaultAttendeePrivileges()
		}
		id := attendeeGrantID(serviceID, attendee, len(held))
		g, err := l.cfg.Access.Create(ctx, access.Grant{
			ID: id, ServiceID: serviceID, Principal: attendee, Kind: access.KindAttendee, Role: AttendeeRole,
			Privileges: privs, NotBefore: now, NotAfter: s.Expires,
			IssuedBy: "eventcc", Reason: "attendee of event " + s.Request.EventID,
		})
		if err != nil {
			return fmt.Errorf("contactcenter: %s: grant attendee %s: %w", serviceID, attendee, err)
		}
		if l.cfg.Owner != "" {
			// Another replica may have changed the term since it was
			// read: read it again, and move the grant if so (see resync).
			used := s.Expires
			if err := l.refresh(ctx, e); err != nil {
				return err
			}
			if !e.svc.Expires.Equal(used) {
				if err := l.resync(ctx, e, now); err != nil {
					return err
				}
				if g, err = l.cfg.Access.Get(ctx, g.ID); err != nil {
					return fmt.Errorf("contactcenter: %s: grant attendee %s: %w", serviceID, attendee, err)
				}
			}
		}
		out = g
		l.log.V(1).Info("attendee registered", "service", serviceID, "attendee", attendee, "grant", g.ID)
		l.emit(&AttendeeChanged{ServiceID: serviceID, At: now, Attendee: attendee, Registered: true, GrantID: g.ID, Expires: g.NotAfter})
		return nil
	})
	return out, err
}

// UnregisterAttendee revokes attendee's access to the service now, and
// ends the engagements they hold on channels that know who holds what
// ([modality.AttendeeEnder]: the chat channel).
// Idempotent: unregistering an attendee who holds no grant in force is
// not an error. It is allowed in every state, since revoking never widens
// access.
//
// Errors: ErrNotFound for an unknown service; the access store's errors,
// wrapped. Safe for concurrent use.
func (l *Lifecycle) UnregisterAttendee(ctx context.Context, serviceID, attendee string) error {
	return l.withService(ctx, serviceID, func(e *entry, now time.Time) error {
		held, err := l.ports.attendeeGrants(ctx, serviceID, attendee)
		if err != nil {
			return err
		}
		for _, g := range held {
			if g.Revoked {
				continue
			}
			if err := l.cfg.Access.Revoke(ctx, g.ID, now); err != nil && !errors.Is(err, access.ErrNotFound) {
				return fmt.Errorf("contactcenter: %s: revoke attendee grant %s: %w", serviceID, g.ID, err)
			}
			l.log.V(1).Info("attendee unregistered", "service", serviceID, "attendee", attendee, "grant", g.ID)
			l.emit(&AttendeeChanged{ServiceID: serviceID, At: now, Attendee: attendee, GrantID: g.ID, Expires: now})
		}
		// Their access has ended: so do the conversations they hold on
		// channels that know who holds what.
		for _, ch := range l.cfg.Channels {
			if ae, ok := ch.(modality.AttendeeEnder); ok {
				if _, err := ae.EndAttendee(ctx, serviceID, attendee); err != nil {
					return fmt.Errorf("contactcenter: %s: end attendee %s's engagements: %w", serviceID, attendee, err)
				}
			}
		}
		return nil
	})
}

// attendeeGrants returns the attendee grants of attendee on the service,
// revoked or not, in ID order. They are told apart from agents' and
// supervisors' grants by their IDs (see attendeeGrantID), which the
// lifecycle alone issues.
func (p ports) attendeeGrants(ctx context.Context, serviceID, attendee string) ([]access.Grant, error) {
	all, err := p.cfg.Access.ListByPrincipal(ctx, attendee)
	if err != nil {
		return nil, fmt.Errorf("contactcenter: %s: list grants of attendee %s: %w", serviceID, attendee, err)
	}
	base := attendeeGrantID(serviceID, attendee, 0)
	var held []access.Grant
	for _, g := range all {
		if g.ServiceID == serviceID && (g.ID == base || strings.HasPrefix(g.ID, base+"#")) {
			held = append(held, g)
		}
	}
	return held, nil
}

// attendeeGrantID is the ID of an attendee's grant on a service after n
// earlier grants: "<service>/attendee/<attendee>", then "…#2", "…#3".
// The "attendee/" segment keeps it apart from agents' grant IDs.
func attendeeGrantID(serviceID, attendee string, n int) string {
	id := serviceID + "/attendee/" + attendee
	if n > 0 {
		id += "#" + strconv.Itoa(n+1)
	}
	return id
}

// tokenIssuer mints bearer tokens for grants: *access.Authority with keys.
type tokenIssuer interface {
	IssueToken(ctx context.Context, grantID string) (string, access.Credential, error)
}

// ErrNoTokens is returned by [Lifecycle.AttendeeToken] when Config.Access
// cannot mint tokens: use an *access.Authority with Keys.
var ErrNoTokens = errors.New("contactcenter: Config.Access mints no tokens (use an *access.Authority with Keys)")

// AttendeeToken mints a bearer token for a registered attendee: the
// event platform embeds it in the attendee's page, and the chat widget
// (or any channel that checks attendees) presents it. It stands for the
// attendee's grant in force ([Lifecycle.RegisterAttendee]), and so ends
// with it: at the service's expiry, or when the attendee is
// unregistered. Each call mints a new token; the token is shown only
// this once.
//
// Errors: ErrNotFound for an unknown service or an attendee who holds no
// grant in force; ErrNoTokens if Config.Access mints none; the access
// store's errors, wrapped. Safe for concurrent use.
func (l *Lifecycle) AttendeeToken(ctx context.Context, serviceID, attendee string) (string, error) {
	if err := l.enter(); err != nil {
		return "", err
	}
	defer l.leave()
	issuer, ok := l.cfg.Access.(tokenIssuer)
	if !ok {
		return "", ErrNoTokens
	}
	if _, err := l.cfg.Store.Get(ctx, serviceID); err != nil {
		return "", fmt.Errorf("contactcenter: %s: %w", serviceID, err)
	}
	held, err := l.ports.attendeeGrants(ctx, serviceID, attendee)
	if err != nil {
		return "", err
	}
	now := l.now()
	for i := len(held) - 1; i >= 0; i-- {
		g := held[i]
		if g.Revoked || now.Before(g.NotBefore) || !now.Before(g.NotAfter) {
			continue
		}
		token, _, err := issuer.IssueToken(ctx, g.ID)
		if err != nil {
			return "", fmt.Errorf("contactcenter: %s: token for attendee %s: %w", serviceID, attendee, err)
		}
		return token, nil
	}
	return "", fmt.Errorf("contactcenter: %s: attendee %q holds no grant in force: %w", serviceID, attendee, ErrNotFound)
}
