package procstats

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Sample is one line of the stats file.
type Sample struct {
	At         time.Time `json:"at"`
	CPUSeconds float64   `json:"cpuSeconds"` // user + system, cumulative
	HeapLive   uint64    `json:"heapLive"`   // bytes of live heap after the last GC
	HeapInuse  uint64    `json:"heapInuse"`  // bytes in in-use heap spans now
	RSS        uint64    `json:"rss"`        // resident set size, bytes
	Goroutines int       `json:"goroutines"`
	GC         bool      `json:"gc,omitempty"` // taken right after a forced collection
	Extra      any       `json:"extra,omitempty"`
}

// Take reads the process's figures now.
func Take() Sample {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	ms := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(ms)
	s := Sample{At: time.Now(), CPUSeconds: cpu, Goroutines: runtime.NumGoroutine(), RSS: rss()}
	if ms[0].Value.Kind() == metrics.KindUint64 {
		s.HeapLive = ms[0].Value.Uint64()
	}
	if ms[1].Value.Kind() == metrics.KindUint64 {
		s.HeapInuse = ms[1].Value.Uint64()
	}
	return s
}

// rss reads VmRSS from /proc/self/status (0 where there is none).
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// Write appends a Sample to w every interval until ctx is done, with
// extra() (if not nil) in each. On SIGUSR1 it collects garbage first and
// writes a sample marked GC at once, so HeapLive is exact: the benchmark
// script sends it when it measures memory.
func Write(ctx context.Context, w io.Writer, interval time.Duration, extra func() any) {
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)
	enc := json.NewEncoder(w)
	t := time.NewTicker(interval)
	defer t.Stop()
	gc := false
	for {
		if gc {
			runtime.GC()
		}
		s := Take()
		s.GC = gc
		if extra != nil {
			s.Extra = extra()
		}
		_ = enc.Encode(s)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			gc = false
		case <-usr1:
			gc = true
		}
	}
}
