// Package numberplan reads telephone numbers as people and carriers write
// them and checks them against the numbering plans of the world's
// countries, for the places where numbers enter the system: a pool being
// loaded from a carrier, a template, a form, a SIP request.
//
// [Parse], [ParseIn] and [ParseWith] read what people write
// ("+1 (202) 555-0100", "020 7946 0958" for the UK, "1-800-FLOWERS") and
// check it against the plan of github.com/nyaruka/phonenumbers, a port of
// Google's libphonenumber: the country code must exist, the length must
// be one the country uses, and the number must be in a range the plan
// lists as in use. [Options].Possible relaxes the last check for ranges
// newer than the plan, and for fictional numbers such as
// +1 555 555 01xx. [Inspect] also says the number's country and type
// (local, mobile, toll-free...), to describe a number as it enters the
// pool ([numbermap.Owned]).
//
// Every number these return is valid by the project's definition of
// E.164, [numbermap.Parse] (see [numbermap.Number.Valid]); this package
// is stricter, never looser. What they refuse comes back as a
// [*numbermap.ParseError] whose [numbermap.Problem] says why
// (ProblemBadCountryCode, ProblemTooLong, ProblemNotValid for the
// region...), which unwraps to [numbermap.ErrInvalidNumber].
//
// # Cost
//
// The plan is embedded in the build: importing this package adds about
// 7.5 MB to a binary (phonenumbers, google.golang.org/protobuf and
// golang.org/x/text) and, at start, 10 ms or more of initialisation and
// 2.7 MB of allocations (38,600 objects), in every program that imports
// it (see BENCHMARKS.md). That is why it is not part of package
// numbermap, whose [numbermap.Parse] needs no plan. Parsing costs tens of
// microseconds (the first number of a country in a process, a fraction
// of a millisecond, while the library compiles that country's patterns):
// call it where numbers enter the system, never on the call path, which
// compares [numbermap.Number] strings.
//
// The functions are safe for concurrent use.
package numberplan
