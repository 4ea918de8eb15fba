package access

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Token layout. A token is TokenPrefix followed by the unpadded base64url
// encoding of 48 bytes:
//
//	selector (12 bytes) | secret (32 bytes) | CRC-32C (4 bytes, big endian)
//
// The selector names the stored [Credential] (its ID is the selector in
// base64url); the secret is 256 bits from crypto/rand that only the holder
// knows; the checksum, over the prefix, selector and secret, tells a
// mistyped or truncated token from a forged one without asking the store.
// The token carries nothing else: no principal, no service, no expiry, no
// key: everything it stands for lives in the store, under the server's
// control.
const (
	// TokenPrefix starts every token, so secret scanners and people can
	// tell an eventcc access token when they see one.
	TokenPrefix = "ecc_"
	// TokenLen is the length in bytes of every token.
	TokenLen = len(TokenPrefix) + tokenB64Len

	selectorLen = 12
	secretLen   = 32
	checksumLen = 4
	rawLen      = selectorLen + secretLen + checksumLen // 48: no base64 padding
	tokenB64Len = rawLen / 3 * 4                        // 64
	// CredentialIDLen is the length of every credential ID: the base64url
	// encoding of the selector.
	CredentialIDLen = selectorLen / 3 * 4 // 16

	// MinKeyLen is the least number of bytes of a Key's secret.
	MinKeyLen = 32
	// maxKeyIDLen bounds Key.ID, which every credential stores.
	maxKeyIDLen = 64
	// digestContext separates this package's digests from any other use
	// of the same key.
	digestContext = "eventcc/access/token/v1\x00"
)

var (
	b64       = base64.RawURLEncoding.Strict()
	crcTab    = crc32.MakeTable(crc32.Castagnoli)
	prefixCRC = crc32.Checksum([]byte(TokenPrefix), crcTab)
)

// TokenError is the error [ParseToken] (and everything that parses a
// token) returns for a string that is not a well-formed token. It wraps
// [ErrMalformedToken]. It never contains the token or any part of it.
type TokenError struct {
	// Problem says what is wrong, e.g. "length 12, want 68".
	Problem string
}

func (e *TokenError) Error() string { return ErrMalformedToken.Error() + ": " + e.Problem }

// Unwrap returns [ErrMalformedToken].
func (e *TokenError) Unwrap() error { return ErrMalformedToken }

// ParsedToken is a token taken apart. It holds the secret: do not log it.
type ParsedToken struct {
	selector [selectorLen]byte
	secret   [secretLen]byte
}

// CredentialID returns the ID of the credential the token claims to be.
func (t *ParsedToken) CredentialID() string {
	return b64.EncodeToString(t.selector[:])
}

// String redacts the secret, so a ParsedToken printed by mistake leaks
// nothing.
func (t *ParsedToken) String() string { return "token " + t.CredentialID() + " (secret redacted)" }

// ParseToken takes a token apart, checking its prefix, length, encoding
// and checksum, and returns a *[TokenError] wrapping [ErrMalformedToken]
// if any is wrong. It never panics, whatever the string, and does not look
// the token up (see [Authority.AuthorizeToken]).
func ParseToken(s string) (*ParsedToken, error) {
	t := new(ParsedToken)
	if err := parseToken(s, t); err != nil {
		return nil, err
	}
	return t, nil
}

// parseToken is ParseToken into t.
func parseToken(s string, t *ParsedToken) error {
	switch {
	case s == "":
		return &TokenError{Problem: "empty"}
	case !strings.HasPrefix(s, TokenPrefix):
		return &TokenError{Problem: fmt.Sprintf("does not start with %q", TokenPrefix)}
	case len(s) != TokenLen:
		return &TokenError{Problem: fmt.Sprintf("length %d, want %d", len(s), TokenLen)}
	}
	var text [tokenB64Len]byte
	copy(text[:], s[len(TokenPrefix):])
	var raw [rawLen]byte
	n, err := b64.Decode(raw[:], text[:])
	if err != nil || n != rawLen {
		return &TokenError{Problem: "not unpadded base64url"}
	}
	sum := checksum(raw[:selectorLen+secretLen])
	got := uint32(raw[rawLen-4])<<24 | uint32(raw[rawLen-3])<<16 | uint32(raw[rawLen-2])<<8 | uint32(raw[rawLen-1])
	if sum != got {
		return &TokenError{Problem: "checksum mismatch (mistyped or truncated)"}
	}
	copy(t.selector[:], raw[:selectorLen])
	copy(t.secret[:], raw[selectorLen:selectorLen+secretLen])
	return nil
}

// checksum is the CRC-32C of the prefix and then body.
func checksum(body []byte) uint32 { return crc32.Update(prefixCRC, crcTab, body) }

// newToken draws a fresh selector and secret from crypto/rand and returns
// them with the token's text.
func newToken() (ParsedToken, string, error) {
	var raw [rawLen]byte
	if _, err := rand.Read(raw[:selectorLen+secretLen]); err != nil {
		return ParsedToken{}, "", fmt.Errorf("access: token randomness: %w", err)
	}
	sum := checksum(raw[:selectorLen+secretLen])
	raw[rawLen-4], raw[rawLen-3], raw[rawLen-2], raw[rawLen-1] = byte(sum>>24), byte(sum>>16), byte(sum>>8), byte(sum)
	var t ParsedToken
	copy(t.selector[:], raw[:selectorLen])
	copy(t.secret[:], raw[selectorLen:selectorLen+secretLen])
	return t, TokenPrefix + b64.EncodeToString(raw[:]), nil
}

// Digest is the HMAC-SHA256 of a token under a server key: what a
// [TokenStore] keeps instead of the token.
type Digest [sha256.Size]byte

// Credential is what the store keeps of a bearer token: never the token,
// only its digest under a server key, and what the token stands for. A
// token authorises exactly what its grant allows, on the grant's service,
// while both the grant and the credential are unrevoked and the key still
// verifies; renewing the grant renews the token.
type Credential struct {
	ID        string // the token's selector in base64url: public, safe to log
	KeyID     string // the server key Digest was computed under
	Digest    Digest // HMAC-SHA256 under the key; compared in constant time
	GrantID   string // the grant the token stands for
	ServiceID string // the grant's service when issued; must still match
	Principal string // the grant's principal when issued; must still match
	IssuedAt  time.Time
	Revoked   bool
	RevokedAt time.Time // set with Revoked
}

// CredentialMatch selects credentials for [TokenStore.RevokeCredentials]:
// those whose fields equal every non-empty field here. At least one field
// must be set.
type CredentialMatch struct {
	GrantID   string
	ServiceID string
	Principal string
}

// ValidateCredential reports whether c is a credential a [TokenStore] may
// hold: ID is a credential ID (CredentialIDLen base64url characters),
// KeyID, GrantID, ServiceID and Principal are not empty, IssuedAt is set,
// and Digest is not all zeros. It returns nil or an error wrapping
// [ErrInvalid] naming each broken rule.
func ValidateCredential(c Credential) error {
	var errs []error
	bad := func(field, problem string) {
		errs = append(errs, fmt.Errorf("%w: credential %q: %s: %s", ErrInvalid, c.ID, field, problem))
	}
	if !validCredentialID(c.ID) {
		bad("ID", fmt.Sprintf("want %d base64url characters", CredentialIDLen))
	}
	if c.KeyID == "" {
		bad("KeyID", "empty")
	}
	if c.GrantID == "" {
		bad("GrantID", "empty")
	}
	if c.ServiceID == "" {
		bad("ServiceID", "empty")
	}
	if c.Principal == "" {
		bad("Principal", "empty")
	}
	if c.IssuedAt.IsZero() {
		bad("IssuedAt", "not set")
	}
	if c.Digest == (Digest{}) {
		bad("Digest", "all zeros")
	}
	return errors.Join(errs...)
}

func validCredentialID(id string) bool {
	if len(id) != CredentialIDLen {
		return false
	}
	var sel [selectorLen]byte
	n, err := b64.Decode(sel[:], []byte(id))
	return err == nil && n == selectorLen
}

// TokenStore keeps the credentials of bearer tokens. The rules of [Store]
// apply: safe for concurrent use, values in and out are copies, a done ctx
// returns ctx.Err() with nothing changed, and a change that has returned
// is seen by every later call, so once a revocation returns no token of
// the revoked credentials authorises.
//
// The package accesstest checks an implementation against this contract
// when the [Store] under test also implements TokenStore.
type TokenStore interface {
	// CreateCredential stores a new credential. c must pass
	// [ValidateCredential] (ErrInvalid otherwise); ErrExists if c.ID is
	// taken.
	CreateCredential(ctx context.Context, c Credential) error
	// GetCredential returns one credential, or ErrNotFound.
	GetCredential(ctx context.Context, id string) (Credential, error)
	// RevokeCredential marks one credential revoked at at. Idempotent:
	// revoking a revoked credential changes nothing and is not an error.
	// ErrNotFound if absent.
	RevokeCredential(ctx context.Context, id string, at time.Time) error
	// RevokeCredentials marks every unrevoked credential that m selects
	// revoked at at and returns how many. An empty m is ErrInvalid.
	RevokeCredentials(ctx context.Context, m CredentialMatch, at time.Time) (int, error)
}

// Key is a server key that token digests are computed under. Keep its
// Secret in a secret manager; the store only ever sees its ID.
type Key struct {
	// ID names the key in every credential digested under it: not empty,
	// at most 64 bytes, printable.
	ID string
	// Secret is the HMAC key: at least MinKeyLen (32) bytes, random.
	Secret []byte
	// Until is when the key stops verifying tokens: a key rotated out
	// keeps verifying until the end of its overlap window. Zero: no end.
	// The key that digests new tokens must have a zero Until.
	Until time.Time
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// keyring is an immutable set of keys; the Authority swaps it whole.
type keyring struct {
	current *macKey   // digests new tokens
	all     []*macKey // current first, then older keys that still verify, or were retired by the last rotation
}

// macKey is a Key with a pool of keyed HMAC states, so that digesting
// needs neither a new HMAC, nor the key schedule, nor an allocation each
// time.
type macKey struct {
	Key
	// retired: replaced without overlap; kept only to tell its tokens
	// from forgeries, it verifies nothing.
	retired bool
	pool    sync.Pool // of *macState
}

// macState is a keyed HMAC with room for its input and output.
type macState struct {
	h   hash.Hash
	in  [len(digestContext) + selectorLen + secretLen]byte
	out [sha256.Size]byte
}

func newMACKey(k Key) *macKey {
	m := &macKey{Key: Key{ID: k.ID, Secret: append([]byte(nil), k.Secret...), Until: k.Until}}
	m.pool.New = func() any {
		st := &macState{h: hmac.New(sha256.New, m.Secret)}
		copy(st.in[:], digestContext)
		return st
	}
	return m
}

// digest returns the HMAC-SHA256 of the token's selector and secret.
func (m *macKey) digest(t *ParsedToken) Digest {
	st := m.pool.Get().(*macState)
	st.h.Reset()
	copy(st.in[len(digestContext):], t.selector[:])
	copy(st.in[len(digestContext)+selectorLen:], t.secret[:])
	st.h.Write(st.in[:])
	d := Digest(st.h.Sum(st.out[:0]))
	clear(st.in[len(digestContext):]) // no secret lingers in the pool
	m.pool.Put(st)
	return d
}

// verifies reports whether m still verifies tokens at now.
func (m *macKey) verifies(now time.Time) bool {
	return !m.retired && (m.Until.IsZero() || now.Before(m.Until))
}

func (r *keyring) find(id string) *macKey {
	for _, k := range r.all {
		if k.ID == id {
			return k
		}
	}
	return nil
}
