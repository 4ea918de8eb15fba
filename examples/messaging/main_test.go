package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRun runs the example end to end so that it cannot rot, and checks
// the conversation it promises to print: the receptionist's greeting,
// the agent's replies, the attendee's messages to the agent, and the
// post-term reply a text gets after the service expired, then the report.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	require.NoError(t, run(ctx, nil, &out), "run; printed so far:\n%s", out.String())
	got := out.String()
	for _, want := range []string{
		"state ready → active",
		"attendee → +12025550101: hi",
		"receptionist → attendee: Welcome to the conference help desk.",
		"receptionist → attendee: The agenda, with rooms and late changes",
		"receptionist → attendee: You are being connected",
		"→ attendee: Hello! Happy to help. What do you need?",
		"attendee → +12025550101: I lost my badge. Can I get a new one?",
		"→ attendee: Yes: the registration desk in hall A prints a new one",
		"state terminating → terminated",
		"attendee → +12025550101: Hello? Is anyone there?",
		"auto-reply → attendee: This number is no longer in service for this event. Please write to +12025550100 instead.",
		"proof: inventory empty, 0 grant(s) authorising, 0 end point(s) live",
	} {
		assert.Contains(t, got, want, "the example should print %q", want)
	}
	assert.Regexp(t, `\d\d:\d\d:\d\d  agent-\S+ → attendee: Hello! Happy to help`, got, "the agent's reply is theirs")
	assert.Regexp(t, `queue general\s+sms: 1 offered, 1 answered`, got, "the report counts the conversation")

	// The lines come in the order they happened.
	order := []string{"attendee → +12025550101: hi", "Hello! Happy to help", "I lost my badge", "hall A prints",
		"ends the conversation", "→ terminated", "Hello? Is anyone there?", "no longer in service", "proof:"}
	at := 0
	for _, o := range order {
		i := strings.Index(got[at:], o)
		if !assert.GreaterOrEqual(t, i, 0, "want %q after the previous milestone", o) {
			break
		}
		at += i
	}
	assert.Regexp(t, regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d  auto-reply`), got, "the auto-reply has its time")
}

// TestRunFlags: a bad flag or attendee number is refused.
func TestRunFlags(t *testing.T) {
	var out bytes.Buffer
	assert.Error(t, run(t.Context(), []string{"-attendee", "not a number"}, &out))
	assert.Error(t, run(t.Context(), []string{"-nope"}, &out))
}

// TestRunFrom: the attendee can text from another number.
func TestRunFrom(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), []string{"-attendee", "+12025550142"}, &out))
	assert.Contains(t, out.String(), "the attendee is +12025550142")
	assert.Contains(t, out.String(), "auto-reply → attendee: This number is no longer in service for this event.")
}
