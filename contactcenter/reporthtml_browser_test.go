package contactcenter_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/internal/browsertest"
)

// TestReportHTMLInABrowser opens the report page in Chromium: the
// timeline is drawn (its bars and lines take room on the page), the
// queue table has a row per queue, and the page fits an A4 page's width.
func TestReportHTMLInABrowser(t *testing.T) {
	var page bytes.Buffer
	require.NoError(t, htmlReport().WriteHTML(&page))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page.Bytes())
	}))
	defer srv.Close()

	ctx := browsertest.New(t, 30*time.Second)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL), chromedp.WaitVisible(chromedp.CSS("svg"))))
	eval := func(js string) float64 {
		t.Helper()
		v, err := browsertest.Eval[float64](ctx, js)
		require.NoError(t, err, js)
		return v
	}
	assert.Positive(t, eval(`document.querySelector("svg").getBoundingClientRect().width`), "the timeline is drawn")
	assert.Positive(t, eval(`document.querySelectorAll("svg rect").length`), "with its bars")
	assert.Positive(t, eval(`document.querySelectorAll("svg polyline, svg path").length`), "and its lines")
	assert.Equal(t, float64(len(htmlReport().Engagements.Queues)), eval(`document.querySelectorAll("tr.queue-row").length`),
		"a row per queue")
	// A4 at 96 dpi is 794 px wide; the page's content keeps within it
	// (the browser window is wider, so overflow would show).
	assert.LessOrEqual(t, eval(`document.querySelector("body").scrollWidth`), 1240.0, "no horizontal overflow")
	assert.LessOrEqual(t, eval(`Math.max(...[...document.querySelectorAll("table, svg")].map(e => e.getBoundingClientRect().width))`), 794.0,
		"tables and the timeline fit an A4 page's width")
}
