package sipchannel

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/emiago/sipgo/sip"

	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/numberplan"
)

// ErrNoNumber is what [DialledNumber] returns (wrapped) when a request
// names no telephone number the channel can route.
var ErrNoNumber = errors.New("sipchannel: no telephone number in the request")

// maxUserLen bounds the user part looked at: an E.164 number with
// separators and percent-escapes fits well within it, and nothing longer
// is decoded.
const maxUserLen = 96

// DialledNumber returns the telephone number a request dials, in E.164
// form. It reads the request line first: the user part of a sip: or sips:
// URI, or the number of a tel: URI, without its parameters
// (";phone-context=...", ";user=phone" ...), percent-decoded ("%2B" is
// "+"), normalised by [numberplan.ParseWith] (so visual separators are
// dropped), accepting any number of a possible length for its country. When the request line names no valid number (sip:help@host,
// say), it falls back to the To header's URI the same way.
//
// Numbers must be in international form, with a leading '+'. Letters of
// a vanity number are read as on a keypad, as [numberplan.ParseWith] reads
// them ("+1-555-FLOWERS" is +15553569377). National forms, other letters
// and anything else ParseWith refuses give an error wrapping
// [ErrNoNumber] that says what was wrong with the request line. It never
// panics, whatever the request holds.
func DialledNumber(req *sip.Request) (numbermap.Number, error) {
	return dialledNumber(req, parseNumber)
}

// dialledNumber is DialledNumber with the normalisation given.
func dialledNumber(req *sip.Request, parse func(string) (numbermap.Number, error)) (numbermap.Number, error) {
	if req == nil {
		return "", fmt.Errorf("%w: no request", ErrNoNumber)
	}
	n, err := uriNumber(&req.Recipient, parse)
	if err == nil {
		return n, nil
	}
	if to := req.To(); to != nil {
		if n, toErr := uriNumber(&to.Address, parse); toErr == nil {
			return n, nil
		}
	}
	return "", fmt.Errorf("%w: request line: %w", ErrNoNumber, err)
}

// uriNumber extracts the number of one URI.
func uriNumber(u *sip.Uri, parse func(string) (numbermap.Number, error)) (numbermap.Number, error) {
	var s string
	switch strings.ToLower(u.Scheme) {
	case "sip", "sips":
		s = u.User
	case "tel":
		s = u.Raw()
	default:
		return "", fmt.Errorf("scheme %q is not sip, sips or tel", u.Scheme)
	}
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = s[:i] // tel: parameters, or user parameters of a sip: URI
	}
	if s == "" {
		return "", errors.New("no user part")
	}
	if len(s) > maxUserLen {
		return "", fmt.Errorf("user part of %d bytes is too long for a number", len(s))
	}
	dec := s
	if strings.IndexByte(s, '%') >= 0 {
		var err error
		if dec, err = url.PathUnescape(s); err != nil {
			return "", fmt.Errorf("bad percent-encoding: %w", err)
		}
	}
	return parse(dec)
}

// parseNumber normalises s to E.164 with [numberplan.ParseWith], accepting
// numbers whose length is possible for their country even where the
// embedded numbering plan lists no range in use: ranges opened after the
// plan was built, and fictional ranges (+1 555 01xx). The channel routes
// numbers, it does not police the plan: whether a number reaches anything
// is the number pool's and the setups' call.
func parseNumber(s string) (numbermap.Number, error) {
	return numberplan.ParseWith(s, numberplan.Options{Possible: true})
}

// numberCache remembers how recent dialled strings normalised: callers
// dial the same few numbers over and over, and the full normalisation
// (libphonenumber's) costs more than the rest of admitting a call. It is
// bounded: when full it starts afresh, so hostile input cannot grow it.
// Safe for concurrent use.
type numberCache struct {
	mu      sync.Mutex
	entries map[string]cachedNumber
}

type cachedNumber struct {
	n   numbermap.Number
	err error
}

// numberCacheSize bounds the strings a channel remembers.
const numberCacheSize = 4096

// parse is parseNumber, remembered.
func (c *numberCache) parse(s string) (numbermap.Number, error) {
	c.mu.Lock()
	e, ok := c.entries[s]
	c.mu.Unlock()
	if ok {
		return e.n, e.err
	}
	n, err := parseNumber(s)
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= numberCacheSize {
		c.entries = make(map[string]cachedNumber, 64)
	}
	c.entries[strings.Clone(s)] = cachedNumber{n, err}
	c.mu.Unlock()
	return n, err
}
