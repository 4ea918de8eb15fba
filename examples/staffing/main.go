// Command staffing answers a staffing question with eventcc's Erlang
// maths: how many agents a queue needs to meet a service level, and
// what they achieve. It prints one JSON object:
//
//	$ go run ./examples/staffing -arrivals 100 -per 30m -aht 180s -target 0.8 -within 20s -shrinkage 0.3
//	{"agents":14,"scheduled":20,"load_erlangs":10,"service_level":0.8883500191794669,"wait_probability":0.1741319335950498,"asa_seconds":7.835937012,"occupancy":0.7142857142857143}
//
// agents is the least number that meets every target; scheduled adds
// shrinkage (agents/(1 − shrinkage), rounded up); the measures are those
// of agents. With -patience callers abandon after an exponential
// patience of that mean (Erlang A) and abandon_probability is printed;
// without it nobody abandons (Erlang C). -concurrency staffs engagements
// an agent handles several at once (chat): the queue's servers are
// sessions, and agents are the sessions divided by the concurrency,
// rounded up.
//
// Invalid input exits with status 2 and a message naming the flag.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/eventcc/eventcc/scaling"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout)
	var ue usageError
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.As(err, &ue):
		fmt.Fprintln(os.Stderr, "staffing:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "staffing:", err)
		os.Exit(1)
	}
}

// usageError is a bad command line.
type usageError struct{ error }

// stderr receives the flag package's usage text.
var stderr io.Writer = os.Stderr

// answer is the JSON printed.
type answer struct {
	Agents             int      `json:"agents"`
	Scheduled          int      `json:"scheduled"`
	Load               float64  `json:"load_erlangs"`
	ServiceLevel       float64  `json:"service_level"`
	WaitProbability    float64  `json:"wait_probability"`
	ASASeconds         float64  `json:"asa_seconds"`
	Occupancy          float64  `json:"occupancy"`
	AbandonProbability *float64 `json:"abandon_probability,omitempty"`
}

func run(_ context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("staffing", flag.ContinueOnError)
	fs.SetOutput(stderr)
	arrivals := fs.Float64("arrivals", -1, "engagements arriving per -per (required)")
	per := fs.Duration("per", time.Hour, "the period -arrivals arrive in")
	aht := fs.Duration("aht", 0, "mean handle time (required)")
	target := fs.Float64("target", 0.8, "service-level target: share answered within -within, in (0,1)")
	within := fs.Duration("within", 20*time.Second, "service-level threshold")
	patience := fs.Duration("patience", 0, "mean patience before abandoning (Erlang A); 0: nobody abandons (Erlang C)")
	shrinkage := fs.Float64("shrinkage", 0, "share of scheduled time agents are unavailable, in [0,1)")
	maxOcc := fs.Float64("max-occupancy", 0, "highest occupancy, in (0,1]; 0: none")
	maxASA := fs.Duration("max-asa", 0, "longest average speed of answer; 0: none")
	maxAbandon := fs.Float64("max-abandon", 0, "highest abandon probability, in (0,1] (needs -patience); 0: none")
	conc := fs.Int("concurrency", 1, "engagements one agent handles at once")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	switch {
	case *arrivals == -1 && !set(fs, "arrivals"):
		bad("-arrivals is required")
	case !(*arrivals >= 0) || math.IsInf(*arrivals, 1):
		bad("-arrivals %v: want a number >= 0", *arrivals)
	}
	if *per <= 0 {
		bad("-per %v: want a positive duration", *per)
	}
	if *aht <= 0 {
		if !set(fs, "aht") {
			bad("-aht is required")
		} else {
			bad("-aht %v: want a positive duration", *aht)
		}
	}
	if !(*target > 0 && *target < 1) {
		bad("-target %v: want a share in (0,1)", *target)
	}
	if *within < 0 {
		bad("-within %v: want a duration >= 0", *within)
	}
	if *patience < 0 {
		bad("-patience %v: want a duration >= 0", *patience)
	}
	if !(*shrinkage >= 0 && *shrinkage < 1) {
		bad("-shrinkage %v: want a share in [0,1)", *shrinkage)
	}
	if !(*maxOcc >= 0 && *maxOcc <= 1) {
		bad("-max-occupancy %v: want a share in (0,1], or 0 for none", *maxOcc)
	}
	if *maxASA < 0 {
		bad("-max-asa %v: want a duration >= 0", *maxASA)
	}
	if !(*maxAbandon >= 0 && *maxAbandon <= 1) {
		bad("-max-abandon %v: want a share in (0,1], or 0 for none", *maxAbandon)
	}
	if *maxAbandon > 0 && *patience == 0 {
		bad("-max-abandon needs -patience: without patience nobody abandons")
	}
	if *conc < 1 {
		bad("-concurrency %d: want at least 1", *conc)
	}
	if fs.NArg() > 0 {
		bad("unexpected argument %q", fs.Arg(0))
	}
	if err := errors.Join(errs...); err != nil {
		return usageError{err}
	}

	q := scaling.Queue{Rate: *arrivals / per.Seconds(), HandleTime: *aht, Patience: *patience}
	p, err := q.Staff(scaling.Targets{ServiceLevel: *target, Within: *within, MaxOccupancy: *maxOcc, MaxASA: *maxASA, MaxAbandon: *maxAbandon})
	switch {
	case errors.Is(err, scaling.ErrUnreachable):
		return fmt.Errorf("%v arrivals per %v of %v: %w", *arrivals, *per, *aht, err)
	case errors.Is(err, scaling.ErrInvalid):
		return usageError{err}
	case err != nil:
		return err
	}
	agents := (p.Agents + *conc - 1) / *conc
	scheduled, err := scaling.Scheduled(agents, *shrinkage)
	if err != nil {
		return usageError{fmt.Errorf("-shrinkage: %w", err)}
	}
	a := answer{
		Agents:          agents,
		Scheduled:       scheduled,
		Load:            p.Load,
		ServiceLevel:    p.ServiceLevel,
		WaitProbability: p.WaitProbability,
		ASASeconds:      float64(p.ASA) / 1e9,
		Occupancy:       p.Occupancy,
	}
	if *patience > 0 {
		a.AbandonProbability = &p.AbandonProbability
	}
	enc := json.NewEncoder(out)
	return enc.Encode(a)
}

// set reports whether the flag name was given.
func set(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}
