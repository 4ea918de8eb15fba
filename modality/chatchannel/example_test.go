package chatchannel_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/coder/websocket"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/chatchannel"
)

// A host mounts the channel, opens a service on it and an attendee
// chats with the receptionist. In a real host Tokens adapts the
// lifecycle's *access.Authority (see the package doc); here a stand-in
// accepts one token.
func ExampleNew() {
	ctx := context.Background()
	ch, err := chatchannel.New(chatchannel.Config{
		Tokens: chatchannel.TokensFunc(func(_ context.Context, token, serviceID, _ string) (string, error) {
			if token == "attendee-token" && serviceID == "expo" {
				return "attendee-7", nil
			}
			return "", errors.New("denied")
		}),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/chat/", http.StripPrefix("/chat", ch))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer ch.Close()

	err = ch.Open(ctx, "expo", modality.Setup{
		Queues:      []string{"general"},
		EntryPoints: []modality.EntryPoint{{Name: "web", Kind: modality.Chat, Address: srv.URL + "/chat/expo/chat"}},
		Receptionist: &modality.Receptionist{
			Greeting:      "Welcome to the Expo help desk.",
			ClosedMessage: "The help desk is closed.",
			Options: []modality.Option{
				{Key: "1", Label: "Opening hours", Answer: "Doors open at nine."},
				{Key: "2", Label: "Speak to someone", Queue: "general"},
			},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/chat/expo/chat", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.CloseNow()
	send := func(s string) { _ = conn.Write(ctx, websocket.MessageText, []byte(s)) }
	recv := func() map[string]any {
		_, b, _ := conn.Read(ctx)
		var f map[string]any
		_ = json.Unmarshal(b, &f)
		return f
	}
	send(`{"type":"hello","token":"attendee-token"}`)
	fmt.Println(recv()["type"])
	fmt.Println(recv()["body"])
	fmt.Println(len(recv()["options"].([]any)), "options")
	send(`{"type":"choose","key":"1"}`)
	fmt.Println(strings.SplitN(recv()["body"].(string), "\n", 2)[0])
	fmt.Println(recv()["type"])
	send(`{"type":"leave"}`)
	fmt.Println(recv()["reason"])
	// Output:
	// welcome
	// Welcome to the Expo help desk.
	// 1: Opening hours
	// 2: Speak to someone
	// 2 options
	// Doors open at nine.
	// menu
	// left
}
