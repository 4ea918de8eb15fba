package chatbench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// LoadConfig says what Load does.
type LoadConfig struct {
	Server      string        // the Server's base URL, "http://127.0.0.1:8080"
	Conns       int           // attendee sockets to open
	Concurrency int           // sockets being opened at once; default 64
	Disconnect  bool          // then disconnect the service and time the closes
	Hold        time.Duration // keep the sockets open this long after measuring, to profile the server
	Client      *http.Client
}

// Result is what Load measured.
type Result struct {
	Conns  int `json:"conns"`
	Before Mem `json:"before"` // the server's, before any socket
	After  Mem `json:"after"`  // the server's, with every socket idle in the queue
	// Bytes per idle connection: (HeapInuse+StackInuse after − before) / Conns,
	// and the growth of VmRSS / Conns.
	InUsePerConn float64       `json:"inuse_per_conn"`
	RSSPerConn   float64       `json:"rss_per_conn"`
	Opened       time.Duration `json:"opened_ns"` // opening every socket took

	// With Disconnect: from the call of Disconnect (the server's wall
	// clock, the same machine's) to the last client's closed frame and to
	// the last socket closed; Disconnect's own return; how many it ended
	// and how many clients got closed{reason:"closed"}.
	LastClosedFrame time.Duration `json:"last_closed_frame_ns,omitempty"`
	LastSocketClose time.Duration `json:"last_socket_close_ns,omitempty"`
	Returned        time.Duration `json:"disconnect_returned_ns,omitempty"`
	Ended           int           `json:"ended,omitempty"`
	// CPU time spent from the call to the last close: the server's
	// (Disconnect and its sockets' writers, and two collections) and
	// this client's (reading the closes and answering them).
	ServerCPU    time.Duration `json:"server_cpu_ns,omitempty"`
	ClientCPU    time.Duration `json:"client_cpu_ns,omitempty"`
	ClosedReason int           `json:"closed_reason_closed,omitempty"`
}

// attendee is one open socket and what its reader saw.
type attendee struct {
	conn        *websocket.Conn
	closedFrame time.Time // when closed{reason:"closed"} arrived
	gone        time.Time // when the socket's read failed: it is closed
}

// Load opens cfg.Conns attendee sockets against the Server: each says
// hello and waits for its queue frame. Then it reads the server's
// memory, and with cfg.Disconnect disconnects the service and waits for
// every socket to close.
func Load(ctx context.Context, cfg LoadConfig) (Result, error) {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 64
	}
	if cfg.Client == nil {
		cfg.Client = http.DefaultClient
	}
	res := Result{Conns: cfg.Conns}
	var err error
	if res.Before, err = getMem(ctx, cfg); err != nil {
		return res, err
	}
	url := "ws" + strings.TrimPrefix(cfg.Server, "http") + "/chat/" + ServiceID + "/chat"
	atts := make([]*attendee, cfg.Conns)
	defer func() {
		for _, a := range atts {
			if a != nil {
				a.conn.CloseNow()
			}
		}
	}()
	start := time.Now()
	var (
		opening sync.WaitGroup
		slots   = make(chan struct{}, cfg.Concurrency)
		errs    = make([]error, cfg.Conns)
	)
	for i := range atts {
		slots <- struct{}{}
		opening.Go(func() {
			defer func() { <-slots }()
			atts[i], errs[i] = open(ctx, url, fmt.Sprintf("att-%d", i))
		})
	}
	opening.Wait()
	if err := errors.Join(errs...); err != nil {
		return res, err
	}
	res.Opened = time.Since(start)
	// Every socket now waits in the queue with a reader blocked, as a
	// browser's would be.
	var readers sync.WaitGroup
	for _, a := range atts {
		readers.Go(func() { a.read(ctx) })
	}
	if res.After, err = getMem(ctx, cfg); err != nil {
		return res, err
	}
	if res.After.Live != cfg.Conns {
		return res, fmt.Errorf("the server has %d conversations waiting, want %d", res.After.Live, cfg.Conns)
	}
	n := float64(cfg.Conns)
	res.InUsePerConn = float64(int64(res.After.HeapInuse+res.After.StackInuse)-int64(res.Before.HeapInuse+res.Before.StackInuse)) / n
	res.RSSPerConn = float64(int64(res.After.RSS)-int64(res.Before.RSS)) / n
	if cfg.Hold > 0 {
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(cfg.Hold):
		}
	}
	if !cfg.Disconnect {
		return res, nil
	}
	clientCPU := CPU()
	d, err := disconnect(ctx, cfg)
	if err != nil {
		return res, err
	}
	readers.Wait()
	res.ClientCPU = CPU() - clientCPU
	closed, err := getMem(ctx, cfg)
	if err != nil {
		return res, err
	}
	res.ServerCPU = closed.CPU - res.After.CPU
	t0 := time.Unix(0, d.StartUnixNano)
	res.Returned, res.Ended = d.Returned, d.Ended
	for _, a := range atts {
		if !a.closedFrame.IsZero() {
			res.ClosedReason++
			res.LastClosedFrame = max(res.LastClosedFrame, a.closedFrame.Sub(t0))
		}
		res.LastSocketClose = max(res.LastSocketClose, a.gone.Sub(t0))
	}
	return res, nil
}

// open dials, says hello and reads up to the queue frame.
func open(ctx context.Context, url, token string) (*attendee, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, res, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	if res.Body != nil {
		res.Body.Close()
	}
	a := &attendee{conn: conn}
	if err := conn.Write(ctx, websocket.MessageText, []byte(`{"type":"hello","token":"`+token+`"}`)); err != nil {
		return a, fmt.Errorf("hello: %w", err)
	}
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			return a, fmt.Errorf("waiting for the queue frame: %w", err)
		}
		var f struct{ Type, Reason string }
		if err := json.Unmarshal(b, &f); err != nil {
			return a, err
		}
		switch f.Type {
		case "queue":
			return a, nil
		case "closed":
			return a, fmt.Errorf("closed before the queue: %s", f.Reason)
		}
	}
}

// read reads until the socket closes, noting when the closed frame came
// and when the socket closed.
func (a *attendee) read(ctx context.Context) {
	for {
		_, b, err := a.conn.Read(ctx)
		if err != nil {
			a.gone = time.Now()
			return
		}
		var f struct{ Type, Reason string }
		if json.Unmarshal(b, &f) == nil && f.Type == "closed" && f.Reason == "closed" {
			a.closedFrame = time.Now()
		}
	}
}

func getMem(ctx context.Context, cfg LoadConfig) (Mem, error) {
	var m Mem
	return m, call(ctx, cfg, http.MethodGet, "/mem", &m)
}

func disconnect(ctx context.Context, cfg LoadConfig) (Disconnected, error) {
	var d Disconnected
	if err := call(ctx, cfg, http.MethodPost, "/disconnect", &d); err != nil {
		return d, err
	}
	if d.Error != "" {
		return d, errors.New("disconnect: " + d.Error)
	}
	return d, nil
}

func call(ctx context.Context, cfg LoadConfig, method, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, method, cfg.Server+path, nil)
	if err != nil {
		return err
	}
	res, err := cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s", method, path, res.Status)
	}
	return json.NewDecoder(res.Body).Decode(v)
}
