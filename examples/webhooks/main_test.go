package main

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRun runs the example end to end so that it cannot rot, and checks
// the reactions it promises to show.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	got := out.String()
	for _, want := range []string{
		"platform  → event.created gophercon-eu-2027",
		"platform  ← 200 applied created",
		"jazz-night-2027: attendee vip-0042 granted access",
		"platform  shows gophercon-eu-2027: chat https://eventcc.invalid/gophercon-eu-2027/chat, telephony +12025550101",
		"gophercon-eu-2027: term extended, ends Mar 01 19:00, expires Mar 01 20:00",
		"open Mar 01 09:00–Mar 01 19:00",
		"platform  ← 200 already-applied extended",
		"intruder  ← 409 replayed",
		"platform  → event.cancelled jazz-night-2027",
		"platform  ← 200 applied cancelled",
		"vip-0042's access after the cancellation: access: denied",
		"jazz-night-2027: terminating → cancelled (closed: storm warning)",
		"platform  shows nothing for jazz-night-2027 any more",
		"gophercon-eu-2027: terminating → terminated (closed, nothing left behind)",
		"gophercon-eu-2027: terminated, term Mar 01 09:00–Mar 01 19:00, entry points shown by the platform: false",
		"jazz-night-2027: cancelled, term Mar 01 19:00–Mar 01 23:00, entry points shown by the platform: false",
	} {
		assert.Contains(t, got, want, "the example's output should show %q", want)
	}
	// Every goroutine of the example (servers, handlers) has ended.
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	for _, g := range strings.Split(stacks, "\n\n") {
		assert.NotContains(t, g, "contactcenter/webhook.", "no goroutine of package webhook may outlive run:\n%s", g)
		assert.NotContains(t, g, "examples/webhooks.(*platform)", "no goroutine of the platform may outlive run:\n%s", g)
	}
}
