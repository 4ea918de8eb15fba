package asset_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eventcc/eventcc/internal/asset"
)

func TestFile(t *testing.T) {
	f := asset.New([]byte("console.log(1)"), "text/javascript; charset=utf-8")
	do := func(method string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/x.js", nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Add(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		f.ServeHTTP(w, r)
		return w
	}
	get := do(http.MethodGet)
	assert.Equal(t, http.StatusOK, get.Code)
	assert.Equal(t, "console.log(1)", get.Body.String())
	assert.Equal(t, "text/javascript; charset=utf-8", get.Header().Get("Content-Type"))
	assert.Equal(t, "nosniff", get.Header().Get("X-Content-Type-Options"))
	etag := get.Header().Get("ETag")
	assert.Regexp(t, `^"[0-9a-f]{24}"$`, etag)

	head := do(http.MethodHead)
	assert.Equal(t, http.StatusOK, head.Code)
	assert.Empty(t, head.Body.String())
	assert.Equal(t, "14", head.Header().Get("Content-Length"))

	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		w := do(http.MethodGet, "If-None-Match", inm)
		assert.Equal(t, http.StatusNotModified, w.Code, "If-None-Match: %s", inm)
		assert.Empty(t, w.Body.String())
	}
	assert.Equal(t, http.StatusOK, do(http.MethodGet, "If-None-Match", `"other"`).Code)
	assert.Equal(t, http.StatusOK, do(http.MethodGet, "If-None-Match", `"other"`, "If-None-Match", `"more"`).Code)
	assert.Equal(t, http.StatusNotModified, do(http.MethodGet, "If-None-Match", `"other"`, "If-None-Match", etag).Code, "several headers")

	post := do(http.MethodPost)
	assert.Equal(t, http.StatusMethodNotAllowed, post.Code)
	assert.Equal(t, "GET, HEAD", post.Header().Get("Allow"))
}
