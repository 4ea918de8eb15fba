package modality_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/eventcc/eventcc/modality"
)

// FuzzRespond runs the receptionist flow on arbitrary menus and inputs,
// valid or not: it never panics, a reply that ends the flow hands off to a
// queue (or is the closed message), and a queue handed off to is one of
// the menu's.
func FuzzRespond(f *testing.F) {
	f.Add("Welcome.", "1", "Opening hours", "", "Doors open at nine.", "0", "Speak to someone", "general", "", "1", true)
	f.Add("Welcome.", "1", "Opening hours", "", "Doors open at nine.", "0", "Speak to someone", "general", "", " speak TO someone ", true)
	f.Add("", "", "", "", "", "", "", "", "", "", false)
	f.Add("Hi", "a", "b", "q1", "x", "b", "a", "q2", "y", "B", true)

	f.Fuzz(func(t *testing.T, greeting, key0, label0, queue0, answer0, key1, label1, queue1, answer1, input string, open bool) {
		r := &modality.Receptionist{
			Greeting:      greeting,
			ClosedMessage: "Closed.",
			Options: []modality.Option{
				{Key: key0, Label: label0, Queue: queue0, Answer: answer0},
				{Key: key1, Label: label1, Queue: queue1, Answer: answer1},
			},
		}
		queues := []string{queue0, queue1}
		valid := r.Validate() == nil

		start := r.Start(open)
		switch {
		case !open && (!start.End || start.Text != r.ClosedMessage || start.Queue != ""):
			t.Errorf("Start(false) = %+v, want the closed message ending the flow", start)
		case open && (start.End || start.Queue != ""):
			t.Errorf("Start(true) = %+v, want the flow to go on", start)
		}

		reply := r.Respond(input)
		if reply.End && reply.Queue == "" {
			t.Errorf("Respond(%q) = %+v: ends the flow without a queue", input, reply)
		}
		if reply.Queue != "" {
			if !reply.End {
				t.Errorf("Respond(%q) = %+v: hands off without ending the flow", input, reply)
			}
			if !slices.Contains(queues, reply.Queue) {
				t.Errorf("Respond(%q) handed off to %q, not one of the menu's queues %q", input, reply.Queue, queues)
			}
		}
		if again := r.Respond(input); !reflect.DeepEqual(again, reply) {
			t.Errorf("Respond(%q) is not deterministic: %+v, then %+v", input, reply, again)
		}
		if !valid {
			return
		}
		// On a valid menu, an input equal to a key chooses that option.
		norm := func(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
		for _, o := range r.Options {
			if norm(o.Key) != norm(input) {
				continue
			}
			if strings.TrimSpace(o.Queue) != "" && reply.Queue != o.Queue {
				t.Errorf("Respond(%q) = %+v, want a hand-off to %q", input, reply, o.Queue)
			}
			if strings.TrimSpace(o.Queue) == "" && (reply.End || !strings.Contains(reply.Text, strings.TrimSpace(o.Answer))) {
				t.Errorf("Respond(%q) = %+v, want the answer %q", input, reply, o.Answer)
			}
		}
		if !reply.End && !strings.Contains(reply.Text, strings.TrimSpace(r.Options[1].Key)) {
			t.Errorf("Respond(%q) = %+v: the flow goes on but the menu is missing", input, reply)
		}
	})
}
