package telegram_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/messagingtest"
)

// TestConformance runs the provider suite with Telegram's shapes: chat
// IDs for attendees, the bot's name for the service, "<chat>:<message>"
// IDs, and a secret token in a header rather than a signature over the
// body.
func TestConformance(t *testing.T) {
	messagingtest.Run(t, messagingtest.Harness{
		New: func(t testing.TB, api string) messaging.Provider { return newProvider(t, api) },
		API: func(t testing.TB) messagingtest.API { return newFakeBotAPI(t) },
		Message: func(i int) messaging.Inbound {
			return messaging.Inbound{ID: fmt.Sprintf("%d:%d", chatID, 100+i), From: strconv.FormatInt(chatID, 10), To: botName}
		},
		UnsignedBody: true,
		Inbound: func(t testing.TB, m messaging.Inbound) *http.Request {
			chat, id, ok := strings.Cut(m.ID, ":")
			require.True(t, ok, "a Telegram ID is <chat>:<message>")
			c, err := strconv.ParseInt(chat, 10, 64)
			require.NoError(t, err)
			n, err := strconv.ParseInt(id, 10, 64)
			require.NoError(t, err)
			return textUpdate(t, 5000+n, c, n, m.Body, m.At)
		},
		Signed: func(t testing.TB, body []byte) *http.Request { return webhook(t, body) },
		Ignored: func(t testing.TB) *http.Request {
			return webhook(t, update(t, 1, "callback_query", map[string]any{"id": "cb"}))
		},
	})
}
