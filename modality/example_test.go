package modality_test

import (
	"fmt"

	"github.com/eventcc/eventcc/modality"
)

func ExampleReceptionist() {
	r := &modality.Receptionist{
		Greeting:      "Welcome to Expo 2030.",
		ClosedMessage: "Expo 2030 is over.",
		Options: []modality.Option{
			{Key: "1", Label: "Opening hours", Answer: "Doors open at nine."},
			{Key: "0", Label: "Speak to someone", Queue: "general"},
		},
	}
	if err := r.Validate(); err != nil {
		panic(err)
	}

	fmt.Println(r.Start(true).Text)
	fmt.Println("> 1")
	fmt.Println(r.Respond("1").Text)
	fmt.Println("> 0")
	reply := r.Respond("0")
	fmt.Println(reply.Text)
	fmt.Printf("queue %q, end %v\n", reply.Queue, reply.End)

	// Output:
	// Welcome to Expo 2030.
	// 1: Opening hours
	// 0: Speak to someone
	// > 1
	// Doors open at nine.
	// 1: Opening hours
	// 0: Speak to someone
	// > 0
	// You are being connected, please hold.
	// queue "general", end true
}
