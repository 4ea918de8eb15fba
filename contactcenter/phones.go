package contactcenter

import (
	"context"
	"errors"
	"fmt"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
)

// phonePurpose is what a phone password is derived for
// ([access.Authority.GrantSecrets]).
const phonePurpose = "sip-phone"

// grantSecrets is what phone passwords need of Config.Access:
// [access.Authority] with keys.
type grantSecrets interface {
	Authorize(ctx context.Context, principal, serviceID string, p access.Privilege) error
	GrantSecrets(ctx context.Context, grantID, purpose string) ([]string, error)
}

// PhonePassword returns the password of agentID's SIP phone for the
// service serviceID: a telephony channel's Registrar (sipchannel's), and
// what the host gives the agent to configure their phone with (the first
// password). It is derived from the agent's grant on the service, which
// must let them handle engagements now: a new grant gives a new password,
// an extension of the term keeps it, and once the grant is revoked or
// over there is none (an error wrapping [modality.ErrNotFound]). During a
// key rotation's overlap it returns the new key's password, then the old
// one's. It needs Config.Access to be an [access.Authority] with keys
// (else an error wrapping errors.ErrUnsupported).
func (l *Lifecycle) PhonePassword(ctx context.Context, serviceID, agentID string) ([]string, error) {
	a, ok := l.cfg.Access.(grantSecrets)
	if !ok {
		return nil, fmt.Errorf("contactcenter: phone passwords need Config.Access to be an *access.Authority with keys: %w", errors.ErrUnsupported)
	}
	if err := a.Authorize(ctx, agentID, serviceID, access.HandleEngagements); err != nil {
		if errors.Is(err, access.ErrDenied) {
			return nil, fmt.Errorf("contactcenter: phone of %q on %q: %w (%w)", agentID, serviceID, modality.ErrNotFound, err)
		}
		return nil, err
	}
	pw, err := a.GrantSecrets(ctx, grantID(serviceID, agentID), phonePurpose)
	switch {
	case errors.Is(err, access.ErrRevoked), errors.Is(err, access.ErrInvalid), errors.Is(err, access.ErrNotFound):
		return nil, fmt.Errorf("contactcenter: phone of %q on %q: %w (%w)", agentID, serviceID, modality.ErrNotFound, err)
	case err != nil:
		return nil, err
	}
	return pw, nil
}

// phoneUnregisterer is a channel that registers agents' phones
// (sipchannel's).
type phoneUnregisterer interface {
	Unregister(ctx context.Context, serviceID, agentID string) error
}

// unregisterPhones ends agentID's phone registrations for serviceID on
// every channel that has them: their grant is over.
func (l *Lifecycle) unregisterPhones(ctx context.Context, serviceID, agentID string) {
	for _, ch := range l.cfg.Channels {
		if u, ok := ch.(phoneUnregisterer); ok {
			if err := u.Unregister(ctx, serviceID, agentID); err != nil {
				l.log.Error(err, "agent's phone not unregistered", "service", serviceID, "agent", agentID)
			}
		}
	}
}

// onPhone is an agent on duty through a phone: the desk session opened
// for it, and how to ring it.
type onPhone struct {
	token string
	ring  func(engagementID string)
}

var _ modality.Phones = (*line)(nil)

// AttachPhone implements [modality.Phones]: the agent is put on duty
// through a desk session of the phone's own, opened with a token issued
// for their grant, so that every answer goes through the desk's checks
// of the grant like a desktop's; they are made available, and rung when
// an engagement is offered to them.
func (ln *line) AttachPhone(agentID string, ring func(string)) (func(), error) {
	if ln.issue == nil {
		return nil, fmt.Errorf("contactcenter: phones need Config.Access to be an *access.Authority with keys and tokens: %w", errors.ErrUnsupported)
	}
	ctx := context.Background()
	token, err := ln.issue(ctx, agentID)
	if err != nil {
		return nil, err
	}
	if _, err := ln.desk.Open(ctx, token, routing.Agent{ID: agentID}); err != nil {
		return nil, err
	}
	if err := ln.desk.SetStatus(ctx, token, routing.Available); err != nil {
		_ = ln.desk.Close(ctx, token)
		return nil, err
	}
	ln.mu.Lock()
	if ln.phones == nil {
		ln.phones = map[string]*onPhone{}
	}
	ln.phones[agentID] = &onPhone{token: token, ring: ring}
	ln.mu.Unlock()
	return func() {
		ln.mu.Lock()
		if p := ln.phones[agentID]; p != nil && p.token == token {
			delete(ln.phones, agentID)
		}
		ln.mu.Unlock()
		if err := ln.desk.Close(context.Background(), token); err != nil {
			ln.desk.Expel(agentID) //nolint:errcheck // best effort: the agent leaves either way
		}
	}, nil
}

// phoneToken is the desk token of agentID's phone session.
func (ln *line) phoneToken(agentID string) (string, error) {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	p := ln.phones[agentID]
	if p == nil {
		return "", fmt.Errorf("contactcenter: %q is not on duty through a phone: %w", agentID, modality.ErrNotFound)
	}
	return p.token, nil
}

// PhoneAnswered implements [modality.Phones]: the desk's Accept.
func (ln *line) PhoneAnswered(agentID, engagementID string) error {
	token, err := ln.phoneToken(agentID)
	if err != nil {
		return err
	}
	return ln.desk.Accept(context.Background(), token, engagementID)
}

// PhoneRefused implements [modality.Phones]: the desk's Decline.
func (ln *line) PhoneRefused(agentID, engagementID string) error {
	token, err := ln.phoneToken(agentID)
	if err != nil {
		return err
	}
	return ln.desk.Decline(context.Background(), token, engagementID)
}

// PhoneHungUp implements [modality.Phones]: the desk's End.
func (ln *line) PhoneHungUp(agentID, engagementID string) error {
	token, err := ln.phoneToken(agentID)
	if err != nil {
		return err
	}
	return ln.desk.End(context.Background(), token, engagementID)
}
