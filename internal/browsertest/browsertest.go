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
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto"
	cdpruntime "github.com/chromedp/cdproto/runtime"
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

// Page is one browser's page under a test: actions and waits that fail
// the test, and every script error on the page (an uncaught exception,
// a console.error) failing it too, when the test ends.
type Page struct {
	t   testing.TB
	Ctx context.Context // the browser's context (New's), for chromedp calls of the test's own

	mu     sync.Mutex
	errors []string
}

// Open starts a browser as New does and watches its page for script
// errors.
func Open(t testing.TB, timeout time.Duration) *Page {
	t.Helper()
	p := &Page{t: t, Ctx: New(t, timeout)}
	if err := chromedp.Listen(p.Ctx, p.listen); err != nil {
		t.Fatalf("browsertest: listen: %v", err)
	}
	t.Cleanup(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if len(p.errors) > 0 {
			t.Errorf("browsertest: the page must run without script errors; got:\n%s", strings.Join(p.errors, "\n"))
		}
	})
	return p
}

func (p *Page) listen(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev := ev.(type) {
	case *cdpruntime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		p.errors = append(p.errors, fmt.Sprintf("exception at %s:%d:%d: %s", d.URL, d.LineNumber, d.ColumnNumber, msg))
	case *cdpruntime.EventConsoleAPICalled:
		if ev.Type == cdpruntime.ConsoleAPICalledTypeError {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			p.errors = append(p.errors, "console.error: "+strings.Join(args, " "))
		}
	}
}

// Do runs actions, failing the test with what if they fail.
func (p *Page) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.Ctx, actions...); err != nil {
		p.t.Fatalf("browsertest: %s: %v", what, err)
	}
}

// Until waits for a JavaScript expression to be truthy (at most a
// minute), failing the test with what otherwise.
func (p *Page) Until(what, expr string) {
	p.t.Helper()
	if err := Poll(p.Ctx, expr, time.Minute); err != nil {
		p.t.Fatalf("browsertest: waiting for %s (%s): %v", what, expr, err)
	}
}

// Eval evaluates a JavaScript expression whose value is a string.
func (p *Page) Eval(expr string) string {
	p.t.Helper()
	v, err := Eval[string](p.Ctx, expr)
	if err != nil {
		p.t.Fatalf("browsertest: evaluate %s: %v", expr, err)
	}
	return v
}

// Poll waits until the JavaScript expression is truthy in the page, at
// most timeout. Unlike chromedp.Poll alone it outlasts the page's
// execution context changing under it: chromedp learns of a new
// document's context from an event that can arrive after Navigate has
// returned, and a poll sent in between names the old, destroyed context
// ("Cannot find context with specified id"). Poll asks again then.
func Poll(ctx context.Context, expr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr,
			chromedp.WithPollingInterval(20*time.Millisecond),
			chromedp.WithPollingTimeout(max(time.Until(deadline), time.Millisecond))))
		if err == nil || !ContextGone(err) || time.Now().After(deadline) {
			return err
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
}

// Eval evaluates a JavaScript expression in the page, asking again (for
// at most ten seconds) when the page's execution context changed under
// it, as [Poll] does.
func Eval[T any](ctx context.Context, expr string) (T, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
		if err == nil || !ContextGone(err) || time.Now().After(deadline) {
			return v, err
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return v, err
		}
	}
}

// ContextGone reports whether err is the browser saying that the
// JavaScript execution context a call named no longer exists: the page
// navigated, reloaded or was still loading. Such a call can be sent
// again; it found nothing wrong with the page.
func ContextGone(err error) bool {
	var cerr *cdproto.Error
	if !errors.As(err, &cerr) {
		return false
	}
	return strings.Contains(cerr.Message, "Cannot find context with specified id") ||
		strings.Contains(cerr.Message, "Execution context was destroyed") ||
		strings.Contains(cerr.Message, "Cannot find default execution context") ||
		strings.Contains(cerr.Message, "Inspected target navigated or closed")
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
