package sipchannel_test

import (
	"errors"
	"testing"

	"github.com/emiago/sipgo/sip"

	"github.com/eventcc/eventcc/modality/sipchannel"
	"github.com/eventcc/eventcc/numbermap/numberplan"
)

// FuzzDialledNumber parses INVITEs with arbitrary request lines and To
// headers, as sipgo does off the wire, and extracts the dialled number:
// it never panics; a number it returns is in E.164 form and normalises to
// itself; a refusal is ErrNoNumber.
func FuzzDialledNumber(f *testing.F) {
	for _, seed := range [][2]string{
		{"sip:+15550001001@127.0.0.1:5060", "<sip:+15550001001@127.0.0.1>"},
		{"sip:%2B15550001001@127.0.0.1", "<sip:x@y>"},
		{"tel:+1-555-000-1001;phone-context=example.com", "<tel:+15550001001>"},
		{"sip:helpdesk@example.com", "<sip:+44%2020%207946%200958@example.com>"},
		{"sip:+15550001001;user=phone@127.0.0.1", "<sip:a@b>"},
		{"sip:+1555CALLNOW@127.0.0.1", "<sip:+1555CALLNOW@127.0.0.1>"},
		{"sips:+33%20(1)%2099%2000%2000%2000@h", "x"},
		{"sip:%@h", "<sip:%zz@h>"},
		{"urn:service:sos", "<urn:service:sos>"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, requestURI, to string) {
		msg := "INVITE " + requestURI + " SIP/2.0\r\n" +
			"Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-fuzz\r\n" +
			"From: <sip:fuzz@127.0.0.1>;tag=1\r\n" +
			"To: " + to + "\r\n" +
			"Call-ID: fuzz\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
		m, err := sip.ParseMessage([]byte(msg))
		if err != nil {
			return
		}
		req, ok := m.(*sip.Request)
		if !ok {
			return
		}
		n, err := sipchannel.DialledNumber(req)
		if err != nil {
			if !errors.Is(err, sipchannel.ErrNoNumber) || n != "" {
				t.Fatalf("DialledNumber(%q, To %q) = %q, %v; want \"\" and an error wrapping ErrNoNumber", requestURI, to, n, err)
			}
			return
		}
		if !n.Valid() {
			t.Fatalf("DialledNumber(%q, To %q) = %q: not E.164", requestURI, to, n)
		}
		again, err := numberplan.ParseWith(n.String(), numberplan.Options{Possible: true})
		if err != nil || again != n {
			t.Fatalf("DialledNumber(%q, To %q) = %q, which normalises to %q, %v", requestURI, to, n, again, err)
		}
	})
}
