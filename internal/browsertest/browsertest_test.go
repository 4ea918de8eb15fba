package browsertest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

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
