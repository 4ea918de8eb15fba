package meta_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/meta"
)

// A host verifies a WhatsApp message posted to its webhook and answers
// it through the Cloud API (here a stand-in that takes any reply).
func ExampleNewWhatsApp() {
	graph := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			To   string `json:"to"`
			Text struct {
				Body string `json:"body"`
			} `json:"text"`
		}
		json.NewDecoder(r.Body).Decode(&m)
		fmt.Printf("Graph API: %s %s to %s: %q\n", r.Method, r.URL.Path, m.To, m.Text.Body)
		io.WriteString(w, `{"messaging_product":"whatsapp","messages":[{"id":"wamid.reply1"}]}`)
	}))
	defer graph.Close()

	wa, err := meta.NewWhatsApp(meta.WhatsAppConfig{
		AppSecret:     "app-secret",
		VerifyToken:   "verify-token",
		AccessToken:   "EAAG...",
		GraphBase:     graph.URL, // default https://graph.facebook.com/v21.0
		PhoneNumberID: "106540352242922",
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// What Meta posts, signed with the app secret.
	body := `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{` +
		`"messaging_product":"whatsapp","metadata":{"phone_number_id":"106540352242922"},` +
		`"messages":[{"from":"16315551181","id":"wamid.1","timestamp":"1906966800","type":"text","text":{"body":"Where is hall B?"}}]}}]}]}`
	r := httptest.NewRequest(http.MethodPost, "/webhooks/whatsapp", strings.NewReader(body))
	r.Header.Set("X-Hub-Signature-256", meta.Sign("app-secret", []byte(body)))

	raw, _ := io.ReadAll(io.LimitReader(r.Body, messaging.MaxBody))
	d, err := wa.Parse(r, raw)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range d.Messages {
		fmt.Printf("%s from %s to %s: %q\n", m.ID, m.From, m.To, m.Body)
		id, err := wa.Send(context.Background(), messaging.Outbound{From: m.To, To: m.From, Body: "Upstairs, on the left."})
		fmt.Println("sent", id, err)
	}
	// Output:
	// wamid.1 from +16315551181 to 106540352242922: "Where is hall B?"
	// Graph API: POST /106540352242922/messages to 16315551181: "Upstairs, on the left."
	// sent wamid.reply1 <nil>
}

// Meta verifies the webhook with a GET before it posts to it: Parse
// checks the verify token, and the Delivery's Respond echoes the
// challenge.
func ExampleNewMessenger() {
	ms, err := meta.NewMessenger(meta.MessengerConfig{
		AppSecret:   "app-secret",
		VerifyToken: "verify-token",
		AccessToken: "EAAG...",
		PageID:      "1234567890",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, token := range []string{"verify-token", "guess"} {
		r := httptest.NewRequest(http.MethodGet,
			"/webhooks/messenger?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token="+token, nil)
		d, err := ms.Parse(r, nil)
		if err != nil {
			fmt.Println(token+":", err)
			continue
		}
		w := httptest.NewRecorder()
		d.Respond(w)
		fmt.Println(token+":", w.Code, w.Body.String())
	}

	_, err = meta.NewMessenger(meta.MessengerConfig{AppSecret: "app-secret"})
	fmt.Println(err)
	// Output:
	// verify-token: 200 1158201444
	// guess: messaging: webhook not authenticated: verification request without hub.mode=subscribe or the verify token
	// meta.MessengerConfig: VerifyToken: required: an empty token would answer anyone's challenge; AccessToken: required: replies cannot be sent without it; PageID: required
}
