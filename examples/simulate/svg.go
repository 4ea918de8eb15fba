package main

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
	"time"

	"github.com/eventcc/eventcc/scaling/sim"
)

// Plot geometry, in SVG user units.
const (
	plotWidth  = 1100
	left       = 70
	right      = 180 // room for the legend
	top        = 56
	panel      = 190
	gap        = 48
	plotHeight = top + 3*panel + 2*gap + 40
)

// palette colours the policies (Okabe–Ito, safe for colour blindness).
var palette = map[string]string{
	"static peak": "#8c8c8c",
	"hpa":         "#e69f00",
	"eventcc":     "#0072b2",
	"oracle":      "#009e73",
}

func colour(policy string, i int) string {
	if c, ok := palette[policy]; ok {
		return c
	}
	return []string{"#cc79a7", "#d55e00", "#56b4e9", "#f0e442"}[i%4]
}

// writeSVG draws three panels sharing the time axis: the arrivals per
// interval, the agents each policy staffed, and each policy's service
// level per interval against the target.
func writeSVG(w io.Writer, title string, trace sim.Trace, results []sim.Result) error {
	var b strings.Builder
	periods := results[0].Periods
	begin := periods[0].Start
	end := periods[len(periods)-1].Start + periods[len(periods)-1].Length
	span := float64(end - begin)
	x := func(d time.Duration) float64 { return left + float64(d-begin)/span*(plotWidth-left-right) }
	panelTop := func(i int) float64 { return top + float64(i)*(panel+gap) }
	y := func(i int, v, vmax float64) float64 { return panelTop(i) + panel - v/vmax*panel }
	// The service-level panel shows [slMin, 1].
	slMin := 0.5
	for _, r := range results {
		for _, p := range r.Periods {
			if p.Arrivals > 0 {
				slMin = min(slMin, math.Floor(p.ServiceLevel()*10)/10)
			}
		}
	}
	ySL := func(v float64) float64 { return panelTop(2) + panel - (v-slMin)/(1-slMin)*panel }

	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		plotWidth, plotHeight, plotWidth, plotHeight)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="16" font-weight="bold">%s</text>`+"\n", left, html.EscapeString(title))

	// Axes and time ticks for each panel.
	step := tickStep(end - begin)
	labels := []string{"arrivals per interval", "agents staffed", "service level per interval"}
	for i := range 3 {
		pt := panelTop(i)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-weight="bold">%s</text>`+"\n", left, pt-8, labels[i])
		fmt.Fprintf(&b, `<rect x="%d" y="%.1f" width="%d" height="%d" fill="none" stroke="#ccc"/>`+"\n", left, pt, plotWidth-left-right, panel)
		for t := begin.Truncate(step); t <= end; t += step {
			if t < begin {
				continue
			}
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"/>`+"\n", x(t), pt, x(t), pt+panel)
			if i == 2 {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x(t), pt+panel+16, clock(t, end))
			}
		}
	}

	// Panel 1: arrivals.
	maxArr := 1
	for _, p := range periods {
		maxArr = max(maxArr, p.Arrivals)
	}
	axis(&b, 0, float64(maxArr), "%.0f", y, panelTop)
	for _, p := range periods {
		if p.Arrivals == 0 {
			continue
		}
		x0, x1 := x(p.Start), x(p.Start+p.Length)
		y0 := y(0, float64(p.Arrivals), float64(maxArr))
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#9ecae1"/>`+"\n", x0, y0, max(x1-x0-0.5, 0.5), panelTop(0)+panel-y0)
	}

	// Panel 2: agents, as steps.
	maxAgents := 1
	for _, r := range results {
		maxAgents = max(maxAgents, r.PeakAgents)
	}
	axis(&b, 1, float64(maxAgents), "%.0f", y, panelTop)
	for i, r := range results {
		var pts []string
		for j, s := range r.Steps {
			at := max(s.At, begin)
			if j > 0 {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(at), y(1, float64(r.Steps[j-1].Agents), float64(maxAgents))))
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(at), y(1, float64(s.Agents), float64(maxAgents))))
		}
		if n := len(r.Steps); n > 0 {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(end), y(1, float64(r.Steps[n-1].Agents), float64(maxAgents))))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.6" points="%s"/>`+"\n", colour(r.Policy, i), strings.Join(pts, " "))
	}

	// Panel 3: service level per interval, with the target.
	for _, v := range []float64{slMin, (slMin + 1) / 2, 1} {
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%.0f%%</text>`+"\n", left-6, ySL(v)+4, 100*v)
	}
	target := results[0].Target.ServiceLevel
	fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#d62728" stroke-dasharray="6 4"/>`+"\n",
		left, ySL(target), plotWidth-right, ySL(target))
	fmt.Fprintf(&b, `<text x="%d" y="%.1f" fill="#d62728">target %.0f%%</text>`+"\n", plotWidth-right+6, ySL(target)+4, 100*target)
	for i, r := range results {
		var pts []string
		for _, p := range r.Periods {
			if p.Arrivals == 0 {
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p.Start+p.Length/2), ySL(p.ServiceLevel())))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.2" stroke-opacity="0.85" points="%s"/>`+"\n", colour(r.Policy, i), strings.Join(pts, " "))
	}

	// Legend.
	for i, r := range results {
		ly := panelTop(1) + 10 + float64(i)*20
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s" stroke-width="3"/>`+"\n", plotWidth-right+10, ly, plotWidth-right+34, ly, colour(r.Policy, i))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f">%s (%.0f agent-h)</text>`+"\n", plotWidth-right+40, ly+4, html.EscapeString(r.Policy), r.Total.AgentHours())
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#666">%d intervals, %d arrivals</text>`+"\n", left, plotHeight-8, len(trace), results[0].Total.Arrivals)
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// axis labels panel i's vertical axis at 0, half and vmax.
func axis(b *strings.Builder, i int, vmax float64, format string, y func(int, float64, float64) float64, panelTop func(int) float64) {
	for _, v := range []float64{0, vmax / 2, vmax} {
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">`+format+`</text>`+"\n", left-6, y(i, v, vmax)+4, v)
	}
}

// tickStep returns the spacing of the time ticks for a span.
func tickStep(span time.Duration) time.Duration {
	switch {
	case span <= 4*time.Hour:
		return 30 * time.Minute
	case span <= 16*time.Hour:
		return time.Hour
	case span <= 3*24*time.Hour:
		return 6 * time.Hour
	default:
		return 24 * time.Hour
	}
}

// clock labels a trace time as a time of day, with the day when the
// trace spans more than one.
func clock(t, end time.Duration) string {
	day, tod := t/(24*time.Hour), t%(24*time.Hour)
	s := fmt.Sprintf("%02d:%02d", tod/time.Hour, tod%time.Hour/time.Minute)
	if end > 24*time.Hour {
		s = fmt.Sprintf("d%d %s", day+1, s)
	}
	return s
}
