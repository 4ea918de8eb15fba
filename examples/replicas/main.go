// Command replicas runs several Lifecycles — replicas of one host
// application — against one PostgreSQL database, on a fast simulated
// clock: it requests a few events with staggered terms, kills one replica
// halfway through (in the middle of a closing plan), lets the others take
// its services over once its leases expire, and prints which replica
// drove which service.
//
//	go run ./examples/replicas -url postgres://postgres@127.0.0.1:5432/test?sslmode=disable
//
// Without -url it reads EVENTCC_POSTGRES_URL. It works in a fresh schema
// of that database, dropped at the end unless -keep is given.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/clocktest"
	"github.com/eventcc/eventcc/contactcenter/memevents"
	"github.com/eventcc/eventcc/contactcenter/memprovisioner"
	"github.com/eventcc/eventcc/contactcenter/pgstore"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
	"github.com/eventcc/eventcc/numbermap"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "replicas:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("replicas", flag.ContinueOnError)
	fs.SetOutput(out)
	url := fs.String("url", os.Getenv(pgstore.EnvURL), "PostgreSQL connection string (default $"+pgstore.EnvURL+")")
	n := fs.Int("replicas", 3, "how many replicas")
	events := fs.Int("events", 6, "how many events")
	schema := fs.String("schema", fmt.Sprintf("replicas_%d", time.Now().UnixNano()), "schema to work in")
	keep := fs.Bool("keep", false, "keep the schema afterwards")
	ttl := fs.Duration("lease", 2*time.Minute, "lease TTL on the simulated clock")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var problems []error
	if *url == "" {
		problems = append(problems, fmt.Errorf("no database: give -url or set %s", pgstore.EnvURL))
	}
	if *n < 2 {
		problems = append(problems, fmt.Errorf("-replicas %d: want at least 2", *n))
	}
	if *events < 1 {
		problems = append(problems, fmt.Errorf("-events %d: want at least 1", *events))
	}
	if err := errors.Join(problems...); err != nil {
		return err
	}

	pool, err := pgstore.Connect(ctx, *url, *schema)
	if err != nil {
		return err
	}
	defer pool.Close()
	if !*keep {
		defer pgstore.DropSchema(context.WithoutCancel(ctx), pool, *schema)
	}
	// The replicas run on a simulated clock, so leases are measured on
	// it too; replicas in production measure them on the server's.
	db := pgstore.New(pool, pgstore.WithCallerClock())
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "database: schema %s migrated\n", *schema)

	// What the replicas share besides the database: the provider, the
	// channel and the event system (in memory here, services in reality).
	t0 := time.Date(2027, 5, 2, 6, 0, 0, 0, time.UTC)
	clock := clocktest.New(t0)
	prov := memprovisioner.New(memprovisioner.Limits{})
	channel, err := memchannel.New()
	if err != nil {
		return err
	}
	evs := memevents.New()
	var pool6 []numbermap.Owned
	for i := range 2 * *events {
		pool6 = append(pool6, numbermap.Owned{Number: numbermap.Number(fmt.Sprintf("+1202555%04d", 100+i)), Country: "US", Capabilities: numbermap.Voice | numbermap.SMS})
	}
	if err := db.Numbers().Add(ctx, pool6...); err != nil {
		return err
	}

	names := make([]string, *n)
	replicas := make([]*contactcenter.Lifecycle, *n)
	drivers := map[string]map[string]int{} // service → replica → steps
	for i := range *n {
		names[i] = fmt.Sprintf("replica-%d", i+1)
		lc, err := contactcenter.New(contactcenter.Config{
			Store: db.Services(), Access: db.Grants(), Numbers: db.Numbers(),
			Provisioner: prov, Channels: []modality.Channel{channel}, EventSystem: evs,
			Now: clock.Now, Owner: names[i], LeaseTTL: *ttl,
			Retry: contactcenter.Retry{Initial: time.Second, Max: 10 * time.Second, MaxElapsed: time.Minute},
		})
		if err != nil {
			return err
		}
		defer lc.Close()
		replicas[i] = lc
		name := names[i]
		lc.Subscribe(func(e contactcenter.Event) {
			if se, ok := e.(*contactcenter.StepEvent); ok && se.Status == contactcenter.StepDone {
				if drivers[se.ServiceID] == nil {
					drivers[se.ServiceID] = map[string]int{}
				}
				drivers[se.ServiceID][name]++
			}
		})
	}

	// The replicas run before the events arrive, so each knows the others
	// are live and they split the events between them.
	for _, lc := range replicas {
		if err := lc.Tick(ctx); err != nil {
			return err
		}
	}

	var ids []string
	for i := range *events {
		start := time.Date(2027, 5, 3, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * 3 * time.Hour)
		req := contactcenter.Request{
			EventID: fmt.Sprintf("expo-%02d", i+1), EventType: "conference", Template: "conference",
			Term:               contactcenter.Term{Start: start, End: start.Add(2 * time.Hour), TimeZone: "Europe/Berlin"},
			Features:           contactcenter.Features{Modalities: []modality.Kind{modality.Telephony, modality.Chat}},
			ExpectedAttendance: 800,
		}
		one := 1
		req.Overrides.Numbers = &one
		if _, err := replicas[i%*n].Request(ctx, req); err != nil {
			return err
		}
		ids = append(ids, req.EventID)
	}
	fmt.Fprintf(out, "requested %d events on %d replicas\n", len(ids), *n)

	// The victim dies halfway: right after a step of its first closing
	// plan once half the events have ended.
	victim := 0
	vctx, kill := context.WithCancel(ctx)
	defer kill()
	var killedAt time.Time
	replicas[victim].Subscribe(func(e contactcenter.Event) {
		se, ok := e.(*contactcenter.StepEvent)
		if ok && killedAt.IsZero() && se.Kind == contactcenter.CloseKind && se.Status == contactcenter.StepDone {
			killedAt = clock.Now()
			kill()
			fmt.Fprintf(out, "%s  %s killed after closing step %s of %s\n", killedAt.Format(time.DateTime), names[victim], se.Step.Key, se.ServiceID)
		}
	})

	limit := t0.Add(7 * 24 * time.Hour)
	for {
		finals := 0
		ss, err := db.Services().List(ctx)
		if err != nil {
			return err
		}
		for _, s := range ss {
			if s.State.Final() {
				finals++
			}
		}
		if finals == len(ids) {
			break
		}
		if clock.Now().After(limit) {
			return fmt.Errorf("services not finished by %s", limit)
		}
		for i, lc := range replicas {
			if i == victim {
				if killedAt.IsZero() {
					_ = lc.Tick(vctx)
				}
				continue
			}
			_ = lc.Tick(ctx)
		}
		clock.Advance(time.Minute)
	}

	fmt.Fprintln(out, "who drove what (plan steps done per replica):")
	sort.Strings(ids)
	for _, id := range ids {
		s, err := db.Services().Get(ctx, id)
		if err != nil {
			return err
		}
		var by []string
		for r, k := range drivers[id] {
			by = append(by, fmt.Sprintf("%s×%d", r, k))
		}
		slices.Sort(by)
		fmt.Fprintf(out, "  %s  %-10s  %s\n", id, s.State, strings.Join(by, " "))
	}
	return nil
}
