package telegram_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/telegram"
)

// A bot takes an attendee's message from its webhook and answers it. A
// stand-in for api.telegram.org answers sendMessage here.
func Example() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"ok":true,"result":{"message_id":43,"date":1906966806,"chat":{"id":987654321,"type":"private"},"text":"Upstairs."}}`)
	}))
	defer api.Close()

	p, err := telegram.New(telegram.Config{
		BotToken:    "123456789:AAE-example_token",
		SecretToken: "webhook-secret_1", // given to setWebhook as secret_token
		BotName:     "eventcc_help_bot", // the bot's username
		APIBase:     api.URL,            // default https://api.telegram.org
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// What Telegram posts to the webhook.
	r := httptest.NewRequest(http.MethodPost, "/hooks/telegram", strings.NewReader(
		`{"update_id":10001,"message":{"message_id":42,"date":1906966805,`+
			`"from":{"id":987654321,"is_bot":false,"first_name":"Ada"},`+
			`"chat":{"id":987654321,"type":"private","first_name":"Ada"},"text":"Where is hall B?"}}`))
	r.Header.Set(telegram.SecretHeader, "webhook-secret_1")
	body, _ := io.ReadAll(io.LimitReader(r.Body, messaging.MaxBody))
	d, err := p.Parse(r, body)
	if err != nil {
		fmt.Println(err)
		return
	}
	in := d.Messages[0]
	fmt.Printf("%s from %s to %s: %s\n", in.ID, in.From, in.To, in.Body)

	id, err := p.Send(context.Background(), messaging.Outbound{From: in.To, To: in.From, Body: "Upstairs."})
	fmt.Println("reply", id, err)

	// Output:
	// 987654321:42 from 987654321 to eventcc_help_bot: Where is hall B?
	// reply 987654321:43 <nil>
}

// New names every field it refuses.
func ExampleNew() {
	_, err := telegram.New(telegram.Config{BotToken: "123456789:AAE-example_token", SecretToken: "not allowed!", BotName: "@eventcc_help_bot"})
	fmt.Println(err)
	// Output:
	// telegram.Config: SecretToken: has characters other than A-Z, a-z, 0-9, _ and -; BotName: "@eventcc_help_bot": give the username without the @
}
