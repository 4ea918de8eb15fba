// Package browsertest runs pages in a real browser for tests: Debian's
// Chromium, headless, driven by chromedp over the DevTools protocol, on
// loopback only (no background networking, no component updates, no
// first-run pings).
//
// A test without Chromium on the machine is skipped and says how to get
// it; with CI=true (as .ci/run sets) it fails instead: CI installs the
// browser, so a missing one is a broken run, not a reason to skip.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Paths where Chromium is looked for, after $EVENTCC_CHROMIUM.
var candidates = []string{"chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium"}

// Find returns the browser's path, or "" when there is none.
func Find() string {
	if p := os.Getenv("EVENTCC_CHROMIUM"); p != "" {
		return p
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	return ""
}

// New starts a headless browser for the test and returns a context to
// run chromedp actions in, bounded by timeout; the browser is closed
// when the test ends. Each call starts a browser of its own (a separate
// profile): two calls are two users.
func New(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	path := Find()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("browsertest: no Chromium (apt-get install chromium); CI=true requires it")
		}
		t.Skip("browsertest: no Chromium here (apt-get install chromium, or set EVENTCC_CHROMIUM)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0], chromedp.DefaultExecAllocatorOptions[:]...)
	opts = append(opts,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"), // loopback only
		chromedp.WindowSize(1240, 1754),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	// Start the browser now, on a context without a deadline (one would
	// stop the whole browser), so that a failure to start is the test's.
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("browsertest: start %s: %v", path, err)
	}
	tctx, cancelTimeout := context.WithTimeout(bctx, timeout)
	t.Cleanup(func() {
		cancelTimeout()
		cancelBrowser()
		cancelAlloc()
	})
	return tctx
}
