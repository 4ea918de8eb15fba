package numbermap

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// E.164 limits on the digits of a number, country code included. E.164
// allows at most 15; the shortest numbers in service have 6 (a 2-digit
// country code and a 4-digit national number).
const (
	minDigits = 6
	maxDigits = 15
)

// Problem classifies why a number was refused, in a [*ParseError].
type Problem string

// The problems a [*ParseError] reports. [Parse] reports the first five;
// the numbering-plan parsers of package numberplan report them all.
const (
	ProblemEmpty          Problem = "empty"            // no digits at all
	ProblemNotANumber     Problem = "not a number"     // characters or letters no number has
	ProblemNoCountryCode  Problem = "no country code"  // no + (and, for numberplan, no default region)
	ProblemBadCountryCode Problem = "bad country code" // no country has that code
	ProblemTooShort       Problem = "too short"        // fewer digits than E.164 numbers have, or than any number of the country
	ProblemTooLong        Problem = "too long"         // more digits than E.164's 15, or than any number of the country
	ProblemBadRegion      Problem = "bad region"       // numberplan: the default region is not a known region
	ProblemBadLength      Problem = "bad length"       // numberplan: between the country's lengths, none of them
	ProblemExtension      Problem = "extension"        // numberplan: carries an extension, which E.164 cannot hold
	ProblemNotValid       Problem = "not valid"        // numberplan: possible, but in no range the country's plan lists
)

// ParseError reports a string [Parse] (or a parser of package numberplan)
// refused, and why. It unwraps to [ErrInvalidNumber].
type ParseError struct {
	Input   string  // the string given to Parse
	Problem Problem // what kind of problem it is
	// Region is the region the number was judged for, when it came that
	// far: the ISO 3166-1 code of its country ("GB"), or of the default
	// region given. Only numberplan's parsers, which know the countries,
	// set it.
	Region string
	Reason string // what is wrong, for people: e.g. "too long: 16 digits, E.164 allows at most 15"
}

// maxQuoted bounds how much of the input an error message repeats.
const maxQuoted = 64

func (e *ParseError) Error() string {
	in := e.Input
	if len(in) > maxQuoted {
		cut := maxQuoted
		for cut > 0 && !utf8.RuneStart(in[cut]) {
			cut--
		}
		in = in[:cut] + "..."
	}
	return fmt.Sprintf("numbermap: invalid number %q: %s", in, e.Reason)
}

// Unwrap returns [ErrInvalidNumber], so errors.Is(err, ErrInvalidNumber)
// holds for every error Parse returns.
func (e *ParseError) Unwrap() error { return ErrInvalidNumber }

// Parse reads s, a telephone number in international form, and returns it
// in E.164 form: "+1 202 555 0100" is "+12025550100". It is the project's
// definition of a valid E.164 number, which [Number.Valid] checks on the
// result:
//
//   - a '+', then only the number's ASCII digits: its country calling
//     code, then the national number;
//   - 6 to 15 digits in all;
//   - a country calling code that is in service: one ITU-T has assigned
//     to a country, a group of them or a global service (+1, +44, +800...),
//     not a spare one (+28, +42, +999) nor one starting with 0.
//
// For readability s may hold spaces, hyphens and dots anywhere, such as
// "+44 20 7946 0958" or "+1-202-555-0100"; they are dropped. Nothing else
// is read: no parentheses (a "(0)" would hide a national prefix), no
// letters, no other scripts' digits or separators, no national formats.
//
// Parse does not consult a numbering plan: "+1 555 555 0100", in a
// fictional range, is "+15555550100". It does not allocate for a string
// already in E.164 form, and is cheap enough for any path. Where numbers
// enter the system as people write them (national formats, vanity
// letters, a check that the range is in use), use package
// github.com/eventcc/eventcc/numbermap/numberplan, whose numbers all
// satisfy this definition.
//
// Any error is a [*ParseError] whose Problem is [ProblemEmpty],
// [ProblemNotANumber], [ProblemNoCountryCode], [ProblemBadCountryCode],
// [ProblemTooShort] or [ProblemTooLong], and whose Reason says what is
// wrong (for a stray character, with its position, counting characters
// from 1).
func Parse(s string) (Number, error) {
	fail := func(p Problem, format string, args ...any) (Number, error) {
		return "", &ParseError{Input: s, Problem: p, Reason: fmt.Sprintf(format, args...)}
	}
	var (
		buf           [1 + maxDigits]byte // '+' and the digits, while they fit
		plus, digits  int
		pos           int
		separatorSeen bool
	)
	buf[0] = '+'
	for _, r := range s {
		pos++
		switch {
		case r == '+':
			if plus > 0 || digits > 0 {
				return fail(ProblemNotANumber, "'+' at position %d: only one +, before the digits", pos)
			}
			plus++
		case '0' <= r && r <= '9':
			if digits < maxDigits {
				buf[1+digits] = byte(r)
			}
			digits++
		case r == ' ' || r == '-' || r == '.':
			separatorSeen = true
		default:
			return fail(ProblemNotANumber, "unexpected character %q at position %d: an E.164 number is + and digits, with spaces, - or . between them", r, pos)
		}
	}
	switch {
	case digits == 0 && plus == 0:
		return fail(ProblemEmpty, "empty: no digits")
	case digits == 0:
		return fail(ProblemEmpty, "empty: no digits after +")
	case plus == 0:
		return fail(ProblemNoCountryCode, "no country code: write the number with + and its country code")
	case digits > maxDigits:
		return fail(ProblemTooLong, "too long: %d digits, E.164 allows at most %d", digits, maxDigits)
	case digits < minDigits:
		return fail(ProblemTooShort, "too short: %d digits, at least %d with the country code", digits, minDigits)
	}
	n := buf[:1+digits]
	if callingCodeLen(string(n[1:])) == 0 {
		return fail(ProblemBadCountryCode, "bad country code: %s", noSuchCode(n[1:]))
	}
	if !separatorSeen {
		return Number(s), nil // s is n: no copy
	}
	return Number(n), nil
}

// noSuchCode says which country codes the digits d could have started
// with, none of them assigned.
func noSuchCode(d []byte) string {
	codes := make([]string, 0, 3)
	for l := 1; l <= 3 && l <= len(d); l++ {
		codes = append(codes, "+"+string(d[:l]))
		if d[0] == '0' {
			break // no code starts with 0
		}
	}
	if len(codes) == 1 {
		return "no country has the code " + codes[0]
	}
	return "no country has the code " + strings.Join(codes[:len(codes)-1], ", ") + " or " + codes[len(codes)-1]
}

// MustParse is like [Parse] but panics if s is not a valid number. It is
// meant for tests, examples and constants known to be valid.
func MustParse(s string) Number {
	n, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return n
}

// Valid reports whether n is a valid E.164 number, in the form [Parse]
// returns: '+', 6 to 15 ASCII digits in all, starting with a country
// calling code in service. Number(s).Valid() holds exactly when Parse(s)
// returns Number(s) itself. It consults no numbering plan and does not
// allocate.
func (n Number) Valid() bool {
	if len(n) < 1+minDigits || len(n) > 1+maxDigits || n[0] != '+' {
		return false
	}
	for i := 1; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	return callingCodeLen(string(n[1:])) > 0
}
