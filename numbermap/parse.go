package numbermap

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// E.164 limits on the digits of a number, country code included. E.164
// allows at most 15; numbers shorter than 8 are not dialable from abroad in
// practice and are refused as likely typos.
const (
	minDigits = 8
	maxDigits = 15
)

// ParseError reports a string [Parse] refused, and why. It unwraps to
// [ErrInvalidNumber].
type ParseError struct {
	Input  string // the string given to Parse
	Reason string // what is wrong with it, e.g. "too long (16 digits, at most 15)"
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

// isSeparator reports whether r is a visual separator Parse ignores.
func isSeparator(r rune) bool {
	switch r {
	case ' ', '-', '.', '(', ')':
		return true
	}
	return false
}

// Parse checks that s is a telephone number in international form and
// returns it in E.164 form: "+1 (555) 555-0100" is "+15555550100".
//
// It ignores the visual separators space, '-', '.', '(' and ')' anywhere,
// and requires a leading '+', a country code that does not start with 0,
// digits only, and 8 to 15 digits in all. It checks syntax only: it does
// not know which country codes and number lengths exist.
//
// Any error is a [*ParseError] whose Reason names what is wrong (and, for
// a stray character, its position, counting characters from 1).
func Parse(s string) (Number, error) {
	fail := func(format string, args ...any) (Number, error) {
		return "", &ParseError{Input: s, Reason: fmt.Sprintf(format, args...)}
	}
	const noPlus = "must start with + and a country code"
	var (
		buf    [1 + maxDigits]byte
		out    = buf[:0]
		digits int
		plus   bool
		pos    int
	)
	for _, r := range s {
		pos++
		switch {
		case isSeparator(r):
		case r == '+':
			if plus {
				return fail("%q at position %d: only one +, at the start", r, pos)
			}
			plus = true
			out = append(out, '+')
		case !plus:
			return fail(noPlus)
		case '0' <= r && r <= '9':
			if digits == 0 && r == '0' {
				return fail("country code cannot start with 0")
			}
			digits++
			if digits <= maxDigits {
				out = append(out, byte(r))
			}
		case unicode.IsLetter(r):
			return fail("letter %q at position %d: only digits may follow +", r, pos)
		default:
			return fail("unexpected character %q at position %d: only digits and the separators space - . ( ) are allowed", r, pos)
		}
	}
	switch {
	case !plus && pos == 0:
		return fail("empty")
	case !plus:
		return fail("empty: only separators")
	case digits > maxDigits:
		return fail("too long (%d digits, at most %d)", digits, maxDigits)
	case digits < minDigits:
		return fail("too short (%d digits, at least %d)", digits, minDigits)
	}
	return Number(out), nil
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

// Valid reports whether n is in the E.164 form [Parse] returns: '+', a
// country code not starting with 0, and 8 to 15 digits in all.
func (n Number) Valid() bool {
	if len(n) < 1+minDigits || len(n) > 1+maxDigits || n[0] != '+' || n[1] == '0' {
		return false
	}
	for i := 1; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	return true
}
