package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRun runs the quickstart end to end so that it cannot rot, and checks
// the milestones it promises to show.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	dir := t.TempDir()
	html, js := filepath.Join(dir, "report.html"), filepath.Join(dir, "report.json")
	require.NoError(t, run(context.Background(), &out, files{html: html, json: js}))
	got := out.String()
	for _, want := range []string{
		"deploy plan gophercon-eu-2027/deploy",
		"state scheduled → deploying",
		"state ready → active",
		"intake open",
		"term extended",
		"intake stopped",
		"state terminating → terminated",
		"proof: inventory empty, 0 grant(s) authorising, 0 end point(s) live",
		"access after close: access: denied",
	} {
		assert.Contains(t, got, want, "quickstart output should show %q", want)
	}
	assert.Regexp(t, `scale agents \d+ → \d+`, got, "the surge should scale agents")
	assert.Regexp(t, `general\s+telephony\s+\d+ offered`, got, "the report gives each queue's figures")

	page, err := os.ReadFile(html)
	require.NoError(t, err)
	assert.Contains(t, string(page), "<svg", "the HTML report has its timeline")
	assert.Contains(t, string(page), "gophercon-eu-2027")
	var rep struct {
		ServiceID   string `json:"serviceId"`
		Engagements struct {
			Queues []struct {
				Queue        string  `json:"queue"`
				ServiceLevel float64 `json:"serviceLevel"`
			} `json:"queues"`
		} `json:"engagements"`
	}
	b, err := os.ReadFile(js)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rep))
	assert.Equal(t, "gophercon-eu-2027", rep.ServiceID)
	assert.NotEmpty(t, rep.Engagements.Queues, "the JSON report has the queues")
}
