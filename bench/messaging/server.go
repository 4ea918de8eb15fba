package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/access/memaccess"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/memevents"
	"github.com/eventcc/eventcc/contactcenter/memprovisioner"
	"github.com/eventcc/eventcc/contactcenter/memstore"
	"github.com/eventcc/eventcc/contactcenter/pgstore"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/messaging"
	"github.com/eventcc/eventcc/modality/messaging/memprovider"
	"github.com/eventcc/eventcc/modality/messaging/outbox"
	"github.com/eventcc/eventcc/modality/messaging/twilio"
	"github.com/eventcc/eventcc/modality/messagingchannel"
	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/modality/transcript"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
	"github.com/eventcc/eventcc/template"
)

// The secrets the load generator and the server share: memprovider's
// webhook secret and the (fake) Twilio account.
var gatewaySecret = []byte("bench-messaging-gateway-secret!!")

const (
	twilioSID   = "AC0123456789abcdef0123456789abcdef"
	twilioToken = "0123456789abcdef0123456789abcdef"
	number      = "+12025550101" // the service's one SMS number
	replyBody   = "Hi, this is the help desk. How can I help?"
)

// benchTemplate is the conference template narrowed to SMS, with one
// queue and room for as many agents as the run asks (the builtin
// conference caps licences at 50).
const benchTemplate = `{
  "name": "bench-conference",
  "version": "1.0.0",
  "description": "The conference help desk, SMS only, one queue, sized for load runs.",
  "eventTypes": ["conference"],
  "modalities": [{"kind": "sms", "features": ["two-way"], "handleTime": "5s", "concurrency": 4, "spacePerEngagement": 0.1}],
  "queues": [{"name": "general", "modalities": ["sms"], "priority": 1}],
  "staffing": {
    "serviceLevel": {"target": 0.8, "within": "20s"}, "targetUtilisation": 0.85,
    "minAgents": 2, "maxAgents": 5000, "agentsPer1000": 3, "agentsPerSupervisor": 1000,
    "scaleInterval": "2m", "scaleDownWindow": "3m", "maxStepUp": 10, "maxStepDown": 5, "wrapUp": "0s"
  },
  "capacity": {"licencesPerAgent": 1, "spacePerAgent": 0.5, "baseSpace": 4, "maxLicences": 10000, "maxSpace": 10000},
  "numbers": {"count": 1, "country": "US"},
  "access": {"roles": [
    {"name": "agent", "privileges": ["engagement.handle", "queue.general"]},
    {"name": "supervisor", "privileges": ["report.view"]}
  ]},
  "timing": {"deployLead": "24h", "grace": "1h"},
  "postTerm": {"policy": "forward", "forwardTo": "+12025550100", "for": "720h", "aging": "2160h"}
}`

// serverConfig configures the server side: the lifecycle, the channel,
// the agents.
type serverConfig struct {
	Agents      int           // agents signed in at the desk
	Handle      time.Duration // from acceptance to the agent ending it
	Transcripts string        // "memory" or "postgres"
	Outbox      string        // the channel's reply outbox: "memory" or "postgres"
}

// server is a Lifecycle with the messaging channel, a gateway that
// takes the replies, and agents at the desk; it records what the agent
// side sees of each message.
type server struct {
	cfg   serverConfig
	lc    *contactcenter.Lifecycle
	texts *messagingchannel.Channel
	gw    *memprovider.Gateway
	svcID string
	desk  contactcenter.Desk
	token map[string]string // agent → token
	ctx   context.Context   // the agents' actions', cancelled by Close
	stop  func()
	wg    sync.WaitGroup // Run of the lifecycle and of the channel
	acts  sync.WaitGroup // the agents' actions
	pg    func()         // drops the schema and closes the pool

	mu        sync.Mutex
	closing   bool                 // no more actions
	msgs      map[string]msgSeen   // provider message ID → what the agent side saw
	accepted  map[string]time.Time // conversation → when an agent accepted it
	started   int                  // conversations
	offered   int                  // offers
	ended     int                  // conversations ended
	replies   int                  // messages written to attendees (system and agents)
	posts     int                  // agents' replies
	agentErrs []string             // the first few failures of the agents' actions
	nAgentErr int
}

// msgSeen is the agent side's record of one attendee message.
type msgSeen struct {
	Conv string
	At   int64 // unix ns: the lifecycle's ConversationEvent
}

// twilioVia is Twilio's adapter for webhooks whose replies go to the
// in-process gateway instead of Twilio's API.
type twilioVia struct {
	messaging.Provider
	out *memprovider.Provider
}

func (t twilioVia) Send(ctx context.Context, m messaging.Outbound) (string, error) {
	return t.out.Send(ctx, m)
}

func newServer(ctx context.Context, cfg serverConfig) (_ *server, err error) {
	s := &server{cfg: cfg, token: map[string]string{}, msgs: map[string]msgSeen{}, accepted: map[string]time.Time{}}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	numbers := memnumbermap.New()
	if err := numbers.Add(ctx, numbermap.Owned{Number: numbermap.MustParse(number), Country: "US", Capabilities: numbermap.Voice | numbermap.SMS, Provider: "sim"}); err != nil {
		return nil, err
	}
	authority, err := access.New(access.Config{Store: memaccess.New(),
		Keys: []access.Key{{ID: "bench", Secret: []byte("bench-messaging-access-key-32b!!")}}})
	if err != nil {
		return nil, err
	}
	if s.gw, err = memprovider.NewGateway(gatewaySecret); err != nil {
		return nil, err
	}
	mem, err := memprovider.New(s.gw.URL(), gatewaySecret, modality.SMS)
	if err != nil {
		return nil, err
	}
	tw, err := twilio.New(twilio.Config{AccountSID: twilioSID, AuthToken: twilioToken})
	if err != nil {
		return nil, err
	}
	var (
		store transcript.Store
		box   outbox.Store
		db    *pgstore.DB
	)
	if cfg.Transcripts == "postgres" || cfg.Outbox == "postgres" {
		url := os.Getenv(pgstore.EnvURL)
		if url == "" {
			return nil, fmt.Errorf("PostgreSQL transcripts or outbox need %s", pgstore.EnvURL)
		}
		schema := fmt.Sprintf("bench_messaging_%d", os.Getpid())
		pool, err := pgstore.Connect(ctx, url, schema)
		if err != nil {
			return nil, err
		}
		s.pg = func() {
			_ = pgstore.DropSchema(context.Background(), pool, schema)
			pool.Close()
		}
		db = pgstore.New(pool)
		if _, err := db.Migrate(ctx); err != nil {
			return nil, err
		}
	}
	switch cfg.Transcripts {
	case "memory", "":
	case "postgres":
		store = db.Transcripts()
	default:
		return nil, fmt.Errorf("-transcripts %q: memory or postgres", cfg.Transcripts)
	}
	switch cfg.Outbox {
	case "memory", "": // the channel's default
	case "postgres":
		box = db.Outbox()
	default:
		return nil, fmt.Errorf("-outbox %q: memory or postgres", cfg.Outbox)
	}
	s.texts, err = messagingchannel.New(messagingchannel.Config{Providers: []messaging.Provider{mem, twilioVia{tw, mem}},
		Numbers: numbers, Transcripts: store, Outbox: box})
	if err != nil {
		return nil, err
	}
	tpl, err := template.Load(strings.NewReader(benchTemplate))
	if err != nil {
		return nil, err
	}
	catalog, err := template.NewCatalog(tpl)
	if err != nil {
		return nil, err
	}
	s.lc, err = contactcenter.New(contactcenter.Config{
		Store:       memstore.New(),
		Provisioner: memprovisioner.New(memprovisioner.Limits{Agents: cfg.Agents, Supervisors: cfg.Agents/100 + 10, Licences: 2*cfg.Agents + 100, Space: cfg.Agents + 100}),
		Access:      authority,
		Numbers:     numbers,
		Channels:    []modality.Channel{s.texts},
		EventSystem: memevents.New(),
		Templates:   catalog,
	})
	if err != nil {
		return nil, err
	}
	unsub := s.lc.Subscribe(s.observe)
	runCtx, cancel := context.WithCancel(context.Background())
	s.ctx, s.stop = runCtx, func() { cancel(); unsub() }
	s.wg.Add(2)
	go func() { defer s.wg.Done(); _ = s.lc.Run(runCtx) }()
	go func() { defer s.wg.Done(); _ = s.texts.Run(runCtx) }()

	start := time.Now().Add(time.Second)
	agents := cfg.Agents
	svc, err := s.lc.Request(ctx, contactcenter.Request{
		EventID: "bench-sms", EventType: "conference", Template: "bench-conference",
		Term:               contactcenter.Term{Start: start, End: start.Add(12 * time.Hour), TimeZone: "UTC"},
		Features:           contactcenter.Features{Modalities: []modality.Kind{modality.SMS}, Queues: []string{"general"}},
		ExpectedAttendance: 20000,
		Overrides:          template.Overrides{MinAgents: &agents, MaxAgents: &agents},
	})
	if err != nil {
		return nil, err
	}
	s.svcID = svc.ID
	deadline := time.Now().Add(60 * time.Second)
	for {
		if svc, err = s.lc.Get(ctx, s.svcID); err != nil {
			return nil, err
		}
		if svc.State == contactcenter.Failed {
			return nil, fmt.Errorf("the service failed: %v", svc.Err)
		}
		if svc.State == contactcenter.Active && svc.IntakeOpen && len(svc.Staff) >= agents {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the service is %s (intake open %v, %d staff) after a minute", svc.State, svc.IntakeOpen, len(svc.Staff))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s.desk, err = s.lc.Desk(ctx, s.svcID); err != nil {
		return nil, err
	}
	for _, p := range svc.Staff {
		tok, _, err := authority.IssueToken(ctx, s.svcID+"/"+p.ID)
		if err != nil {
			return nil, fmt.Errorf("token for %s: %w", p.ID, err)
		}
		if _, err := s.desk.Open(ctx, tok, routing.Agent{}); err != nil {
			return nil, fmt.Errorf("sign in %s: %w", p.ID, err)
		}
		if err := s.desk.SetStatus(ctx, tok, routing.Available); err != nil {
			return nil, fmt.Errorf("%s available: %w", p.ID, err)
		}
		s.token[p.ID] = tok
	}
	return s, nil
}

// Close stops the agents, the lifecycle and the channel.
func (s *server) Close() {
	if s.stop != nil {
		s.stop()
		s.mu.Lock()
		s.closing = true
		s.mu.Unlock()
		s.acts.Wait()
		s.wg.Wait()
	}
	if s.lc != nil {
		s.lc.Close()
	}
	if s.texts != nil {
		s.texts.Close()
	}
	if s.gw != nil {
		s.gw.Close()
	}
	if s.pg != nil {
		s.pg()
	}
}

// observe is the lifecycle's subscriber: it records, and starts the
// agents' actions; it must not block.
func (s *server) observe(ev contactcenter.Event) {
	now := time.Now()
	switch e := ev.(type) {
	case *contactcenter.EngagementEvent:
		switch e.Kind {
		case routing.EventOffered:
			s.mu.Lock()
			s.offered++
			s.mu.Unlock()
			s.spawn(job{agent: e.Agent, engagement: e.Engagement})
		case routing.EventAccepted:
			s.mu.Lock()
			s.accepted[e.Engagement] = now
			s.mu.Unlock()
			// The desktop's "assigned": the agent writes from now on.
			s.spawn(job{agent: e.Agent, engagement: e.Engagement, kind: reply})
		}
	case *contactcenter.ConversationEvent:
		s.mu.Lock()
		defer s.mu.Unlock()
		switch e.Kind {
		case modality.ConversationStarted:
			s.started++
		case modality.ConversationEnded:
			s.ended++
		case modality.ConversationMessage:
			if e.Message.Author != transcript.AuthorAttendee {
				s.replies++
				return
			}
			if _, id, ok := strings.Cut(e.Message.ClientMsgID, ":"); ok {
				s.msgs[id] = msgSeen{Conv: e.Conversation, At: now.UnixNano()}
			}
		}
	}
}

// job is an agent's next action.
type job struct {
	agent, engagement string
	kind              action
}

type action int

const (
	accept action = iota // an offer
	reply                // once the acceptance's event has come
	end                  // after the handle time
)

// spawn does j on a goroutine of its own: each agent is a person who
// acts when they see the event, whatever the others are waiting for.
func (s *server) spawn(j job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return
	}
	s.acts.Add(1)
	go func() {
		defer s.acts.Done()
		s.act(s.ctx, j)
	}()
}

// act does an agent's action: accept an offer; reply once through the
// desk when the acceptance's event has come (as a desktop writes once
// the conversation is "assigned"); end the conversation after the
// handle time.
func (s *server) act(ctx context.Context, j job) {
	tok := s.token[j.agent]
	if tok == "" {
		s.fail(fmt.Errorf("offer to %s, who is not signed in here", j.agent))
		return
	}
	var err error
	switch j.kind {
	case accept:
		err = s.desk.Accept(ctx, tok, j.engagement)
	case reply:
		if _, err = s.desk.Post(ctx, tok, j.engagement, replyBody); err == nil {
			s.mu.Lock()
			s.posts++
			s.mu.Unlock()
		}
		done := job{agent: j.agent, engagement: j.engagement, kind: end}
		time.AfterFunc(s.cfg.Handle, func() { s.spawn(done) })
	case end:
		err = s.desk.End(ctx, tok, j.engagement)
	}
	if err != nil && ctx.Err() == nil {
		s.fail(fmt.Errorf("%s %s: %w", [...]string{"accept", "post to", "end"}[j.kind], j.engagement, err))
	}
}

func (s *server) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nAgentErr++
	if len(s.agentErrs) < 5 {
		s.agentErrs = append(s.agentErrs, err.Error())
	}
}

// results is what the server tells the load generator after a run.
type results struct {
	// Seen: per message of the run asked for (by its provider ID), when
	// the agent side saw it (unix ns) and when an agent had accepted its
	// conversation (unix ns; 0: not yet).
	Seen        map[string][2]int64 `json:"seen"`
	Started     int                 `json:"started"`
	Offered     int                 `json:"offered"`
	Assigned    int                 `json:"assigned"`
	Ended       int                 `json:"ended"`
	Replies     int                 `json:"replies"`     // written to attendees
	Sent        int                 `json:"sent"`        // taken by the provider's API
	Posts       int                 `json:"posts"`       // agents' replies
	AgentErrors int                 `json:"agentErrors"` // actions the desk refused
	FirstErrors []string            `json:"firstErrors"` // the first few
	Waiting     int                 `json:"waiting"`     // conversations waiting in the queue now
	CPU         float64             `json:"cpuSeconds"`  // user+sys of the server's process
	HeapInuse   uint64              `json:"heapInuse"`   // bytes, now
	Goroutines  int                 `json:"goroutines"`  // now
}

// results returns the records of the messages whose ID starts with run.
func (s *server) results(run string) results {
	s.mu.Lock()
	r := results{Seen: map[string][2]int64{}, Started: s.started, Offered: s.offered, Assigned: len(s.accepted),
		Ended: s.ended, Replies: s.replies, Posts: s.posts, AgentErrors: s.nAgentErr, FirstErrors: s.agentErrs}
	for id, m := range s.msgs {
		if strings.HasPrefix(id, run) {
			var acc int64
			if t, ok := s.accepted[m.Conv]; ok {
				acc = t.UnixNano()
			}
			r.Seen[id] = [2]int64{m.At, acc}
		}
	}
	s.mu.Unlock()
	r.Sent = len(s.gw.Replies())
	if c, err := s.texts.Counts(context.Background(), s.svcID); err == nil && len(c) > 0 {
		r.Waiting = c[0].Waiting
	}
	r.CPU = cpuSeconds()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r.HeapInuse = ms.HeapInuse
	r.Goroutines = runtime.NumGoroutine()
	return r
}

// ServeHTTP serves the run's results at /bench/results?run=<prefix>,
// and the channel's webhooks (/memprovider, /twilio) at the root, where
// Twilio's adapter finds the URL it signed without a PublicURL.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/bench/results" {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.results(r.URL.Query().Get("run")))
		return
	}
	s.texts.ServeHTTP(w, r)
}

// cpuSeconds is the process's user and system time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
