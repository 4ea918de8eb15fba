package contactcenter

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// WriteHTML writes the report as one self-contained HTML page, laid out
// to print on one A4 page: the service and its term, the headline
// figures, a table per queue and modality against its service-level
// target, the occupancy per modality, an SVG timeline of arrivals,
// agents on duty and service level, the service's state timeline and,
// once closed, the closing proof.
//
// The page has inline CSS and SVG and nothing else: no scripts, no
// external resources. Everything taken from the report is escaped. Times
// are shown in the term's time zone, or in UTC if it does not load.
// Nothing is written if the page cannot be built; otherwise the error
// is w's.
func (r Report) WriteHTML(w io.Writer) error {
	var b bytes.Buffer
	if err := reportPage.Execute(&b, newPageView(r)); err != nil {
		return fmt.Errorf("contactcenter: report page: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// pageView is what the page template shows: the report's figures,
// formatted.
type pageView struct {
	Title        string
	EventID      string
	ServiceID    string
	State        string
	StateClass   string // a fixed class name, not data
	Term         string
	Zone         string
	Expires      string
	CancelReason string
	Figures      []pageFigure
	HasQueues    bool // Engagements has at least one queue
	Queues       []queueRow
	Occupancy    []occupancyRow
	Chart        *pageChart // nil without a timeline
	Transitions  []transitionRow
	Closing      *closingView // nil until the closing plan ran
}

// pageFigure is one of the headline figures.
type pageFigure struct {
	Label string
	Value string
	Note  string
	Class string // "", "met" or "missed"
}

type queueRow struct {
	Queue, Kind                           string
	Offered, Answered                     int
	ServiceLevel, Target, Mark, MarkClass string
	ASA, AHT, AbandonRate, LongestWait    string
	Expired, Overflowed, Refused          int
	Disconnected                          int
}

type occupancyRow struct{ Kind, Share string }

type transitionRow struct{ At, From, To, Reason string }

type closingView struct {
	Disconnected  int
	GrantsRevoked int
	Numbers       []numberRow
	Released      string // counts by kind
	Remaining     []string
	Authorising   int
	LiveEndpoints int
	Verified      string
	Clean         bool
}

type numberRow struct{ Number, Route, Until string }

// pageClock formats instants in the term's time zone.
type pageClock struct {
	loc  *time.Location
	name string // what the page calls the zone
}

func newPageClock(zone string) pageClock {
	if zone == "" {
		return pageClock{time.UTC, "UTC"}
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return pageClock{time.UTC, fmt.Sprintf("UTC (time zone %q not found)", zone)}
	}
	return pageClock{loc, zone}
}

func (c pageClock) full(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(c.loc).Format("Mon 2 Jan 2006 15:04 MST")
}

func (c pageClock) short(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(c.loc).Format("Mon 2 Jan 15:04:05")
}

func (c pageClock) seconds(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(c.loc).Format("Mon 2 Jan 2006 15:04:05 MST")
}

func (c pageClock) term(t Term) string {
	if t.Start.IsZero() && t.End.IsZero() {
		return "—"
	}
	s, e := t.Start.In(c.loc), t.End.In(c.loc)
	if s.Year() == e.Year() && s.YearDay() == e.YearDay() {
		return s.Format("Mon 2 Jan 2006, 15:04") + " – " + e.Format("15:04 MST")
	}
	return c.full(t.Start) + " – " + c.full(t.End)
}

func newPageView(r Report) pageView {
	c := newPageClock(r.Term.TimeZone)
	v := pageView{
		Title:        "Contact center report: " + cmp.Or(r.EventID, r.ServiceID, "unnamed service"),
		EventID:      r.EventID,
		ServiceID:    r.ServiceID,
		State:        cmp.Or(string(r.State), "unknown"),
		StateClass:   stateClass(r.State),
		Term:         c.term(r.Term),
		Zone:         c.name,
		Expires:      c.full(r.Expires),
		CancelReason: r.CancelReason,
	}
	e := r.Engagements
	v.Figures = pageFigures(r)
	if e != nil {
		v.HasQueues = len(e.Queues) > 0
		for _, q := range e.Queues {
			v.Queues = append(v.Queues, newQueueRow(q))
		}
		for _, k := range slices.Sorted(maps.Keys(e.Occupancy)) {
			v.Occupancy = append(v.Occupancy, occupancyRow{string(k), fmtPercent(e.Occupancy[k])})
		}
		v.Chart = newPageChart(*e, r.Term, c)
	}
	for _, t := range r.Timeline {
		v.Transitions = append(v.Transitions, transitionRow{At: c.short(t.At), From: cmp.Or(string(t.From), "—"),
			To: string(t.To), Reason: t.Reason})
	}
	if r.Closing != nil {
		v.Closing = newClosingView(*r.Closing, c)
	}
	return v
}

func stateClass(s State) string {
	switch s {
	case Terminated:
		return "state-done"
	case Cancelled, Failed:
		return "state-bad"
	case Active, Ready:
		return "state-live"
	default:
		return "state-other"
	}
}

// queueTotals sums a report's queues. Each queue counts an engagement that
// overflowed out of it as resolved there, as the timeline does, so the
// overall service level is the timeline's over the whole term.
type queueTotals struct {
	offered, answered, within, abandoned, resolved, refused, handled, overflowed int
	waitAnswered, handleTime, longestWait                                        time.Duration
	// targetWeighted sums each queue's target weighted by what it
	// resolved; targetSum, unweighted.
	targetWeighted, targetSum, firstTarget float64
	targets                                int
	mixed                                  bool // the queues' targets differ
}

func sumQueues(qs []QueueReport) queueTotals {
	var t queueTotals
	for _, q := range qs {
		res := queueResolved(q)
		t.offered += q.Offered
		t.answered += q.Answered
		t.within += q.AnsweredWithin
		t.abandoned += q.Abandoned
		t.resolved += res
		t.refused += q.Refused
		t.handled += q.Handled
		t.overflowed += q.OverflowedOut
		t.waitAnswered += q.WaitAnswered.D()
		t.handleTime += q.HandleTime.D()
		t.longestWait = max(t.longestWait, q.LongestWait.D())
		if isFinite(q.Target) {
			if t.targets == 0 {
				t.firstTarget = q.Target
			}
			t.mixed = t.mixed || q.Target != t.firstTarget
			t.targetWeighted += q.Target * float64(res)
			t.targetSum += q.Target
			t.targets++
		}
	}
	return t
}

// target is the overall target: the queues' targets weighted by what
// each resolved, or their mean before any resolved. ok is false without
// queues.
func (t queueTotals) target() (v float64, ok bool) {
	switch {
	case t.targets == 0:
		return 0, false
	case t.resolved > 0:
		return t.targetWeighted / float64(t.resolved), true
	default:
		return t.targetSum / float64(t.targets), true
	}
}

func queueResolved(q QueueReport) int { return q.Answered + q.Abandoned + q.Expired + q.OverflowedOut }

func pageFigures(r Report) []pageFigure {
	var fs []pageFigure
	if e := r.Engagements; e != nil && len(e.Queues) > 0 {
		t := sumQueues(e.Queues)
		sl := pageFigure{Label: "Service level", Value: "—", Note: "none resolved yet"}
		if t.resolved > 0 {
			level := shareOf(t.within, t.resolved)
			sl.Value = fmtPercent(level)
			if target, ok := t.target(); ok {
				mark, class := metMark(level, target)
				sl.Note, sl.Class = "target "+fmtPercent(target)+" · "+mark, class
				if t.mixed {
					sl.Note = "queues' targets, weighted: " + sl.Note
				}
			}
		}
		asa, aht := "—", "—"
		if t.answered > 0 {
			asa = fmtDuration(t.waitAnswered / time.Duration(t.answered))
		}
		if t.handled > 0 {
			aht = fmtDuration(t.handleTime / time.Duration(t.handled))
		}
		abandon := "—"
		if t.resolved > 0 {
			abandon = fmtPercent(shareOf(t.abandoned, t.resolved))
		}
		fs = append(fs, sl,
			pageFigure{Label: "Engagements", Value: strconv.Itoa(max(t.offered-t.overflowed, 0)),
				Note: fmt.Sprintf("%d answered · %d refused", t.answered, t.refused)},
			pageFigure{Label: "Average speed of answer", Value: asa, Note: "AHT " + aht},
			pageFigure{Label: "Abandoned", Value: abandon, Note: fmt.Sprintf("%d engagements", t.abandoned)},
			pageFigure{Label: "Longest wait", Value: fmtDuration(t.longestWait)})
	} else {
		fs = append(fs, pageFigure{Label: "Service level", Value: "—", Note: "no engagements yet"})
	}
	fs = append(fs,
		pageFigure{Label: "Peak agents", Value: strconv.Itoa(r.PeakAgents)},
		pageFigure{Label: "Agent hours", Value: fmtHours(r.AgentHours), Note: "supervisors " + fmtHours(r.SupervisorHours)},
		pageFigure{Label: "Licence hours", Value: fmtHours(r.LicenceHours)},
		pageFigure{Label: "Space unit-hours", Value: fmtHours(r.SpaceHours)})
	if c := r.Cost; c != nil {
		fs = append(fs, pageFigure{Label: "Cost", Value: fmtMoney(c.Currency, c.Total),
			Note: "agents " + fmtMoney("", c.Agents) + " · licences " + fmtMoney("", c.Licences) + " · space " + fmtMoney("", c.Space)})
	}
	return fs
}

func newQueueRow(q QueueReport) queueRow {
	row := queueRow{Queue: q.Queue, Kind: string(q.Kind), Offered: q.Offered, Answered: q.Answered,
		ServiceLevel: "—", Target: fmtPercent(q.Target), Mark: "no traffic", MarkClass: "none",
		ASA: "—", AHT: "—", AbandonRate: "—", LongestWait: "—",
		Expired: q.Expired, Overflowed: q.OverflowedOut, Refused: q.Refused, Disconnected: q.Disconnected}
	// ServiceLevel is 1 when nothing left the queue: that is no traffic
	// (yet), not a target met.
	if q.Offered > 0 {
		row.Mark = "none resolved"
	}
	if queueResolved(q) > 0 {
		row.ServiceLevel = fmtPercent(q.ServiceLevel)
		row.Mark, row.MarkClass = metMark(q.ServiceLevel, q.Target)
		row.AbandonRate = fmt.Sprintf("%s (%d)", fmtPercent(q.AbandonRate), q.Abandoned)
		row.LongestWait = fmtDuration(q.LongestWait.D())
	}
	if q.Answered > 0 {
		row.ASA = fmtDuration(q.ASA.D())
	}
	if q.Handled > 0 {
		row.AHT = fmtDuration(q.AHT.D())
	}
	return row
}

// metMark marks a service level against its target, in words as well
// as colour so that it survives black-and-white printing.
func metMark(level, target float64) (mark, class string) {
	if !isFinite(level) || !isFinite(target) {
		return "—", "none"
	}
	if level >= target {
		return "✓ met", "met"
	}
	return "✗ missed", "missed"
}

func newClosingView(cr ClosingReport, c pageClock) *closingView {
	v := &closingView{Disconnected: cr.Disconnected, GrantsRevoked: cr.GrantsRevoked,
		Authorising: cr.Authorising, LiveEndpoints: cr.LiveEndpoints, Verified: c.seconds(cr.Verified)}
	for _, n := range cr.Numbers {
		v.Numbers = append(v.Numbers, numberRow{Number: n.Number.String(), Route: string(n.Route), Until: c.full(n.Until)})
	}
	v.Released = itemCounts(cr.Released)
	for _, it := range cr.Remaining {
		v.Remaining = append(v.Remaining, string(it.Kind)+" "+it.ID)
	}
	v.Clean = len(cr.Remaining) == 0 && cr.Authorising == 0 && cr.LiveEndpoints == 0
	return v
}

// itemCounts counts items by kind: the resources in provisioning order,
// then any others by name.
func itemCounts(items []Item) string {
	if len(items) == 0 {
		return "none"
	}
	n := map[Resource]int{}
	for _, it := range items {
		n[it.Kind]++
	}
	kinds := Resources()
	for _, k := range slices.Sorted(maps.Keys(n)) {
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	var parts []string
	for _, k := range kinds {
		if n[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", cmp.Or(string(k), "unknown"), n[k]))
		}
	}
	return strings.Join(parts, " · ")
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// ratio is a/b, 0 when b is.
func shareOf(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// percent formats a share; "—" if it is not a number.
func fmtPercent(v float64) string {
	if !isFinite(v) {
		return "—"
	}
	s := strconv.FormatFloat(100*v, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0") + " %"
}

func fmtHours(v float64) string {
	if !isFinite(v) {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " h"
}

// money formats an amount with thousands separators and two decimals.
func fmtMoney(currency string, v float64) string {
	if !isFinite(v) {
		return "—"
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', 2, 64)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if v < 0 && s != "0.00" {
		b.WriteByte('-')
	}
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	b.WriteString("." + frac)
	if currency != "" {
		return currency + " " + b.String()
	}
	return b.String()
}

// duration formats a wait or handle time: tenths of a second below ten
// seconds, whole seconds above.
func fmtDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}

// Chart geometry, in SVG user units.
const (
	chartWidth      = 1000
	chartHeight     = 330
	chartLeft       = 56
	chartRight      = 60
	chartTop        = 44 // room for the legend
	chartBottom     = 44 // room for two lines of time labels
	chartPlotWidth  = chartWidth - chartLeft - chartRight
	chartPlotHeight = chartHeight - chartTop - chartBottom
	chartPlotBase   = chartTop + chartPlotHeight // y of zero
)

// svgCoord is an SVG coordinate; the template prints it with one decimal.
type svgCoord float64

func (c svgCoord) String() string { return strconv.FormatFloat(float64(c), 'f', 1, 64) }

// pageChart is the SVG timeline: arrivals per bucket as bars and agents on
// duty as a step line against the count axis on the left; service level
// per bucket as a line against the percent axis on the right.
type pageChart struct {
	Width, Height, Left, Right, Top, Base svgCoord
	CountTicks                            []chartTick // left axis
	LevelTicks                            []chartTick // right axis
	TimeTicks                             []chartTimeTick
	Bars                                  []chartBar
	Agents                                string // polyline points
	Levels                                []string
	LevelPoints                           []chartPoint
	Target                                *chartTick // on the right axis; nil without queues
	Caption                               string
}

type chartTick struct {
	Y     svgCoord
	Label string
}

type chartTimeTick struct {
	X           svgCoord
	Label, Date string // Date only where the day changes
}

type chartBar struct {
	X, Y, W, H svgCoord
	Title      string
}

type chartPoint struct {
	X, Y  svgCoord
	Title string
}

func newPageChart(e EngagementReport, term Term, c pageClock) *pageChart {
	if len(e.Timeline) == 0 {
		return nil
	}
	pts := slices.SortedStableFunc(slices.Values(e.Timeline), func(a, b TimelinePoint) int { return a.At.Compare(b.At) })
	bucket := chartBucket(e.Bucket.D(), pts)
	begin, end := pts[0].At, pts[len(pts)-1].At.Add(bucket)
	// Over the whole term when there is one: a report taken mid-term
	// shows how much of it is still to come.
	if !term.Start.IsZero() && term.End.After(term.Start) {
		begin, end = earlier(begin, term.Start), later(end, term.End)
	}
	span := float64(end.Sub(begin))
	x := func(t time.Time) svgCoord { return svgCoord(chartLeft + float64(t.Sub(begin))/span*chartPlotWidth) }

	maxCount := 0
	for _, p := range pts {
		maxCount = max(maxCount, p.Arrivals, p.Agents)
	}
	step, top := chartCountAxis(maxCount)
	y := func(n int) svgCoord { return svgCoord(chartPlotBase - float64(n)/float64(top)*chartPlotHeight) }
	ySL := func(v float64) svgCoord { return svgCoord(chartPlotBase - min(max(v, 0), 1)*chartPlotHeight) }

	ch := &pageChart{Width: chartWidth, Height: chartHeight, Left: chartLeft, Right: chartWidth - chartRight,
		Top: chartTop, Base: chartPlotBase}
	for n := 0; n <= top; n += step {
		ch.CountTicks = append(ch.CountTicks, chartTick{y(n), strconv.Itoa(n)})
	}
	for _, v := range []float64{0, 0.25, 0.5, 0.75, 1} {
		ch.LevelTicks = append(ch.LevelTicks, chartTick{ySL(v), fmtPercent(v)})
	}
	ch.TimeTicks = chartTimeTicks(begin, end, c.loc, x)

	// One bar per bucket, its height proportional to its arrivals.
	for _, p := range pts {
		x0, x1 := x(p.At), x(p.At.Add(bucket))
		w := max(float64(x1-x0)*0.85, 0.5)
		ch.Bars = append(ch.Bars, chartBar{X: x0 + svgCoord(float64(x1-x0)-w)/2, Y: y(p.Arrivals), W: svgCoord(w),
			H:     chartPlotBase - y(p.Arrivals),
			Title: fmt.Sprintf("%s: %d arrivals, %d agents", c.short(p.At), p.Arrivals, p.Agents)})
	}

	// Agents on duty at each bucket's end, as steps.
	var agents []string
	for i, p := range pts {
		if i > 0 {
			agents = append(agents, ch.pointString(x(p.At), y(pts[i-1].Agents)))
		}
		agents = append(agents, ch.pointString(x(p.At), y(p.Agents)))
	}
	last := pts[len(pts)-1]
	agents = append(agents, ch.pointString(x(last.At.Add(bucket)), y(last.Agents)))
	ch.Agents = strings.Join(agents, " ")

	ch.levelLine(pts, bucket, x, ySL, c)

	if t, ok := sumQueues(e.Queues).target(); ok && isFinite(t) {
		ch.Target = &chartTick{ySL(t), "target " + fmtPercent(t)}
	}
	ch.Caption = fmt.Sprintf("%d buckets of %s; times in %s. The service level line has gaps where no engagement left a queue.",
		len(pts), bucket, c.name)
	return ch
}

// chartBucket is the timeline's bucket: as the report says, or else the
// shortest step between its points (a minute if it has one point).
func chartBucket(bucket time.Duration, pts []TimelinePoint) time.Duration {
	if bucket > 0 {
		return bucket
	}
	bucket = time.Minute
	for i := 1; i < len(pts); i++ {
		if d := pts[i].At.Sub(pts[i-1].At); d > 0 && (i == 1 || d < bucket) {
			bucket = d
		}
	}
	return bucket
}

// levelLine draws the service level at each bucket's middle; a bucket
// where nothing was resolved, or one missing from the timeline, breaks
// the line. A point with no neighbour to join is drawn as a dot.
func (ch *pageChart) levelLine(pts []TimelinePoint, bucket time.Duration, x func(time.Time) svgCoord, ySL func(float64) svgCoord, c pageClock) {
	var run []chartPoint
	flush := func() {
		switch len(run) {
		case 0:
		case 1:
			ch.LevelPoints = append(ch.LevelPoints, run[0])
		default:
			s := make([]string, len(run))
			for i, p := range run {
				s[i] = ch.pointString(p.X, p.Y)
			}
			ch.Levels = append(ch.Levels, strings.Join(s, " "))
		}
		run = nil
	}
	var prev time.Time
	for _, p := range pts {
		if p.Resolved == 0 || (len(run) > 0 && p.At.Sub(prev) > bucket) {
			flush()
		}
		if p.Resolved == 0 {
			continue
		}
		level := p.ServiceLevel()
		run = append(run, chartPoint{X: x(p.At.Add(bucket / 2)), Y: ySL(level),
			Title: fmt.Sprintf("%s: %s (%d of %d)", c.short(p.At), fmtPercent(level), p.AnsweredWithin, p.Resolved)})
		prev = p.At
	}
	flush()
}

func (*pageChart) pointString(x, y svgCoord) string { return x.String() + "," + y.String() }

// chartCountAxis returns the step and top of the count axis: the smallest
// step of 1, 2 or 5 times a power of ten that reaches maxCount in at
// most five steps, and the first multiple of it at or above maxCount.
func chartCountAxis(maxCount int) (step, top int) {
	maxCount = max(maxCount, 1)
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if step = m * p; step*5 >= maxCount {
				return step, (maxCount + step - 1) / step * step
			}
		}
	}
}

// chartTickSteps are the spacings the time axis chooses from, shortest first.
var chartTickSteps = []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute,
	15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour,
	12 * time.Hour, 24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour}

// chartTimeTicks places at most about ten ticks on [begin, end], on round
// wall-clock times in loc (so that they stay round across a change to
// or from summer time), labelled with the time of day and, where the
// day changes, the date.
func chartTimeTicks(begin, end time.Time, loc *time.Location, x func(time.Time) svgCoord) []chartTimeTick {
	span := end.Sub(begin)
	const day = 24 * time.Hour
	step := (span/10/day + 1) * day // whole days, beyond the longest step
	for _, s := range chartTickSteps {
		if span/s <= 10 {
			step = s
			break
		}
	}
	b := begin.In(loc)
	y, m, d := b.Date()
	var ticks []chartTimeTick
	var last time.Time
	lastDay := -1
	for k := 0; ; k++ {
		var t time.Time
		if step >= day {
			t = time.Date(y, m, d+k*int(step/day), 0, 0, 0, 0, loc)
		} else {
			t = time.Date(y, m, d, 0, k*int(step/time.Minute), 0, 0, loc)
		}
		if t.After(end) {
			break
		}
		if t.Before(begin) || (!last.IsZero() && !t.After(last)) {
			continue
		}
		last = t
		tt := chartTimeTick{X: x(t), Label: t.Format("15:04")}
		if step >= day {
			tt.Label = t.Format("2 Jan 2006")
		} else if day := t.YearDay(); day != lastDay {
			tt.Date = t.Format("Mon 2 Jan")
			lastDay = day
		}
		ticks = append(ticks, tt)
	}
	return ticks
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

var reportPage = template.Must(template.New("report").Parse(reportPageHTML))

const reportPageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>{{.Title}}</title>
<style>
@page { size: A4; margin: 10mm; }
* { box-sizing: border-box; }
html { background: #fff; }
body { print-color-adjust: exact; -webkit-print-color-adjust: exact; margin: 0 auto; max-width: 190mm; padding: 4mm 0; font: 8.5pt/1.35 "Helvetica Neue", Helvetica, Arial, sans-serif; color: #1a1a1a; }
h1 { font-size: 15pt; margin: 0 0 1mm; overflow-wrap: anywhere; }
h2 { font-size: 10pt; margin: 4mm 0 1.5mm; border-bottom: 0.4mm solid #1a1a1a; padding-bottom: 0.5mm; }
p { margin: 1mm 0; }
dl.meta { display: grid; grid-template-columns: auto 1fr auto 1fr; gap: 0.5mm 3mm; margin: 1mm 0 0; }
dl.meta dt { color: #555; }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.state { display: inline-block; padding: 0 2mm; border-radius: 1mm; font-weight: bold; border: 0.3mm solid currentColor; }
.state-done { color: #1b7837; } .state-bad { color: #b2182b; } .state-live { color: #0072b2; } .state-other { color: #555; }
.cancel { color: #b2182b; overflow-wrap: anywhere; }
.figures { display: grid; grid-template-columns: repeat(5, 1fr); gap: 1.5mm; }
.figure { border: 0.3mm solid #ccc; border-radius: 1mm; padding: 1mm 1.5mm; break-inside: avoid; }
.figure .label { color: #555; font-size: 7.5pt; }
.figure .value { font-size: 13pt; font-weight: bold; }
.figure .note { font-size: 7.5pt; color: #555; overflow-wrap: anywhere; }
.figure.met .note, td.met { color: #1b7837; }
.figure.missed .note, td.missed { color: #b2182b; }
td.met, td.missed { font-weight: bold; white-space: nowrap; }
td.none { color: #777; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 0.6mm 1.2mm; border-bottom: 0.2mm solid #ddd; text-align: right; vertical-align: top; }
th { font-size: 7.5pt; color: #444; font-weight: 600; border-bottom: 0.3mm solid #999; }
th.text, td.text { text-align: left; }
td.queue { overflow-wrap: break-word; min-width: 22mm; max-width: 40mm; }
#queues { font-size: 7.5pt; }
#queues th, #queues td { padding: 0.6mm 0.8mm; }
#queues th { overflow-wrap: anywhere; hyphens: auto; }
tr { break-inside: avoid; }
table.occupancy { width: auto; margin-top: 2mm; }
table.occupancy th, table.occupancy td { padding-right: 3mm; }
.chart, .cols { break-inside: avoid; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 0 6mm; }
.chart svg { width: 100%; height: auto; display: block; }
.chart .caption { color: #555; font-size: 7.5pt; }
.muted { color: #777; }
.nowrap { white-space: nowrap; }
.kicker { color: #555; font-size: 8pt; text-transform: uppercase; letter-spacing: 0.05em; }
.ok { color: #1b7837; font-weight: bold; }
.bad { color: #b2182b; font-weight: bold; }
ul.items { margin: 0; padding-left: 4mm; overflow-wrap: anywhere; }
</style>
</head>
<body>
<header>
<div class="kicker">Contact center report</div>
<h1>{{if .EventID}}{{.EventID}}{{else}}{{.ServiceID}}{{end}}</h1>
<dl class="meta">
<dt>Service</dt><dd>{{.ServiceID}}</dd>
<dt>State</dt><dd><span class="state {{.StateClass}}" id="state">{{.State}}</span></dd>
<dt>Term</dt><dd id="term">{{.Term}}</dd>
<dt>Time zone</dt><dd id="zone">{{.Zone}}</dd>
<dt>Expires</dt><dd id="expires">{{.Expires}}</dd>
{{- if .CancelReason}}
<dt>Cancelled</dt><dd class="cancel" id="cancel-reason">{{.CancelReason}}</dd>
{{- end}}
</dl>
</header>

<section>
<h2>Headline figures</h2>
<div class="figures">
{{- range .Figures}}
<div class="figure{{if .Class}} {{.Class}}{{end}}"><div class="label">{{.Label}}</div><div class="value">{{.Value}}</div>{{if .Note}}<div class="note">{{.Note}}</div>{{end}}</div>
{{- end}}
</div>
</section>

<section>
<h2>Queues</h2>
{{- if .HasQueues}}
<table id="queues">
<thead><tr><th class="text">Queue</th><th class="text">Modality</th><th>Offered</th><th>Answered</th><th>Service level</th><th>Target</th><th class="text">Result</th><th>ASA</th><th>AHT</th><th>Abandoned</th><th>Longest wait</th><th>Expired</th><th>Overflowed out</th><th>Refused</th><th>Closed</th></tr></thead>
<tbody>
{{- range .Queues}}
<tr class="queue-row"><td class="text queue">{{.Queue}}</td><td class="text">{{.Kind}}</td><td>{{.Offered}}</td><td>{{.Answered}}</td><td>{{.ServiceLevel}}</td><td>{{.Target}}</td><td class="text {{.MarkClass}}">{{.Mark}}</td><td>{{.ASA}}</td><td>{{.AHT}}</td><td>{{.AbandonRate}}</td><td>{{.LongestWait}}</td><td>{{.Expired}}</td><td>{{.Overflowed}}</td><td>{{.Refused}}</td><td>{{.Disconnected}}</td></tr>
{{- end}}
</tbody>
</table>
{{- else}}
<p class="muted">No engagements yet.</p>
{{- end}}
{{- if .Occupancy}}
<table id="occupancy" class="occupancy">
<thead><tr><th class="text">Occupancy</th>{{range .Occupancy}}<th>{{.Kind}}</th>{{end}}</tr></thead>
<tbody><tr><td class="text muted">share of the agents’ time on duty spent handling</td>{{range .Occupancy}}<td>{{.Share}}</td>{{end}}</tr></tbody>
</table>
{{- end}}
</section>

<section class="chart">
<h2>Timeline</h2>
{{- with .Chart}}
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {{.Width}} {{.Height}}" font-family="Helvetica, Arial, sans-serif" font-size="12" role="img" aria-label="Arrivals, agents on duty and service level over time">
<g class="grid" stroke="#e5e5e5">
{{- range .CountTicks}}
<line x1="{{$.Chart.Left}}" y1="{{.Y}}" x2="{{$.Chart.Right}}" y2="{{.Y}}"/>
{{- end}}
{{- range .TimeTicks}}
<line x1="{{.X}}" y1="{{$.Chart.Top}}" x2="{{.X}}" y2="{{$.Chart.Base}}"/>
{{- end}}
</g>
<g class="arrivals" fill="#9ecae1">
{{- range .Bars}}
<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Title}}</title></rect>
{{- end}}
</g>
{{- with .Target}}
<line class="target" x1="{{$.Chart.Left}}" y1="{{.Y}}" x2="{{$.Chart.Right}}" y2="{{.Y}}" stroke="#d55e00" stroke-width="1.2" stroke-dasharray="6 4"/>
{{- end}}
<polyline class="agents" fill="none" stroke="#e69f00" stroke-width="2" stroke-linejoin="round" points="{{.Agents}}"/>
{{- range .Levels}}
<polyline class="level" fill="none" stroke="#0072b2" stroke-width="1.8" stroke-linejoin="round" points="{{.}}"/>
{{- end}}
<g class="level-points" fill="#0072b2">
{{- range .LevelPoints}}
<circle cx="{{.X}}" cy="{{.Y}}" r="2.5"><title>{{.Title}}</title></circle>
{{- end}}
</g>
<g class="axes" stroke="#555">
<line x1="{{.Left}}" y1="{{.Top}}" x2="{{.Left}}" y2="{{.Base}}"/>
<line x1="{{.Right}}" y1="{{.Top}}" x2="{{.Right}}" y2="{{.Base}}"/>
<line x1="{{.Left}}" y1="{{.Base}}" x2="{{.Right}}" y2="{{.Base}}"/>
</g>
<g class="count-axis" text-anchor="end" fill="#333">
{{- range .CountTicks}}
<text x="{{$.Chart.Left}}" y="{{.Y}}" dx="-5" dy="4">{{.Label}}</text>
{{- end}}
</g>
<g class="level-axis" text-anchor="start" fill="#0072b2">
{{- range .LevelTicks}}
<text x="{{$.Chart.Right}}" y="{{.Y}}" dx="5" dy="4">{{.Label}}</text>
{{- end}}
</g>
<g class="time-axis" text-anchor="middle" fill="#333">
{{- range .TimeTicks}}
<text x="{{.X}}" y="{{$.Chart.Base}}" dy="16">{{.Label}}</text>
{{- if .Date}}
<text x="{{.X}}" y="{{$.Chart.Base}}" dy="31" fill="#777">{{.Date}}</text>
{{- end}}
{{- end}}
</g>
<g class="legend" font-size="12" fill="#333">
<rect x="{{.Left}}" y="10" width="14" height="10" fill="#9ecae1"/>
<text x="{{.Left}}" y="19" dx="19">arrivals per bucket (left)</text>
<line x1="270" y1="15" x2="292" y2="15" stroke="#e69f00" stroke-width="2"/>
<text x="297" y="19">agents on duty (left)</text>
<line x1="470" y1="15" x2="492" y2="15" stroke="#0072b2" stroke-width="1.8"/>
<text x="497" y="19">service level per bucket (right)</text>
{{- if .Target}}
<line x1="750" y1="15" x2="772" y2="15" stroke="#d55e00" stroke-width="1.2" stroke-dasharray="6 4"/>
<text x="777" y="19">{{.Target.Label}}</text>
{{- end}}
</g>
</svg>
<p class="caption">{{.Caption}}</p>
{{- else}}
<p class="muted">No timeline yet.</p>
{{- end}}
</section>

<div class="cols">
<section>
<h2>Service states</h2>
{{- if .Transitions}}
<table id="transitions">
<thead><tr><th class="text">At</th><th class="text">From</th><th class="text">To</th><th class="text">Reason</th></tr></thead>
<tbody>
{{- range .Transitions}}
<tr><td class="text nowrap">{{.At}}</td><td class="text">{{.From}}</td><td class="text">{{.To}}</td><td class="text queue">{{.Reason}}</td></tr>
{{- end}}
</tbody>
</table>
{{- else}}
<p class="muted">No transitions recorded.</p>
{{- end}}
</section>

<section id="closing">
<h2>Closing proof</h2>
{{- with .Closing}}
<p>{{if .Clean}}<span class="ok">✓ Nothing left behind</span>{{else}}<span class="bad">✗ Not everything was released</span>{{end}}, verified {{.Verified}}.</p>
<table>
<tbody>
<tr><td class="text">End points disconnected</td><td>{{.Disconnected}}</td></tr>
<tr><td class="text">Grants revoked</td><td>{{.GrantsRevoked}}</td></tr>
<tr><td class="text">Items released</td><td>{{.Released}}</td></tr>
<tr><td class="text">Remaining inventory</td><td id="remaining">{{if .Remaining}}<span class="bad">{{len .Remaining}} left</span>{{else}}<span class="ok">empty</span>{{end}}</td></tr>
<tr><td class="text">Grants still authorising</td><td class="{{if .Authorising}}bad{{else}}ok{{end}}">{{.Authorising}}</td></tr>
<tr><td class="text">End points still live</td><td class="{{if .LiveEndpoints}}bad{{else}}ok{{end}}">{{.LiveEndpoints}}</td></tr>
</tbody>
</table>
{{- if .Remaining}}
<ul class="items">
{{- range .Remaining}}
<li>{{.}}</li>
{{- end}}
</ul>
{{- end}}
{{- if .Numbers}}
<table id="numbers">
<thead><tr><th class="text">Number retired</th><th class="text">Routes</th><th class="text">Until</th></tr></thead>
<tbody>
{{- range .Numbers}}
<tr><td class="text">{{.Number}}</td><td class="text">{{.Route}}</td><td class="text">{{.Until}}</td></tr>
{{- end}}
</tbody>
</table>
{{- end}}
{{- else}}
<p class="muted">Not closed yet.</p>
{{- end}}
</section>
</div>
</body>
</html>
`
