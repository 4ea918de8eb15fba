package contactcenter

import (
	"context"
	"errors"
	"fmt"

	"github.com/eventcc/eventcc/modality"
)

// Messages between replicas.
//
// An SMS or social message reaches whichever replica the provider's
// webhook reaches; its conversation lives in the messaging channel of the
// replica that drives the service. A replica that does not drive it
// forwards the message there over the Relay, as one relayed action (a
// "message" call) whose answer says whether the channel took it: the
// webhook is answered 200 only then, and otherwise with an error for the
// provider to deliver the message again.

var _ modality.MessageForwarder = (*Lifecycle)(nil)

// ForwardMessage implements modality.MessageForwarder over the Relay: it
// hands msg to the channel of kind on the replica that drives serviceID,
// or, with serviceID "", the service whose request names the account to
// (found through the Store's AccountIndex). Errors: one wrapping
// modality.ErrNotFound when there is no Relay, no such service, or the
// Store cannot find services by account; a *modality.NotOpenError, with
// the receptionist's closed message, when the service is not open; any
// other for the provider to deliver the message again.
func (l *Lifecycle) ForwardMessage(ctx context.Context, kind modality.Kind, serviceID, to string, msg []byte) error {
	loc, ok := l.cfg.Store.(Locator)
	if l.cfg.Relay == nil || !ok {
		return fmt.Errorf("contactcenter: forward a message: no relay: %w", modality.ErrNotFound)
	}
	if len(msg) > modality.MaxForwardedMessage {
		return fmt.Errorf("contactcenter: forward a message: %d bytes, more than the %d a relayed message carries", len(msg), modality.MaxForwardedMessage)
	}
	if serviceID == "" {
		ix, ok := l.cfg.Store.(AccountIndex)
		if !ok {
			return fmt.Errorf("contactcenter: forward a message to %s %q: the store cannot find services by account: %w", kind, to, modality.ErrNotFound)
		}
		id, err := ix.ServiceWithAccount(ctx, to)
		switch {
		case errors.Is(err, ErrNotFound):
			return fmt.Errorf("contactcenter: forward a message to %s %q: no service has it: %w", kind, to, modality.ErrNotFound)
		case err != nil:
			return fmt.Errorf("contactcenter: forward a message to %s %q: %w", kind, to, err)
		}
		serviceID = id
	}
	owner, err := loc.Holder(ctx, serviceID, l.now())
	if err != nil {
		return fmt.Errorf("contactcenter: %s: forward a message: who drives it: %w", serviceID, err)
	}
	if owner == "" || owner == l.cfg.Owner {
		// Not open on this replica's channel, which asked: not open at
		// all, or opening (or taken over) right now.
		return l.notDriven(ctx, serviceID)
	}
	r, err := (&remoteDesk{l: l, service: serviceID, owner: owner}).call(ctx, relayMsg{Op: "message", Modality: kind, Msg: msg})
	switch {
	case err == nil:
		return nil
	case r.Code == notOpenCode:
		return fmt.Errorf("contactcenter: %s: forward a message: %w", serviceID, &modality.NotOpenError{ServiceID: serviceID, Message: r.Reason})
	}
	// The driver's own errors are not this side's: whatever it said, the
	// message was not taken, and the provider delivers it again.
	return fmt.Errorf("contactcenter: %s: forward a message to %q: %v", serviceID, owner, err)
}

// notOpenCode is the code of a relayed answer that the service is not
// open; its Reason is the closed message.
const notOpenCode = "not-open"

// serveMessage hands a message another replica forwarded to the channel
// of its kind here, for a service this replica drives.
func (l *Lifecycle) serveMessage(ctx context.Context, m relayMsg) error {
	if _, err := l.line(ctx, m.Service); err != nil {
		if errors.Is(err, ErrInvalidState) {
			return l.notDriven(ctx, m.Service) // driven here, and not open
		}
		return err
	}
	for _, ch := range l.cfg.Channels {
		if s, ok := ch.(modality.MessageServer); ok && serves(ch, m.Modality) {
			return s.ServeMessage(ctx, m.Service, m.Msg)
		}
	}
	return fmt.Errorf("contactcenter: %s: no channel here takes %s messages", m.Service, m.Modality)
}
