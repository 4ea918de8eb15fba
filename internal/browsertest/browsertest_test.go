package browsertest_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/cdproto"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/internal/browsertest"
)

// The browser loads a page from a loopback server, runs its script and
// reports what the page says.
func TestBrowserRunsAPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>probe</title><p id=out></p>
<script>document.getElementById("out").textContent = "ran " + (1 + 2);</script>`)
	}))
	defer srv.Close()
	ctx := browsertest.New(t, 30*time.Second)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL)))
	title, err := chromedp.Run(ctx, chromedp.Title())
	require.NoError(t, err)
	out, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#out")))
	require.NoError(t, err)
	assert.Equal(t, "probe", title)
	assert.Equal(t, "ran 3", out)
}

// ContextGone tells the browser's "that context is gone" answers, which a
// call may send again, from every other error.
func TestContextGone(t *testing.T) {
	for _, msg := range []string{
		"Cannot find context with specified id",
		"Execution context was destroyed.",
		"Cannot find default execution context",
		"Inspected target navigated or closed",
	} {
		assert.True(t, browsertest.ContextGone(fmt.Errorf("poll: %w", &cdproto.Error{Code: -32000, Message: msg})), msg)
	}
	assert.False(t, browsertest.ContextGone(&cdproto.Error{Code: -32000, Message: "Object reference chain is too long"}))
	assert.False(t, browsertest.ContextGone(errors.New("Cannot find context with specified id")), "only the browser's own answer")
	assert.False(t, browsertest.ContextGone(nil))
}

// A poll sent while the page navigates keeps going on the new document.
func TestPollAcrossANavigation(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/next" {
			fmt.Fprint(w, `<!doctype html><title>next</title><p id=out>arrived</p>`)
			return
		}
		fmt.Fprint(w, `<!doctype html><title>first</title><script>setTimeout(() => location.href = "/next", 50)</script>`)
	}))
	defer srv.Close()
	ctx := browsertest.New(t, 30*time.Second)
	for range 5 {
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL)))
		require.NoError(t, browsertest.Poll(ctx, `document.getElementById("out")?.textContent === "arrived"`, 20*time.Second))
		got, err := browsertest.Eval[string](ctx, `document.title`)
		require.NoError(t, err)
		assert.Equal(t, "next", got)
	}
}
