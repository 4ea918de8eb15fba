package access

// PrincipalKind says what kind of party holds a grant. It does not change
// how [Authorize] decides (privileges do that); it tells hosts, audit
// trails and reports who a principal is, and [Validate] rejects kinds it
// does not know.
type PrincipalKind string

// The principal kinds.
const (
	// KindAgent: a person who handles engagements in queues.
	KindAgent PrincipalKind = "agent"
	// KindSupervisor: a person who monitors, barges in, reassigns and
	// sees reports.
	KindSupervisor PrincipalKind = "supervisor"
	// KindVirtualAgent: a bot handling engagements (a virtual
	// receptionist, a chat bot).
	KindVirtualAgent PrincipalKind = "virtual-agent"
	// KindAttendee: a participant of the event using attendee-only
	// features, such as a VIP line.
	KindAttendee PrincipalKind = "attendee"
	// KindServiceAccount: an integration acting on the service, usually
	// with a bearer token.
	KindServiceAccount PrincipalKind = "service-account"
)

// Kinds lists every known principal kind, in the order above.
func Kinds() []PrincipalKind {
	return []PrincipalKind{KindAgent, KindSupervisor, KindVirtualAgent, KindAttendee, KindServiceAccount}
}

// Valid reports whether k is one of the known kinds. The empty kind is not
// valid here, though [Validate] accepts it in a grant (see [Grant.Kind]).
func (k PrincipalKind) Valid() bool {
	switch k {
	case KindAgent, KindSupervisor, KindVirtualAgent, KindAttendee, KindServiceAccount:
		return true
	}
	return false
}

// Human reports whether principals of kind k are people (agents,
// supervisors, attendees) rather than software. The empty kind reads as
// [KindAgent].
func (k PrincipalKind) Human() bool {
	switch k {
	case "", KindAgent, KindSupervisor, KindAttendee:
		return true
	}
	return false
}

// The privileges the built-in templates' roles use. A template may name
// others; these constants only spare hosts the spelling.
const (
	// HandleEngagements lets an agent take engagements routed to it.
	HandleEngagements Privilege = "engagement.handle"
	// MonitorEngagements lets a supervisor listen to or watch engagements.
	MonitorEngagements Privilege = "engagement.monitor"
	// BargeIn lets a supervisor join an engagement.
	BargeIn Privilege = "engagement.barge"
	// ReassignEngagements lets a supervisor move engagements between
	// agents and queues.
	ReassignEngagements Privilege = "engagement.reassign"
	// ViewReports lets a supervisor see the service's reports.
	ViewReports Privilege = "report.view"
	// StartEngagements lets an attendee start an engagement (a call, a
	// chat) on a feature it also holds ([FeaturePrivilege]).
	StartEngagements Privilege = "engagement.start"
)

// QueuePrivilege is the privilege of taking engagements from queue q, as
// templates spell it: "queue." + q.
func QueuePrivilege(q string) Privilege { return Privilege("queue." + q) }

// FeaturePrivilege is the privilege of using an attendee-only feature f
// (such as "vip-line"): "feature." + f.
func FeaturePrivilege(f string) Privilege { return Privilege("feature." + f) }
