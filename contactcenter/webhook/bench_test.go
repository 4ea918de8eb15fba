package webhook_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/eventcc/eventcc/contactcenter/webhook"
)

var benchBody = []byte(`{"id":"dlv_0002","type":"event.updated","event":{"id":"gophercon-eu-2027","version":2,` +
	`"term":{"start":"2027-03-01T09:00:00Z","end":"2027-03-01T19:00:00Z","timeZone":"Europe/Berlin"}}}`)

// BenchmarkVerify measures checking a delivery's signature while two
// secrets are active (a rotation), the one that signed it listed second.
func BenchmarkVerify(b *testing.B) {
	at := time.Unix(1803891600, 0)
	sig := webhook.Sign(at, benchBody, secret)
	ts := webhook.Timestamp(at)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := webhook.Verify(ts, sig, benchBody, at, 0, otherSecret, secret); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode measures the strict decoding of an event.updated
// delivery.
func BenchmarkDecode(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchBody)))
	for b.Loop() {
		if _, err := webhook.Decode(benchBody); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandler measures one delivery through ServeHTTP (no network):
// an extension applied to the Lifecycle, the same delivery answered from
// the version store, and a forged delivery refused.
func BenchmarkHandler(b *testing.B) {
	for _, c := range []struct {
		name string
		body func(i int) ([]byte, []byte) // body, secret
		want int
	}{
		{"extend-applied", func(i int) ([]byte, []byte) {
			return mustJSON(b, updated(fmt.Sprint("u", i), int64(i+2), start, end.Add(time.Duration(i+1)*time.Second))), secret
		}, http.StatusOK},
		{"already-applied", func(i int) ([]byte, []byte) {
			return mustJSON(b, updated(fmt.Sprint("u", i), 1, start, end)), secret
		}, http.StatusOK},
		{"bad-signature", func(i int) ([]byte, []byte) {
			return mustJSON(b, updated(fmt.Sprint("u", i), int64(i+2), start, end)), otherSecret
		}, http.StatusUnauthorized},
	} {
		b.Run(c.name, func(b *testing.B) {
			e := newBenchEnv(b)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				body, key := c.body(i)
				i++
				now := e.clock.Now()
				req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
				req.Header.Set(webhook.HeaderTimestamp, webhook.Timestamp(now))
				req.Header.Set(webhook.HeaderSignature, webhook.Sign(now, body, key))
				rec := httptest.NewRecorder()
				e.h.ServeHTTP(rec, req)
				if rec.Code != c.want {
					b.Fatalf("delivery %d: got %d %s; want %d", i, rec.Code, rec.Body, c.want)
				}
			}
		})
	}
}

// newBenchEnv is newEnv with a created event whose version 1 is applied.
func newBenchEnv(b *testing.B) *env {
	e := newEnv(b)
	body := mustJSON(b, created("d1", 1))
	now := e.clock.Now()
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set(webhook.HeaderTimestamp, webhook.Timestamp(now))
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(now, body, secret))
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("event.created: %d %s", rec.Code, rec.Body)
	}
	return e
}

// BenchmarkEventSystem_Publish measures one announcement over loopback
// HTTP to a receiver that verifies and decodes it.
func BenchmarkEventSystem_Publish(b *testing.B) {
	_, srv := newReceiver(b, time.Now, secret)
	es, err := webhook.NewEventSystem(webhook.EventSystemConfig{URL: srv.URL, Secrets: [][]byte{secret}})
	if err != nil {
		b.Fatal(err)
	}
	defer es.Close()
	ctx := context.Background()
	p := publication()
	b.ReportAllocs()
	for b.Loop() {
		if err := es.Publish(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}
