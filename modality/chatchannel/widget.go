package chatchannel

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// widgetJS is the attendee chat widget: one script, no build step, that
// an event page loads from the channel with one script tag (see the
// package doc's "The widget").
//
//go:embed widget.js
var widgetJS []byte

// widgetETag is the strong ETag of widgetJS, computed once.
var widgetETag = func() string {
	sum := sha256.Sum256(widgetJS)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}()

// serveWidget answers GET and HEAD of "/widget.js" with the widget:
// cached for five minutes, revalidated by ETag (If-None-Match: 304).
// Other methods get 405.
func (c *Channel) serveWidget(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "chatchannel: the widget is read with GET or HEAD", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("ETag", widgetETag)
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	if etagMatch(r.Header.Values("If-None-Match"), widgetETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	// http.ServeContent would also answer ranges and dates; the widget
	// is small and its ETag is all a cache needs.
	h.Set("Content-Length", strconv.Itoa(len(widgetJS)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(widgetJS)
	}
}

// etagMatch reports whether an If-None-Match header (a list of entity
// tags, or "*") matches etag, comparing weakly as RFC 9110 13.1.2 says.
func etagMatch(headers []string, etag string) bool {
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
