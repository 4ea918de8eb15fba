// Command simulate replays an event's traffic trace through eventcc's
// simulator and compares staffing policies side by side: static peak
// provisioning, a Kubernetes-HPA-style ratio policy, eventcc's
// autoscaler (Erlang C with a Holt forecast), and an oracle that staffs
// each interval with Erlang C on the true rates. It prints the
// comparison, and writes a CSV per policy, a summary CSV and an SVG
// plot a planner can look at:
//
//	go run ./examples/simulate -template conference -trace examples/simulate/testdata/conference.csv -out /tmp/conference
//
// The trace is a CSV file with the header
// start_seconds,interval_seconds,modality,arrivals,aht_seconds,patience_seconds
// (see sim.ReadTrace); its modalities must be those of the template,
// which also gives the service-level target, the concurrency of each
// modality, the wrap-up after each engagement (staffing.wrapUp, or
// -wrap-up), the licence and space factors, and eventcc's scale-down
// window and step limits. Every policy decides at the template's
// scaleInterval (or -decide). Agents are bounded only by the template's
// minAgents and by -max-agents.
//
// The simulated engagements are routed by eventcc's router
// (modality/routing), one queue per modality, with the template's
// wrap-up: the service level, ASA and abandonment printed are the
// router's (abandoned engagements count against the service level; ASA
// is the mean wait of the answered). As the lifecycle's scaler does,
// the policies staff each modality for its handle time plus the wrap-up.
//
// -generate writes one of the built-in synthetic traces instead
// (conference, concert, tradeshow; see sim.Scenarios):
//
//	go run ./examples/simulate -generate concert -seed 1 > concert.csv
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/eventcc/eventcc/scaling"
	"github.com/eventcc/eventcc/scaling/sim"
	"github.com/eventcc/eventcc/template"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout)
	var ue usageError
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.As(err, &ue):
		fmt.Fprintln(os.Stderr, "simulate:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "simulate:", err)
		os.Exit(1)
	}
}

// usageError is a bad command line.
type usageError struct{ error }

// stderr receives the flag package's usage text.
var stderr io.Writer = os.Stderr

// options are the command line's.
type options struct {
	trace, out, tmpl, generate string
	seed                       uint64
	window, decide, wrapUp     time.Duration
	wrapUpSet                  bool // -wrap-up given: else the template's
	maxAgents                  int
}

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.trace, "trace", "", "trace `file` (CSV) to replay")
	fs.StringVar(&o.out, "out", "", "`directory` for the CSV files and the SVG plot (created if missing)")
	fs.StringVar(&o.tmpl, "template", "conference", "built-in template `name` for modalities, targets and factors")
	fs.StringVar(&o.generate, "generate", "", "write the built-in synthetic trace `name` (conference, concert, tradeshow) to stdout instead")
	fs.Uint64Var(&o.seed, "seed", 1, "random `seed` of the arrivals (and of -generate)")
	fs.DurationVar(&o.window, "window", 0, "eventcc's scale-down stabilisation window (default: the template's)")
	fs.DurationVar(&o.decide, "decide", 0, "how often policies decide (default: the template's scaleInterval)")
	fs.DurationVar(&o.wrapUp, "wrap-up", 0, "how long an agent wraps up after each engagement (default: the template's staffing.wrapUp)")
	fs.IntVar(&o.maxAgents, "max-agents", 100000, "most agents any policy may staff")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, usageError{err}
	}
	fs.Visit(func(f *flag.Flag) { o.wrapUpSet = o.wrapUpSet || f.Name == "wrap-up" })
	switch {
	case fs.NArg() > 0:
		return o, usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	case o.generate != "":
		if _, ok := sim.Scenarios()[o.generate]; !ok {
			return o, usageError{fmt.Errorf("-generate %q: want one of %s", o.generate, strings.Join(scenarioNames(), ", "))}
		}
		return o, nil
	case o.trace == "":
		return o, usageError{errors.New("-trace is required (or -generate)")}
	case o.out == "":
		return o, usageError{errors.New("-out is required with -trace")}
	case o.window < 0:
		return o, usageError{fmt.Errorf("-window %v must not be negative", o.window)}
	case o.decide < 0:
		return o, usageError{fmt.Errorf("-decide %v must not be negative", o.decide)}
	case o.wrapUp < 0:
		return o, usageError{fmt.Errorf("-wrap-up %v must not be negative", o.wrapUp)}
	case o.maxAgents < 1:
		return o, usageError{fmt.Errorf("-max-agents %d must be at least 1", o.maxAgents)}
	}
	return o, nil
}

func scenarioNames() []string {
	var names []string
	for n := range sim.Scenarios() {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// run is the command, writing its report to out.
func run(ctx context.Context, args []string, out io.Writer) error {
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	if o.generate != "" {
		sc := sim.Scenarios()[o.generate]
		return sim.WriteTrace(out, sc.Trace(o.seed), sc.Comment(o.seed))
	}
	tmpl, err := template.Builtin().Lookup(o.tmpl)
	if err != nil {
		return usageError{fmt.Errorf("-template %q: %w (have %s)", o.tmpl, err, strings.Join(template.Builtin().Names(), ", "))}
	}
	f, err := os.Open(o.trace)
	if err != nil {
		return err
	}
	trace, err := sim.ReadTrace(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", o.trace, err)
	}
	cfg, err := config(tmpl, trace, o)
	if err != nil {
		return err
	}
	p := cfg.Params
	results, err := sim.Compare(ctx, trace, cfg,
		sim.StaticPeak(), sim.HPA{}.Contender(), sim.Autoscaler("eventcc", scaling.Erlang{}), sim.Oracle())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	var files []string
	for _, r := range results {
		name := filepath.Join(o.out, fileName(r.Policy)+".csv")
		if err := writeFile(name, func(w io.Writer) error { return writePeriods(w, r) }); err != nil {
			return err
		}
		files = append(files, name)
	}
	name := filepath.Join(o.out, "summary.csv")
	if err := writeFile(name, func(w io.Writer) error { return writeSummary(w, results) }); err != nil {
		return err
	}
	files = append(files, name)
	name = filepath.Join(o.out, "plot.svg")
	title := fmt.Sprintf("%s — template %s, window %v, wrap-up %v, seed %d", filepath.Base(o.trace), o.tmpl, p.ScaleDownWindow, cfg.WrapUp, o.seed)
	if err := writeFile(name, func(w io.Writer) error { return writeSVG(w, title, trace, results) }); err != nil {
		return err
	}
	files = append(files, name)

	fmt.Fprintf(out, "%s: %d intervals, %d arrivals, template %s (service level %.0f%% in %v, wrap-up %v), eventcc window %v, decisions every %v, seed %d\n\n",
		o.trace, len(trace), results[0].Total.Arrivals, o.tmpl, 100*p.Targets.ServiceLevel, p.Targets.Within, cfg.WrapUp, p.ScaleDownWindow,
		cfg.DecisionInterval, o.seed)
	if err := writeTable(out, results); err != nil {
		return err
	}
	fmt.Fprintln(out)
	writeVerdict(out, results)
	fmt.Fprintln(out)
	for _, f := range files {
		fmt.Fprintln(out, "wrote", f)
	}
	return nil
}

// config is the simulation of trace with the template: its Params,
// decision interval and wrap-up, and the seed.
func config(t *template.Template, trace sim.Trace, o options) (sim.Config, error) {
	wrapUp := wrapUpTime(t, o)
	p, err := params(t, trace, wrapUp, o)
	if err != nil {
		return sim.Config{}, err
	}
	return sim.Config{Params: p, DecisionInterval: decisionInterval(t, o), WrapUp: wrapUp, Seed: o.seed}, nil
}

// wrapUpTime is how long agents wrap up after each engagement: -wrap-up,
// else the template's staffing.wrapUp, as the lifecycle gives its router.
func wrapUpTime(t *template.Template, o options) time.Duration {
	if o.wrapUpSet {
		return o.wrapUp
	}
	return t.Staffing.WrapUp.D()
}

// decisionInterval is how often the policies decide: -decide, else the
// template's scaleInterval, as the lifecycle decides.
func decisionInterval(t *template.Template, o options) time.Duration {
	if o.decide > 0 {
		return o.decide
	}
	return t.Staffing.ScaleInterval.D()
}

// params maps the template onto the simulator's Params: its modalities,
// targets, factors, minAgents, scale-down window (or -window) and step
// limits, as the lifecycle gives them to its autoscaler, which staffs
// each modality for its handle time plus the wrap-up.
func params(t *template.Template, trace sim.Trace, wrapUp time.Duration, o options) (scaling.Params, error) {
	p := scaling.Params{
		TargetUtilisation:   t.Staffing.TargetUtilisation,
		MinAgents:           min(t.Staffing.MinAgents, o.maxAgents),
		MaxAgents:           o.maxAgents,
		AgentsPerSupervisor: t.Staffing.AgentsPerSupervisor,
		LicencesPerAgent:    t.Capacity.LicencesPerAgent,
		SpacePerAgent:       t.Capacity.SpacePerAgent,
		BaseSpace:           t.Capacity.BaseSpace,
		MaxLicences:         1 << 30,
		MaxSpace:            1 << 30,
		ScaleDownWindow:     t.Staffing.ScaleDownWindow.D(),
		MaxStepUp:           t.Staffing.MaxStepUp,
		MaxStepDown:         t.Staffing.MaxStepDown,
		Targets:             scaling.Targets{ServiceLevel: t.Staffing.ServiceLevel.Target, Within: t.Staffing.ServiceLevel.Within.D()},
		Forecast:            scaling.DefaultForecast(),
	}
	if o.window > 0 {
		p.ScaleDownWindow = o.window
	}
	var kinds []string
	for _, m := range t.Modalities {
		kinds = append(kinds, string(m.Kind))
		p.Modalities = append(p.Modalities, scaling.Modality{
			Kind: string(m.Kind), HandleTime: m.HandleTime.D() + wrapUp, Concurrency: m.Concurrency, SpacePerEngagement: m.SpacePerEngagement,
		})
	}
	for _, k := range trace.Modalities() {
		if !slices.Contains(kinds, k) {
			return p, usageError{fmt.Errorf("-template %s: the trace's modality %q is not among the template's (%s); pick a template that has it",
				t.Name, k, strings.Join(kinds, ", "))}
		}
	}
	return p, nil
}

// fileName turns a policy name into a file name.
func fileName(policy string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		default:
			return '-'
		}
	}, policy)
}

// writeFile creates name and writes it with write.
func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", name, err)
	}
	return f.Close()
}

// writeTable prints the comparison.
func writeTable(out io.Writer, results []sim.Result) error {
	oracle, static := find(results, "oracle"), find(results, "static peak")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "policy\tservice level\tintervals met\tASA\tabandoned\toccupancy\tagent-h\tlicence-h\tspace-h\tpeak\tchanges\tvs oracle\tvs static\t")
	for _, r := range results {
		met, n := r.PeriodsMet()
		t := r.Total
		fmt.Fprintf(tw, "%s\t%.1f%%\t%.1f%% of %d\t%.1fs\t%.1f%%\t%.1f%%\t%.1f\t%.1f\t%.1f\t%d\t%d\t%s\t%s\t\n",
			r.Policy, 100*t.ServiceLevel(), 100*met, n, t.ASA().Seconds(), 100*t.AbandonRate(), 100*t.Occupancy(),
			t.AgentHours(), t.LicenceHours(), t.SpaceHours(), r.PeakAgents, max(len(r.Steps)-1, 0),
			ratio(t.AgentHours(), oracle), ratio(t.AgentHours(), static))
	}
	return tw.Flush()
}

func find(results []sim.Result, policy string) *sim.Result {
	for i := range results {
		if results[i].Policy == policy {
			return &results[i]
		}
	}
	return nil
}

func ratio(hours float64, of *sim.Result) string {
	if of == nil || of.Total.AgentHours() == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f×", hours/of.Total.AgentHours())
}

// writeVerdict checks eventcc's figures against the targets of the
// issue that asked for them.
func writeVerdict(out io.Writer, results []sim.Result) {
	ev, oracle, static := find(results, "eventcc"), find(results, "oracle"), find(results, "static peak")
	if ev == nil || oracle == nil || static == nil {
		return
	}
	check := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	sl := ev.Total.ServiceLevel()
	met, _ := ev.PeriodsMet()
	om, _ := oracle.PeriodsMet()
	ro := ev.Total.AgentHours() / oracle.Total.AgentHours()
	rs := ev.Total.AgentHours() / static.Total.AgentHours()
	fmt.Fprintf(out, "eventcc targets: service level %.1f%% >= %.0f%%: %s; intervals met %.1f%% >= oracle's %.1f%% - 5 pp: %s;\n",
		100*sl, 100*ev.Target.ServiceLevel, check(sl >= ev.Target.ServiceLevel), 100*met, 100*om, check(met >= om-0.05))
	fmt.Fprintf(out, "  agent-hours %.3f× oracle <= 1.10: %s; %.3f× static peak <= 0.60: %s\n",
		ro, check(ro <= 1.10), rs, check(rs <= 0.60))
}

// writePeriods writes one policy's periods as CSV.
func writePeriods(w io.Writer, r sim.Result) error {
	var b strings.Builder
	b.WriteString("start_seconds,interval_seconds,arrivals,answered,answered_within,abandoned," +
		"service_level,met,asa_seconds,abandon_rate,occupancy,mean_agents,agent_hours,licence_hours,space_hours\n")
	for _, p := range r.Periods {
		rs := p.Routing
		fmt.Fprintf(&b, "%g,%g,%d,%d,%d,%d,%.4f,%t,%.2f,%.4f,%.4f,%.2f,%.3f,%.3f,%.3f\n",
			p.Start.Seconds(), p.Length.Seconds(), p.Arrivals, rs.Answered, rs.AnsweredWithin, rs.Abandoned,
			p.ServiceLevel(), p.Arrivals == 0 || p.ServiceLevel() >= r.Target.ServiceLevel, p.ASA().Seconds(),
			p.AbandonRate(), p.Occupancy(), p.MeanAgents(), p.AgentHours(), p.LicenceHours(), p.SpaceHours())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeSummary writes every policy's totals as CSV.
func writeSummary(w io.Writer, results []sim.Result) error {
	var b strings.Builder
	b.WriteString("policy,arrivals,service_level,intervals_met,intervals,asa_seconds,abandon_rate,occupancy,agent_hours,licence_hours,space_hours,peak_agents\n")
	for _, r := range results {
		met, n := r.PeriodsMet()
		t := r.Total
		fmt.Fprintf(&b, "%s,%d,%.4f,%.4f,%d,%.2f,%.4f,%.4f,%.3f,%.3f,%.3f,%d\n", r.Policy, t.Arrivals, t.ServiceLevel(), met, n,
			t.ASA().Seconds(), t.AbandonRate(), t.Occupancy(), t.AgentHours(), t.LicenceHours(), t.SpaceHours(), r.PeakAgents)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
