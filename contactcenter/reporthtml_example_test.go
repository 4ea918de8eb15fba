package contactcenter_test

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/template"
)

// A report renders as one page a producer can open or print: here one
// queue that met its target, over two 30-minute buckets.
func ExampleReport_WriteHTML() {
	start := time.Date(2027, 9, 14, 8, 0, 0, 0, time.UTC)
	r := contactcenter.Report{
		ServiceID: "svc-1",
		EventID:   "fintech-expo-2027",
		State:     contactcenter.Terminated,
		Term:      contactcenter.Term{Start: start, End: start.Add(time.Hour), TimeZone: "Europe/London"},
		Engagements: &contactcenter.EngagementReport{
			Queues: []contactcenter.QueueReport{{Queue: "general", Kind: modality.Telephony,
				Offered: 20, Answered: 19, AnsweredWithin: 17, Abandoned: 1, ServiceLevel: 0.85, Target: 0.8}},
			Timeline: []contactcenter.TimelinePoint{
				{At: start, Arrivals: 12, Answered: 11, AnsweredWithin: 10, Resolved: 12, Agents: 3},
				{At: start.Add(30 * time.Minute), Arrivals: 8, Answered: 8, AnsweredWithin: 7, Resolved: 8, Agents: 2},
			},
			Bucket: template.Duration(30 * time.Minute),
		},
	}
	var page bytes.Buffer
	if err := r.WriteHTML(&page); err != nil {
		fmt.Println(err)
		return
	}
	s := page.String()
	title, _, _ := strings.Cut(s[strings.Index(s, "<title>")+len("<title>"):], "</title>")
	fmt.Println(title)
	fmt.Println("timeline:", strings.Contains(s, "<svg"))
	fmt.Println("term:", strings.Contains(s, "Tue 14 Sep 2027, 09:00 – 10:00 BST"))
	fmt.Println("general met its target:", strings.Contains(s, "✓ met"))
	// Output:
	// Contact center report: fintech-expo-2027
	// timeline: true
	// term: true
	// general met its target: true
}
