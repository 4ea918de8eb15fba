package messagingchannel_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/outbox"
)

// A reply the provider would not take when its process died is sent by
// the next process that opens the service, from the outbox they share;
// and a failed status for a reply the first process sent reaches the
// second's watchers.
func TestOutbox_RepliesOutliveTheProcess(t *testing.T) {
	box := outbox.NewMem()
	first := newEnvOn(t, nil, box)
	first.text(t, "hi")
	conv := first.event(t, modality.ConversationStarted).Conversation
	greeting := first.reply(t, 1)
	sent := first.gw.Replies()
	require.Len(t, sent, 1)

	first.gw.Fail(http.StatusServiceUnavailable, 0) // the provider is down
	first.text(t, "1")
	first.attempts(t, 2)
	pending, err := box.Pending(t.Context(), "svc")
	require.NoError(t, err)
	require.Len(t, pending, 1, "the answer waits in the outbox")
	assert.Contains(t, pending[0].Message.Body, "Doors open at nine.")
	require.NoError(t, first.ch.Close()) // the process dies; its retries with it

	first.gw.Fail(0, 0) // the provider is back
	second := newEnvOn(t, first.gw, box)
	got := second.reply(t, 2)
	assert.Contains(t, got.Body, "Doors open at nine.", "sent by the process that opened the service next")
	assert.Equal(t, attendee, got.To)
	assert.Equal(t, number, got.From)
	second.sweepUntil(t, time.Second, func() bool {
		p, err := box.Pending(t.Context(), "svc")
		return err == nil && len(p) == 0
	})

	// The provider reports the greeting, sent by the first process,
	// failed: the second process hears it, and says which message.
	ids, err := box.Lookup(t.Context(), "memprovider", providerID(t, first, greeting))
	require.NoError(t, err)
	status, err := second.gw.Report(t.Context(), second.hook, ids.ProviderID, messaging.Failed, "unreachable handset")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	ev := second.event(t, modality.ConversationUndelivered)
	assert.Equal(t, conv, ev.Conversation)
	assert.Equal(t, greeting.Body, ev.Message.Body)
	assert.Equal(t, "unreachable handset", ev.Reason)
}

// providerID is the gateway's ID of reply r.
func providerID(t *testing.T, e *env, r messaging.Outbound) string {
	t.Helper()
	id := e.gw.ID(r.Ref)
	require.NotEmpty(t, id, "the gateway's ID of reply %s", r.Ref)
	return id
}
