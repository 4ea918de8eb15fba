package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The headers a signed delivery carries, in both directions.
const (
	// HeaderTimestamp is the instant the delivery was signed, in Unix
	// seconds: "1767225600".
	HeaderTimestamp = "Eventcc-Timestamp"
	// HeaderSignature holds one or more signatures of the delivery,
	// comma-separated: "v1=<hex>" or "v1=<hex>,v1=<hex>" while a sender
	// signs with two secrets during a rotation.
	HeaderSignature = "Eventcc-Signature"
)

// MinSecretLen is the shortest secret accepted: 32 bytes, the size of an
// HMAC-SHA256 output.
const MinSecretLen = 32

// maxSignatures bounds how many signatures one header may carry.
const maxSignatures = 8

// Errors of [Verify], checked with errors.Is. The Handler answers each
// with 401 Unauthorized.
var (
	// ErrNoSignature: the timestamp or signature header is missing.
	ErrNoSignature = errors.New("webhook: missing signature")
	// ErrBadSignature: no signature in the header matches the body and
	// timestamp under any of the secrets, or the header is malformed.
	ErrBadSignature = errors.New("webhook: signature does not match")
	// ErrBadTimestamp: the timestamp header is not a Unix time in
	// seconds.
	ErrBadTimestamp = errors.New("webhook: malformed timestamp")
	// ErrStaleTimestamp: the timestamp is further from the receiver's
	// clock than the tolerance, in either direction.
	ErrStaleTimestamp = errors.New("webhook: timestamp outside the tolerance")
)

// Sign returns the value of the [HeaderSignature] header for body sent at
// t: "v1=" and the lower-case hex HMAC-SHA256, keyed with secret, of the
// Unix time of t in seconds, a '.', and body. With several secrets (a
// rotation in progress), it returns one "v1=" entry per secret, in order,
// comma-separated; a receiver accepts the delivery if any entry matches
// any secret it holds. t's sub-second part is dropped, as in the
// timestamp header ([Timestamp]).
func Sign(t time.Time, body []byte, secrets ...[]byte) string {
	ts := Timestamp(t)
	var b strings.Builder
	for i, s := range secrets {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("v1=")
		b.WriteString(hex.EncodeToString(mac(s, ts, body)))
	}
	return b.String()
}

// Timestamp returns the value of the [HeaderTimestamp] header for t: its
// Unix time in seconds.
func Timestamp(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func mac(secret []byte, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a delivery's timestamp and signature headers against
// body, the clock's now, and secrets (any one of them may have signed
// it). It returns the signing instant, or an error wrapping
// [ErrNoSignature], [ErrBadTimestamp], [ErrStaleTimestamp] or
// [ErrBadSignature]. The timestamp is checked first, so a stale delivery
// is refused without computing a MAC. Signatures are compared in
// constant time. A tolerance of zero or less means
// [DefaultTolerance].
func Verify(timestamp, signature string, body []byte, now time.Time, tolerance time.Duration, secrets ...[]byte) (time.Time, error) {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if timestamp == "" || signature == "" {
		return time.Time{}, fmt.Errorf("%w: want both %s and %s headers", ErrNoSignature, HeaderTimestamp, HeaderSignature)
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || sec < 0 || len(timestamp) > 12 || strconv.FormatInt(sec, 10) != timestamp {
		return time.Time{}, fmt.Errorf("%w: %s %q is not Unix seconds", ErrBadTimestamp, HeaderTimestamp, clip(timestamp))
	}
	at := time.Unix(sec, 0)
	if skew := now.Sub(at); skew > tolerance || skew < -tolerance {
		return time.Time{}, fmt.Errorf("%w: signed at %s, %s from the receiver's clock (%s); tolerance %s",
			ErrStaleTimestamp, at.UTC().Format(time.RFC3339), skew.Truncate(time.Second).Abs(), now.UTC().Format(time.RFC3339), tolerance)
	}
	entries := strings.Split(signature, ",")
	if len(entries) > maxSignatures {
		return time.Time{}, fmt.Errorf("%w: more than %d signatures", ErrBadSignature, maxSignatures)
	}
	var sums [][]byte
	for _, e := range entries {
		e = strings.TrimSpace(e)
		hexSum, ok := strings.CutPrefix(e, "v1=")
		if !ok {
			continue // another scheme: not ours to check
		}
		sum, err := hex.DecodeString(hexSum)
		if err != nil || len(sum) != sha256.Size {
			return time.Time{}, fmt.Errorf("%w: malformed v1 signature", ErrBadSignature)
		}
		sums = append(sums, sum)
	}
	if len(sums) == 0 {
		return time.Time{}, fmt.Errorf("%w: no v1 signature", ErrBadSignature)
	}
	match := 0
	for _, s := range secrets {
		want := mac(s, timestamp, body)
		for _, sum := range sums {
			// Constant time in the compared bytes; keep going after a
			// match so the work done does not depend on which secret or
			// entry matched.
			if hmac.Equal(want, sum) {
				match++
			}
		}
	}
	if match == 0 {
		return time.Time{}, ErrBadSignature
	}
	return at, nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}

// cloneSecrets copies secrets, so that the caller may reuse its slices.
func cloneSecrets(secrets [][]byte) [][]byte {
	out := make([][]byte, len(secrets))
	for i, s := range secrets {
		out[i] = append([]byte(nil), s...)
	}
	return out
}
