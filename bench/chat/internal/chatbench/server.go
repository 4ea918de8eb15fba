// Package chatbench is the chat benchmark's two ends, kept apart so that
// each runs in a process of its own: Server is a chat channel on one
// service whose entry point goes straight to a queue, with a router that
// admits everything, and endpoints that report its memory and disconnect
// the service; Load opens attendee sockets against it. The commands in
// bench/chat/server and bench/chat/load are thin mains over them.
package chatbench

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/chatchannel"
)

// ServiceID is the one service the Server opens.
const ServiceID = "bench"

// Server serves a chat channel at /chat/, its memory at /mem and the
// service's disconnect at /disconnect (POST), and pprof at
// /debug/pprof/.
type Server struct {
	Chat   *chatchannel.Channel
	Router *Router
	mux    *http.ServeMux
}

// NewServer returns a Server whose channel accepts every token (the
// token is the principal) and whose service is open with its one entry
// point at base+"/chat/bench/chat", straight into the queue "general".
func NewServer(ctx context.Context, base string) (*Server, error) {
	ch, err := chatchannel.New(chatchannel.Config{
		Tokens: chatchannel.TokensFunc(func(_ context.Context, tok, _, _ string) (string, error) { return tok, nil }),
	})
	if err != nil {
		return nil, err
	}
	s := &Server{Chat: ch, Router: NewRouter(), mux: http.NewServeMux()}
	err = ch.Open(ctx, ServiceID, modality.Setup{
		Queues: []string{"general"},
		EntryPoints: []modality.EntryPoint{{Name: "direct", Kind: modality.Chat,
			Address: base + "/chat/" + ServiceID + "/chat", Queue: "general"}},
		Router: s.Router,
	})
	if err != nil {
		ch.Close()
		return nil, err
	}
	s.mux.Handle("/chat/", http.StripPrefix("/chat", ch))
	s.mux.HandleFunc("GET /mem", func(w http.ResponseWriter, _ *http.Request) {
		m := TakeMem()
		m.Live = s.Router.Waiting()
		writeJSON(w, m)
	})
	s.mux.HandleFunc("POST /disconnect", func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		n, err := ch.Disconnect(r.Context(), ServiceID)
		d := Disconnected{StartUnixNano: start.UnixNano(), Returned: time.Since(start), Ended: n}
		if err != nil {
			d.Error = err.Error()
		}
		writeJSON(w, d)
	})
	s.mux.HandleFunc("/debug/pprof/", pprof.Index)
	s.mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	return s, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close closes the channel.
func (s *Server) Close() error { return s.Chat.Close() }

// Disconnected is what /disconnect answers.
type Disconnected struct {
	StartUnixNano int64         `json:"start_unix_nano"` // when Disconnect was called, by the wall clock
	Returned      time.Duration `json:"returned_ns"`     // how long Disconnect took to return
	Ended         int           `json:"ended"`
	Error         string        `json:"error,omitempty"`
}

// Mem is what /mem answers: the process's memory after two collections.
type Mem struct {
	HeapInuse  uint64        `json:"heap_inuse"`
	StackInuse uint64        `json:"stack_inuse"`
	HeapAlloc  uint64        `json:"heap_alloc"`
	RSS        uint64        `json:"rss"`    // VmRSS of /proc/self/status; 0 where there is none
	CPU        time.Duration `json:"cpu_ns"` // user and system time of the process so far
	Goroutines int           `json:"goroutines"`
	Live       int           `json:"live"` // engagements waiting at the router, filled in by /mem
}

// TakeMem collects garbage twice and reads the runtime's and the
// kernel's figures.
func TakeMem() Mem {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return Mem{HeapInuse: m.HeapInuse, StackInuse: m.StackInuse, HeapAlloc: m.HeapAlloc,
		RSS: vmRSS(), CPU: CPU(), Goroutines: runtime.NumGoroutine()}
}

// CPU returns the user and system time of the process so far.
func CPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func vmRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Router is a modality.Router that admits every engagement at position 1
// and keeps it waiting until it is hung up.
type Router struct {
	mu     sync.Mutex
	notify map[string]func(modality.Decision)
}

var _ modality.Router = (*Router)(nil)

// NewRouter returns an empty Router.
func NewRouter() *Router { return &Router{notify: map[string]func(modality.Decision){}} }

// Enqueue admits e.
func (r *Router) Enqueue(e modality.Engagement, queue string, notify func(modality.Decision)) (modality.Place, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notify[e.ID] = notify
	return modality.Place{Position: 1}, nil
}

// Hangup finishes id as abandoned.
func (r *Router) Hangup(id string) error {
	r.mu.Lock()
	notify := r.notify[id]
	delete(r.notify, id)
	r.mu.Unlock()
	if notify != nil {
		notify(modality.Decision{Kind: modality.Finished, Engagement: id, Outcome: "abandoned"})
	}
	return nil
}

// Waiting returns how many engagements wait.
func (r *Router) Waiting() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.notify)
}
