package numberplan

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/nyaruka/phonenumbers"

	"github.com/eventcc/eventcc/numbermap"
)

// maxDigits is E.164's limit on the digits of a number, country code
// included. Only error messages need it: [numbermap.Number.Valid] says
// what a number is.
const maxDigits = 15

// Options says how [ParseWith] and [Inspect] read a number.
type Options struct {
	// Region is the ISO 3166-1 alpha-2 code ("US", "GB") of the country
	// whose national format the input may be written in: with "US",
	// "(202) 555-0100" is +12025550100; with "GB", "020 7946 0958" is
	// +442079460958; the country's international call prefix ("011" in
	// the US, "00" in most of the world) may stand for the +. Empty: the
	// input must start with + and a country code.
	Region string
	// Possible accepts a number whose length is possible for its country
	// even if the numbering plan embedded in this build does not list its
	// range as in use: ranges opened after the plan was built, and
	// fictional ranges such as +1 555 555 01xx. Without it such a number
	// is refused with ProblemNotValid.
	Possible bool
}

// Info is what the numbering plan says about a number, from [Inspect].
type Info struct {
	Number numbermap.Number
	// Country is the ISO 3166-1 alpha-2 code of the number's country,
	// "001" for non-geographic numbers (+800, +883...), "" for a number
	// accepted with Options.Possible whose country code several countries
	// share (+1).
	Country string
	Type    numbermap.NumberType // TypeOther when the plan does not say
	// Valid reports whether the number is in a range the plan lists; only
	// Options.Possible lets a number that is not through.
	Valid bool
}

// Parse reads s, a telephone number in international form, checks it
// against the numbering plan and returns it in E.164 form:
// "+1 (202) 555-0100" is "+12025550100". It is [ParseWith] with no
// options: s must start with + and a country code, and the number must
// be valid. Use [ParseIn] for national formats.
func Parse(s string) (numbermap.Number, error) { return ParseWith(s, Options{}) }

// ParseIn is like [Parse] but reads a number written without + and a
// country code as a national number of region (an ISO 3166-1 alpha-2
// code): ParseIn("(202) 555-0100", "US") is "+12025550100". Numbers with
// + are read as Parse reads them.
func ParseIn(s, region string) (numbermap.Number, error) {
	return ParseWith(s, Options{Region: region})
}

// ParseWith reads s as [Inspect] does and returns the number in E.164
// form.
func ParseWith(s string, o Options) (numbermap.Number, error) {
	info, err := Inspect(s, o)
	return info.Number, err
}

// Inspect reads s, a telephone number as people write it, checks it
// against the numbering plan of github.com/nyaruka/phonenumbers (a port
// of Google's libphonenumber; the plan is embedded in the build) and says
// what it is. Call it where numbers enter the system (a pool being
// loaded, a template, a form), never on the call path: it costs
// microseconds; compare the Numbers it returns instead.
//
// It ignores spaces and the separators - . / ( ) [ ] ~ (and their
// Unicode forms), reads digits of any script, and reads letters as on a
// telephone keypad when they make a vanity number ("+1 800 FLOWERS" is
// +18003569377). A number needs a + and its country code, or
// o.Region for one in national format; its length must be possible for
// its country, and, unless o.Possible, it must be in a range the plan
// lists as in use. What it returns is always a valid E.164 number as
// [numbermap.Parse] defines it ([numbermap.Number.Valid]).
//
// Any error is a [*numbermap.ParseError] whose Problem classifies what is
// wrong and whose Reason says it (for a stray character, with its
// position, counting characters from 1).
func Inspect(s string, o Options) (Info, error) {
	fail := func(p numbermap.Problem, region, format string, args ...any) (Info, error) {
		return Info{}, &numbermap.ParseError{Input: s, Problem: p, Region: region, Reason: fmt.Sprintf(format, args...)}
	}
	region := strings.ToUpper(o.Region)
	if region != "" && !phonenumbers.GetSupportedRegions()[region] {
		return fail(numbermap.ProblemBadRegion, "", "bad region: %q is not a region with a numbering plan; want an ISO 3166-1 alpha-2 code such as \"US\"", o.Region)
	}

	// Screen the characters: phonenumbers reads numbers out of free text,
	// and a number here must be nothing but a number.
	var (
		plus, digits, letters int
		pos                   int
	)
	for _, r := range s {
		pos++
		switch {
		case r == '+' || r == '＋':
			if plus > 0 || digits > 0 || letters > 0 {
				return fail(numbermap.ProblemNotANumber, "", "%q at position %d: only one +, before the digits", r, pos)
			}
			plus++
		case unicode.IsDigit(r):
			digits++
		case ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z'):
			if digits == 0 {
				return fail(numbermap.ProblemNotANumber, "", "letter %q at position %d: a number starts with + or a digit", r, pos)
			}
			letters++
		case isSeparator(r):
		default:
			return fail(numbermap.ProblemNotANumber, "", "unexpected character %q at position %d: only digits, letters of a vanity number, + and separators such as space - . ( ) are allowed", r, pos)
		}
	}
	switch {
	case digits == 0 && plus == 0:
		return fail(numbermap.ProblemEmpty, "", "empty: no digits")
	case digits == 0:
		return fail(numbermap.ProblemEmpty, "", "empty: no digits after +")
	case plus == 0 && region == "":
		return fail(numbermap.ProblemNoCountryCode, "", "no country code: write it with + and the country code, or give the region of its national format")
	}

	var pn phonenumbers.PhoneNumber
	parseRegion := region
	if parseRegion == "" {
		parseRegion = "ZZ" // unknown: the number must carry its country code
	}
	if err := phonenumbers.ParseToNumber(s, parseRegion, &pn); err != nil {
		switch {
		case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
			return fail(numbermap.ProblemBadCountryCode, region, "bad country code: %s", countryCodeGuess(s))
		case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
			return fail(numbermap.ProblemTooShort, region, "too short: %d digits", digits)
		case errors.Is(err, phonenumbers.ErrNumTooLong):
			return fail(numbermap.ProblemTooLong, region, "too long: %d digits, E.164 allows at most %d", digits, maxDigits)
		case digits < 3:
			return fail(numbermap.ProblemTooShort, region, "too short: %d digits", digits)
		default:
			return fail(numbermap.ProblemNotANumber, region, "not a phone number")
		}
	}
	if ext := pn.GetExtension(); ext != "" {
		return fail(numbermap.ProblemExtension, region, "has an extension (%s): an E.164 number cannot hold one", ext)
	}
	if letters > 0 && !phonenumbers.IsAlphaNumber(s) {
		return fail(numbermap.ProblemNotANumber, region, "letters that are neither a vanity number nor an extension")
	}

	cc := int(pn.GetCountryCode())
	home := countryOf(cc)
	nsn := phonenumbers.GetNationalSignificantNumber(&pn)
	switch phonenumbers.IsPossibleNumberWithReason(&pn) {
	case phonenumbers.IS_POSSIBLE:
	case phonenumbers.INVALID_COUNTRY_CODE:
		return fail(numbermap.ProblemBadCountryCode, region, "bad country code: +%d is not a country code", cc)
	case phonenumbers.TOO_SHORT:
		return fail(numbermap.ProblemTooShort, home, "too short: %d digits after +%d, numbers there have %s", len(nsn), cc, possibleLengths(cc))
	case phonenumbers.TOO_LONG:
		return fail(numbermap.ProblemTooLong, home, "too long: %d digits after +%d, numbers there have %s", len(nsn), cc, possibleLengths(cc))
	case phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return fail(numbermap.ProblemTooShort, home, "too short: %d digits after +%d make a local number only, dialable without its area code; numbers there have %s",
			len(nsn), cc, possibleLengths(cc))
	default: // INVALID_LENGTH
		return fail(numbermap.ProblemBadLength, home, "bad length: %d digits after +%d, numbers there have %s", len(nsn), cc, possibleLengths(cc))
	}
	e164 := phonenumbers.Format(&pn, phonenumbers.E164)
	if _, err := numbermap.Parse(e164); err != nil {
		// The plan allows lengths E.164 does not (16 and 17 digits):
		// numbermap.Parse, the project's definition of E.164, has the
		// last word.
		var pe *numbermap.ParseError
		if !errors.As(err, &pe) {
			return Info{}, err
		}
		return fail(pe.Problem, home, "%s", pe.Reason)
	}
	// The plan lists a number as valid when it is of some type: one walk
	// of the plan's patterns answers both.
	typ := phonenumbers.GetNumberType(&pn)
	info := Info{Number: numbermap.Number(e164), Valid: typ != phonenumbers.UNKNOWN, Country: home, Type: typeOf(typ)}
	if info.Valid && home == "" {
		info.Country = phonenumbers.GetRegionCodeForNumber(&pn)
	} else if !info.Valid && !o.Possible {
		where := "in " + home
		if home == "" {
			where = fmt.Sprintf("for country code +%d", cc)
		}
		if region != "" && phonenumbers.GetCountryCodeForRegion(region) == cc {
			where, home = "in "+region, region
		}
		return fail(numbermap.ProblemNotValid, home, "not a valid number %s: no range of the numbering plan holds it", where)
	} else if again, err := phonenumbers.Parse(e164, "ZZ"); err != nil || phonenumbers.Format(again, phonenumbers.E164) != e164 {
		// A number outside the plan may lose digits on reading, as a
		// national prefix: one that does not read back as itself is not
		// a number to keep.
		return fail(numbermap.ProblemNotValid, home, "not a valid number: in E.164 form, %s, it does not read back as itself", e164)
	}
	return info, nil
}

// isSeparator reports whether r is a visual separator Inspect ignores:
// spaces, dashes, and . / ( ) [ ] ~ in their ASCII and full-width forms.
func isSeparator(r rune) bool {
	switch r {
	case '.', '/', '(', ')', '[', ']', '~',
		'．', '／', '（', '）', '［', '］', '～',
		'\u00ad', '\u200b', '\u2060': // soft hyphen, zero-width space, word joiner
		return true
	}
	return unicode.Is(unicode.Zs, r) || unicode.Is(unicode.Pd, r)
}

// countryOf returns the ISO 3166-1 code of the country with calling code
// cc, "001" for a non-geographic code, or "" if several countries share
// it (+1, +7...) or none has it.
func countryOf(cc int) string {
	if len(phonenumbers.GetRegionCodesForCountryCode(cc)) != 1 {
		return ""
	}
	return phonenumbers.GetRegionCodeForCountryCode(cc)
}

// countryCodeGuess says which country codes the digits after the + of s
// could have started with.
func countryCodeGuess(s string) string {
	i := strings.IndexAny(s, "+＋")
	if i < 0 {
		return "the digits after the international call prefix start no country code"
	}
	d := phonenumbers.NormalizeDigitsOnly(s[i:])
	if len(d) > 3 {
		d = d[:3]
	}
	var codes []string
	for l := 1; l <= len(d); l++ {
		codes = append(codes, "+"+d[:l])
	}
	switch len(codes) {
	case 0:
		return "no digits after +"
	case 1:
		return "no country has the code " + codes[0]
	}
	return "no country has the code " + strings.Join(codes[:len(codes)-1], ", ") + " or " + codes[len(codes)-1]
}

// lengthsCache holds possibleLengths' answers per country code.
var lengthsCache sync.Map // int -> string

// possibleLengths says how many digits follow +cc in numbers of that
// country, e.g. "10 digits" or "5 to 11 digits". Error path only.
func possibleLengths(cc int) string {
	if s, ok := lengthsCache.Load(cc); ok {
		return s.(string)
	}
	var lengths []int
	code := int32(cc)
	for l := 1; l <= 17; l++ {
		nn := uint64(1)
		for range l - 1 {
			nn *= 10
		}
		pn := phonenumbers.PhoneNumber{CountryCode: &code, NationalNumber: &nn}
		if phonenumbers.IsPossibleNumberWithReason(&pn) == phonenumbers.IS_POSSIBLE {
			lengths = append(lengths, l)
		}
	}
	s := "no known length"
	switch {
	case len(lengths) == 1:
		s = strconv.Itoa(lengths[0]) + " digits"
	case len(lengths) > 1 && lengths[len(lengths)-1]-lengths[0] == len(lengths)-1:
		s = fmt.Sprintf("%d to %d digits", lengths[0], lengths[len(lengths)-1])
	case len(lengths) > 1:
		parts := make([]string, len(lengths))
		for i, l := range lengths {
			parts[i] = strconv.Itoa(l)
		}
		s = strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1] + " digits"
	}
	lengthsCache.Store(cc, s)
	return s
}

// typeOf maps the plan's number type to a NumberType.
func typeOf(t phonenumbers.PhoneNumberType) numbermap.NumberType {
	switch t {
	case phonenumbers.FIXED_LINE, phonenumbers.FIXED_LINE_OR_MOBILE:
		return numbermap.TypeLocal
	case phonenumbers.MOBILE:
		return numbermap.TypeMobile
	case phonenumbers.TOLL_FREE:
		return numbermap.TypeTollFree
	case phonenumbers.SHARED_COST:
		return numbermap.TypeSharedCost
	case phonenumbers.PREMIUM_RATE:
		return numbermap.TypePremiumRate
	case phonenumbers.VOIP:
		return numbermap.TypeVoIP
	}
	return numbermap.TypeOther
}
