// Command server is the chat benchmark's server, in a process of its
// own so that its memory is the server's share alone: a chat channel
// (modality/chatchannel) on loopback with one service, whose entry point
// goes straight to a queue at a router that admits everything. It prints
// its address, then serves /chat/, /mem (memory after collecting
// garbage), POST /disconnect and /debug/pprof/ until interrupted.
//
//	go run ./bench/chat/server -addr 127.0.0.1:8931
//	go run ./bench/chat/load -server http://127.0.0.1:8931 -n 10000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/eventcc/eventcc/bench/chat/internal/chatbench"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	s, err := chatbench.NewServer(ctx, base)
	if err != nil {
		return err
	}
	defer s.Close()
	srv := &http.Server{Handler: s}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	fmt.Println("listening", base)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
