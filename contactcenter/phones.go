package contactcenter

import (
	"context"
	"errors"
	"fmt"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/modality"
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
