// Package asset serves the static files eventcc's handlers embed (the
// chat widget, the agent desktop): one fixed body, with an ETag so a
// browser revalidates cheaply, and headers that keep it from being
// sniffed as anything else.
package asset

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// File is one embedded file, ready to serve. Its zero value is not
// usable; make one with New.
type File struct {
	body        []byte
	contentType string
	etag        string
}

// New returns a file with body, served as contentType.
func New(body []byte, contentType string) *File {
	sum := sha256.Sum256(body)
	return &File{body: body, contentType: contentType, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
}

// ServeHTTP answers GET and HEAD with the body (304 when If-None-Match
// holds the ETag), and any other method with 405.
func (f *File) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "this file is read with GET or HEAD", http.StatusMethodNotAllowed)
		return
	}
	h.Set("ETag", f.etag)
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	if match(r.Header.Values("If-None-Match"), f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", f.contentType)
	h.Set("Content-Length", strconv.Itoa(len(f.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(f.body)
	}
}

// match reports whether If-None-Match headers (lists of entity tags, or
// "*") match etag, compared weakly as RFC 9110 section 13.1.2 says.
func match(headers []string, etag string) bool {
	for _, v := range headers {
		for t := range strings.SplitSeq(v, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == "*" || t == etag {
				return true
			}
		}
	}
	return false
}
