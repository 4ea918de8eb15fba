package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"net"
	"net/url"
	"slices"
	"strings"
)

// validSignature reports whether sig is Twilio's signature of a request
// to rawURL with form parameters params: base64 of HMAC-SHA1, keyed with
// the auth token, over the URL followed by every parameter, sorted by
// name (byte order; a repeated name's values sorted too), as name and
// value with no delimiters. As Twilio's SDKs do, the URL is tried as
// given and with its scheme's default port added or removed, since
// which of the two Twilio signed depends on how the webhook URL was
// written.
func validSignature(token, rawURL string, params url.Values, sig string) bool {
	var suffix strings.Builder
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		vs := slices.Clone(params[k])
		slices.Sort(vs)
		for _, v := range vs {
			suffix.WriteString(k)
			suffix.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(token))
	ok := false
	for _, u := range portVariants(rawURL) {
		// Every variant is computed and compared, in constant time.
		ok = equalSig(mac, u, suffix.String(), sig) || ok
	}
	return ok
}

func equalSig(mac hash.Hash, u, suffix, sig string) bool {
	mac.Reset()
	mac.Write([]byte(u))
	mac.Write([]byte(suffix))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	return hmac.Equal([]byte(want), []byte(sig))
}

// verifyJSON verifies a request with a JSON body: Twilio signs the URL
// alone, whose query carries bodySHA256, the hex SHA-256 of the body.
func verifyJSON(token, rawURL, sig, rawQuery string, body []byte) error {
	q, _ := url.ParseQuery(rawQuery) // the signature covers the raw query
	hexHash := q.Get("bodySHA256")
	if hexHash == "" {
		return unauthorized("a JSON body without bodySHA256 in the URL")
	}
	if !validSignature(token, rawURL, nil, sig) {
		return unauthorized("X-Twilio-Signature does not match")
	}
	want, err := hex.DecodeString(hexHash)
	got := sha256.Sum256(body)
	if err != nil || !hmac.Equal(want, got[:]) {
		return unauthorized("the body's SHA-256 is not the signed bodySHA256")
	}
	return nil
}

// portVariants returns rawURL and, where its scheme has a default port,
// rawURL with that port removed (if it names it) or added (if it names
// none).
func portVariants(rawURL string) []string {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	def := map[string]string{"http": "80", "https": "443"}[strings.ToLower(scheme)]
	if !ok || def == "" {
		return []string{rawURL}
	}
	i := strings.IndexAny(rest, "/?#")
	if i < 0 {
		i = len(rest)
	}
	hostport, tail := rest[:i], rest[i:]
	if host, port, err := net.SplitHostPort(hostport); err == nil {
		if port != def {
			return []string{rawURL}
		}
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		return []string{rawURL, scheme + "://" + host + tail}
	}
	return []string{rawURL, scheme + "://" + hostport + ":" + def + tail}
}
