package contactcenter

import (
	"context"
	"time"
)

// Report is what a service did over its life: its timeline, what it cost
// and, once closed, the proof that nothing is left.
type Report struct {
	ServiceID    string
	EventID      string
	State        State
	Term         Term
	Expires      time.Time
	CancelReason string
	Timeline     []Transition
	// Hours held, integrated over time.
	AgentHours      float64
	SupervisorHours float64
	LicenceHours    float64
	SpaceHours      float64 // space unit-hours
	PeakAgents      int
	// Closing is what the closing plan found and did; nil until it ran.
	Closing *ClosingReport
}

// Report returns a service's report.
func (l *Lifecycle) Report(ctx context.Context, id string) (Report, error) {
	s, err := l.Get(ctx, id)
	if err != nil {
		return Report{}, err
	}
	if !s.State.Final() {
		// Usage is integrated when resources change; count what the
		// service has held since, up to now.
		accrue(&s, l.now())
	}
	return reportOf(s), nil
}

func reportOf(s Service) Report {
	return Report{
		ServiceID:       s.ID,
		EventID:         s.Request.EventID,
		State:           s.State,
		Term:            s.Term,
		Expires:         s.Expires,
		CancelReason:    s.CancelReason,
		Timeline:        s.Timeline,
		AgentHours:      s.Usage.AgentSeconds / 3600,
		SupervisorHours: s.Usage.SupervisorSeconds / 3600,
		LicenceHours:    s.Usage.LicenceSeconds / 3600,
		SpaceHours:      s.Usage.SpaceSeconds / 3600,
		PeakAgents:      s.Usage.PeakAgents,
		Closing:         s.Closing,
	}
}
