package chatchannel_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/chatchannel"
)

// TestWidgetAsset: the channel serves widget.js beside its sockets, as a
// script a browser runs (not sniffed), cached briefly and revalidated by
// its ETag; other methods are refused, and other paths are still 404.
func TestWidgetAsset(t *testing.T) {
	e := newEnv(t, chatchannel.Config{})
	do := func(method, path string, header http.Header) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, e.srv.URL+path, nil)
		require.NoError(t, err)
		for k, v := range header {
			req.Header[k] = v
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err, "%s %s", method, path)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res, b
	}

	res, body := do(http.MethodGet, "/widget.js", nil)
	require.Equal(t, http.StatusOK, res.StatusCode, "GET /widget.js serves the widget")
	assert.Equal(t, "text/javascript; charset=utf-8", res.Header.Get("Content-Type"))
	assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
	assert.Equal(t, "public, max-age=300", res.Header.Get("Cache-Control"))
	assert.Contains(t, string(body), "window.eventccChat", "the body is the widget")
	etag := res.Header.Get("ETag")
	require.Regexp(t, `^"[0-9a-f]+"$`, etag, "a strong ETag")

	res, body = do(http.MethodHead, "/widget.js", nil)
	assert.Equal(t, http.StatusOK, res.StatusCode, "HEAD is allowed")
	assert.Equal(t, etag, res.Header.Get("ETag"), "HEAD has GET's ETag")
	assert.Empty(t, body, "HEAD has no body")

	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		res, body = do(http.MethodGet, "/widget.js", http.Header{"If-None-Match": {inm}})
		assert.Equal(t, http.StatusNotModified, res.StatusCode, "If-None-Match: %s matches", inm)
		assert.Equal(t, etag, res.Header.Get("ETag"), "a 304 repeats the ETag")
		assert.Empty(t, body, "a 304 has no body")
	}
	res, _ = do(http.MethodGet, "/widget.js", http.Header{"If-None-Match": {`"stale"`}})
	assert.Equal(t, http.StatusOK, res.StatusCode, "a stale ETag gets the widget")

	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		res, _ = do(m, "/widget.js", nil)
		assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode, "%s /widget.js", m)
		assert.Equal(t, "GET, HEAD", res.Header.Get("Allow"), "a 405 says what is allowed")
	}

	for _, p := range []string{"/svc/widget.js", "/widget.jsx", "/widget.js/", "/svc/chat/widget.js"} {
		res, _ = do(http.MethodGet, p, nil)
		assert.Equal(t, http.StatusNotFound, res.StatusCode, "GET %s is no widget and no socket", p)
	}
	res, _ = do(http.MethodGet, "/svc/chat", nil)
	assert.Equal(t, http.StatusUpgradeRequired, res.StatusCode, "a service's socket path still wants an upgrade")
}
