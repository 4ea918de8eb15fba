package webhook_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter/webhook"
)

// TestDocumentedPayloadsDecode keeps the JSON examples of the package doc
// and of the README's Webhooks section true: every complete example
// (one without an elision "…") decodes.
func TestDocumentedPayloadsDecode(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	var code []string
	for _, line := range strings.Split(string(doc), "\n") {
		if rest, ok := strings.CutPrefix(line, "//\t"); ok {
			code = append(code, rest)
		} else {
			code = append(code, "")
		}
	}
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	section := string(readme)
	if i := strings.Index(section, "## Webhooks"); assert.GreaterOrEqual(t, i, 0, "README should have a Webhooks section") {
		section = section[i:]
		if j := strings.Index(section[3:], "\n## "); j >= 0 {
			section = section[:j+3]
		}
	}
	inFence := false
	for _, line := range strings.Split(section, "\n") {
		switch {
		case strings.HasPrefix(line, "```json"):
			inFence = true
		case strings.HasPrefix(line, "```"):
			inFence = false
			code = append(code, "")
		case inFence:
			code = append(code, line)
		default:
			code = append(code, "")
		}
	}

	checked := map[string]int{}
	for _, block := range splitBlocks(code) {
		if !strings.HasPrefix(block, "{") || strings.Contains(block, "…") {
			continue
		}
		var probe struct{ Type string }
		require.NoError(t, json.Unmarshal([]byte(block), &probe), "a documented example should be JSON:\n%s", block)
		if strings.HasPrefix(probe.Type, "entrypoints.") {
			_, err = webhook.DecodeAnnouncement([]byte(block))
		} else {
			_, err = webhook.Decode([]byte(block))
		}
		assert.NoError(t, err, "a documented example should decode:\n%s", block)
		checked[probe.Type]++
	}
	for _, typ := range []string{"event.created", "event.updated", "event.cancelled", "attendee.registered", "entrypoints.published"} {
		assert.Equal(t, 2, checked[typ], "want the %s example checked in the package doc and in the README", typ)
	}
}

// splitBlocks joins runs of non-empty lines into blocks, and splits a
// block holding several top-level objects.
func splitBlocks(lines []string) []string {
	var blocks []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			blocks = append(blocks, strings.Join(cur, "\n"))
			cur = nil
		}
	}
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			flush()
			continue
		}
		cur = append(cur, l)
	}
	flush()
	return blocks
}
