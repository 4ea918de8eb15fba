package memchannel_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/channeltest"
	"github.com/eventcc/eventcc/modality/memchannel"
)

// driver drives a memchannel for the conformance suite, through the
// channel's own traffic methods.
type driver struct{}

var _ channeltest.Driver = driver{}

func (driver) Arrive(ctx context.Context, ch modality.Channel, serviceID, entryPoint string, at time.Time) (string, error) {
	e, err := ch.(*memchannel.Channel).Arrive(ctx, serviceID, entryPoint, "attendee", at)
	return e.ID, err
}

func (driver) Answer(ctx context.Context, ch modality.Channel, id string, at time.Time) error {
	return ch.(*memchannel.Channel).Answer(ctx, id, at)
}

func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name  string
		kinds []modality.Kind
	}{
		{"every kind", nil},
		{"telephony", []modality.Kind{modality.Telephony}},
		{"sms and chat", []modality.Kind{modality.SMS, modality.Chat}},
	} {
		kinds := tc.kinds
		t.Run(tc.name, func(t *testing.T) {
			channeltest.Run(t, channeltest.Harness{
				New: func(t *testing.T) modality.Channel {
					ch, err := memchannel.New(kinds...)
					require.NoError(t, err, "New(%v)", kinds)
					return ch
				},
				Drive: driver{},
			})
		})
	}
}

// t0 is the first instant of the tests.
var t0 = time.Date(2030, time.June, 1, 9, 0, 0, 0, time.UTC)

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name  string
		kinds []modality.Kind
		want  []modality.Kind
	}{
		{"none is every kind", nil, modality.Kinds()},
		{"one", []modality.Kind{modality.Video}, []modality.Kind{modality.Video}},
		{"in the order of modality.Kinds", []modality.Kind{modality.Social, modality.Telephony, modality.Chat},
			[]modality.Kind{modality.Telephony, modality.Chat, modality.Social}},
		{"duplicates dropped", []modality.Kind{modality.SMS, modality.SMS, modality.Telephony, modality.SMS},
			[]modality.Kind{modality.Telephony, modality.SMS}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := memchannel.New(tc.kinds...)
			require.NoError(t, err)
			assert.Equal(t, tc.want, ch.Kinds(), "kinds served by New(%v)", tc.kinds)
		})
	}

	for _, kinds := range [][]modality.Kind{{"fax"}, {modality.Chat, "Chat"}, {""}} {
		t.Run(fmt.Sprintf("unknown %q", kinds), func(t *testing.T) {
			ch, err := memchannel.New(kinds...)
			assert.ErrorIs(t, err, modality.ErrUnknownKind, "New(%q) must refuse the unknown kind", kinds)
			assert.Nil(t, ch, "no channel on error")
		})
	}
}

// setup is a valid setup with a telephony and a chat entry point and a
// receptionist.
func setup() modality.Setup {
	return modality.Setup{
		EntryPoints: []modality.EntryPoint{
			{Name: "main", Kind: modality.Telephony, Address: "+15550100001", Queue: "general"},
			{Name: "chat", Kind: modality.Chat, Address: "https://eventcc.example/chat", Queue: "vip"},
			{Name: "desk", Kind: modality.Telephony, Address: "+15550100002"},
		},
		Queues: []string{"general", "vip"},
		Receptionist: &modality.Receptionist{
			Greeting:      "Welcome.",
			ClosedMessage: "Closed.",
			Options:       []modality.Option{{Key: "1", Label: "Help", Queue: "general"}},
		},
	}
}

func newChannel(t *testing.T, kinds ...modality.Kind) *memchannel.Channel {
	t.Helper()
	ch, err := memchannel.New(kinds...)
	require.NoError(t, err)
	return ch
}

func TestOpenValidates(t *testing.T) {
	for _, tc := range []struct {
		name        string
		service     string
		change      func(s *modality.Setup)
		wantIn      []string // each must appear in the error
		unsupported bool     // and the error is ErrUnsupported
	}{
		{name: "blank service id", service: " ", change: func(*modality.Setup) {},
			wantIn: []string{"service id"}},
		{name: "blank entry point name", change: func(s *modality.Setup) { s.EntryPoints[1].Name = "" },
			wantIn: []string{"entryPoints[1].name", "empty"}},
		{name: "duplicate entry point name", change: func(s *modality.Setup) { s.EntryPoints[2].Name = "main" },
			wantIn: []string{"entryPoints[2].name", `"main" duplicates entryPoints[0].name`}},
		{name: "kind not served", change: func(s *modality.Setup) { s.EntryPoints[1].Kind = modality.Video },
			wantIn: []string{"entryPoints[1].kind", "video"}, unsupported: true},
		{name: "unknown kind", change: func(s *modality.Setup) { s.EntryPoints[0].Kind = "fax" },
			wantIn: []string{"entryPoints[0].kind", "fax"}, unsupported: true},
		{name: "queue not in setup", change: func(s *modality.Setup) { s.EntryPoints[1].Queue = "press" },
			wantIn: []string{"entryPoints[1].queue", `"press"`}},
		{name: "blank queue", change: func(s *modality.Setup) { s.Queues = append(s.Queues, " ") },
			wantIn: []string{"queues[2]", "empty"}},
		{name: "duplicate queue", change: func(s *modality.Setup) { s.Queues = append(s.Queues, "vip") },
			wantIn: []string{"queues[2]", `"vip" duplicates queues[1]`}},
		{name: "nowhere to send", change: func(s *modality.Setup) {
			s.Receptionist = nil
			s.Queues = nil
			s.EntryPoints = s.EntryPoints[2:]
		}, wantIn: []string{"entryPoints[0].queue", "neither a receptionist nor a queue"}},
		{name: "invalid receptionist", change: func(s *modality.Setup) { s.Receptionist.Greeting = "" },
			wantIn: []string{"receptionist", "greeting"}},
		{name: "receptionist queue not in setup", change: func(s *modality.Setup) { s.Receptionist.Options[0].Queue = "press" },
			wantIn: []string{"receptionist.options[0].queue", `"press"`}},
		{name: "every problem at once", change: func(s *modality.Setup) {
			s.EntryPoints[0].Kind = modality.Social
			s.EntryPoints[1].Queue = "press"
			s.Receptionist.ClosedMessage = ""
		}, wantIn: []string{"entryPoints[0].kind", "entryPoints[1].queue", "closedMessage"}, unsupported: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			ch := newChannel(t, modality.Telephony, modality.Chat)
			service := "svc"
			if tc.service != "" {
				service = tc.service
			}
			s := setup()
			tc.change(&s)
			err := ch.Open(ctx, service, s)
			require.Error(t, err, "Open must refuse the setup")
			for _, want := range tc.wantIn {
				assert.Contains(t, err.Error(), want, "the error must name what is wrong")
			}
			assert.Equal(t, tc.unsupported, errors.Is(err, modality.ErrUnsupported), "errors.Is(err, ErrUnsupported): %v", err)

			_, err = ch.Arrive(ctx, service, "main", "+15557654321", t0)
			assert.ErrorIs(t, err, modality.ErrNotOpen, "a refused setup must open nothing")
		})
	}

	t.Run("refused setup keeps the previous one", func(t *testing.T) {
		ctx := t.Context()
		ch := newChannel(t, modality.Telephony, modality.Chat)
		require.NoError(t, ch.Open(ctx, "svc", setup()))
		bad := setup()
		bad.EntryPoints = append(bad.EntryPoints, modality.EntryPoint{Name: "new", Kind: modality.Social, Queue: "general"})
		require.ErrorIs(t, ch.Open(ctx, "svc", bad), modality.ErrUnsupported)
		_, err := ch.Arrive(ctx, "svc", "main", "+15557654321", t0)
		assert.NoError(t, err, "the previous setup must still be open")
	})
}

func TestArriveRefuses(t *testing.T) {
	ctx := t.Context()
	ch := newChannel(t)
	_, err := ch.Arrive(ctx, "svc", "main", "+15557654321", t0)
	assert.ErrorIs(t, err, modality.ErrNotOpen, "arrival at a service never opened")

	require.NoError(t, ch.Open(ctx, "svc", setup()))
	_, err = ch.Arrive(ctx, "svc", "side-door", "+15557654321", t0)
	require.ErrorIs(t, err, modality.ErrNotOpen, "arrival at an unknown entry point")
	assert.Contains(t, err.Error(), `entry point "side-door"`, "the error must say the entry point is the problem")

	require.NoError(t, ch.StopIntake(ctx, "svc"))
	_, err = ch.Arrive(ctx, "svc", "main", "+15557654321", t0)
	assert.ErrorIs(t, err, modality.ErrIntakeStopped, "arrival after StopIntake")

	require.NoError(t, ch.Remove(ctx, "svc"))
	_, err = ch.Arrive(ctx, "svc", "main", "+15557654321", t0)
	assert.ErrorIs(t, err, modality.ErrNotOpen, "arrival after Remove")

	cs, err := ch.Counts(ctx, "svc")
	require.NoError(t, err)
	for _, c := range cs {
		assert.Zero(t, c.Arrivals, "refused arrivals must not count (%s)", c.Kind)
	}
}

func TestEngagementLifecycle(t *testing.T) {
	ctx := t.Context()
	ch := newChannel(t, modality.Telephony, modality.Chat)
	require.NoError(t, ch.Open(ctx, "svc", setup()))

	call, err := ch.Arrive(ctx, "svc", "main", "+15557654321", t0)
	require.NoError(t, err)
	assert.Equal(t, modality.Engagement{
		ID: call.ID, ServiceID: "svc", Kind: modality.Telephony, EntryPoint: "main",
		From: "+15557654321", State: modality.Waiting, Arrived: t0,
	}, call, "a new engagement waits")
	assert.NotEmpty(t, call.ID)
	chat, err := ch.Arrive(ctx, "svc", "chat", "visitor-7", t0.Add(time.Second))
	require.NoError(t, err)
	assert.NotEqual(t, call.ID, chat.ID, "engagement ids must be unique")
	hangup, err := ch.Arrive(ctx, "svc", "desk", "+15557654322", t0.Add(2*time.Second))
	require.NoError(t, err)

	require.NoError(t, ch.Answer(ctx, call.ID, t0.Add(time.Minute)))
	assert.Error(t, ch.Answer(ctx, call.ID, t0.Add(2*time.Minute)), "answering an active engagement again")
	assert.Error(t, ch.Answer(ctx, chat.ID, t0), "answering before the engagement arrived")

	live, err := ch.Engagements(ctx, "svc")
	require.NoError(t, err)
	require.Len(t, live, 3)
	assert.Equal(t, modality.Active, live[0].State, "the answered call is active")
	assert.Equal(t, t0.Add(time.Minute), live[0].Answered, "answered at the instant given")

	assert.Error(t, ch.End(ctx, call.ID, t0.Add(30*time.Second)), "ending before the engagement was answered")
	require.NoError(t, ch.End(ctx, call.ID, t0.Add(6*time.Minute)), "end the active call")
	require.NoError(t, ch.End(ctx, hangup.ID, t0.Add(3*time.Minute)), "the caller hangs up while waiting")

	for _, id := range []string{call.ID, hangup.ID, "eng-nope"} {
		assert.ErrorIs(t, ch.Answer(ctx, id, t0.Add(time.Hour)), modality.ErrNotFound, "Answer(%q) of an engagement not live", id)
		assert.ErrorIs(t, ch.End(ctx, id, t0.Add(time.Hour)), modality.ErrNotFound, "End(%q) of an engagement not live", id)
	}

	cs, err := ch.Counts(ctx, "svc")
	require.NoError(t, err)
	assert.Equal(t, []modality.Counts{
		{Kind: modality.Telephony, Arrivals: 2, Completed: 1, Abandoned: 1, HandleTime: 5 * time.Minute},
		{Kind: modality.Chat, Waiting: 1, Arrivals: 1},
	}, cs, "counts after one completed call, one abandoned call and one waiting chat")

	live, err = ch.Engagements(ctx, "svc")
	require.NoError(t, err)
	require.Len(t, live, 1, "ended engagements are no longer held")
	assert.Equal(t, chat.ID, live[0].ID)
}

func TestEngagementsSorted(t *testing.T) {
	ctx := t.Context()
	ch := newChannel(t)
	require.NoError(t, ch.Open(ctx, "svc", setup()))
	var want []string
	for _, at := range []time.Time{t0.Add(3 * time.Second), t0, t0.Add(time.Second), t0} {
		e, err := ch.Arrive(ctx, "svc", "main", "+15557654321", at)
		require.NoError(t, err)
		want = append(want, e.ID)
	}
	// By Arrived: the two at t0 (in ID order), then t0+1s, then t0+3s.
	want = []string{want[1], want[3], want[2], want[0]}
	live, err := ch.Engagements(ctx, "svc")
	require.NoError(t, err)
	var got []string
	for _, e := range live {
		got = append(got, e.ID)
	}
	assert.Equal(t, want, got, "engagements sorted by Arrived, then ID")

	live, err = ch.Engagements(ctx, "never-opened")
	assert.NoError(t, err)
	assert.Empty(t, live, "a service never opened has no engagements")
}

func TestDisconnectEndsAtLatestInstant(t *testing.T) {
	ctx := t.Context()
	ch := newChannel(t)
	require.NoError(t, ch.Open(ctx, "svc", setup()))
	e, err := ch.Arrive(ctx, "svc", "main", "+15557654321", t0)
	require.NoError(t, err)
	require.NoError(t, ch.Answer(ctx, e.ID, t0.Add(time.Minute)))
	_, err = ch.Arrive(ctx, "svc", "main", "+15557654322", t0.Add(4*time.Minute))
	require.NoError(t, err)

	n, err := ch.Disconnect(ctx, "svc")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	cs, err := ch.Counts(ctx, "svc")
	require.NoError(t, err)
	assert.Equal(t, 3*time.Minute, cs[0].HandleTime, "the active call ended at the latest instant given (t0+4m), answered at t0+1m")
	assert.Equal(t, int64(1), cs[0].Completed)
	assert.Equal(t, int64(1), cs[0].Abandoned)
}

func TestDisconnectManyLive(t *testing.T) {
	ctx := t.Context()
	ch := newChannel(t)
	require.NoError(t, ch.Open(ctx, "big", setup()))
	require.NoError(t, ch.Open(ctx, "small", setup()))
	const n = 10_000
	var ids []string
	for i := range n {
		e, err := ch.Arrive(ctx, "big", "main", "+15557654321", t0.Add(time.Duration(i)*time.Millisecond))
		require.NoError(t, err)
		ids = append(ids, e.ID)
	}
	small, err := ch.Arrive(ctx, "small", "chat", "visitor", t0)
	require.NoError(t, err)

	got, err := ch.Disconnect(ctx, "big")
	require.NoError(t, err)
	assert.Equal(t, n, got, "Disconnect must end all 10,000 live engagements")
	live, err := ch.Engagements(ctx, "big")
	require.NoError(t, err)
	assert.Empty(t, live, "nothing of big is held after Disconnect")
	for _, id := range []string{ids[0], ids[n/2], ids[n-1]} {
		assert.ErrorIs(t, ch.Answer(ctx, id, t0.Add(time.Hour)), modality.ErrNotFound, "a disconnected engagement is gone")
	}
	live, err = ch.Engagements(ctx, "small")
	require.NoError(t, err)
	assert.Equal(t, []modality.Engagement{small}, live, "another service's engagement is untouched")
}

func TestTrafficMethodsContextDone(t *testing.T) {
	ch := newChannel(t)
	require.NoError(t, ch.Open(t.Context(), "svc", setup()))
	e, err := ch.Arrive(t.Context(), "svc", "main", "+15557654321", t0)
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = ch.Arrive(ctx, "svc", "main", "+15557654321", t0)
	assert.ErrorIs(t, err, context.Canceled, "Arrive")
	assert.ErrorIs(t, ch.Answer(ctx, e.ID, t0), context.Canceled, "Answer")
	assert.ErrorIs(t, ch.End(ctx, e.ID, t0), context.Canceled, "End")
	_, err = ch.Engagements(ctx, "svc")
	assert.ErrorIs(t, err, context.Canceled, "Engagements")

	live, err := ch.Engagements(t.Context(), "svc")
	require.NoError(t, err)
	assert.Equal(t, []modality.Engagement{e}, live, "calls with a done ctx change nothing")
}

func TestOpenKeepsCopyOfReceptionist(t *testing.T) {
	ctx := t.Context()
	ch := newChannel(t)
	s := setup()
	require.NoError(t, ch.Open(ctx, "svc", s))
	s.Receptionist.Options[0].Queue = "elsewhere"
	s.EntryPoints[0].Name = "renamed"
	_, err := ch.Arrive(ctx, "svc", "main", "+15557654321", t0)
	assert.NoError(t, err, "the channel's copy keeps the name given to Open")
	_, err = ch.Arrive(ctx, "svc", "renamed", "+15557654321", t0)
	assert.ErrorIs(t, err, modality.ErrNotOpen, "changing the caller's setup must not change the channel's")
}

func BenchmarkDisconnect(b *testing.B) {
	const live = 10_000
	ctx := b.Context()
	ch, err := memchannel.New()
	require.NoError(b, err)
	require.NoError(b, ch.Open(ctx, "svc", setup()))
	for b.Loop() {
		b.StopTimer()
		for i := range live {
			if _, err := ch.Arrive(ctx, "svc", "main", "+15557654321", t0.Add(time.Duration(i))); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		n, err := ch.Disconnect(ctx, "svc")
		if err != nil || n != live {
			b.Fatalf("Disconnect = %d, %v; want %d, nil", n, err, live)
		}
	}
}

func BenchmarkArrive(b *testing.B) {
	ctx := b.Context()
	ch, err := memchannel.New()
	require.NoError(b, err)
	require.NoError(b, ch.Open(ctx, "svc", setup()))
	for b.Loop() {
		e, err := ch.Arrive(ctx, "svc", "main", "+15557654321", t0)
		if err != nil {
			b.Fatal(err)
		}
		if err := ch.End(ctx, e.ID, t0); err != nil {
			b.Fatal(err)
		}
	}
}
