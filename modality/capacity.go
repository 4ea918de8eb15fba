package modality

import "context"

// CapacitySetter is an optional interface of a [Channel] that admits only
// as many engagements of a service as the service's current capacity
// allows, so a service under a surge degrades (a busy signal with a hint
// when to retry) instead of collapsing. Discover it by type assertion:
//
//	if cs, ok := ch.(modality.CapacitySetter); ok {
//		err := cs.SetCapacity(ctx, serviceID, maxLive)
//	}
//
// The contactcenter lifecycle calls SetCapacity on every channel that
// implements it when a service opens and after each scaling decision, with
// the capacity derived from the agents, licences and server space the
// scaler set.
type CapacitySetter interface {
	// SetCapacity limits the engagements of serviceID that may be live on
	// the channel at once (waiting and active, every kind the channel
	// serves together) to maxLive. An arrival that would exceed it is
	// refused and not counted as an arrival. A negative maxLive removes
	// the limit (the default of a service whose capacity was never set);
	// 0 refuses every arrival. Lowering the limit below what is live ends
	// nothing: the excess drains as engagements end.
	//
	// The limit holds across [Channel.Open] and [Channel.StopIntake] and
	// is forgotten by [Channel.Remove]. Setting it for a service that is not
	// open is not an error: it applies once the service opens. Safe for
	// concurrent use; idempotent. A done ctx returns ctx.Err() (possibly
	// wrapped) and changes nothing.
	SetCapacity(ctx context.Context, serviceID string, maxLive int) error
}
