package numbermap_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/numbermap"
)

// TestParse reads numbers in international form, with and without the
// separators Parse drops. Parse consults no numbering plan: fictional
// ranges are valid E.164 numbers.
func TestParse(t *testing.T) {
	cases := []struct {
		name, in string
		want     numbermap.Number
	}{
		{"E.164", "+12025550100", "+12025550100"},
		{"spaces", "+1 202 555 0100", "+12025550100"},
		{"leading and trailing spaces", "  +1 202 555 0100 ", "+12025550100"},
		{"hyphens", "+1-202-555-0100", "+12025550100"},
		{"dots", "+44.20.7946.0958", "+442079460958"},
		{"separator after plus", "+ 49 30 901820", "+4930901820"},
		{"fictional range", "+15555550100", "+15555550100"},
		{"fictional range, spaced", "+1 555 555 0100", "+15555550100"},
		{"UK drama mobile", "+44 7700 900123", "+447700900123"},
		{"one-digit code, 7", "+7 495 123 45 67", "+74951234567"},
		{"three-digit code", "+290 8999", "+2908999"},
		{"global service", "+800 1234 5678", "+80012345678"},
		{"global service, 15 digits", "+883 5100 0000 0001", "+883510000000001"},
		{"shortest: 6 digits", "+123456", "+123456"},
		{"longest: 15 digits", "+123456789012345", "+123456789012345"},
		{"a code's digits split by a separator", "+4 4 20 7946 0958", "+442079460958"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := numbermap.Parse(c.in)
			require.NoError(t, err, "Parse(%q) should accept it", c.in)
			assert.Equal(t, c.want, got, "Parse(%q) in E.164 form", c.in)
			assert.True(t, got.Valid(), "the result of Parse is Valid")
		})
	}
}

func TestParseRefuses(t *testing.T) {
	cases := []struct {
		name, in string
		problem  numbermap.Problem
		reason   string // substring of the reason
	}{
		{"empty", "", numbermap.ProblemEmpty, "empty: no digits"},
		{"blank", "   ", numbermap.ProblemEmpty, "empty: no digits"},
		{"only separators", " - . ", numbermap.ProblemEmpty, "empty: no digits"},
		{"plus alone", "+", numbermap.ProblemEmpty, "no digits after +"},
		{"without plus", "2025550100", numbermap.ProblemNoCountryCode, "no country code"},
		{"international prefix", "0044 20 7946 0958", numbermap.ProblemNoCountryCode, "no country code"},
		{"words", "abc", numbermap.ProblemNotANumber, `unexpected character 'a' at position 1`},
		{"parentheses", "+1 (202) 555-0100", numbermap.ProblemNotANumber, `unexpected character '(' at position 4`},
		{"trunk zero in parentheses", "+44 (0)20 7946 0958", numbermap.ProblemNotANumber, `'(' at position 5`},
		{"slash", "+49 30/901820", numbermap.ProblemNotANumber, `'/' at position 7`},
		{"vanity letters", "+1 800 FLOWERS", numbermap.ProblemNotANumber, `'F' at position 8`},
		{"stray letter", "+1 202 555 0100x", numbermap.ProblemNotANumber, `'x' at position 16`},
		{"tab", "+1\t2025550100", numbermap.ProblemNotANumber, `'\t' at position 3`},
		{"no-break space", "+1\u00a0202\u00a0555\u00a00100", numbermap.ProblemNotANumber, `'\u00a0' at position 3`},
		{"full-width", "＋１２０２５５５０１００", numbermap.ProblemNotANumber, `'＋' at position 1`},
		{"Arabic-Indic digits", "+1 ٢٠٢ ٥٥٥ ٠١٠٠", numbermap.ProblemNotANumber, `'٢' at position 4`},
		{"invalid UTF-8", "+1\xff2025550100", numbermap.ProblemNotANumber, "'\ufffd' at position 3"},
		{"tel URI", "tel:+12025550100", numbermap.ProblemNotANumber, "position 1"},
		{"extension", "+12025550100;ext=1", numbermap.ProblemNotANumber, `';' at position 13`},
		{"second plus", "+1+2025550100", numbermap.ProblemNotANumber, `'+' at position 3: only one +`},
		{"plus after digits", "1+2025550100", numbermap.ProblemNotANumber, `'+' at position 2`},
		{"five digits", "+12345", numbermap.ProblemTooShort, "too short: 5 digits, at least 6"},
		{"two digits", "+12", numbermap.ProblemTooShort, "too short: 2 digits"},
		{"16 digits", "+1234567890123456", numbermap.ProblemTooLong, "too long: 16 digits, E.164 allows at most 15"},
		{"far too long", "+1" + strings.Repeat("5", 200), numbermap.ProblemTooLong, "too long: 201 digits"},
		{"spare code", "+28 1234 5678", numbermap.ProblemBadCountryCode, "no country has the code +2, +28 or +281"},
		{"spare code, zone 4", "+42 5 123 4567", numbermap.ProblemBadCountryCode, "+4, +42 or +425"},
		{"reserved code", "+999 1234 5678", numbermap.ProblemBadCountryCode, "no country has the code +9, +99 or +999"},
		{"withdrawn code 388", "+388 1234 5678", numbermap.ProblemBadCountryCode, "+388"},
		{"country code 0", "+0 555 1234", numbermap.ProblemBadCountryCode, "no country has the code +0"},
		{"trunk zero after plus", "+044 20 7946 0958", numbermap.ProblemBadCountryCode, "+0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := numbermap.Parse(c.in)
			require.Error(t, err, "Parse(%q) should refuse it (%s)", c.in, c.problem)
			assert.Empty(t, got, "the zero Number with an error")
			assert.ErrorIs(t, err, numbermap.ErrInvalidNumber, "every parse error is ErrInvalidNumber")
			var pe *numbermap.ParseError
			require.ErrorAs(t, err, &pe, "every parse error is a *ParseError")
			assert.Equal(t, c.in, pe.Input, "ParseError.Input is the input")
			assert.Equal(t, c.problem, pe.Problem, "ParseError.Problem classifies the problem (reason %q)", pe.Reason)
			assert.Empty(t, pe.Region, "Parse judges no region")
			assert.Contains(t, pe.Reason, c.reason, "ParseError.Reason says what is wrong")
		})
	}
}

func TestParseErrorMessage(t *testing.T) {
	_, err := numbermap.Parse("abc")
	require.Error(t, err, "Parse(abc)")
	assert.EqualError(t, err, `numbermap: invalid number "abc": unexpected character 'a' at position 1: an E.164 number is + and digits, with spaces, - or . between them`,
		"the message quotes the input and says why")

	long := "+1" + strings.Repeat("5", 200)
	_, err = numbermap.Parse(long)
	require.Error(t, err, "Parse of 201 digits")
	assert.Less(t, len(err.Error()), 160, "the message quotes a long input only in part, got %q", err)
	assert.Contains(t, err.Error(), "too long", "the message still says why")
	var pe *numbermap.ParseError
	require.ErrorAs(t, err, &pe, "a *ParseError")
	assert.Equal(t, long, pe.Input, "ParseError.Input is the whole input")
}

func TestMustParse(t *testing.T) {
	assert.Equal(t, numbermap.Number("+12025550100"), numbermap.MustParse("+1 202 555 0100"), "MustParse of a valid number")
	assert.Equal(t, numbermap.Number("+15555550100"), numbermap.MustParse("+15555550100"), "MustParse of a fictional range")
	assert.PanicsWithError(t, `numbermap: invalid number "555-0100": no country code: write the number with + and its country code`,
		func() { numbermap.MustParse("555-0100") }, "MustParse panics with Parse's error")
}

func TestNumberValid(t *testing.T) {
	for n, want := range map[numbermap.Number]bool{
		"+12025550100":      true,
		"+15555550100":      true, // no plan: a fictional range is valid E.164
		"+2908999":          true,
		"+123456":           true,
		"+123456789012345":  true,
		"+80012345678":      true,
		"+74951234567":      true,
		"":                  false,
		"+":                 false,
		"+12345":            false,
		"12025550100":       false,
		"+1 202 555 0100":   false, // Parse's input, not its output
		"+02025550100":      false,
		"+2812345678":       false, // spare country code
		"+99912345678":      false,
		"+1234567890123456": false,
		"+1202555010a":      false,
		"++2025550100":      false,
		"+１２０２５５５０１００":      false,
	} {
		assert.Equal(t, want, n.Valid(), "Number(%q).Valid()", n)
		got, err := numbermap.Parse(string(n))
		assert.Equal(t, want, err == nil && got == n, "Number(%q).Valid() holds exactly when Parse returns it unchanged (got %q, %v)", n, got, err)
	}
}

func TestParseAllocations(t *testing.T) {
	var n numbermap.Number
	var err error
	assert.Zero(t, testing.AllocsPerRun(100, func() { n, err = numbermap.Parse("+12025550100") }), "Parse of a number in E.164 form does not allocate")
	require.NoError(t, err)
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = n.Valid() }), "Valid does not allocate")
	assert.LessOrEqual(t, testing.AllocsPerRun(100, func() { n, err = numbermap.Parse("+1 202 555 0100") }), 1.0,
		"Parse with separators allocates only the result")
}

// FuzzParse reads arbitrary strings. Each either fails with a *ParseError
// that says why, or gives a Valid number made of the input's digits, in
// order, which Parse returns unchanged; and a string is Valid exactly when
// Parse returns it unchanged.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"+12025550100", "+1 202-555.0100", "abc", "", "+", "+0123456789", "+1234567890123456",
		"+2812345678", "+44 (0)20 7946 0958", "+1 800 FLOWERS", "  +800 1234 5678 ", "＋１ ２０２ ５５５ ０１００"} {
		f.Add(s)
	}
	known := map[numbermap.Problem]bool{
		numbermap.ProblemEmpty: true, numbermap.ProblemNotANumber: true, numbermap.ProblemNoCountryCode: true,
		numbermap.ProblemBadCountryCode: true, numbermap.ProblemTooShort: true, numbermap.ProblemTooLong: true,
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := numbermap.Parse(s)
		if err != nil {
			var pe *numbermap.ParseError
			if !errors.As(err, &pe) || !errors.Is(err, numbermap.ErrInvalidNumber) {
				t.Fatalf("Parse(%q) error %v (%T) is not a *ParseError unwrapping to ErrInvalidNumber", s, err, err)
			}
			if pe.Input != s || pe.Reason == "" || !known[pe.Problem] || pe.Region != "" {
				t.Fatalf("Parse(%q): ParseError%+v should hold the input, one of Parse's problems, a reason and no region", s, *pe)
			}
			if n != "" {
				t.Fatalf("Parse(%q) returned %q with an error; want the zero Number", s, n)
			}
			if numbermap.Number(s).Valid() {
				t.Fatalf("Number(%q).Valid(), yet Parse refused it: %v", s, err)
			}
			return
		}
		if !n.Valid() {
			t.Fatalf("Parse(%q) = %q, not Valid", s, n)
		}
		var digits strings.Builder
		for _, r := range s {
			if '0' <= r && r <= '9' {
				digits.WriteRune(r)
			}
		}
		if want := "+" + digits.String(); string(n) != want {
			t.Fatalf("Parse(%q) = %q; want %q, the input's digits", s, n, want)
		}
		if again, err := numbermap.Parse(string(n)); err != nil || again != n {
			t.Fatalf("Parse(%q) of Parse(%q) = %q, %v; want it unchanged", n, s, again, err)
		}
		if numbermap.Number(s).Valid() != (string(n) == s) {
			t.Fatalf("Number(%q).Valid() = %v, but Parse returned %q", s, numbermap.Number(s).Valid(), n)
		}
	})
}

func ExampleParse() {
	for _, s := range []string{"+1 202-555-0100", "+44 20 7946 0958", "+1 555 555 0100", "(202) 555-0100", "+1 (202) 555-0100", "+999 1234 5678"} {
		n, err := numbermap.Parse(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(n)
	}
	// Output:
	// +12025550100
	// +442079460958
	// +15555550100
	// numbermap: invalid number "(202) 555-0100": unexpected character '(' at position 1: an E.164 number is + and digits, with spaces, - or . between them
	// numbermap: invalid number "+1 (202) 555-0100": unexpected character '(' at position 4: an E.164 number is + and digits, with spaces, - or . between them
	// numbermap: invalid number "+999 1234 5678": bad country code: no country has the code +9, +99 or +999
}

func ExampleNumber_Valid() {
	for _, n := range []numbermap.Number{"+12025550100", "+1 202 555 0100", "+99912345678"} {
		fmt.Println(n, n.Valid())
	}
	// Output:
	// +12025550100 true
	// +1 202 555 0100 false
	// +99912345678 false
}

// BenchmarkParse measures the E.164 check: it is cheap enough for any
// path, unlike package numberplan's.
func BenchmarkParse(b *testing.B) {
	for _, c := range []struct{ name, in string }{
		{"E.164", "+12025550100"},
		{"spaced", "+1 202 555 0100"},
		{"refused", "+999 1234 5678"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = numbermap.Parse(c.in)
			}
		})
	}
	b.Run("Valid", func(b *testing.B) {
		n := numbermap.Number("+12025550100")
		for b.Loop() {
			_ = n.Valid()
		}
	})
}
