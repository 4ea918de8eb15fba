package memaccess_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/access/memaccess"
)

// BenchmarkMillionGrants fills a Store with 1,000,000 grants (1,000
// services of 1,000 agents each, every agent a principal of its own, three
// privileges, IDs like "svc-0001/agent-0000001") and reports the live heap
// they take, measured with runtime.ReadMemStats after a collection, before
// and after. Run it once:
//
//	go test -run '^$' -bench MillionGrants -benchtime 1x ./access/memaccess/
func BenchmarkMillionGrants(b *testing.B) {
	const services, perService = 1000, 1000
	ctx := context.Background()
	start := time.Date(2030, time.May, 1, 8, 0, 0, 0, time.UTC)
	privs := []access.Privilege{access.HandleEngagements, access.QueuePrivilege("tickets"), access.QueuePrivilege("vip")}
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s := memaccess.New()
		for i := range services * perService {
			svc := fmt.Sprintf("svc-%04d", i%services)
			who := fmt.Sprintf("agent-%07d", i)
			_, err := s.Create(ctx, access.Grant{ID: svc + "/" + who, ServiceID: svc, Principal: who,
				Kind: access.KindAgent, Role: "agent", Privileges: privs, NotBefore: start, NotAfter: start.Add(60 * time.Hour),
				IssuedBy: "eventcc", Reason: "deployed for event " + svc})
			if err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap := float64(after.HeapAlloc) - float64(before.HeapAlloc)
		b.ReportMetric(heap/1e6, "heap-MB")
		b.ReportMetric(heap/(services*perService), "B/grant")
		runtime.KeepAlive(s)
	}
}
