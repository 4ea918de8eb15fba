// Package eventcc is an embeddable Go SDK that stands up a contact center
// for one event (a conference, trade show, concert, festival, sports
// fixture, webinar or hybrid event) for a limited term, and tears it down
// without leftovers when the term expires.
//
// This root package holds documentation only. The packages:
//
//   - [github.com/eventcc/eventcc/contactcenter]: the Lifecycle hosts
//     drive (Request, Service, states, deploy and closing plans, the
//     executor with retries, journal, crash-resume and undo) and the
//     Provisioner, EventSystem and Store interfaces.
//   - [github.com/eventcc/eventcc/template]: declarative, versioned
//     templates per kind of event; strict loading, validation with field
//     paths, resolution into a Config; the built-in catalog.
//   - [github.com/eventcc/eventcc/scaling]: traffic samples, the
//     TrafficSource interface, staffing policies and the Autoscaler that
//     sets licences, server space and agents.
//   - [github.com/eventcc/eventcc/modality]: telephony, video, chat, SMS
//     and social; the Channel interface; the virtual receptionist. Its
//     channels: sipchannel (telephony on SIP), chatchannel (web chat on
//     WebSockets, with the widget an event page embeds with one script
//     tag); routing (the router agents take engagements from);
//     messaging (the providers SMS and social messages come through).
//     Agents work at contactcenter/desktop, a page and a WebSocket
//     through the service's desk.
//   - [github.com/eventcc/eventcc/access]: time-bounded grants of
//     privileges scoped to one service, checked against the clock at
//     check time, and their Store.
//   - [github.com/eventcc/eventcc/numbermap]: E.164 numbers (the one
//     definition of a valid number), the countries numbers belong to, the
//     pool, leases, routing and post-term retirement, and their Store.
//     Its subpackage numberplan reads numbers as people write them against
//     the numbering plan; it is the only package that compiles it.
//
// The leaves share one vocabulary, defined once: modality kinds in
// modality; post-term policies, numbers and countries in numbermap; a
// template uses theirs. A refused constructor Config is a *ConfigError
// (one type, under each package's name) naming every bad field; a refused
// request is a *template.ValidationError naming every bad field by its
// JSON path ("request.features.modalities[0]").
//
// Every pluggable interface has an in-memory reference implementation
// (memstore, memprovisioner, memevents, memaccess, memnumbermap,
// memchannel) and a conformance suite (storetest, provisionertest,
// eventsystemtest, accesstest, numbermaptest, channeltest, scalingtest)
// that integrators run against their own adapters.
//
// # Quick start
//
// Wire the in-memory adapters into a Lifecycle, request a service, and
// drive it:
//
//	lc, err := contactcenter.New(contactcenter.Config{
//		Store:       memstore.New(),
//		Provisioner: memprovisioner.New(memprovisioner.Limits{}),
//		Access:      memaccess.New(),
//		Numbers:     numbers, // a memnumbermap.Store holding your numbers
//		Channels:    []modality.Channel{channel},
//		EventSystem: memevents.New(),
//	})
//	plans, err := lc.Plan(ctx, req)      // dry run: no side effects
//	svc, err := lc.Request(ctx, req)     // validated, plans stored, scheduled
//	err = lc.Extend(ctx, svc.ID, newEnd) // also Shorten, Cancel, Terminate
//	go lc.Run(ctx)                       // deploys, opens, scales, expires, closes
//
// examples/quickstart runs a whole conference this way on a simulated
// clock.
package eventcc
