package numberplan_test

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/numberplan"
)

// TestParseFormats reads numbers written the ways people and systems
// write them. Test numbers are valid but fictional: +1 202 555 01xx (the
// NANP's 555-01xx in a real area code) and +44 20 7946 0xxx (Ofcom's
// drama range).
func TestParseFormats(t *testing.T) {
	possible := numberplan.Options{Possible: true}
	in := func(region string) numberplan.Options { return numberplan.Options{Region: region} }
	cases := []struct {
		name, in string
		opts     numberplan.Options
		want     numbermap.Number
	}{
		{"E.164", "+12025550100", numberplan.Options{}, "+12025550100"},
		{"spaces", "+1 202 555 0100", numberplan.Options{}, "+12025550100"},
		{"leading and trailing spaces", "  +1 202 555 0100 ", numberplan.Options{}, "+12025550100"},
		{"dashes", "+1-202-555-0100", numberplan.Options{}, "+12025550100"},
		{"dots", "+1.202.555.0100", numberplan.Options{}, "+12025550100"},
		{"dots, UK", "+44.20.7946.0958", numberplan.Options{}, "+442079460958"},
		{"parentheses", "+1 (202) 555-0100", numberplan.Options{}, "+12025550100"},
		{"parenthesised plus", "(+44) 20 7946 0958", numberplan.Options{}, "+442079460958"},
		{"UK trunk zero in parentheses", "+44 (0)20 7946 0958", numberplan.Options{}, "+442079460958"},
		{"separator after plus", "+ 49 30 901820", numberplan.Options{}, "+4930901820"},
		{"slash", "+49 30/901820", numberplan.Options{}, "+4930901820"},
		{"no-break spaces", "+1\u00a0202\u00a0555\u00a00100", numberplan.Options{}, "+12025550100"},
		{"en dashes", "+1 202–555–0100", numberplan.Options{}, "+12025550100"},
		{"full-width", "＋１ ２０２ ５５５ ０１００", numberplan.Options{}, "+12025550100"},
		{"Arabic-Indic digits", "+1 ٢٠٢ ٥٥٥ ٠١٠٠", numberplan.Options{}, "+12025550100"},
		{"vanity", "+1 800 FLOWERS", numberplan.Options{}, "+18003569377"},
		{"vanity, lower case", "+1 800 flowers", numberplan.Options{}, "+18003569377"},
		{"vanity, split", "+1-800-GO-FEDEX", numberplan.Options{}, "+18004633339"},
		{"toll-free", "+1 800 555 0199", numberplan.Options{}, "+18005550199"},
		{"mobile", "+61 491 570 006", numberplan.Options{}, "+61491570006"},
		{"non-geographic", "+800 1234 5678", numberplan.Options{}, "+80012345678"},
		{"seven digits in all", "+290 8999", numberplan.Options{}, "+2908999"},
		{"national, US", "(202) 555-0100", in("US"), "+12025550100"},
		{"national with dots, US", "202.555.0100", in("US"), "+12025550100"},
		{"national with trunk 1, US", "1 (202) 555-0100", in("US"), "+12025550100"},
		{"national vanity, US", "1-800-FLOWERS", in("US"), "+18003569377"},
		{"international prefix 011, US", "011 44 20 7946 0958", in("US"), "+442079460958"},
		{"national, GB", "020 7946 0958", in("GB"), "+442079460958"},
		{"international prefix 00, DE", "0044 20 7946 0958", in("DE"), "+442079460958"},
		{"region in lower case", "020 7946 0958", in("gb"), "+442079460958"},
		{"international with a region", "+44 20 7946 0958", in("US"), "+442079460958"},
		{"fictional 555 with Possible", "+1 555 555 0100", possible, "+15555550100"},
		{"UK drama mobile with Possible", "+44 7700 900123", possible, "+447700900123"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := numberplan.ParseWith(c.in, c.opts)
			require.NoError(t, err, "ParseWith(%q, %+v) should accept it", c.in, c.opts)
			assert.Equal(t, c.want, got, "ParseWith(%q, %+v) in E.164 form", c.in, c.opts)
			assert.True(t, got.Valid(), "the result is in E.164 form")
			if c.opts == (numberplan.Options{}) {
				again, err := numberplan.Parse(c.in)
				assert.NoError(t, err, "Parse is ParseWith with no options")
				assert.Equal(t, got, again, "Parse is ParseWith with no options")
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	in := func(region string) numberplan.Options { return numberplan.Options{Region: region} }
	none := numberplan.Options{}
	cases := []struct {
		name, in string
		opts     numberplan.Options
		problem  numbermap.Problem
		region   string // ParseError.Region
		reason   string // substring of the reason
	}{
		{"empty", "", none, numbermap.ProblemEmpty, "", "empty"},
		{"blank", "   ", none, numbermap.ProblemEmpty, "", "empty"},
		{"only separators", " ( ) - . ", none, numbermap.ProblemEmpty, "", "empty"},
		{"plus alone", "+", none, numbermap.ProblemEmpty, "", "no digits after +"},
		{"without plus", "2025550100", none, numbermap.ProblemNoCountryCode, "", "no country code"},
		{"national without a region", "(202) 555-0100", none, numbermap.ProblemNoCountryCode, "", "give the region"},
		{"international prefix without a region", "0044 20 7946 0958", none, numbermap.ProblemNoCountryCode, "", "no country code"},
		{"words", "abc", none, numbermap.ProblemNotANumber, "", `letter 'a' at position 1`},
		{"text around a number", "Call +12025550100", none, numbermap.ProblemNotANumber, "", `letter 'C' at position 1`},
		{"stray letter", "+1 202 555 0100x", none, numbermap.ProblemNotANumber, "", "neither a vanity number nor an extension"},
		{"hash", "+1 202 555#0100", none, numbermap.ProblemNotANumber, "", `unexpected character '#' at position 11`},
		{"tab", "+1\t2025550100", none, numbermap.ProblemNotANumber, "", `unexpected character '\t' at position 3`},
		{"tel URI", "tel:+12025550100", none, numbermap.ProblemNotANumber, "", "position 1"},
		{"semicolon", "+12025550100;ext=1", none, numbermap.ProblemNotANumber, "", `unexpected character ';' at position 13`},
		{"second plus", "+1+2025550100", none, numbermap.ProblemNotANumber, "", `'+' at position 3`},
		{"extension", "+1 202 555 0100 ext. 12", none, numbermap.ProblemExtension, "", "extension (12)"},
		{"extension x", "+1 202 555 0100 x12", none, numbermap.ProblemExtension, "", "extension (12)"},
		{"too long for the country", "+1 202 555 0100 1", none, numbermap.ProblemTooLong, "", "too long: 11 digits after +1, numbers there have 10 digits"},
		{"too long: 16 digits", "+1234567890123456", none, numbermap.ProblemTooLong, "", "too long"},
		{"far too long", "+1" + strings.Repeat("5", 200), none, numbermap.ProblemTooLong, "", "too long"},
		{"too long, national", "(202) 555-0100 99", in("US"), numbermap.ProblemTooLong, "", "too long"},
		{"too short", "+1 202 555 01", none, numbermap.ProblemTooShort, "", "too short: 8 digits after +1, numbers there have 10 digits"},
		{"local only", "+49 30 1", none, numbermap.ProblemTooShort, "DE", "local number only"},
		{"two digits", "+12", none, numbermap.ProblemTooShort, "", "too short"},
		{"bad length", "+41 44 668 18 00 0", none, numbermap.ProblemBadLength, "CH", "bad length: 10 digits after +41, numbers there have 9 or 12 digits"},
		{"local only, UK", "+44 20 7946 09", none, numbermap.ProblemTooShort, "", "8 digits after +44 make a local number only"},
		{"unknown country code", "+999 1234 5678", none, numbermap.ProblemBadCountryCode, "", "no country has the code +9, +99 or +999"},
		{"unassigned country code", "+28 1234567", none, numbermap.ProblemBadCountryCode, "", "+28"},
		{"country code 0", "+0 555 1234", none, numbermap.ProblemBadCountryCode, "", "+0"},
		{"trunk zero after plus", "+044 20 7946 0958", none, numbermap.ProblemBadCountryCode, "", "+04"},
		{"fictional 555", "+1 555 555 0100", none, numbermap.ProblemNotValid, "", "not a valid number for country code +1"},
		{"exchange starting with 0", "+1 212 055 0100", none, numbermap.ProblemNotValid, "", "not a valid number"},
		{"UK drama mobile", "+44 7700 900123", none, numbermap.ProblemNotValid, "", "not a valid number for country code +44"},
		{"not valid in the region", "202 555 0100", in("GB"), numbermap.ProblemNotValid, "GB", "not a valid number in GB"},
		{"too long for a single-country code", "+33 9 12 34 56 78 9", none, numbermap.ProblemTooLong, "FR", "numbers there have 9 digits"},
		{"not valid in a single-country code", "+64 21 2345", none, numbermap.ProblemNotValid, "NZ", "not a valid number in NZ"},
		{"unknown region", "2025550100", in("XX"), numbermap.ProblemBadRegion, "", `"XX" is not a region`},
		{"region not a code", "2025550100", in("USA"), numbermap.ProblemBadRegion, "", "ISO 3166-1 alpha-2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := numberplan.ParseWith(c.in, c.opts)
			require.Error(t, err, "ParseWith(%q, %+v) should refuse it (%s)", c.in, c.opts, c.problem)
			assert.Empty(t, got, "the zero Number with an error")
			assert.ErrorIs(t, err, numbermap.ErrInvalidNumber, "every parse error is ErrInvalidNumber")
			var pe *numbermap.ParseError
			require.ErrorAs(t, err, &pe, "every parse error is a *ParseError")
			assert.Equal(t, c.in, pe.Input, "ParseError.Input is the input")
			assert.Equal(t, c.problem, pe.Problem, "ParseError.Problem classifies the problem (reason %q)", pe.Reason)
			assert.Equal(t, c.region, pe.Region, "ParseError.Region is the region the number was judged for")
			assert.Contains(t, pe.Reason, c.reason, "ParseError.Reason says what is wrong")
		})
	}
}

func TestInspect(t *testing.T) {
	cases := []struct {
		in   string
		opts numberplan.Options
		want numberplan.Info
	}{
		{"+1 202 555 0100", numberplan.Options{}, numberplan.Info{Number: "+12025550100", Country: "US", Type: numbermap.TypeLocal, Valid: true}},
		{"+1 800 FLOWERS", numberplan.Options{}, numberplan.Info{Number: "+18003569377", Country: "US", Type: numbermap.TypeTollFree, Valid: true}},
		{"+44 20 7946 0958", numberplan.Options{}, numberplan.Info{Number: "+442079460958", Country: "GB", Type: numbermap.TypeLocal, Valid: true}},
		{"0491 570 006", numberplan.Options{Region: "AU"}, numberplan.Info{Number: "+61491570006", Country: "AU", Type: numbermap.TypeMobile, Valid: true}},
		{"+800 1234 5678", numberplan.Options{}, numberplan.Info{Number: "+80012345678", Country: "001", Type: numbermap.TypeTollFree, Valid: true}},
		{"+883 5100 0000 0001", numberplan.Options{}, numberplan.Info{Number: "+883510000000001", Country: "001", Type: numbermap.TypeVoIP, Valid: true}},
		{"+1 555 555 0100", numberplan.Options{Possible: true}, numberplan.Info{Number: "+15555550100", Type: numbermap.TypeOther}},
		{"+33 1 99 00 00 00", numberplan.Options{Possible: true}, numberplan.Info{Number: "+33199000000", Country: "FR", Type: numbermap.TypeLocal, Valid: true}},
	}
	for _, c := range cases {
		got, err := numberplan.Inspect(c.in, c.opts)
		require.NoError(t, err, "Inspect(%q, %+v)", c.in, c.opts)
		assert.Equal(t, c.want, got, "Inspect(%q, %+v)", c.in, c.opts)
	}
}

func TestParseIn(t *testing.T) {
	n, err := numberplan.ParseIn("020 7946 0958", "GB")
	require.NoError(t, err, "ParseIn of a national GB number")
	assert.Equal(t, numbermap.Number("+442079460958"), n, "ParseIn reads the national format of the region")
	_, err = numberplan.Parse("020 7946 0958")
	assert.ErrorIs(t, err, numbermap.ErrInvalidNumber, "Parse needs a + and a country code")
}

func TestParseErrorMessage(t *testing.T) {
	_, err := numberplan.Parse("abc")
	require.Error(t, err, "Parse(abc)")
	assert.EqualError(t, err, `numbermap: invalid number "abc": letter 'a' at position 1: a number starts with + or a digit`,
		"the message quotes the input and says why")

	long := "+1" + strings.Repeat("5", 200)
	_, err = numberplan.Parse(long)
	require.Error(t, err, "Parse of 201 digits")
	assert.Less(t, len(err.Error()), 160, "the message quotes a long input only in part, got %q", err)
	assert.Contains(t, err.Error(), "too long", "the message still says why")
	var pe *numbermap.ParseError
	require.ErrorAs(t, err, &pe, "a *ParseError")
	assert.Equal(t, long, pe.Input, "ParseError.Input is the whole input")
}

// FuzzParse reads arbitrary strings every way a number can be read. Each
// either fails with a *numbermap.ParseError that says why, or gives a
// number that numbermap.Parse, the definition of E.164, accepts unchanged
// and that reads back as itself.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"+12025550100", "+1 (202) 555-0100", "abc", "", "+", "+0123456789", "+1234567890123456",
		"+1 800 FLOWERS", "(202) 555-0100", "020 7946 0958", "011 44 20 7946 0958", "+1 202 555 0100 ext. 12", "＋１ ２０２ ５５５ ０１００"} {
		f.Add(s)
	}
	known := map[numbermap.Problem]bool{
		numbermap.ProblemEmpty: true, numbermap.ProblemNotANumber: true, numbermap.ProblemNoCountryCode: true,
		numbermap.ProblemBadCountryCode: true, numbermap.ProblemBadRegion: true, numbermap.ProblemTooShort: true,
		numbermap.ProblemTooLong: true, numbermap.ProblemBadLength: true, numbermap.ProblemExtension: true, numbermap.ProblemNotValid: true,
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, o := range []numberplan.Options{{}, {Possible: true}, {Region: "US"}, {Region: "GB", Possible: true}, {Region: "DE"}} {
			info, err := numberplan.Inspect(s, o)
			if err != nil {
				var pe *numbermap.ParseError
				if !errors.As(err, &pe) || !errors.Is(err, numbermap.ErrInvalidNumber) {
					t.Fatalf("Inspect(%q, %+v) error %v (%T) is not a *ParseError unwrapping to ErrInvalidNumber", s, o, err, err)
				}
				if pe.Input != s || pe.Reason == "" || !known[pe.Problem] {
					t.Fatalf("Inspect(%q, %+v): ParseError%+v should hold the input, a known problem and a reason", s, o, *pe)
				}
				if info != (numberplan.Info{}) {
					t.Fatalf("Inspect(%q, %+v) returned %+v with an error; want the zero Info", s, o, info)
				}
				continue
			}
			n := info.Number
			if core, err := numbermap.Parse(string(n)); !n.Valid() || err != nil || core != n {
				t.Fatalf("Inspect(%q, %+v) = %q, which numbermap.Parse reads as %q, %v: not a valid E.164 number", s, o, n, core, err)
			}
			if !o.Possible && !info.Valid {
				t.Fatalf("Inspect(%q, %+v) accepted %q, which the plan does not list", s, o, n)
			}
			again, err := numberplan.Inspect(string(n), numberplan.Options{Possible: o.Possible})
			if err != nil || again != info {
				t.Fatalf("Inspect(%q) of Inspect(%q, %+v) = %+v, %v; want %+v", n, s, o, again, err, info)
			}
		}
	})
}

// TestCallingCodesMatchThePlan checks that numbermap's table of country
// calling codes, which numbermap.Parse and Number.Valid consult, holds
// exactly the codes of the plan this package reads: every number the plan
// accepts is valid for numbermap, and numbermap refuses no country the
// plan knows. When phonenumbers gains or drops a code, update the table in
// numbermap/callingcodes.go.
func TestCallingCodesMatchThePlan(t *testing.T) {
	inPlan := phonenumbers.GetSupportedCallingCodes()
	// Every three-digit start of a number: its country code is the
	// shortest prefix that is a code, if any.
	for p := 100; p <= 999; p++ {
		d := strconv.Itoa(p)
		want := ""
		for l := 1; l <= 3; l++ {
			if c, _ := strconv.Atoi(d[:l]); inPlan[c] {
				want = d[:l]
				break
			}
		}
		n := numbermap.Number("+" + d + "1234567")
		assert.Equal(t, want != "", n.Valid(), "Number(%q).Valid(): the plan's code is %q", n, want)
	}
	for c := range inPlan {
		n := numbermap.Number("+" + strconv.Itoa(c) + "1234567")
		assert.True(t, n.Valid(), "the plan's country code +%d is valid for numbermap (%s)", c, n)
	}
}

func ExampleParse() {
	for _, s := range []string{"+1 (202) 555-0100", "+44 20 7946 0958", "+1 800 FLOWERS", "(202) 555-0100", "+1 555 555 0100", "+999 1234 5678"} {
		n, err := numberplan.Parse(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(n)
	}
	// Output:
	// +12025550100
	// +442079460958
	// +18003569377
	// numbermap: invalid number "(202) 555-0100": no country code: write it with + and the country code, or give the region of its national format
	// numbermap: invalid number "+1 555 555 0100": not a valid number for country code +1: no range of the numbering plan holds it
	// numbermap: invalid number "+999 1234 5678": bad country code: no country has the code +9, +99 or +999
}

func ExampleParseIn() {
	n, err := numberplan.ParseIn("020 7946 0958", "GB")
	fmt.Println(n, err)
	// Output:
	// +442079460958 <nil>
}

func ExampleInspect() {
	info, err := numberplan.Inspect("1-800-FLOWERS", numberplan.Options{Region: "US"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(info.Number, info.Country, info.Type)

	_, err = numberplan.Inspect("+1 202 555 0100 1", numberplan.Options{})
	var pe *numbermap.ParseError
	if errors.As(err, &pe) {
		fmt.Println(pe.Problem == numbermap.ProblemTooLong, pe.Reason)
	}
	// Output:
	// +18003569377 US toll-free
	// true too long: 11 digits after +1, numbers there have 10 digits
}

// BenchmarkParse measures normalising an input number: parse, validate
// against the plan, format in E.164. It belongs where numbers enter the
// system, not on the call path.
func BenchmarkParse(b *testing.B) {
	for _, c := range []struct {
		name, in string
		opts     numberplan.Options
	}{
		{"E.164", "+12025550100", numberplan.Options{}},
		{"formatted", "+1 (202) 555-0100", numberplan.Options{}},
		{"national", "020 7946 0958", numberplan.Options{Region: "GB"}},
		{"vanity", "+1 800 FLOWERS", numberplan.Options{}},
		{"possible", "+1 555 555 0100", numberplan.Options{Possible: true}},
		{"refused", "+999 1234 5678", numberplan.Options{}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = numberplan.ParseWith(c.in, c.opts)
			}
		})
	}
}

// TestCountriesMatchThePlan checks that numbermap's list of the regions
// numbers belong to is the plan's, region for region.
func TestCountriesMatchThePlan(t *testing.T) {
	var inPlan []string
	for r := range phonenumbers.GetSupportedRegions() {
		inPlan = append(inPlan, r)
	}
	slices.Sort(inPlan)
	assert.Equal(t, inPlan, numbermap.Countries(), "numbermap's countries and the plan's regions")
	for _, r := range inPlan {
		assert.True(t, numbermap.KnownCountry(r), "KnownCountry(%q)", r)
	}
	for _, bad := range []string{"", "us", "XX", "U", "USA", "ZZ", "S "} {
		assert.False(t, numbermap.KnownCountry(bad), "KnownCountry(%q)", bad)
	}
}
