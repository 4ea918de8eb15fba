package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRun runs the web chat on a free port and does what its doc tells a
// person to do: load the event page, chat through the widget's socket
// with the token the page carries, pick a queue, and be greeted and
// answered by a simulated agent; the desk is served. Then Ctrl-C ends
// the term: the attendee is told the help desk closed and the report is
// printed.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	interrupt, ctrlC := context.WithCancel(ctx)
	defer ctrlC()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(interrupt, []string{"-listen", "127.0.0.1:0", "-term", "1h", "-tick", "50ms", "-answer", "100ms", "-handle", "1h"}, pw)
		pw.CloseWithError(err)
		done <- err
	}()
	lines := bufio.NewScanner(pr)
	require.True(t, lines.Scan(), "the command prints a first line: %v", lines.Err())
	var b banner
	require.NoError(t, json.Unmarshal(lines.Bytes(), &b), "the first line is JSON: %s", lines.Text())
	require.True(t, strings.HasPrefix(b.Page, "http://127.0.0.1:"), b.Page)
	assert.Contains(t, b.Desk, "/desk/#service="+b.Service+"&token=")
	rest := make(chan []string, 1)
	go func() {
		var ls []string
		for lines.Scan() {
			ls = append(ls, lines.Text())
		}
		rest <- ls
	}()

	page := get(t, b.Page)
	assert.Contains(t, page, `src="/chat/widget.js"`)
	tok := regexp.MustCompile(`data-token="([^"]+)"`).FindStringSubmatch(page)
	require.Len(t, tok, 2, "the page embeds the attendee's token")
	assert.Contains(t, get(t, strings.TrimSuffix(b.Page, "/")+"/chat/widget.js"), "eventcc")
	assert.Contains(t, get(t, strings.SplitN(b.Desk, "#", 2)[0]), "desktop.js")

	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(b.Page, "http")+"chat/"+b.Service+"/chat", nil)
	require.NoError(t, err)
	defer conn.CloseNow()
	send := func(v map[string]any) {
		bs, err := json.Marshal(v)
		require.NoError(t, err)
		require.NoError(t, conn.Write(ctx, websocket.MessageText, bs))
	}
	until := func(match func(map[string]any) bool) map[string]any {
		t.Helper()
		for {
			_, bs, err := conn.Read(ctx)
			require.NoError(t, err)
			var f map[string]any
			require.NoError(t, json.Unmarshal(bs, &f))
			if match(f) {
				return f
			}
		}
	}
	send(map[string]any{"type": "hello", "token": tok[1]})
	until(func(f map[string]any) bool { return f["type"] == "menu" })
	send(map[string]any{"type": "choose", "key": "0"})
	greeting := until(func(f map[string]any) bool {
		return f["type"] == "message" && strings.Contains(f["body"].(string), "simulated agent")
	})
	assert.True(t, strings.HasPrefix(greeting["author"].(string), "agent:"), "the agent greets: %v", greeting)
	send(map[string]any{"type": "message", "client_msg_id": "m1", "body": "Where is hall B?"})
	until(func(f map[string]any) bool {
		return f["type"] == "message" && strings.Contains(f["body"].(string), "Where is hall B?") && f["author"] == greeting["author"]
	})

	ctrlC()
	closed := until(func(f map[string]any) bool { return f["type"] == "closed" })
	assert.Equal(t, "closed", closed["reason"], "the term's end closes the chat")
	require.NoError(t, <-done, "run")
	report := strings.Join(<-rest, "\n")
	assert.Contains(t, report, "report for "+b.Service+": terminated")
	assert.Contains(t, report, "0 end point(s) live, 0 grant(s) authorising")
}

func get(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, url)
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(b)
}
