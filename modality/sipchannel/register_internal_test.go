package sipchannel

import (
	"strings"
	"testing"
	"time"

	"github.com/icholy/digest"
)

// FuzzRegisterCredentials feeds arbitrary Authorization values and nonces
// to what a REGISTER's credentials go through before any password is
// asked for: nothing panics, and no nonce the channel did not make is
// fresh.
func FuzzRegisterCredentials(f *testing.F) {
	at := time.Date(2030, 6, 1, 9, 0, 0, 0, time.UTC)
	c := &Channel{cfg: Config{Now: func() time.Time { return at }}, nonceKey: newNonceKey()}
	chal := c.challenge("expo")
	f.Add(`Digest username="ada", realm="expo", nonce="` + chal.Nonce + `", uri="sip:127.0.0.1", response="00", qop=auth, nc=00000001, cnonce="x"`)
	f.Add(`Digest username="ada"`)
	f.Add(`Basic YWRhOnBhc3M=`)
	f.Add(`Digest nonce="` + strings.Repeat("A", 32) + `"`)
	f.Fuzz(func(t *testing.T, header string) {
		cred, err := digest.ParseCredentials(header)
		if err != nil {
			return
		}
		if cred.Nonce != chal.Nonce && c.freshNonce("expo", cred.Nonce) {
			t.Fatalf("nonce %q is fresh, but the channel did not make it", cred.Nonce)
		}
	})
}

func TestNonce(t *testing.T) {
	now := time.Date(2030, 6, 1, 9, 0, 0, 0, time.UTC)
	c := &Channel{cfg: Config{Now: func() time.Time { return now }}, nonceKey: newNonceKey()}
	n := c.challenge("expo").Nonce
	if !c.freshNonce("expo", n) {
		t.Fatal("a nonce just made is not fresh")
	}
	if c.freshNonce("fair", n) {
		t.Fatal("a nonce of expo's realm is fresh in fair's")
	}
	other := &Channel{cfg: c.cfg, nonceKey: newNonceKey()}
	if other.freshNonce("expo", n) {
		t.Fatal("a nonce is fresh for a channel with another key")
	}
	now = now.Add(nonceLife + time.Second)
	if c.freshNonce("expo", n) {
		t.Fatal("a nonce older than five minutes is fresh")
	}
}
