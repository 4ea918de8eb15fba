// Package template describes contact centers for kinds of events and
// resolves them into the configuration of one event's contact center.
//
// # Templates
//
// A [Template] is a declarative, versioned description of a contact center
// for a kind of event (a conference, a concert, a webinar): which
// modalities attendees may use (the [modality.Kind]s: telephony, video,
// chat, sms, social) and how long an engagement of each takes; the skills
// its agents may have; the queues engagements wait in and how the router
// serves them; an optional virtual receptionist; how staffing
// scales with traffic; how agents convert into licences and server space;
// the telephone numbers wanted; the roles granted to agents and
// supervisors; when to deploy and close around the event's term; and what
// the numbers do after it (a [numbermap.PolicyKind]: forward to an
// E.164 number, announce, vacant, park, release).
//
// The words a template uses are defined once, by the package that acts on
// them: modality kinds by package modality, post-term policies, E.164
// numbers ([numbermap.Parse]) and countries ([numbermap.KnownCountry]) by
// package numbermap. A template that passes [Template.Validate] never
// fails a deploy for a word another package would refuse.
//
// A Template is plain data. Its JSON form, which [Load] reads, uses the
// field names of the json tags and Go duration strings for durations:
//
//	{
//	  "name": "conference",
//	  "version": "1.0.0",
//	  "eventTypes": ["conference"],
//	  "modalities": [
//	    {"kind": "telephony", "handleTime": "4m", "concurrency": 1, "spacePerEngagement": 1},
//	    {"kind": "chat", "handleTime": "3m", "concurrency": 3, "spacePerEngagement": 0.25}
//	  ],
//	  "skills": [{"name": "registration", "description": "Badges, tickets and invoices"},
//	    {"name": "de", "description": "Speaks German"}],
//	  "queues": [
//	    {"name": "registration", "modalities": ["telephony", "chat"], "priority": 1,
//	      "skills": ["registration"], "maxWait": "5m", "overflow": "general"},
//	    {"name": "general", "modalities": ["telephony", "chat"], "strategy": "round-robin"}],
//	  "staffing": {"serviceLevel": {"target": 0.8, "within": "20s"}, "targetUtilisation": 0.85,
//	    "minAgents": 2, "maxAgents": 40, "agentsPer1000": 3, "agentsPerSupervisor": 10,
//	    "scaleInterval": "2m", "scaleDownWindow": "10m", "wrapUp": "30s"},
//	  "capacity": {"licencesPerAgent": 1, "spacePerAgent": 0.5, "baseSpace": 4,
//	    "maxLicences": 44, "maxSpace": 120},
//	  "numbers": {"count": 2, "country": "US"},
//	  "access": {"roles": [
//	    {"name": "agent", "privileges": ["engagement.handle", "queue.registration", "queue.general"]},
//	    {"name": "supervisor", "privileges": ["engagement.monitor", "report.view"]}]},
//	  "timing": {"deployLead": "24h", "grace": "1h"},
//	  "postTerm": {"policy": "forward", "forwardTo": "+15555550100", "for": "720h", "aging": "2160h"},
//	  "transcripts": {"retention": "720h"}
//	}
//
// # Queues and routing
//
// A template describes what a service's router (package modality/routing)
// needs. A [Queue] serves some of the template's modalities and has a
// Priority: engagements in a queue of higher priority are served first,
// and of queues of equal priority the oldest first. Its Skills, names of
// the template's [Skill]s, are required of an agent, every one of them;
// its Strategy, a [routing.Strategy], chooses among the eligible agents
// ("longest-idle", the default, "round-robin", "least-busy",
// "skills-weighted"). An engagement that waits MaxWait moves to the
// queue's Overflow queue ("receptionist": back to the receptionist, who
// says its fallback and offers the menu again), or, with none, ends
// unanswered. A queue may
// have a service level of its own; without one it has the staffing's.
// [Staffing] says how long agents wrap up after each engagement
// (WrapUp), how long they have to accept an offer (OfferTimeout, 0 for
// the router's 20s), how long one who let an offer go rests (MissPause,
// 0 for 5s) and how many offers in a row they may let go before the
// router puts them on a break (MaxMisses, 0 for 3).
//
// # Registered attendees and anonymous visitors
//
// Attendee identity comes from the event system: the platform registers
// an attendee and embeds a session token minted for that registration in
// its pages. Chat and video identify attendees by that token; telephony,
// SMS and social reach whoever has the number or the handle. By default a
// modality is for registered attendees only; [Modality.Anonymous] lets
// visitors without a registration use it too, and is refused on any kind
// but chat and video. A [Queue] that is RegisteredOnly (a VIP queue) is
// reached by registered attendees only: the receptionist leaves it out of
// an anonymous visitor's menu, and its entry points refuse them. It must
// serve chat or video, and no queue open to everyone may overflow into
// it. The channels that identify attendees enforce both (package
// modality's Setup.Anonymous and Setup.RegisteredOnly).
//
// Load is strict: unknown or repeated fields, keys in the wrong case,
// values of the wrong type, trailing data and inputs over 1 MiB are
// errors, as is any template that does not validate.
//
// # Validation
//
// [Template.Validate] checks a template completely and reports every
// problem at once, each as a [FieldError] whose Path is the field's path
// in the JSON form, in field order:
//
//	modalities[2].kind: unknown modality "fax"; want one of telephony, video, chat, sms, social
//	queues[1].modalities[0]: modality "video" is not offered by the template
//	queues[1].skills[0]: unknown skill "french"; want one of registration, de
//	queues[1].overflow: unknown queue "genral"; want one of registration, general
//	queues[2].overflow: queue "vip" is registered-only and this queue is open to everyone: its overflow would carry anonymous visitors in
//	staffing.serviceLevel.target: must be in (0,1], got 1.5
//	postTerm.aging: must be at least 45 days (1080h), the minimum aging of a disconnected number ...
//
// # Resolution
//
// [Template.Resolve] applies a template to one request, an [Input]: the
// event, its term, the modalities, queues and receptionist asked for, the
// expected attendance, and [Overrides] of single values. It validates the
// template, then the request, reporting the request's problems under
// "request." by their path in the JSON form of a contactcenter request
// ("request.features.modalities[0]", "request.term.end",
// "request.overrides.maxAgents"), and
// returns a [Config]: a complete, self-contained configuration holding
// only what was asked for, from which contactcenter plans the deployment
// and a router is configured. A queue whose overflow queue was not asked
// for loses its overflow: no Config names a queue it does not hold.
// Resolve never modifies the template, and the Config shares no memory
// with it.
//
// # Catalog
//
// A [Catalog] is an immutable set of valid templates by name, built with
// [NewCatalog]. [Builtin] returns the catalog of built-in templates, one
// per kind of event: "conference", "trade-show", "concert" (concerts and
// festivals), "sports", "webinar" and "hybrid". [Catalog.Lookup] returns a
// copy the caller owns and may adapt before resolving it.
//
// # Errors
//
// Invalid templates and requests yield a *[ValidationError] listing
// *[FieldError] values; use [errors.As] to get either (a ValidationError
// unwraps to its FieldErrors). [Catalog.Lookup] wraps [ErrUnknownTemplate]
// for a name it does not hold; test for it with [errors.Is]. Error strings
// are for people: never compare them.
//
// # Concurrency
//
// A [Catalog] is safe for concurrent use. Template and Config values are
// plain data with no synchronisation of their own: Validate and Resolve
// only read the template and may run concurrently with each other, but not
// with code that modifies it.
package template
