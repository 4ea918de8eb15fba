package webhook_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter/webhook"
)

func TestVerify(t *testing.T) {
	body := []byte(`{"id":"d1"}`)
	at := time.Unix(1772355600, 0)
	sig := webhook.Sign(at, body, secret)
	ts := webhook.Timestamp(at)
	require.True(t, strings.HasPrefix(sig, "v1="), "want a v1 signature; got %q", sig)

	cases := []struct {
		name      string
		ts, sig   string
		body      []byte
		now       time.Time
		tolerance time.Duration
		secrets   [][]byte
		want      error
	}{
		{name: "valid", ts: ts, sig: sig, body: body, now: at, secrets: [][]byte{secret}},
		{name: "one of several secrets", ts: ts, sig: sig, body: body, now: at, secrets: [][]byte{otherSecret, secret}},
		{name: "one of several signatures", ts: ts, sig: "v1=" + strings.Repeat("0", 64) + ", " + sig, body: body, now: at, secrets: [][]byte{secret}},
		{name: "other schemes ignored", ts: ts, sig: "v0=abc," + sig, body: body, now: at, secrets: [][]byte{secret}},
		{name: "at the tolerance, late", ts: ts, sig: sig, body: body, now: at.Add(5 * time.Minute), secrets: [][]byte{secret}},
		{name: "at the tolerance, early", ts: ts, sig: sig, body: body, now: at.Add(-5 * time.Minute), secrets: [][]byte{secret}},
		{name: "custom tolerance", ts: ts, sig: sig, body: body, now: at.Add(time.Hour), tolerance: 2 * time.Hour, secrets: [][]byte{secret}},
		{name: "too late", ts: ts, sig: sig, body: body, now: at.Add(5*time.Minute + time.Second), secrets: [][]byte{secret}, want: webhook.ErrStaleTimestamp},
		{name: "too early", ts: ts, sig: sig, body: body, now: at.Add(-5*time.Minute - time.Second), secrets: [][]byte{secret}, want: webhook.ErrStaleTimestamp},
		{name: "wrong secret", ts: ts, sig: sig, body: body, now: at, secrets: [][]byte{otherSecret}, want: webhook.ErrBadSignature},
		{name: "no secret", ts: ts, sig: sig, body: body, now: at, want: webhook.ErrBadSignature},
		{name: "body changed", ts: ts, sig: sig, body: []byte(`{"id":"d2"}`), now: at, secrets: [][]byte{secret}, want: webhook.ErrBadSignature},
		{name: "timestamp changed", ts: webhook.Timestamp(at.Add(time.Second)), sig: sig, body: body, now: at, secrets: [][]byte{secret}, want: webhook.ErrBadSignature},
		{name: "upper-case hex", ts: ts, sig: strings.ToUpper(sig[3:]), body: body, now: at, secrets: [][]byte{secret}, want: webhook.ErrBadSignature},
		{name: "short signature", ts: ts, sig: sig[:40], body: body, now: at, secrets: [][]byte{secret}, want: webhook.ErrBadSignature},
		{name: "too many signatures", ts: ts, sig: strings.Repeat(sig+",", 9) + sig, body: body, now: at, secrets: [][]byte{secret}, want: webhook.ErrBadSignature},
		{name: "no timestamp", sig: sig, body: body, now: at, secrets: [][]byte{secret}, want: webhook.ErrNoSignature},
		{name: "no signature", ts: ts, body: body, now: at, secrets: [][]byte{secret}, want: webhook.ErrNoSignature},
		{name: "timestamp in milliseconds", ts: ts + "000", sig: sig, body: body, now: at, secrets: [][]byte{secret}, want: webhook.ErrBadTimestamp},
		{name: "timestamp with a sign", ts: "+" + ts, sig: sig, body: body, now: at, secrets: [][]byte{secret}, want: webhook.ErrBadTimestamp},
		{name: "timestamp not a number", ts: "soon", sig: sig, body: body, now: at, secrets: [][]byte{secret}, want: webhook.ErrBadTimestamp},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := webhook.Verify(c.ts, c.sig, c.body, c.now, c.tolerance, c.secrets...)
			if c.want == nil {
				require.NoError(t, err)
				assert.True(t, got.Equal(at), "want the signing instant %s; got %s", at, got)
				return
			}
			assert.ErrorIs(t, err, c.want)
		})
	}
}

func TestSign_SeveralSecrets(t *testing.T) {
	at := time.Unix(1772355600, 0)
	sig := webhook.Sign(at, []byte("x"), secret, otherSecret)
	parts := strings.Split(sig, ",")
	require.Len(t, parts, 2, "want one signature per secret")
	assert.Equal(t, webhook.Sign(at, []byte("x"), secret), parts[0])
	assert.Equal(t, webhook.Sign(at, []byte("x"), otherSecret), parts[1])
	assert.Equal(t, webhook.Sign(at, []byte("x"), secret), webhook.Sign(at.Add(999*time.Millisecond), []byte("x"), secret),
		"want the sub-second part ignored, as in the timestamp header")
}
