package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRun runs the quickstart end to end so that it cannot rot, and checks
// the milestones it promises to show.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
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
}
