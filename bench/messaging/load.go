package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eventcc/eventcc/modality/messaging/memprovider"
)

// smsBody is a typical attendee's SMS (77 bytes), as BenchmarkInbound's.
const smsBody = "Hi, I can't find hall B and my badge says the wrong company. Can someone help?"

// loadConfig configures the load generator.
type loadConfig struct {
	Target      string // the server's base URL
	Provider    string // "memprovider" or "twilio"
	Rate        float64
	Duration    time.Duration
	Senders     int
	Concurrency int           // requests in flight at most
	Drain       time.Duration // how long to wait after the last request for the agent side to catch up
	Seed        uint64
	// OwnCPU: the load generator runs in the server's process, so the
	// server's CPU figure is the process's.
	OwnCPU bool
}

// request is one prepared webhook.
type request struct {
	id, ctype, sigHeader, sig string
	body                      []byte
}

// sample is what the load generator measured of one message.
type sample struct {
	due, sent, done time.Time
	status          int
	err             error
}

// window is the figures of the messages due in one 5-second window.
type window struct {
	From                 time.Duration // since the start
	Messages             int
	WebhookP99, AgentP99 time.Duration
}

// report is a run's figures.
type report struct {
	Provider, Transcripts string
	Messages              int     // offered
	Offered               float64 // msg/s, as scheduled
	Dispatched            float64 // msg/s, from the first send to the last
	Completed             float64 // msg/s, from the start to the last response
	Late1ms, Late10ms     int     // sends that started more than 1 ms / 10 ms after they were due
	MaxLate               time.Duration
	Status                map[string]int
	Webhook               [3]time.Duration // p50, p99, max, from the instant the message was due
	Seen                  [3]time.Duration // to the lifecycle's ConversationEvent (the agent side)
	WithAgent             [3]time.Duration // until it is seen and its conversation is an agent's
	Windows               []window
	NotSeen, NotAssigned  int // messages taken (200) that never reached the agent side / an agent
	Lost                  int // messages not taken (not 200), not seen or not assigned
	Server                results
	ServerCPU, LoadCPU    float64       // seconds during the run; LoadCPU 0 when in the same process
	MachineCPU            float64       // seconds every process on the machine was busy during the load (-1: unknown)
	Wall                  time.Duration // from the first message due to the last response
	Drain                 time.Duration // from the last response to the agent side's catching up (or -drain)
}

// senderNumber is the i-th attendee's phone number.
func senderNumber(i int) string { return fmt.Sprintf("+1312%07d", i) }

// prepare builds the run's signed webhooks, in random order of senders.
func prepare(cfg loadConfig, run uint32, n int) ([]request, error) {
	rng := mrand.New(mrand.NewPCG(cfg.Seed, uint64(run)))
	hook := strings.TrimSuffix(cfg.Target, "/") + "/" + cfg.Provider
	reqs := make([]request, n)
	for i := range reqs {
		id := fmt.Sprintf("SM%08x%024d", run, i)
		from := senderNumber(rng.IntN(cfg.Senders))
		switch cfg.Provider {
		case "memprovider":
			b, err := json.Marshal(map[string]string{"type": "message", "id": id, "from": from, "to": number, "body": smsBody})
			if err != nil {
				return nil, err
			}
			reqs[i] = request{id: id, ctype: "application/json", sigHeader: memprovider.SignatureHeader, sig: memprovider.Sign(gatewaySecret, b), body: b}
		case "twilio":
			form := url.Values{"MessageSid": {id}, "AccountSid": {twilioSID}, "From": {from}, "To": {number}, "Body": {smsBody},
				"NumMedia": {"0"}, "SmsStatus": {"received"}, "ApiVersion": {"2010-04-01"}}
			reqs[i] = request{id: id, ctype: "application/x-www-form-urlencoded", sigHeader: "X-Twilio-Signature",
				sig: twilioSignature(hook, form), body: []byte(form.Encode())}
		default:
			return nil, fmt.Errorf("-provider %q: memprovider or twilio", cfg.Provider)
		}
	}
	return reqs, nil
}

// twilioSignature signs as Twilio does: base64 HMAC-SHA1 of the URL
// and the sorted parameters.
func twilioSignature(hook string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var s strings.Builder
	s.WriteString(hook)
	for _, k := range keys {
		s.WriteString(k + form.Get(k))
	}
	m := hmac.New(sha1.New, []byte(twilioToken))
	m.Write([]byte(s.String()))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// load drives the server at cfg.Target open loop: message i is due at
// start + i/rate and is sent then, whatever the earlier ones' fate, with
// at most cfg.Concurrency in flight (a send that waits for a slot is
// late, and counted). Then it asks the server what the agent side saw.
func load(ctx context.Context, cfg loadConfig) (*report, error) {
	n := int(cfg.Rate * cfg.Duration.Seconds())
	if n < 1 || cfg.Senders < 1 || cfg.Concurrency < 1 {
		return nil, fmt.Errorf("nothing to send: %d messages, %d senders, %d in flight", n, cfg.Senders, cfg.Concurrency)
	}
	var rb [4]byte
	_, _ = rand.Read(rb[:])
	run := binary.BigEndian.Uint32(rb[:])
	reqs, err := prepare(cfg, run, n)
	if err != nil {
		return nil, err
	}
	hook := strings.TrimSuffix(cfg.Target, "/") + "/" + cfg.Provider
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		MaxIdleConns: cfg.Concurrency, MaxIdleConnsPerHost: cfg.Concurrency, DisableCompression: true}}
	defer client.CloseIdleConnections()
	before, err := fetchResults(ctx, client, cfg.Target, "-")
	if err != nil {
		return nil, err
	}
	loadCPU0, machine0 := cpuSeconds(), machineBusy()

	samples := make([]sample, n)
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	sem := make(chan struct{}, cfg.Concurrency)
	var wg sync.WaitGroup
	start := time.Now().Add(50 * time.Millisecond)
	for i := range reqs {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return nil, ctx.Err()
		}
		samples[i].due, samples[i].sent = due, time.Now()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			s := &samples[i]
			r := &reqs[i]
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook, bytes.NewReader(r.body))
			if err != nil {
				s.err = err
				return
			}
			req.Header.Set("Content-Type", r.ctype)
			req.Header.Set(r.sigHeader, r.sig)
			res, err := client.Do(req)
			if err != nil {
				s.err, s.done = err, time.Now()
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			s.status, s.done = res.StatusCode, time.Now()
		}()
	}
	lastSent := time.Now()
	wg.Wait()
	loadCPU, machine := cpuSeconds()-loadCPU0, machineBusy()-machine0
	after, err := fetchResults(ctx, client, cfg.Target, "-") // the server's CPU at the end of the load, before the drain
	if err != nil {
		return nil, err
	}

	// The agent side catches up: every message taken is seen and its
	// conversation accepted, and every reply written has reached the
	// provider, or the drain time is over.
	taken := 0
	for _, s := range samples {
		if s.status == http.StatusOK {
			taken++
		}
	}
	prefix := fmt.Sprintf("SM%08x", run)
	var res results
	deadline := time.Now().Add(cfg.Drain)
	for {
		if res, err = fetchResults(ctx, client, cfg.Target, prefix); err != nil {
			return nil, err
		}
		complete := 0
		for _, v := range res.Seen {
			if v[1] != 0 {
				complete++
			}
		}
		if (complete >= taken && res.Sent >= res.Replies) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}

	rep := &report{Provider: cfg.Provider, Messages: n, Status: map[string]int{}, Server: res}
	rep.Offered = float64(n) / cfg.Duration.Seconds()
	rep.Dispatched = float64(n-1) / lastSent.Sub(samples[0].sent).Seconds()
	var last time.Time
	var web, seen, agent []time.Duration
	type timed struct {
		at        time.Duration
		web, agnt time.Duration
	}
	var all []timed
	for i, s := range samples {
		late := s.sent.Sub(s.due)
		rep.MaxLate = max(rep.MaxLate, late)
		if late > time.Millisecond {
			rep.Late1ms++
		}
		if late > 10*time.Millisecond {
			rep.Late10ms++
		}
		if s.done.After(last) {
			last = s.done
		}
		if s.err != nil {
			rep.Status["error"]++
			rep.Lost++
			continue
		}
		rep.Status[fmt.Sprint(s.status)]++
		w := s.done.Sub(s.due)
		web = append(web, w)
		if s.status != http.StatusOK {
			rep.Lost++
			continue
		}
		v, ok := res.Seen[reqs[i].id]
		if !ok {
			rep.NotSeen++
			rep.Lost++
			continue
		}
		seenAt := time.Unix(0, v[0])
		seen = append(seen, seenAt.Sub(s.due))
		if v[1] == 0 {
			rep.NotAssigned++
			rep.Lost++
			continue
		}
		with := time.Unix(0, max(v[0], v[1])).Sub(s.due)
		agent = append(agent, with)
		all = append(all, timed{at: s.due.Sub(start), web: w, agnt: with})
	}
	rep.Completed = float64(n) / last.Sub(start).Seconds()
	rep.Webhook, rep.Seen, rep.WithAgent = quantiles(web), quantiles(seen), quantiles(agent)
	const win = 5 * time.Second
	for from := time.Duration(0); from < cfg.Duration; from += win {
		var ws, as []time.Duration
		for _, t := range all {
			if t.at >= from && t.at < from+win {
				ws, as = append(ws, t.web), append(as, t.agnt)
			}
		}
		q, a := quantiles(ws), quantiles(as)
		rep.Windows = append(rep.Windows, window{From: from, Messages: len(ws), WebhookP99: q[1], AgentP99: a[1]})
	}
	rep.ServerCPU = after.CPU - before.CPU
	rep.Drain = time.Since(last)
	rep.MachineCPU = machine
	if !cfg.OwnCPU {
		rep.LoadCPU = loadCPU
	}
	// Counters since the run started.
	rep.Server.Started -= before.Started
	rep.Server.Offered -= before.Offered
	rep.Server.Assigned -= before.Assigned
	rep.Server.Ended -= before.Ended
	rep.Server.Replies -= before.Replies
	rep.Server.Sent -= before.Sent
	rep.Server.Posts -= before.Posts
	rep.Server.AgentErrors -= before.AgentErrors
	rep.Wall = last.Sub(start)
	return rep, nil
}

func fetchResults(ctx context.Context, client *http.Client, target, run string) (results, error) {
	var r results
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(target, "/")+"/bench/results?run="+url.QueryEscape(run), nil)
	if err != nil {
		return r, err
	}
	res, err := client.Do(req)
	if err != nil {
		return r, fmt.Errorf("the server's results: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return r, fmt.Errorf("the server's results: %s", res.Status)
	}
	return r, json.NewDecoder(res.Body).Decode(&r)
}

// quantiles returns p50, p99 and the maximum of ds (which it sorts).
func quantiles(ds []time.Duration) [3]time.Duration {
	if len(ds) == 0 {
		return [3]time.Duration{}
	}
	slices.Sort(ds)
	at := func(q float64) time.Duration { return ds[min(len(ds)-1, int(q*float64(len(ds))))] }
	return [3]time.Duration{at(0.50), at(0.99), ds[len(ds)-1]}
}

// machineBusy returns the seconds the machine's CPUs have been busy
// (not idle, not waiting for I/O), from /proc/stat; -1 if unknown.
func machineBusy() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return -1
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return -1
	}
	var total, idle float64
	for i, x := range f[1:] {
		v, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return -1
		}
		if i < 8 { // user nice system idle iowait irq softirq steal; guest is in user
			total += v
		}
		if i == 3 || i == 4 {
			idle += v
		}
	}
	return (total - idle) / 100 // USER_HZ
}
