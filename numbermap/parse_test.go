package numbermap_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/numbermap"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name, in string
		want     numbermap.Number // "" for an error
		reason   string           // substring of the reason, with an error
	}{
		{"E.164", "+15555550100", "+15555550100", ""},
		{"spaces", "+1 555 555 0100", "+15555550100", ""},
		{"leading and trailing spaces", "  +1 555 555 0100 ", "+15555550100", ""},
		{"dashes", "+1-555-555-0100", "+15555550100", ""},
		{"dots", "+44.7700.900.123", "+447700900123", ""},
		{"parentheses", "+1 (555) 555-0100", "+15555550100", ""},
		{"parenthesised plus", "(+44) 20 7946 0958", "+442079460958", ""},
		{"separator after plus", "+ 49 30 901820", "+4930901820", ""},
		{"shortest: 8 digits", "+64212345", "+64212345", ""},
		{"longest: 15 digits", "+123456789012345", "+123456789012345", ""},
		{"empty", "", "", "empty"},
		{"only separators", " ( ) - . ", "", "empty"},
		{"without plus", "15555550100", "", "must start with + and a country code"},
		{"national form", "(555) 555-0100", "", "must start with + and a country code"},
		{"international prefix 00", "0044 20 7946 0958", "", "must start with + and a country code"},
		{"letters without plus", "abc", "", "must start with + and a country code"},
		{"letters", "+1 555 CALL NOW", "", `letter 'C' at position 8`},
		{"letter after the digits", "+15555550100x", "", `letter 'x' at position 13`},
		{"extension", "+1 555 555 0100 ext. 12", "", `letter 'e' at position 17`},
		{"other character", "+1 555 555#0100", "", `unexpected character '#' at position 11`},
		{"slash", "+1/555/5550100", "", `unexpected character '/' at position 3`},
		{"tab", "+1\t5555550100", "", `unexpected character '\t' at position 3`},
		{"second plus", "+1+5555550100", "", `'+' at position 3`},
		{"non-ASCII digit", "+1٥٥٥5550100", "", "position 3"},
		{"too long: 16 digits", "+1234567890123456", "", "too long (16 digits, at most 15)"},
		{"too long with separators", "+44 (0) 20 7946 0958 1234", "", "too long (17 digits, at most 15)"},
		{"too short: 7 digits", "+1555010", "", "too short (7 digits, at least 8)"},
		{"plus alone", "+", "", "too short (0 digits, at least 8)"},
		{"leading zero country code", "+0 555 555 0100", "", "country code cannot start with 0"},
		{"trunk zero after plus", "+044 20 7946 0958", "", "country code cannot start with 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := numbermap.Parse(c.in)
			if c.want != "" {
				require.NoError(t, err, "Parse(%q) should accept it", c.in)
				assert.Equal(t, c.want, got, "Parse(%q) in E.164 form", c.in)
				assert.True(t, got.Valid(), "Parse's result is Valid")
				return
			}
			require.Error(t, err, "Parse(%q) should refuse it (%s)", c.in, c.reason)
			assert.Empty(t, got, "Parse returns the zero Number with an error")
			assert.ErrorIs(t, err, numbermap.ErrInvalidNumber, "every Parse error is ErrInvalidNumber")
			var pe *numbermap.ParseError
			require.ErrorAs(t, err, &pe, "every Parse error is a *ParseError")
			assert.Equal(t, c.in, pe.Input, "ParseError.Input is the input")
			assert.Contains(t, pe.Reason, c.reason, "ParseError.Reason names what is wrong")
		})
	}
}

func TestParseErrorMessage(t *testing.T) {
	_, err := numbermap.Parse("abc")
	require.Error(t, err, "Parse(abc)")
	assert.EqualError(t, err, `numbermap: invalid number "abc": must start with + and a country code`,
		"the message quotes the input and says why")

	long := "+1" + strings.Repeat("5", 200)
	_, err = numbermap.Parse(long)
	require.Error(t, err, "Parse of 201 digits")
	assert.Less(t, len(err.Error()), 160, "the message quotes a long input only in part, got %q", err)
	assert.Contains(t, err.Error(), "too long (201 digits, at most 15)", "the message still says why")
	var pe *numbermap.ParseError
	require.ErrorAs(t, err, &pe, "a *ParseError")
	assert.Equal(t, long, pe.Input, "ParseError.Input is the whole input")
}

func TestMustParse(t *testing.T) {
	assert.Equal(t, numbermap.Number("+15555550100"), numbermap.MustParse("+1 555 555 0100"), "MustParse of a valid number")
	assert.PanicsWithError(t, `numbermap: invalid number "555-0100": must start with + and a country code`,
		func() { numbermap.MustParse("555-0100") }, "MustParse panics with Parse's error")
}

func TestNumberValid(t *testing.T) {
	for n, want := range map[numbermap.Number]bool{
		"+15555550100":      true,
		"+64212345":         true,
		"+123456789012345":  true,
		"":                  false,
		"+":                 false,
		"15555550100":       false,
		"+1 555 555 0100":   false,
		"+05555550100":      false,
		"+1555010":          false,
		"+1234567890123456": false,
		"+1555555010a":      false,
		"++5555550100":      false,
	} {
		assert.Equal(t, want, n.Valid(), "Number(%q).Valid()", n)
	}
}

// e164 is the form every number Parse accepts is in.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

func FuzzParse(f *testing.F) {
	for _, s := range []string{"+15555550100", "+1 (555) 555-0100", "abc", "", "+", "+0123456789", "+1234567890123456", "+1 555 CALL NOW"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := numbermap.Parse(s)
		if err != nil {
			var pe *numbermap.ParseError
			if !errors.As(err, &pe) || !errors.Is(err, numbermap.ErrInvalidNumber) {
				t.Fatalf("Parse(%q) error %v (%T) is not a *ParseError unwrapping to ErrInvalidNumber", s, err, err)
			}
			if pe.Input != s || pe.Reason == "" {
				t.Fatalf("Parse(%q): ParseError%+v should hold the input and a reason", s, *pe)
			}
			if n != "" {
				t.Fatalf("Parse(%q) returned %q with an error; want the zero Number", s, n)
			}
			return
		}
		if !e164.MatchString(string(n)) || !n.Valid() {
			t.Fatalf("Parse(%q) = %q, not in E.164 form", s, n)
		}
		again, err := numbermap.Parse(string(n))
		if err != nil || again != n {
			t.Fatalf("Parse(Parse(%q)) = %q, %v; want %q", s, again, err, n)
		}
		if digits := strings.Map(keepDigits, s); "+"+digits != string(n) {
			t.Fatalf("Parse(%q) = %q; want + and the input's digits %s", s, n, digits)
		}
	})
}

func keepDigits(r rune) rune {
	if '0' <= r && r <= '9' {
		return r
	}
	return -1
}

func ExampleParse() {
	for _, s := range []string{"+1 (555) 555-0100", "+44 7700 900123", "(555) 555-0100", "+1 555 CALL NOW"} {
		n, err := numbermap.Parse(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(n)
	}
	// Output:
	// +15555550100
	// +447700900123
	// numbermap: invalid number "(555) 555-0100": must start with + and a country code
	// numbermap: invalid number "+1 555 CALL NOW": letter 'C' at position 8: only digits may follow +
}
