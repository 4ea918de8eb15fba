package chatchannel_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/eventcc/eventcc/modality/chatchannel"
)

// BenchmarkIdleConnection measures the memory an idle attendee
// connection holds: 500 sockets said hello and wait in a queue; the
// heap and stacks in use grow by bytes/conn each. Client and server
// share the process, so the figure counts both ends (the
// coder/websocket client conns included); the server's share is below
// it. Each iteration connects 500 more sockets, so run it with
// -benchtime=1x or a few x.
func BenchmarkIdleConnection(b *testing.B) {
	const conns = 500
	e := newEnv(b, chatchannel.Config{})
	e.open(b, "svc")
	for b.Loop() {
		before := inUse()
		for i := range conns {
			c := e.dial(b, "/svc/chat?entry=direct")
			c.hello(fmt.Sprintf("tok-svc-a%d", i))
			<-e.r.enqueue
			c.next() // the queue frame
		}
		after := inUse()
		b.ReportMetric(float64(after-before)/conns, "bytes/conn")
	}
}

func inUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}
