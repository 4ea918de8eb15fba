package contactcenter

import (
	"context"
	"time"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/template"
)

// Report is what a service did over its life: its timeline, what it cost
// and, once closed, the proof that nothing is left.
type Report struct {
	ServiceID    string       `json:"serviceId"`
	EventID      string       `json:"eventId"`
	State        State        `json:"state"`
	Term         Term         `json:"term"`
	Expires      time.Time    `json:"expires"`
	CancelReason string       `json:"cancelReason,omitempty"`
	Timeline     []Transition `json:"timeline"`
	// Hours held, integrated over time.
	AgentHours      float64 `json:"agentHours"`
	SupervisorHours float64 `json:"supervisorHours"`
	LicenceHours    float64 `json:"licenceHours"`
	SpaceHours      float64 `json:"spaceHours"` // space unit-hours
	PeakAgents      int     `json:"peakAgents"`
	// Cost is the hours above at Config.Rates; nil without rates.
	Cost *Cost `json:"cost,omitempty"`
	// Engagements is how the service's engagements went; nil before it
	// opened.
	Engagements *EngagementReport `json:"engagements,omitempty"`
	// Closing is what the closing plan found and did; nil until it ran.
	Closing *ClosingReport `json:"closing,omitempty"`
}

// Report returns a service's report. For a service open in this
// process, its engagement report is as of now; otherwise as last stored.
func (l *Lifecycle) Report(ctx context.Context, id string) (Report, error) {
	s, err := l.Get(ctx, id)
	if err != nil {
		return Report{}, err
	}
	if !s.State.Final() {
		// Usage is integrated when resources change; count what the
		// service has held since, up to now.
		accrue(&s, l.now())
		if ln := l.ports.line(id); ln != nil {
			s.Engagements = ln.peek()
		}
	}
	return reportOf(s, l.cfg.Rates), nil
}

func reportOf(s Service, rates *Rates) Report {
	r := Report{
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
		Engagements:     s.Engagements,
		Closing:         s.Closing,
	}
	withOccupancy(r.Engagements, s.Config, s.Usage.AgentSeconds)
	if rates != nil {
		c := &Cost{Currency: rates.Currency, Agents: r.AgentHours * rates.AgentHour,
			Licences: r.LicenceHours * rates.LicenceHour, Space: r.SpaceHours * rates.SpaceHour}
		c.Total = c.Agents + c.Licences + c.Space
		r.Cost = c
	}
	return r
}

// EngagementReport is how a service's engagements went: per queue and
// modality against the template's service-level targets, and over time.
// Its durations are template.Durations: "2m30s" in JSON.
type EngagementReport struct {
	Queues []QueueReport `json:"queues"`
	// Timeline has one point per Bucket of the term, from its first
	// engagement: arrivals, answers and agents over time.
	Timeline []TimelinePoint   `json:"timeline,omitempty"`
	Bucket   template.Duration `json:"bucket"`
	// Occupancy is, per modality, the share of the agents' time on duty
	// spent handling engagements of that modality.
	Occupancy map[modality.Kind]float64 `json:"occupancy,omitempty"`
}

// QueueReport is one queue's engagements of one modality.
type QueueReport struct {
	Queue string        `json:"queue"`
	Kind  modality.Kind `json:"kind"`
	// Offered are the engagements that entered the queue (overflows in
	// included); each left it one way: Answered, Abandoned, Expired or
	// overflowed out.
	Offered        int `json:"offered"`
	Answered       int `json:"answered"`
	AnsweredWithin int `json:"answeredWithin"` // within Threshold
	Abandoned      int `json:"abandoned"`
	Expired        int `json:"expired"`
	Disconnected   int `json:"disconnected"` // still waiting when the service closed: not abandoned
	OverflowedOut  int `json:"overflowedOut"`
	Refused        int `json:"refused"` // turned away at arrival: not in Offered
	// ServiceLevel is AnsweredWithin over the engagements that left the
	// queue; Target is the template's, for this queue.
	ServiceLevel float64           `json:"serviceLevel"`
	Target       float64           `json:"target"`
	Threshold    template.Duration `json:"threshold"`
	AbandonRate  float64           `json:"abandonRate"`
	ASA          template.Duration `json:"asa"`         // average speed of answer
	AHT          template.Duration `json:"aht"`         // average handle time
	LongestWait  template.Duration `json:"longestWait"` // of any engagement that left the queue
	HandleTime   template.Duration `json:"handleTime"`  // total, of the answered that ended
	Handled      int               `json:"handled"`
	WaitAnswered template.Duration `json:"waitAnswered"` // total wait of the answered
}

// MetTarget reports whether the queue reached its service-level target.
func (q QueueReport) MetTarget() bool { return q.ServiceLevel >= q.Target }

// TimelinePoint is one bucket of the timeline.
type TimelinePoint struct {
	At             time.Time `json:"at"` // the bucket's start
	Arrivals       int       `json:"arrivals"`
	Answered       int       `json:"answered"`
	AnsweredWithin int       `json:"answeredWithin"`
	Resolved       int       `json:"resolved"` // engagements that left a queue in the bucket
	Agents         int       `json:"agents"`   // on duty at the bucket's end
}

// ServiceLevel is the bucket's service level: answered within the
// threshold over those that left a queue; 1 when none did.
func (p TimelinePoint) ServiceLevel() float64 {
	if p.Resolved == 0 {
		return 1
	}
	return float64(p.AnsweredWithin) / float64(p.Resolved)
}

// Rates are what the host pays per hour, to put a cost on a report.
type Rates struct {
	Currency    string  `json:"currency"` // ISO 4217, e.g. "EUR"
	AgentHour   float64 `json:"agentHour"`
	LicenceHour float64 `json:"licenceHour"`
	SpaceHour   float64 `json:"spaceHour"` // per space unit
}

// Cost is what a service cost at the host's Rates.
type Cost struct {
	Currency string  `json:"currency"`
	Agents   float64 `json:"agents"`
	Licences float64 `json:"licences"`
	Space    float64 `json:"space"`
	Total    float64 `json:"total"`
}
