package contactcenter_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests' time zones, whatever the machine has

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/template"
)

// htmlReport is a closed service's report: three queues (one met its
// target, one missed it, one had no traffic), a timeline of 15-minute
// buckets in Berlin with a bucket where nothing was resolved, a bucket
// missing and a lone resolved bucket, and a clean closing proof.
func htmlReport() contactcenter.Report {
	start := time.Date(2027, 9, 14, 7, 0, 0, 0, time.UTC) // 09:00 CEST
	term := contactcenter.Term{Start: start, End: start.Add(3 * time.Hour), TimeZone: "Europe/Berlin"}
	sec := func(n int) template.Duration { return template.Duration(time.Duration(n) * time.Second) }
	queues := []contactcenter.QueueReport{
		{Queue: "general", Kind: modality.Telephony, Offered: 120, Answered: 110, AnsweredWithin: 96,
			Abandoned: 6, Expired: 2, OverflowedOut: 2, Refused: 3, Disconnected: 4, ServiceLevel: 0.8, Target: 0.8,
			Threshold: sec(20), AbandonRate: 0.05, ASA: sec(15), AHT: sec(240), LongestWait: sec(200),
			HandleTime: sec(100 * 240), Handled: 100, WaitAnswered: sec(110 * 15)},
		{Queue: "vip-and-press-accreditation-desk-for-the-international-media-centre", Kind: modality.Chat,
			Offered: 40, Answered: 30, AnsweredWithin: 24, Abandoned: 10, ServiceLevel: 0.6, Target: 0.9,
			Threshold: sec(30), AbandonRate: 0.25, ASA: sec(42), AHT: sec(300), LongestWait: sec(380),
			HandleTime: sec(30 * 300), Handled: 30, WaitAnswered: sec(30 * 42)},
		{Queue: "overflow", Kind: modality.Video, ServiceLevel: 1, Target: 0.8, Threshold: sec(20)},
	}
	var timeline []contactcenter.TimelinePoint
	for i := range 12 {
		if i == 7 {
			continue // nothing happened: the bucket is missing
		}
		p := contactcenter.TimelinePoint{At: start.Add(time.Duration(i) * 15 * time.Minute),
			Arrivals: 4 + 2*i, Answered: 3 + i, AnsweredWithin: 2 + i, Resolved: 4 + i, Agents: 2 + i/3}
		if i == 4 {
			p.Arrivals, p.Answered, p.AnsweredWithin, p.Resolved = 0, 0, 0, 0 // nothing resolved
		}
		timeline = append(timeline, p)
	}
	// A lone resolved bucket after the term, once the agents went home.
	timeline = append(timeline, contactcenter.TimelinePoint{At: term.End.Add(30 * time.Minute),
		Arrivals: 1, Answered: 1, AnsweredWithin: 1, Resolved: 1})
	return contactcenter.Report{
		ServiceID: "svc-42", EventID: "spring-gala-2027", State: contactcenter.Terminated, Term: term,
		Expires: term.End.Add(2 * time.Hour),
		Timeline: []contactcenter.Transition{
			{At: start.Add(-2 * time.Hour), From: "", To: contactcenter.Requested, Reason: "requested"},
			{At: start, From: contactcenter.Ready, To: contactcenter.Active, Reason: "term started"},
			{At: term.End.Add(2 * time.Hour), From: contactcenter.Active, To: contactcenter.Terminating, Reason: "expired"},
			{At: term.End.Add(2*time.Hour + time.Minute), From: contactcenter.Terminating, To: contactcenter.Terminated, Reason: "closed"},
		},
		AgentHours: 15.5, SupervisorHours: 3, LicenceHours: 16, SpaceHours: 5, PeakAgents: 5,
		Cost: &contactcenter.Cost{Currency: "EUR", Agents: 1162.5, Licences: 64, Space: 10, Total: 1236.5},
		Engagements: &contactcenter.EngagementReport{Queues: queues, Timeline: timeline,
			Bucket: template.Duration(15 * time.Minute), Occupancy: map[modality.Kind]float64{modality.Telephony: 0.72, modality.Chat: 0.18}},
		Closing: &contactcenter.ClosingReport{Disconnected: 2, GrantsRevoked: 7,
			Numbers: []contactcenter.RetiredNumber{{Number: numbermap.MustParse("+4930901820"), Route: numbermap.RouteAnnounce,
				Until: term.End.Add(90 * 24 * time.Hour)}},
			Released: []contactcenter.Item{{Kind: contactcenter.Agents, ID: "a1"}, {Kind: contactcenter.Agents, ID: "a2"},
				{Kind: contactcenter.Licences, ID: "l1"}, {Kind: contactcenter.Space, ID: "s1"}},
			Verified: term.End.Add(2*time.Hour + time.Minute)},
	}
}

// node is an element of the page, which is well-formed XML.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []node     `xml:",any"`
	Text    string     `xml:",chardata"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n node) hasClass(c string) bool { return strings.Contains(" "+n.attr("class")+" ", " "+c+" ") }

// all returns the elements under n (n included) that match.
func (n node) all(match func(node) bool) []node {
	var out []node
	if match(n) {
		out = append(out, n)
	}
	for _, c := range n.Nodes {
		out = append(out, c.all(match)...)
	}
	return out
}

func (n node) one(t *testing.T, match func(node) bool, what string) node {
	t.Helper()
	found := n.all(match)
	require.Len(t, found, 1, "want exactly one %s", what)
	return found[0]
}

// text is n's text, then its children's, each separated by a space: in
// document order where n's own text does not interleave its children.
func (n node) text() string {
	s := []string{n.Text}
	for _, c := range n.Nodes {
		s = append(s, c.text())
	}
	return strings.Join(strings.Fields(strings.Join(s, " ")), " ")
}

func tag(name string) func(node) bool { return func(n node) bool { return n.XMLName.Local == name } }
func class(c string) func(node) bool  { return func(n node) bool { return n.hasClass(c) } }
func id(v string) func(node) bool     { return func(n node) bool { return n.attr("id") == v } }

// renderHTML writes r's page and parses it.
func renderHTML(t *testing.T, r contactcenter.Report) (string, node) {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, r.WriteHTML(&b))
	page := b.String()
	var root node
	d := xml.NewDecoder(strings.NewReader(page))
	require.NoError(t, d.Decode(&root), "want a well-formed page")
	return page, root
}

func floats(t *testing.T, s string) []float64 {
	t.Helper()
	var out []float64
	for f := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		v, err := strconv.ParseFloat(f, 64)
		require.NoError(t, err, "want a number in %q", s)
		out = append(out, v)
	}
	return out
}

func num(t *testing.T, n node, attr string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(n.attr(attr), 64)
	require.NoError(t, err, "want a number in %s=%q", attr, n.attr(attr))
	return v
}

func TestReportHTMLQueues(t *testing.T) {
	r := htmlReport()
	_, root := renderHTML(t, r)
	rows := root.one(t, id("queues"), "queue table").all(class("queue-row"))
	require.Len(t, rows, len(r.Engagements.Queues), "want a row per queue and modality")
	want := [][]string{
		{"general", "telephony", "120", "110", "80 %", "80 %", "✓ met", "15s", "4m0s", "5 % (6)", "3m20s", "2", "2", "3", "4"},
		{r.Engagements.Queues[1].Queue, "chat", "40", "30", "60 %", "90 %", "✗ missed", "42s", "5m0s", "25 % (10)", "6m20s", "0", "0", "0", "0"},
		{"overflow", "video", "0", "0", "—", "80 %", "no traffic", "—", "—", "—", "—", "0", "0", "0", "0"},
	}
	for i, row := range rows {
		var got []string
		for _, td := range row.all(tag("td")) {
			got = append(got, td.text())
		}
		assert.Equal(t, want[i], got, "want queue %d's figures", i)
	}
	marks := []string{"met", "missed", "none"}
	for i, row := range rows {
		assert.Len(t, row.all(class(marks[i])), 1, "want queue %d marked %s", i, marks[i])
	}
}

func TestReportHTMLHeadline(t *testing.T) {
	_, root := renderHTML(t, htmlReport())
	figures := map[string]node{}
	for _, f := range root.all(class("figure")) {
		figures[f.one(t, class("label"), "figure label").text()] = f
	}
	value := func(label string) string {
		f, ok := figures[label]
		require.True(t, ok, "want a %q figure", label)
		return f.one(t, class("value"), "figure value").text()
	}
	// 120 within of 160 resolved, against targets weighted 120:40.
	assert.Equal(t, "75 %", value("Service level"))
	assert.Contains(t, figures["Service level"].text(), "queues' targets, weighted: target 82.5 % · ✗ missed")
	assert.True(t, figures["Service level"].hasClass("missed"), "want the overall level marked missed")
	assert.Equal(t, "158", value("Engagements"), "want offered less overflows between queues")
	assert.Equal(t, "21s", value("Average speed of answer"))
	assert.Contains(t, figures["Average speed of answer"].text(), "AHT 4m14s")
	assert.Equal(t, "10 %", value("Abandoned"))
	assert.Equal(t, "6m20s", value("Longest wait"))
	assert.Equal(t, "5", value("Peak agents"))
	assert.Equal(t, "15.5 h", value("Agent hours"))
	assert.Equal(t, "EUR 1,236.50", value("Cost"))
	occupancy := root.one(t, id("occupancy"), "occupancy")
	assert.Equal(t, "Occupancy chat telephony", occupancy.one(t, tag("thead"), "head").text())
	assert.Equal(t, "share of the agents’ time on duty spent handling 18 % 72 %", occupancy.one(t, tag("tbody"), "body").text())
}

func svgOf(t *testing.T, root node) node {
	t.Helper()
	return root.one(t, tag("svg"), "timeline chart")
}

// countScale reads the count axis off the arrival bars: the y of zero,
// and the height of one engagement.
func countScale(t *testing.T, bars []node, tl []contactcenter.TimelinePoint) (base, perCount float64) {
	t.Helper()
	base = num(t, bars[0], "y") + num(t, bars[0], "height")
	most := 0
	for i, p := range tl {
		if p.Arrivals > most {
			most, perCount = p.Arrivals, num(t, bars[i], "height")/float64(p.Arrivals)
		}
	}
	require.Positive(t, perCount, "want a bar with arrivals")
	return base, perCount
}

func TestReportHTMLTimeline(t *testing.T) {
	r := htmlReport()
	tl := r.Engagements.Timeline
	_, root := renderHTML(t, r)
	svg := svgOf(t, root)

	t.Run("BarPerBucket", func(t *testing.T) {
		bars := svg.one(t, class("arrivals"), "arrivals group").all(tag("rect"))
		require.Len(t, bars, len(tl), "want one bar per bucket")
		base, perCount := countScale(t, bars, tl)
		for i, b := range bars {
			assert.InDelta(t, float64(tl[i].Arrivals)*perCount, num(t, b, "height"), 0.15, "want bar %d's height proportional to its arrivals", i)
			assert.InDelta(t, base, num(t, b, "y")+num(t, b, "height"), 0.15, "want bar %d standing on the axis", i)
			if i > 0 {
				assert.Greater(t, num(t, b, "x"), num(t, bars[i-1], "x"), "want bar %d right of the one before", i)
			}
		}
	})

	t.Run("AgentsSteps", func(t *testing.T) {
		bars := svg.one(t, class("arrivals"), "arrivals group").all(tag("rect"))
		base, perCount := countScale(t, bars, tl)
		agentsY := func(n int) float64 { return base - float64(n)*perCount }
		pts := floats(t, svg.one(t, class("agents"), "agents line").attr("points"))
		n := len(tl)
		// The first bucket's level; for each later one, the step from
		// the level before to its own; and the last level to the end.
		require.Len(t, pts, 2*2*n, "want two points per bucket")
		pt := func(k int) (x, y float64) { return pts[2*k], pts[2*k+1] }
		x, y := pt(0)
		assert.InDelta(t, agentsY(tl[0].Agents), y, 0.3, "want the line to start at the first bucket's agents")
		for i := 1; i < n; i++ {
			xa, ya := pt(2*i - 1)
			xb, yb := pt(2 * i)
			assert.Equal(t, xa, xb, "want bucket %d's step vertical", i)
			assert.Greater(t, xa, x, "want bucket %d's step right of the one before", i)
			assert.InDelta(t, agentsY(tl[i-1].Agents), ya, 0.3, "want the step into bucket %d from the agents before", i)
			assert.InDelta(t, agentsY(tl[i].Agents), yb, 0.3, "want bucket %d at its agents", i)
			assert.Greater(t, num(t, bars[i], "x"), xa, "want bucket %d's step at the start of its bar", i)
			assert.Less(t, num(t, bars[i], "x"), xa+num(t, bars[i], "width"), "want bucket %d's step at the start of its bar", i)
			x = xa
		}
		xl, yl := pt(2*n - 1)
		assert.Greater(t, xl, x, "want the last level drawn to the end of its bucket")
		assert.InDelta(t, agentsY(tl[n-1].Agents), yl, 0.3, "want the line to end at the last bucket's agents")
	})

	t.Run("LevelGaps", func(t *testing.T) {
		// The runs of consecutive buckets with something resolved.
		var runs [][]contactcenter.TimelinePoint
		var run []contactcenter.TimelinePoint
		for i, p := range tl {
			if p.Resolved == 0 || (len(run) > 0 && p.At.Sub(tl[i-1].At) > 15*time.Minute) {
				if len(run) > 0 {
					runs = append(runs, run)
				}
				run = nil
			}
			if p.Resolved > 0 {
				run = append(run, p)
			}
		}
		runs = append(runs, run)
		require.Len(t, runs, 4, "the sample has a bucket with nothing resolved, a missing bucket and a lone one")

		var zero, full float64
		for _, tx := range svg.one(t, class("level-axis"), "level axis").all(tag("text")) {
			switch tx.text() {
			case "0 %":
				zero = num(t, tx, "y")
			case "100 %":
				full = num(t, tx, "y")
			}
		}
		require.Greater(t, zero, full, "want the level axis labelled 0 % below 100 %")
		lines := svg.all(class("level"))
		dots := svg.one(t, class("level-points"), "level dots").all(tag("circle"))
		require.Len(t, lines, 3, "want a line per run of two or more buckets")
		require.Len(t, dots, 1, "want the lone bucket as a dot")
		for i, l := range lines {
			pts := floats(t, l.attr("points"))
			require.Len(t, pts, 2*len(runs[i]), "want run %d's buckets, and only them, on line %d", i, i)
			for j, p := range runs[i] {
				want := zero - p.ServiceLevel()*(zero-full)
				assert.InDelta(t, want, pts[2*j+1], 0.15, "want run %d bucket %d at its service level", i, j)
			}
		}
		assert.InDelta(t, full, num(t, dots[0], "cy"), 0.15, "want the lone bucket at 100 %")
	})

	t.Run("TargetAndLegend", func(t *testing.T) {
		target := svg.one(t, class("target"), "target line")
		assert.Equal(t, target.attr("y1"), target.attr("y2"), "want the target level")
		legend := svg.one(t, class("legend"), "legend").text()
		for _, s := range []string{"arrivals per bucket", "agents on duty", "service level per bucket", "target 82.5 %"} {
			assert.Contains(t, legend, s, "want the legend to name %q", s)
		}
	})
}

func TestReportHTMLEscapes(t *testing.T) {
	r := htmlReport()
	r.EventID = `<script>alert(1)</script>`
	r.State = contactcenter.Cancelled
	r.CancelReason = `organiser said "stop" & 'go' <now>`
	r.Engagements.Queues[0].Queue = `<img src=x onerror="alert(2)">`
	r.Timeline[1].Reason = `</td></tr><script>alert(3)</script>`
	r.Cost.Currency = `<b>€</b>`
	page, root := renderHTML(t, r)
	assert.NotContains(t, page, "<script", "want no script element")
	assert.NotContains(t, page, "<img", "want no injected element")
	assert.Contains(t, page, "&lt;script&gt;alert(1)&lt;/script&gt;", "want the event ID escaped")
	// What the host wrote comes back as text.
	assert.Equal(t, r.EventID, root.one(t, tag("h1"), "heading").text())
	assert.Equal(t, r.EventID, strings.TrimPrefix(root.one(t, tag("head"), "head").one(t, tag("title"), "title").text(), "Contact center report: "))
	assert.Equal(t, r.CancelReason, root.one(t, id("cancel-reason"), "cancel reason").text())
	assert.Equal(t, r.Engagements.Queues[0].Queue, root.all(class("queue-row"))[0].Nodes[0].text())
	assert.Contains(t, root.one(t, id("transitions"), "transitions").text(), r.Timeline[1].Reason)
}

func TestReportHTMLWithout(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*contactcenter.Report)
		want   []string
		absent []string
	}{
		{"Engagements", func(r *contactcenter.Report) { r.Engagements, r.Closing, r.Cost = nil, nil, nil },
			[]string{"No engagements yet.", "No timeline yet.", "Not closed yet."}, []string{"<svg", "Cost"}},
		{"Queues", func(r *contactcenter.Report) { r.Engagements.Queues, r.Engagements.Timeline = nil, nil },
			[]string{"No engagements yet.", "No timeline yet."}, []string{"<svg"}},
		{"Timeline", func(r *contactcenter.Report) { r.Engagements.Timeline = nil },
			[]string{"No timeline yet."}, []string{"<svg"}},
		{"Transitions", func(r *contactcenter.Report) { r.Timeline = nil }, []string{"No transitions recorded."}, nil},
		{"Term", func(r *contactcenter.Report) { r.Term = contactcenter.Term{} }, []string{"<svg"}, nil},
		{"Bucket", func(r *contactcenter.Report) { r.Engagements.Bucket = 0 }, []string{"buckets of 15m0s"}, nil},
		{"Anything", func(r *contactcenter.Report) { *r = contactcenter.Report{} }, []string{"No engagements yet."}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := htmlReport()
			tc.change(&r)
			page, _ := renderHTML(t, r)
			for _, s := range tc.want {
				assert.Contains(t, page, s)
			}
			for _, s := range tc.absent {
				assert.NotContains(t, page, s)
			}
			assert.NotContains(t, page, "NaN")
			assert.NotContains(t, page, "Inf")
		})
	}
}

func TestReportHTMLEdgeCases(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		name   string
		change func(*contactcenter.Report)
	}{
		{"SingleBucket", func(r *contactcenter.Report) { r.Engagements.Timeline = r.Engagements.Timeline[:1] }},
		{"SingleBucketNoTerm", func(r *contactcenter.Report) {
			r.Engagements.Timeline, r.Engagements.Bucket, r.Term = r.Engagements.Timeline[:1], 0, contactcenter.Term{}
		}},
		{"ZeroAgents", func(r *contactcenter.Report) {
			for i := range r.Engagements.Timeline {
				r.Engagements.Timeline[i].Agents = 0
			}
			r.PeakAgents = 0
		}},
		{"NothingArrived", func(r *contactcenter.Report) {
			for i := range r.Engagements.Timeline {
				r.Engagements.Timeline[i] = contactcenter.TimelinePoint{At: r.Engagements.Timeline[i].At}
			}
		}},
		{"NotFinite", func(r *contactcenter.Report) {
			r.AgentHours, r.LicenceHours, r.SpaceHours = nan, inf, -inf
			r.Cost = &contactcenter.Cost{Currency: "EUR", Agents: nan, Total: inf}
			r.Engagements.Occupancy[modality.Video] = nan
			r.Engagements.Queues[0].ServiceLevel, r.Engagements.Queues[0].Target = nan, inf
			r.Engagements.Queues[1].AbandonRate = nan
			r.Engagements.Queues[2].Target = nan
		}},
		{"OutOfOrder", func(r *contactcenter.Report) {
			tl := r.Engagements.Timeline
			tl[0], tl[len(tl)-1] = tl[len(tl)-1], tl[0]
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := htmlReport()
			tc.change(&r)
			page, root := renderHTML(t, r)
			assert.NotContains(t, page, "NaN")
			assert.NotContains(t, page, "Inf")
			svg := svgOf(t, root)
			assert.Len(t, svg.one(t, class("arrivals"), "arrivals").all(tag("rect")), len(r.Engagements.Timeline),
				"want one bar per bucket")
			for _, el := range svg.all(func(node) bool { return true }) {
				for _, a := range el.Attrs {
					assert.NotContains(t, a.Value, "NaN", "want finite %s on %s", a.Name.Local, el.XMLName.Local)
				}
			}
		})
	}
}

func TestReportHTMLTimeZone(t *testing.T) {
	r := htmlReport()
	_, root := renderHTML(t, r)
	assert.Equal(t, "Tue 14 Sep 2027, 09:00 – 12:00 CEST", root.one(t, id("term"), "term").text())
	assert.Equal(t, "Europe/Berlin", root.one(t, id("zone"), "time zone").text())
	assert.Equal(t, "Tue 14 Sep 2027 14:00 CEST", root.one(t, id("expires"), "expiry").text())
	assert.Contains(t, root.one(t, id("transitions"), "transitions").text(), "Tue 14 Sep 09:00:00 ready active term started")
	var ticks []string
	for _, tx := range svgOf(t, root).one(t, class("time-axis"), "time axis").all(tag("text")) {
		ticks = append(ticks, tx.text())
	}
	assert.Equal(t, []string{"09:00", "Tue 14 Sep", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00", "12:30"}, ticks,
		"want the time axis on Berlin's half hours, dated once")

	t.Run("HalfHourZone", func(t *testing.T) {
		r := htmlReport()
		r.Term.TimeZone = "Asia/Kolkata"
		_, root := renderHTML(t, r)
		assert.Equal(t, "Tue 14 Sep 2027, 12:30 – 15:30 IST", root.one(t, id("term"), "term").text())
		first := svgOf(t, root).one(t, class("time-axis"), "time axis").all(tag("text"))[0].text()
		assert.Equal(t, "12:30", first, "want ticks on round times in the zone, not in UTC")
	})
	t.Run("Unknown", func(t *testing.T) {
		r := htmlReport()
		r.Term.TimeZone = "Mars/Olympus_Mons"
		_, root := renderHTML(t, r)
		assert.Equal(t, "Tue 14 Sep 2027, 07:00 – 10:00 UTC", root.one(t, id("term"), "term").text())
		assert.Equal(t, `UTC (time zone "Mars/Olympus_Mons" not found)`, root.one(t, id("zone"), "time zone").text())
	})
	t.Run("LongTerm", func(t *testing.T) {
		r := htmlReport()
		r.Term.End = r.Term.Start.Add(400 * 24 * time.Hour)
		_, root := renderHTML(t, r)
		ticks := svgOf(t, root).one(t, class("time-axis"), "time axis").all(tag("text"))
		_, err := time.Parse("2 Jan 2006", ticks[0].text())
		assert.NoError(t, err, "want days labelled as dates")
		assert.LessOrEqual(t, len(ticks), 11, "want about ten ticks")
	})
	t.Run("AcrossMidnight", func(t *testing.T) {
		r := htmlReport()
		r.Term.Start = r.Term.Start.Add(13 * time.Hour) // 22:00 CEST
		r.Term.End = r.Term.Start.Add(4 * time.Hour)
		for i := range r.Engagements.Timeline {
			r.Engagements.Timeline[i].At = r.Engagements.Timeline[i].At.Add(13 * time.Hour)
		}
		_, root := renderHTML(t, r)
		assert.Equal(t, "Tue 14 Sep 2027 22:00 CEST – Wed 15 Sep 2027 02:00 CEST", root.one(t, id("term"), "term").text())
		axis := svgOf(t, root).one(t, class("time-axis"), "time axis").text()
		assert.Contains(t, axis, "Tue 14 Sep")
		assert.Contains(t, axis, "00:00 Wed 15 Sep", "want the date where the day changes")
	})
}

func TestReportHTMLClosing(t *testing.T) {
	r := htmlReport()
	_, root := renderHTML(t, r)
	closing := root.one(t, id("closing"), "closing proof")
	text := closing.text()
	for _, s := range []string{"✓ Nothing left behind", "verified Tue 14 Sep 2027 14:01:00 CEST", "End points disconnected 2",
		"Grants revoked 7", "space 1 · licences 1 · agents 2", "Grants still authorising 0", "End points still live 0",
		"+4930901820", "announce", "Mon 13 Dec 2027 11:00 CET"} {
		assert.Contains(t, text, s)
	}
	assert.Equal(t, "empty", root.one(t, id("remaining"), "remaining").text())

	r.Closing.Remaining = []contactcenter.Item{{Kind: contactcenter.Agents, ID: "a2"}}
	r.Closing.Authorising = 1
	_, root = renderHTML(t, r)
	text = root.one(t, id("closing"), "closing proof").text()
	assert.Contains(t, text, "✗ Not everything was released")
	assert.Contains(t, text, "agents a2")
	assert.Equal(t, "1 left", root.one(t, id("remaining"), "remaining").text())
}

func TestReportHTMLWriteError(t *testing.T) {
	err := htmlReport().WriteHTML(failingWriter{})
	assert.ErrorIs(t, err, errWrite, "want the writer's error")
}

var errWrite = errors.New("disk full")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestReportJSONFieldNames(t *testing.T) {
	b, err := json.Marshal(htmlReport())
	require.NoError(t, err)
	var got map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &got))
	for _, k := range []string{"serviceId", "eventId", "state", "term", "expires", "timeline", "agentHours",
		"supervisorHours", "licenceHours", "spaceHours", "peakAgents", "cost", "engagements", "closing"} {
		assert.Contains(t, got, k, "want the report's %s in JSON", k)
	}
	assert.NotContains(t, got, "cancelReason", "want no cancel reason when there is none")

	var back contactcenter.Report
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, fmt.Sprint(htmlReport().Engagements.Queues), fmt.Sprint(back.Engagements.Queues), "want the queues back")
}
