// Command load is the chat benchmark's client: it opens -n attendee
// sockets against bench/chat/server (each says hello and waits in the
// queue), asks the server for its memory before and after, and prints
// the server's bytes per idle connection. With -disconnect it then
// disconnects the service and prints how long until every attendee had
// closed{reason:"closed"} and a closed socket. One JSON line.
//
//	go run ./bench/chat/load -server http://127.0.0.1:8931 -n 10000 -disconnect
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/eventcc/eventcc/bench/chat/internal/chatbench"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	var cfg chatbench.LoadConfig
	fs.StringVar(&cfg.Server, "server", "http://127.0.0.1:8931", "the server's base URL")
	fs.IntVar(&cfg.Conns, "n", 10000, "attendee sockets to open")
	fs.IntVar(&cfg.Concurrency, "c", 64, "sockets being opened at once")
	fs.BoolVar(&cfg.Disconnect, "disconnect", false, "then disconnect the service and time the closes")
	fs.DurationVar(&cfg.Hold, "hold", 0, "keep the sockets open this long after measuring (to profile the server)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := chatbench.Load(ctx, cfg)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}
