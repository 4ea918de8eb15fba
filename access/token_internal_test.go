package access

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encode is the inverse of parseToken, for tests.
func encode(t *ParsedToken) string {
	var raw [rawLen]byte
	copy(raw[:], t.selector[:])
	copy(raw[selectorLen:], t.secret[:])
	sum := checksum(raw[:selectorLen+secretLen])
	raw[rawLen-4], raw[rawLen-3], raw[rawLen-2], raw[rawLen-1] = byte(sum>>24), byte(sum>>16), byte(sum>>8), byte(sum)
	return TokenPrefix + b64.EncodeToString(raw[:])
}

func TestNewTokenRoundTrips(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		pt, text, err := newToken()
		require.NoError(t, err)
		assert.Len(t, text, TokenLen, "a token has TokenLen bytes")
		assert.True(t, strings.HasPrefix(text, TokenPrefix), "a token starts with TokenPrefix")
		got, err := ParseToken(text)
		require.NoError(t, err, "a fresh token must parse")
		assert.Equal(t, pt, *got, "parsing a token gives back its selector and secret")
		assert.Equal(t, text, encode(got), "encoding a parsed token gives back the token")
		assert.Len(t, got.CredentialID(), CredentialIDLen, "a credential ID has CredentialIDLen bytes")
		assert.NotContains(t, got.String(), b64.EncodeToString(got.secret[:]), "String must not show the secret")
		assert.False(t, seen[text], "tokens must not repeat")
		seen[text] = true
	}
}

func TestDigestDependsOnKeyAndToken(t *testing.T) {
	k1 := newMACKey(Key{ID: "k1", Secret: []byte(strings.Repeat("a", 32))})
	k2 := newMACKey(Key{ID: "k2", Secret: []byte(strings.Repeat("b", 32))})
	t1, _, err := newToken()
	require.NoError(t, err)
	t2 := t1
	t2.secret[0] ^= 1
	t3 := t1
	t3.selector[0] ^= 1
	d := k1.digest(&t1)
	assert.Equal(t, d, k1.digest(&t1), "a digest is a function of key and token")
	assert.NotEqual(t, d, k2.digest(&t1), "another key gives another digest")
	assert.NotEqual(t, d, k1.digest(&t2), "another secret gives another digest")
	assert.NotEqual(t, d, k1.digest(&t3), "another selector gives another digest")
}

func TestParseTokenMalformed(t *testing.T) {
	good, _, err := newToken()
	require.NoError(t, err)
	text := encode(&good)
	body := text[len(TokenPrefix):]
	flip := func(s string, i int) string {
		c := byte('A')
		if s[i] == 'A' {
			c = 'B'
		}
		return s[:i] + string(c) + s[i+1:]
	}
	other := good
	other.secret = [secretLen]byte{} // another token: its body, with good's checksum
	spliced := encode(&other)[:TokenLen-8] + text[TokenLen-8:]

	for _, tc := range []struct {
		name, token, problem string
	}{
		{"Empty", "", "empty"},
		{"NoPrefix", body, "does not start with"},
		{"OtherPrefix", "ghp_" + body, "does not start with"},
		{"PrefixOnly", TokenPrefix, "length"},
		{"Truncated", text[:len(text)-1], "length"},
		{"TooLong", text + "A", "length"},
		{"Padded", text[:len(text)-2] + "==", "base64url"},
		{"StdAlphabet", TokenPrefix + strings.Repeat("+", tokenB64Len), "base64url"},
		{"Space", text[:20] + " " + text[21:], "base64url"},
		{"NonASCII", text[:len(text)-2] + "é", "base64url"},
		{"Mistyped", TokenPrefix + flip(body, 10), "checksum"},
		{"ChecksumOfAnother", spliced, "checksum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pt, err := ParseToken(tc.token)
			assert.Nil(t, pt, "a malformed token parses to nothing")
			var te *TokenError
			require.ErrorAs(t, err, &te, "a malformed token wants a *TokenError")
			assert.ErrorIs(t, err, ErrMalformedToken, "a *TokenError wraps ErrMalformedToken")
			assert.Contains(t, te.Problem, tc.problem, "the error must say what is wrong")
			if len(tc.token) > len(TokenPrefix)+8 {
				assert.NotContains(t, err.Error(), tc.token[len(TokenPrefix):], "the error must not contain the token")
			}
		})
	}
}

// FuzzParseToken checks that no string makes ParseToken panic, that what
// it accepts is exactly what encodes back to the same string, and that
// its errors are typed and never carry the input.
func FuzzParseToken(f *testing.F) {
	_, text, err := newToken()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(text)
	f.Add("")
	f.Add(TokenPrefix)
	f.Add(text[:len(text)-1])
	f.Add(text + "=")
	f.Add("ecc_" + strings.Repeat("A", tokenB64Len))
	f.Add(strings.ToUpper(text))
	f.Fuzz(func(t *testing.T, s string) {
		pt, err := ParseToken(s)
		if err != nil {
			var te *TokenError
			if !errors.As(err, &te) || !errors.Is(err, ErrMalformedToken) || pt != nil {
				t.Fatalf("ParseToken(%q) = %v, %v; want nil and a *TokenError", s, pt, err)
			}
			if len(s) > 12 && strings.Contains(err.Error(), s) {
				t.Fatalf("the error %q contains the token", err)
			}
			return
		}
		if got := encode(pt); got != s {
			t.Fatalf("ParseToken accepted %q, which encodes back as %q", s, got)
		}
		if _, err := base64.RawURLEncoding.Strict().DecodeString(pt.CredentialID()); err != nil {
			t.Fatalf("credential ID %q is not base64url: %v", pt.CredentialID(), err)
		}
	})
}
