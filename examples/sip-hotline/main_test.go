package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/internal/siptest"
)

// TestRun runs the hotline for a short term on a free port: the banner
// says how to reach it, a call to an event number is answered, queued,
// taken by a simulated agent and ended by them (the caller gets their
// BYE), the forwarded number redirects, the vacant one is not found, and
// the report gives the queue's figures and proves nothing is left.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"-listen", "127.0.0.1:0", "-term", "3s", "-tick", "50ms", "-answer", "100ms", "-handle", "200ms"}, pw)
		pw.CloseWithError(err)
		done <- err
	}()
	lines := bufio.NewScanner(pr)
	require.True(t, lines.Scan(), "the command prints a first line: %v", lines.Err())
	var b banner
	require.NoError(t, json.Unmarshal(lines.Bytes(), &b), "the first line is JSON: %s", lines.Text())
	assert.Equal(t, []string{"udp", "tcp"}, b.Transports)
	assert.Equal(t, eventNumbers, b.Active, "the event's numbers")
	assert.Equal(t, map[string]string{forwarded: forwardTo}, b.Forward)
	assert.Equal(t, []string{vacant}, b.Vacant)
	require.NotContains(t, b.Listen, ":0", "the port actually bound")
	assert.Equal(t, "general", b.Queue)
	assert.Positive(t, b.Agents, "agents on duty")

	ph := siptest.NewPhone(t)
	a := ph.Call(t, ctx, b.Listen, b.Active[0])
	assert.Equal(t, 200, a.StatusCode, "an event number is answered: %s", a.StartLine())
	a = ph.Call(t, ctx, b.Listen, forwarded)
	require.Equal(t, 302, a.StatusCode, "a retired number forwards: %s", a.StartLine())
	assert.Equal(t, "tel:"+forwardTo, a.Contact().Address.String())
	a = ph.Call(t, ctx, b.Listen, vacant)
	assert.Equal(t, 404, a.StatusCode, "a vacant number: %s", a.StartLine())

	var rest []string
	for lines.Scan() {
		rest = append(rest, lines.Text())
	}
	require.NoError(t, <-done, "run")
	report := strings.Join(rest, "\n")
	assert.Contains(t, report, "report for hotline: terminated")
	assert.Contains(t, report, "queue general (telephony): 1 offered, 1 answered", "the agent took the call")
	assert.Contains(t, report, "closing: 0 end point(s) disconnected", "the agent had ended it before the term's end")
	assert.Contains(t, report, "proof: inventory empty, 0 grant(s) authorising, 0 end point(s) live")
	assert.Equal(t, int64(1), ph.Byes(), "the caller got the agent's BYE")
}
