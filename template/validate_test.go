package template_test

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/template"
)

func TestValidateAcceptsValidTemplate(t *testing.T) {
	assert.NoError(t, validTemplate().Validate(), "want the test template to be valid")
}

func TestValidateRules(t *testing.T) {
	tests := []struct {
		name     string
		mutate   func(*template.Template)
		path     string
		fragment string
	}{
		// Header.
		{"name required", func(tp *template.Template) { tp.Name = "" }, "name", "required"},
		{"name charset", func(tp *template.Template) { tp.Name = "Big Event" }, "name", "lower-case letters"},
		{"name underscore", func(tp *template.Template) { tp.Name = "big_event" }, "name", `got "big_event"`},
		{"version required", func(tp *template.Template) { tp.Version = " " }, "version", "required"},
		{"eventTypes required", func(tp *template.Template) { tp.EventTypes = nil }, "eventTypes", "at least one event type"},
		{"eventType empty", func(tp *template.Template) { tp.EventTypes[1] = "" }, "eventTypes[1]", "must not be empty"},
		{"eventType duplicate", func(tp *template.Template) { tp.EventTypes[1] = "conference" }, "eventTypes[1]", `duplicate event type "conference"`},

		// Modalities.
		{"modalities required", func(tp *template.Template) { tp.Modalities = nil }, "modalities", "at least one modality"},
		{"kind required", func(tp *template.Template) { tp.Modalities[0].Kind = "" }, "modalities[0].kind", "required"},
		{"kind unknown", func(tp *template.Template) { tp.Modalities[2].Kind = "fax" }, "modalities[2].kind", `unknown modality "fax"`},
		{"kind duplicate", func(tp *template.Template) { tp.Modalities[2].Kind = modality.Chat }, "modalities[2].kind", `duplicate modality "chat"`},
		{"kind without queue", func(tp *template.Template) {
			tp.Queues[0].Modalities = []modality.Kind{modality.Telephony, modality.Chat}
			tp.Queues[2].Modalities = []modality.Kind{modality.Telephony}
		}, "modalities[2]", `no queue serves modality "sms"`},
		{"feature empty", func(tp *template.Template) { tp.Modalities[0].Features[1] = "" }, "modalities[0].features[1]", "must not be empty"},
		{"handleTime zero", func(tp *template.Template) { tp.Modalities[1].HandleTime = 0 }, "modalities[1].handleTime", "must be > 0"},
		{"handleTime negative", func(tp *template.Template) { tp.Modalities[1].HandleTime = d(-time.Minute) }, "modalities[1].handleTime", "got -1m"},
		{"concurrency zero", func(tp *template.Template) { tp.Modalities[1].Concurrency = 0 }, "modalities[1].concurrency", "must be >= 1"},
		{"concurrency telephony", func(tp *template.Template) { tp.Modalities[0].Concurrency = 2 }, "modalities[0].concurrency", "must be 1 for telephony"},
		{"concurrency video", func(tp *template.Template) {
			tp.Modalities[1] = template.Modality{Kind: modality.Video, HandleTime: d(time.Minute), Concurrency: 3}
		}, "modalities[1].concurrency", "must be 1 for video"},
		{"space negative", func(tp *template.Template) { tp.Modalities[2].SpacePerEngagement = -0.1 }, "modalities[2].spacePerEngagement", "must be >= 0"},
		{"space NaN", func(tp *template.Template) { tp.Modalities[2].SpacePerEngagement = math.NaN() }, "modalities[2].spacePerEngagement", "must be >= 0"},
		{"space infinite", func(tp *template.Template) { tp.Modalities[2].SpacePerEngagement = math.Inf(1) }, "modalities[2].spacePerEngagement", "must be >= 0"},
		{"idle telephony", func(tp *template.Template) { tp.Modalities[0].IdleTimeout = template.Duration(time.Hour) },
			"modalities[0].idleTimeout", "only sms and social conversations go idle"},
		{"idle too short", func(tp *template.Template) { tp.Modalities[2].IdleTimeout = template.Duration(time.Second) },
			"modalities[2].idleTimeout", "must be between 1m0s and 168h0m0s, got 1s"},
		{"hold on chat", func(tp *template.Template) { tp.Modalities[1].Hold = &template.Hold{Music: "m.wav"} },
			"modalities[1].hold", "only telephony callers are put on hold"},
		{"hold music not a file name", func(tp *template.Template) { tp.Modalities[0].Hold = &template.Hold{Music: "../m.wav"} },
			"modalities[0].hold.music", `file "../m.wav" is not a valid file name`},
		{"hold announcements too often", func(tp *template.Template) {
			tp.Modalities[0].Hold = &template.Hold{Music: "m.wav", AnnounceEvery: template.Duration(time.Second)}
		}, "modalities[0].hold.announceEvery", "must be 0 (never) or between 10s and 10m0s, got 1s"},
		{"anonymous telephony", func(tp *template.Template) { tp.Modalities[0].Anonymous = true },
			"modalities[0].anonymous", "only chat and video identify attendees (by their session token); telephony reaches whoever has the number"},
		{"anonymous sms", func(tp *template.Template) { tp.Modalities[2].Anonymous = true },
			"modalities[2].anonymous", "sms reaches whoever has the number, registered or not"},
		{"anonymous social", func(tp *template.Template) {
			tp.Modalities[2].Kind, tp.Modalities[2].Anonymous = modality.Social, true
			tp.Queues[0].Modalities[2], tp.Queues[2].Modalities[1] = modality.Social, modality.Social
		}, "modalities[2].anonymous", "social reaches whoever has the handle"},

		// Queues.
		{"queues required", func(tp *template.Template) { tp.Queues = nil }, "queues", "at least one queue"},
		{"queue name required", func(tp *template.Template) { tp.Queues[2].Name = "" }, "queues[2].name", "required"},
		{"queue name duplicate", func(tp *template.Template) { tp.Queues[2].Name = "speakers" }, "queues[2].name", `duplicate queue "speakers"`},
		{"queue modalities required", func(tp *template.Template) { tp.Queues[1].Modalities = nil }, "queues[1].modalities", "at least one modality"},
		{"queue modality unknown", func(tp *template.Template) { tp.Queues[1].Modalities[1] = "fax" }, "queues[1].modalities[1]", `unknown modality "fax"`},
		{"queue modality not offered", func(tp *template.Template) { tp.Queues[1].Modalities[0] = modality.Video },
			"queues[1].modalities[0]", `modality "video" is not offered by the template`},
		{"queue modality duplicate", func(tp *template.Template) { tp.Queues[1].Modalities[1] = modality.Telephony },
			"queues[1].modalities[1]", `duplicate modality "telephony"`},

		{"queue skill empty", func(tp *template.Template) { tp.Queues[0].Skills[0] = "" }, "queues[0].skills[0]", "must not be empty"},
		{"queue skill unknown", func(tp *template.Template) { tp.Queues[0].Skills = []string{"registration", "french"} },
			"queues[0].skills[1]", `unknown skill "french"; want one of registration, accessibility, de`},
		{"queue skill when none are declared", func(tp *template.Template) { tp.Skills = nil },
			"queues[0].skills[0]", `unknown skill "registration": the template declares no skills`},
		{"queue skill duplicate", func(tp *template.Template) { tp.Queues[2].Skills = []string{"accessibility", "de", "accessibility"} },
			"queues[2].skills[2]", `duplicate skill "accessibility"`},
		{"queue strategy unknown", func(tp *template.Template) { tp.Queues[1].Strategy = "random" },
			"queues[1].strategy", `unknown strategy "random"; want one of longest-idle, round-robin, least-busy, skills-weighted`},
		{"queue strategy in the wrong case", func(tp *template.Template) { tp.Queues[1].Strategy = "Round-Robin" },
			"queues[1].strategy", `unknown strategy "Round-Robin"`},
		{"queue maxWait negative", func(tp *template.Template) { tp.Queues[0].MaxWait = d(-time.Minute) },
			"queues[0].maxWait", "must be >= 0 (0: no limit), got -1m"},
		{"queue overflow to itself", func(tp *template.Template) { tp.Queues[0].Overflow = "registration" },
			"queues[0].overflow", "a queue cannot overflow to itself"},
		{"queue overflow unknown", func(tp *template.Template) { tp.Queues[0].Overflow = "lost" },
			"queues[0].overflow", `unknown queue "lost"; want one of registration, speakers, accessibility`},
		{"queue overflow without maxWait", func(tp *template.Template) { tp.Queues[0].MaxWait = 0 },
			"queues[0].overflow", "requires maxWait > 0"},
		{"queue overflow serving none of the modalities", func(tp *template.Template) {
			tp.Queues[2].Modalities = []modality.Kind{modality.SMS}
			tp.Queues[1].MaxWait, tp.Queues[1].Overflow = d(time.Minute), "accessibility"
		}, "queues[1].overflow", `queue "accessibility" serves none of this queue's modalities (telephony, chat)`},
		{"registered-only queue serving no modality that identifies attendees", func(tp *template.Template) { tp.Queues[2].RegisteredOnly = true },
			"queues[2].registeredOnly", "requires a modality that identifies attendees (chat or video); this queue serves only telephony, sms"},
		{"overflow from a queue open to everyone into a registered-only queue", func(tp *template.Template) { tp.Queues[1].RegisteredOnly = true },
			"queues[0].overflow", `queue "speakers" is registered-only and this queue is open to everyone: its overflow would carry anonymous visitors in`},
		{"a menu of registered-only queues for anonymous visitors", func(tp *template.Template) {
			tp.Modalities[1].Anonymous = true
			tp.Queues[0].RegisteredOnly, tp.Queues[1].RegisteredOnly, tp.Queues[2].Modalities = true, true, []modality.Kind{modality.Chat}
			tp.Queues[2].RegisteredOnly = true
			tp.Receptionist.Options = slices.DeleteFunc(tp.Receptionist.Options, func(o template.MenuOption) bool { return o.Answer != "" })
		}, "receptionist.options", "every option hands off to a registered-only queue, and chat admits anonymous visitors: they would find an empty menu"},
		{"transcripts kept for ever", func(tp *template.Template) { tp.Transcripts.Retention = d(400 * 24 * time.Hour) },
			"transcripts.retention", "must be between 0 (delete at the close) and 8784h, got 9600h"},
		{"transcripts negative retention", func(tp *template.Template) { tp.Transcripts.Retention = d(-time.Hour) },
			"transcripts.retention", "must be between 0"},
		{"queue named like the receptionist", func(tp *template.Template) { tp.Queues[2].Name = template.OverflowToReceptionist },
			"queues[2].name", `"receptionist" is reserved`},
		{"overflow to the receptionist without a fallback", func(tp *template.Template) {
			tp.Queues[0].Overflow = template.OverflowToReceptionist
			tp.Receptionist.Fallback = ""
		}, "queues[0].overflow", "hands back to the receptionist, which needs a fallback to say"},
		{"overflow to no receptionist", func(tp *template.Template) {
			tp.Queues[0].Overflow = template.OverflowToReceptionist
			tp.Receptionist = nil
		}, "queues[0].overflow", "hands back to the receptionist, but the template has none"},
		{"overflow to the receptionist without maxWait", func(tp *template.Template) {
			tp.Queues[0].Overflow = template.OverflowToReceptionist
			tp.Receptionist.Fallback = "Try the FAQ."
			tp.Queues[0].MaxWait = 0
		}, "queues[0].overflow", "requires maxWait > 0"},
		{"queue overflow loop of two", func(tp *template.Template) {
			tp.Queues[1].MaxWait, tp.Queues[1].Overflow = d(time.Minute), "registration"
		}, "queues[0].overflow", "loops back: registration → speakers → registration"},
		{"queue overflow loop of three", func(tp *template.Template) {
			tp.Queues[1].MaxWait, tp.Queues[1].Overflow = d(time.Minute), "accessibility"
			tp.Queues[2].MaxWait, tp.Queues[2].Overflow = d(time.Minute), "registration"
		}, "queues[0].overflow", "loops back: registration → speakers → accessibility → registration"},
		{"queue overflow into a loop", func(tp *template.Template) {
			tp.Queues[1].MaxWait, tp.Queues[1].Overflow = d(time.Minute), "accessibility"
			tp.Queues[2].MaxWait, tp.Queues[2].Overflow = d(time.Minute), "speakers"
		}, "queues[1].overflow", "loops back: speakers → accessibility → speakers"},
		{"queue service level target zero", func(tp *template.Template) { tp.Queues[2].ServiceLevel.Target = 0 },
			"queues[2].serviceLevel.target", "must be in (0,1], got 0"},
		{"queue service level target above one", func(tp *template.Template) { tp.Queues[2].ServiceLevel.Target = 1.5 },
			"queues[2].serviceLevel.target", "must be in (0,1], got 1.5"},
		{"queue service level target NaN", func(tp *template.Template) { tp.Queues[2].ServiceLevel.Target = math.NaN() },
			"queues[2].serviceLevel.target", "must be in (0,1]"},
		{"queue service level within zero", func(tp *template.Template) { tp.Queues[2].ServiceLevel.Within = 0 },
			"queues[2].serviceLevel.within", "must be > 0, got 0s"},

		// Skills.
		{"skill name required", func(tp *template.Template) { tp.Skills[1].Name = "" }, "skills[1].name", "required"},
		{"skill name charset", func(tp *template.Template) { tp.Skills[2].Name = "Deutsch" }, "skills[2].name", `lower-case letters a-z, digits and '-', got "Deutsch"`},
		{"skill name space", func(tp *template.Template) { tp.Skills[2].Name = "sign language" }, "skills[2].name", `got "sign language"`},
		{"skill name duplicate", func(tp *template.Template) { tp.Skills[2].Name = "registration" }, "skills[2].name", `duplicate skill "registration"`},

		// Receptionist.
		{"greeting required", func(tp *template.Template) { tp.Receptionist.Greeting = "  " }, "receptionist.greeting", "required"},
		{"options required", func(tp *template.Template) { tp.Receptionist.Options = nil }, "receptionist.options", "at least one option"},
		{"option key required", func(tp *template.Template) { tp.Receptionist.Options[1].Key = "" }, "receptionist.options[1].key", "required"},
		{"option key duplicate", func(tp *template.Template) { tp.Receptionist.Options[2].Key = "1" }, "receptionist.options[2].key", `duplicate key "1"`},
		{"option key duplicate ignoring case", func(tp *template.Template) {
			tp.Receptionist.Options[0].Key = "help"
			tp.Receptionist.Options[1].Key = " HELP"
		}, "receptionist.options[1].key", `duplicate key " HELP" (also options[0])`},
		{"option label required", func(tp *template.Template) { tp.Receptionist.Options[1].Label = "" }, "receptionist.options[1].label", "required"},
		{"option neither", func(tp *template.Template) { tp.Receptionist.Options[1].Answer = "" }, "receptionist.options[1]", "got neither"},
		{"option both", func(tp *template.Template) { tp.Receptionist.Options[0].Answer = "Hi" }, "receptionist.options[0]", "got both"},
		{"option queue unknown", func(tp *template.Template) { tp.Receptionist.Options[0].Queue = "lost" }, "receptionist.options[0].queue", `unknown queue "lost"`},
		{"closedMessage required", func(tp *template.Template) { tp.Receptionist.ClosedMessage = "" }, "receptionist.closedMessage", "required"},

		// Staffing.
		{"target zero", func(tp *template.Template) { tp.Staffing.ServiceLevel.Target = 0 }, "staffing.serviceLevel.target", "must be in (0,1]"},
		{"target above one", func(tp *template.Template) { tp.Staffing.ServiceLevel.Target = 1.2 }, "staffing.serviceLevel.target", "must be in (0,1], got 1.2"},
		{"target NaN", func(tp *template.Template) { tp.Staffing.ServiceLevel.Target = math.NaN() }, "staffing.serviceLevel.target", "must be in (0,1]"},
		{"within zero", func(tp *template.Template) { tp.Staffing.ServiceLevel.Within = 0 }, "staffing.serviceLevel.within", "must be > 0"},
		{"utilisation zero", func(tp *template.Template) { tp.Staffing.TargetUtilisation = 0 }, "staffing.targetUtilisation", "must be in (0,1]"},
		{"utilisation above one", func(tp *template.Template) { tp.Staffing.TargetUtilisation = 1.01 }, "staffing.targetUtilisation", "must be in (0,1]"},
		{"minAgents negative", func(tp *template.Template) { tp.Staffing.MinAgents = -1 }, "staffing.minAgents", "must be >= 0"},
		{"minAgents above maxAgents", func(tp *template.Template) { tp.Staffing.MinAgents = 21 }, "staffing.minAgents", "must be <= maxAgents (20), got 21"},
		{"maxAgents zero", func(tp *template.Template) { tp.Staffing.MaxAgents = 0 }, "staffing.maxAgents", "must be >= 1"},
		{"agentsPer1000 negative", func(tp *template.Template) { tp.Staffing.AgentsPer1000 = -1 }, "staffing.agentsPer1000", "must be >= 0"},
		{"agentsPerSupervisor negative", func(tp *template.Template) { tp.Staffing.AgentsPerSupervisor = -1 }, "staffing.agentsPerSupervisor", "must be >= 0"},
		{"scaleInterval zero", func(tp *template.Template) { tp.Staffing.ScaleInterval = 0 }, "staffing.scaleInterval", "must be > 0"},
		{"scaleDownWindow negative", func(tp *template.Template) { tp.Staffing.ScaleDownWindow = d(-time.Second) }, "staffing.scaleDownWindow", "must be >= 0"},
		{"maxStepUp negative", func(tp *template.Template) { tp.Staffing.MaxStepUp = -1 }, "staffing.maxStepUp", "must be >= 0"},
		{"maxStepDown negative", func(tp *template.Template) { tp.Staffing.MaxStepDown = -1 }, "staffing.maxStepDown", "must be >= 0"},
		{"wrapUp negative", func(tp *template.Template) { tp.Staffing.WrapUp = d(-time.Second) }, "staffing.wrapUp", "must be >= 0 (0: none), got -1s"},
		{"offerTimeout negative", func(tp *template.Template) { tp.Staffing.OfferTimeout = d(-time.Second) },
			"staffing.offerTimeout", "must be >= 0 (0: the router's default, 20s), got -1s"},
		{"missPause negative", func(tp *template.Template) { tp.Staffing.MissPause = d(-time.Second) },
			"staffing.missPause", "must be >= 0 (0: the router's default, 5s), got -1s"},
		{"maxMisses negative", func(tp *template.Template) { tp.Staffing.MaxMisses = -1 },
			"staffing.maxMisses", "must be >= 0 (0: the router's default, 3), got -1"},

		// Capacity.
		{"licencesPerAgent zero", func(tp *template.Template) { tp.Capacity.LicencesPerAgent = 0 }, "capacity.licencesPerAgent", "must be >= 1"},
		{"spacePerAgent negative", func(tp *template.Template) { tp.Capacity.SpacePerAgent = -1 }, "capacity.spacePerAgent", "must be >= 0"},
		{"baseSpace negative", func(tp *template.Template) { tp.Capacity.BaseSpace = -1 }, "capacity.baseSpace", "must be >= 0"},
		{"maxLicences below agents and supervisors", func(tp *template.Template) { tp.Capacity.MaxLicences = 21 },
			"capacity.maxLicences", "must be >= 22 to cover maxAgents (20) and 2 supervisors at 1 licences each, got 21"},
		{"maxLicences with two per agent", func(tp *template.Template) { tp.Capacity.LicencesPerAgent = 2 },
			"capacity.maxLicences", "must be >= 44"},
		{"maxLicences overflow", func(tp *template.Template) { tp.Staffing.MaxAgents = math.MaxInt; tp.Capacity.LicencesPerAgent = 2 },
			"capacity.maxLicences", "overflows"},
		{"maxSpace zero", func(tp *template.Template) { tp.Capacity.MaxSpace = 0 }, "capacity.maxSpace", "must be > 0"},

		// Numbers.
		{"count negative", func(tp *template.Template) { tp.Numbers.Count = -1 }, "numbers.count", "must be >= 0"},
		{"country lower-case", func(tp *template.Template) { tp.Numbers.Country = "us" }, "numbers.country", "ISO 3166-1 alpha-2"},
		{"country three letters", func(tp *template.Template) { tp.Numbers.Country = "USA" }, "numbers.country", `got "USA"`},
		{"country no country has", func(tp *template.Template) { tp.Numbers.Country = "XX" }, "numbers.country", `country with telephone numbers, such as "US", got "XX"`},
		{"country required", func(tp *template.Template) { tp.Numbers.Country = "" }, "numbers.country", "required when count > 0"},

		// Access.
		{"roles required", func(tp *template.Template) { tp.Access.Roles = nil }, "access.roles", "required"},
		{"role name required", func(tp *template.Template) { tp.Access.Roles[1].Name = "" }, "access.roles[1].name", "required"},
		{"role name duplicate", func(tp *template.Template) {
			tp.Access.Roles = append(tp.Access.Roles, template.Role{Name: "agent", Privileges: []string{"x"}})
		}, "access.roles[2].name", `duplicate role "agent"`},
		{"privileges required", func(tp *template.Template) { tp.Access.Roles[0].Privileges = nil }, "access.roles[0].privileges", "at least one privilege"},
		{"privilege empty", func(tp *template.Template) { tp.Access.Roles[0].Privileges[1] = "" }, "access.roles[0].privileges[1]", "must not be empty"},
		{"privilege duplicate", func(tp *template.Template) { tp.Access.Roles[0].Privileges[1] = "engagement.handle" },
			"access.roles[0].privileges[1]", `duplicate privilege "engagement.handle"`},
		{"agent role missing", func(tp *template.Template) { tp.Access.Roles[0].Name = "operator" }, "access.roles", `must include a role named "agent"`},
		{"supervisor role missing", func(tp *template.Template) { tp.Access.Roles = tp.Access.Roles[:1] }, "access.roles", `must include a role named "supervisor"`},

		// Timing.
		{"deployLead negative", func(tp *template.Template) { tp.Timing.DeployLead = d(-time.Hour) }, "timing.deployLead", "must be >= 0, got -1h"},
		{"grace negative", func(tp *template.Template) { tp.Timing.Grace = d(-time.Hour) }, "timing.grace", "must be >= 0"},

		// Post-term.
		{"policy required", func(tp *template.Template) { tp.PostTerm = template.PostTerm{Aging: d(90 * day)} }, "postTerm.policy", "required"},
		{"policy unknown", func(tp *template.Template) { tp.PostTerm.Policy = "bounce" }, "postTerm.policy", `unknown policy "bounce"`},
		{"forwardTo required", func(tp *template.Template) { tp.PostTerm.ForwardTo = "" }, "postTerm.forwardTo", `required when policy is "forward"`},
		{"forwardTo not E.164", func(tp *template.Template) { tp.PostTerm.ForwardTo = "5555550100" }, "postTerm.forwardTo", "must be an E.164 number"},
		{"forwardTo leading zero", func(tp *template.Template) { tp.PostTerm.ForwardTo = "+05555550100" }, "postTerm.forwardTo", "must be an E.164 number"},
		{"forwardTo too long", func(tp *template.Template) { tp.PostTerm.ForwardTo = "+1234567890123456" }, "postTerm.forwardTo", "must be an E.164 number"},
		{"forwardTo without forward", func(tp *template.Template) { tp.PostTerm.Policy = numbermap.Vacant }, "postTerm.forwardTo", `must be empty unless policy is "forward"`},
		{"announcement required", func(tp *template.Template) {
			tp.PostTerm = template.PostTerm{Policy: numbermap.Announce, Aging: d(90 * day)}
		}, "postTerm.announcement", `required when policy is "announce"`},
		{"for negative", func(tp *template.Template) { tp.PostTerm.For = d(-time.Hour) }, "postTerm.for", "must be >= 0"},
		{"aging below 45 days", func(tp *template.Template) { tp.PostTerm.Aging = d(30 * day) }, "postTerm.aging", "47 CFR 52.15(f)(1)(ii)"},
		{"aging just below 45 days", func(tp *template.Template) { tp.PostTerm.Aging = d(45*day - time.Second) }, "postTerm.aging", "at least 45 days"},
		{"aging zero with numbers", func(tp *template.Template) { tp.PostTerm.Aging = 0 }, "postTerm.aging", "may be 0 only when numbers.count is 0"},
		{"aging short without numbers", func(tp *template.Template) {
			tp.Numbers = template.Numbers{}
			tp.PostTerm = template.PostTerm{Policy: numbermap.Release, Aging: d(day)}
		}, "postTerm.aging", "at least 45 days"},
		{"aging negative", func(tp *template.Template) { tp.PostTerm.Aging = d(-day) }, "postTerm.aging", "at least 45 days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := validTemplate()
			tt.mutate(tp)
			requireProblem(t, tp.Validate(), tt.path, tt.fragment)
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*template.Template)
	}{
		{"no receptionist", func(tp *template.Template) { tp.Receptionist = nil }},
		{"sms idle after two hours", func(tp *template.Template) { tp.Modalities[2].IdleTimeout = template.Duration(2 * time.Hour) }},
		{"no description", func(tp *template.Template) { tp.Description = "" }},
		{"no numbers, no country, no aging", func(tp *template.Template) {
			tp.Numbers = template.Numbers{}
			tp.PostTerm = template.PostTerm{Policy: numbermap.Release}
		}},
		{"aging exactly 45 days", func(tp *template.Template) { tp.PostTerm.Aging = d(45 * day) }},
		{"announce", func(tp *template.Template) {
			tp.PostTerm = template.PostTerm{Policy: numbermap.Announce, Announcement: "Gone.", For: d(day), Aging: d(60 * day)}
		}},
		{"vacant", func(tp *template.Template) {
			tp.PostTerm = template.PostTerm{Policy: numbermap.Vacant, Aging: d(45 * day)}
		}},
		{"park", func(tp *template.Template) {
			tp.PostTerm = template.PostTerm{Policy: numbermap.Park, For: d(30 * day), Aging: d(45 * day)}
		}},
		{"minAgents zero", func(tp *template.Template) { tp.Staffing.MinAgents = 0 }},
		{"minAgents equal to maxAgents", func(tp *template.Template) { tp.Staffing.MinAgents = 20 }},
		{"no supervisors", func(tp *template.Template) { tp.Staffing.AgentsPerSupervisor = 0; tp.Capacity.MaxLicences = 20 }},
		{"zero windows and steps", func(tp *template.Template) {
			tp.Staffing.ScaleDownWindow, tp.Staffing.MaxStepUp, tp.Staffing.MaxStepDown = 0, 0, 0
		}},
		{"zero timing", func(tp *template.Template) { tp.Timing = template.Timing{} }},
		{"target and utilisation of 1", func(tp *template.Template) {
			tp.Staffing.ServiceLevel.Target, tp.Staffing.TargetUtilisation = 1, 1
		}},
		{"chat concurrency 10", func(tp *template.Template) { tp.Modalities[1].Concurrency = 10 }},
		{"anonymous chat", func(tp *template.Template) { tp.Modalities[1].Anonymous = true }},
		{"anonymous video", func(tp *template.Template) {
			tp.Modalities[1] = template.Modality{Kind: modality.Video, HandleTime: d(time.Minute), Concurrency: 1, Anonymous: true}
			tp.Queues[0].Modalities[1], tp.Queues[1].Modalities[1] = modality.Video, modality.Video
		}},
		{"a registered-only queue that also serves telephony", func(tp *template.Template) {
			tp.Modalities[1].Anonymous = true
			tp.Queues[1].RegisteredOnly = true
			tp.Queues[0].RegisteredOnly = true
		}},
		{"a registered-only queue overflowing to one open to everyone", func(tp *template.Template) { tp.Queues[0].RegisteredOnly = true }},
		{"anonymous visitors with a menu of registered-only queues and answers", func(tp *template.Template) {
			tp.Modalities[1].Anonymous = true
			tp.Queues[0].RegisteredOnly, tp.Queues[1].RegisteredOnly, tp.Queues[2].Modalities = true, true, []modality.Kind{modality.Chat}
			tp.Queues[2].RegisteredOnly = true
		}},
		{"extra roles", func(tp *template.Template) {
			tp.Access.Roles = append(tp.Access.Roles, template.Role{Name: "safety", Privileges: []string{"queue.safety"}})
		}},
		{"no skills, none required", func(tp *template.Template) {
			tp.Skills = nil
			for i := range tp.Queues {
				tp.Queues[i].Skills = nil
			}
		}},
		{"skills no queue requires", func(tp *template.Template) { tp.Queues[0].Skills, tp.Queues[2].Skills = nil, nil }},
		{"skill without description", func(tp *template.Template) { tp.Skills[0].Description = "" }},
		{"queue requiring several skills", func(tp *template.Template) { tp.Queues[2].Skills = []string{"accessibility", "de"} }},
		{"every strategy", func(tp *template.Template) {
			tp.Queues = append(tp.Queues,
				template.Queue{Name: "a", Modalities: []modality.Kind{modality.Chat}, Strategy: routing.LongestIdle},
				template.Queue{Name: "b", Modalities: []modality.Kind{modality.Chat}, Strategy: routing.RoundRobin},
				template.Queue{Name: "c", Modalities: []modality.Kind{modality.Chat}, Strategy: routing.LeastBusy},
				template.Queue{Name: "d", Modalities: []modality.Kind{modality.Chat}, Strategy: routing.SkillsWeighted},
			)
		}},
		{"maxWait without overflow", func(tp *template.Template) { tp.Queues[2].MaxWait = d(2 * time.Minute) }},
		{"overflow chain without a loop", func(tp *template.Template) {
			tp.Queues[1].MaxWait, tp.Queues[1].Overflow = d(time.Minute), "accessibility"
		}},
		{"two queues overflowing to one", func(tp *template.Template) {
			tp.Queues[2].MaxWait, tp.Queues[2].Overflow = d(time.Minute), "speakers"
		}},
		{"overflow sharing one modality", func(tp *template.Template) {
			tp.Queues[2].Modalities = []modality.Kind{modality.Telephony, modality.SMS}
			tp.Queues[1].Modalities = []modality.Kind{modality.Chat, modality.Telephony}
			tp.Queues[1].MaxWait, tp.Queues[1].Overflow = d(time.Minute), "accessibility"
		}},
		{"negative priority", func(tp *template.Template) { tp.Queues[0].Priority = -1 }},
		{"queue service level of 1", func(tp *template.Template) { tp.Queues[2].ServiceLevel.Target = 1 }},
		{"zero wrap-up and offer timeout", func(tp *template.Template) { tp.Staffing.WrapUp, tp.Staffing.OfferTimeout = 0, 0 }},
		{"shortest E.164: six digits", func(tp *template.Template) { tp.PostTerm.ForwardTo = "+290123" }},
		{"longest E.164", func(tp *template.Template) { tp.PostTerm.ForwardTo = "+123456789012345" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := validTemplate()
			tt.mutate(tp)
			err := tp.Validate()
			assert.NoError(t, err, "want the template valid after %q", tt.name)
		})
	}
}

func TestValidateReportsEveryProblemInFieldOrder(t *testing.T) {
	tp := validTemplate()
	tp.Name = ""
	tp.Modalities[2].Kind = "fax"
	tp.Queues[1].Modalities[0] = modality.Video
	tp.Receptionist.Greeting = ""
	tp.Staffing.ServiceLevel.Target = 2
	tp.Capacity.MaxSpace = 0
	tp.Numbers.Country = ""
	tp.Access.Roles[1].Name = "lead"
	tp.PostTerm.Aging = d(44 * day)

	err := tp.Validate()
	assert.Equal(t, []string{
		"name",
		"modalities[2].kind",
		"queues[0].modalities[2]", // sms is no longer offered
		"queues[1].modalities[0]",
		"queues[2].modalities[1]",
		"receptionist.greeting",
		"staffing.serviceLevel.target",
		"capacity.maxSpace",
		"numbers.country",
		"access.roles",
		"postTerm.aging",
	}, paths(t, err), "want every problem, in field order")
	assert.Contains(t, err.Error(), `modalities[2].kind: unknown modality "fax"`, "want Error to list the problems")
	assert.Contains(t, err.Error(), `queues[1].modalities[0]: modality "video" is not offered by the template`)
	assert.Contains(t, err.Error(), "staffing.serviceLevel.target: must be in (0,1]")

	// Deterministic: the same template gives the same error.
	assert.Equal(t, err.Error(), tp.Validate().Error(), "want the same problems in the same order every time")
}

// TestValidateQueueProblemsInFieldOrder gives the exact paths of the
// problems with skills and queues: every one, in field order.
func TestValidateQueueProblemsInFieldOrder(t *testing.T) {
	tp := validTemplate()
	tp.Skills[0].Name = "Registration"
	tp.Skills[2].Name = "accessibility"
	tp.Queues[0].Skills = []string{"registration", "de", "french"}
	tp.Queues[0].Strategy = "fastest"
	tp.Queues[0].MaxWait = 0
	tp.Queues[1].Skills = []string{"accessibility"}
	tp.Queues[1].MaxWait = d(-time.Minute)
	tp.Queues[1].Overflow = "nowhere"
	tp.Queues[2].MaxWait, tp.Queues[2].Overflow = d(time.Minute), "speakers"
	tp.Queues[2].ServiceLevel = &template.ServiceLevel{}
	tp.Staffing.WrapUp = d(-time.Second)
	tp.Staffing.OfferTimeout = d(-time.Second)

	err := tp.Validate()
	assert.Equal(t, []string{
		"skills[0].name",
		"skills[2].name",
		"queues[0].skills[0]", // "registration" is no longer declared
		"queues[0].skills[1]", // nor "de"
		"queues[0].skills[2]",
		"queues[0].strategy",
		"queues[0].overflow",
		"queues[1].maxWait",
		"queues[1].overflow",
		"queues[2].serviceLevel.target",
		"queues[2].serviceLevel.within",
		"staffing.wrapUp",
		"staffing.offerTimeout",
	}, paths(t, err), "want every problem, in field order:\n%v", err)
	requireProblem(t, err, "queues[0].skills[2]", `unknown skill "french"; want one of Registration, accessibility, accessibility`)
}

func TestValidateErrorsAs(t *testing.T) {
	tp := validTemplate()
	tp.Version = ""
	err := tp.Validate()

	var ve *template.ValidationError
	require.True(t, errors.As(err, &ve), "want errors.As to find a *ValidationError")
	var fe *template.FieldError
	require.True(t, errors.As(err, &fe), "want errors.As to find a *FieldError through Unwrap")
	assert.Equal(t, "version", fe.Path)
	assert.Equal(t, "version: required", fe.Error())
	assert.Equal(t, "template: invalid: version: required", err.Error())
}

func TestValidateNil(t *testing.T) {
	var tp *template.Template
	requireProblem(t, tp.Validate(), "", "nil template")
}

func TestValidateDoesNotModify(t *testing.T) {
	tp, want := validTemplate(), validTemplate()
	tp.Modalities[0].Kind, want.Modalities[0].Kind = "fax", "fax"
	_ = tp.Validate()
	assert.Equal(t, want, tp, "want Validate to leave the template alone")
}
