package desk_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/access/memaccess"
	"github.com/eventcc/eventcc/contactcenter/desk"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/routing"
)

// office is a service's router and desk, its grants in memory and one
// clock for both.
type office struct {
	now    time.Time
	auth   *access.Authority
	router *routing.Router
	desk   *desk.Desk
	denied []access.AuditEvent
	ended  map[string]routing.Outcome
	offers []string
}

const service = "expo"

func newOffice(t *testing.T, loss desk.Loss) *office {
	t.Helper()
	o := &office{now: time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC), ended: map[string]routing.Outcome{}}
	clock := func() time.Time { return o.now }
	auth, err := access.New(access.Config{Store: memaccess.New(), Now: clock,
		Keys: []access.Key{{ID: "k1", Secret: bytes.Repeat([]byte{7}, access.MinKeyLen)}}})
	require.NoError(t, err)
	auth.Subscribe(func(ev access.AuditEvent) {
		if ev.Kind == access.AuditDenied {
			o.denied = append(o.denied, ev)
		}
	})
	o.auth = auth
	o.router, err = routing.New(routing.Config{Now: clock, Queues: []routing.Queue{
		{Name: "general", Modalities: []modality.Kind{modality.Telephony}},
		{Name: "vip", Modalities: []modality.Kind{modality.Telephony}},
	}, OnEvent: func(ev routing.Event) {
		switch ev.Kind {
		case routing.EventEnded:
			o.ended[ev.Engagement] = ev.Outcome
		case routing.EventOffered:
			o.offers = append(o.offers, ev.Engagement+">"+ev.Agent)
		}
	}})
	require.NoError(t, err)
	o.desk, err = desk.New(desk.Config{ServiceID: service, Router: o.router, Tokens: auth, OnLoss: loss})
	require.NoError(t, err)
	return o
}

// agent grants who the given privileges on svc until the term's end and
// returns a token for the grant.
func (o *office) agent(t *testing.T, svc, who string, privs ...access.Privilege) string {
	t.Helper()
	ctx := context.Background()
	g, err := o.auth.Create(ctx, access.Grant{ID: svc + "/" + who, ServiceID: svc, Principal: who, Kind: access.KindAgent,
		Role: "agent", Privileges: privs, NotBefore: o.now, NotAfter: o.now.Add(8 * time.Hour)})
	require.NoError(t, err)
	token, _, err := o.auth.IssueToken(ctx, g.ID)
	require.NoError(t, err)
	return token
}

var phone = routing.Agent{Capacity: map[modality.Kind]int{modality.Telephony: 1}}

func (o *office) call(t *testing.T, id, queue string) {
	t.Helper()
	_, err := o.router.Enqueue(routing.Engagement{ID: id, Queue: queue, Kind: modality.Telephony})
	require.NoError(t, err)
}

func TestDesk_AnAgentsDay(t *testing.T) {
	ctx := context.Background()
	o := newOffice(t, desk.Requeue)
	ana := o.agent(t, service, "ana", access.HandleEngagements, access.QueuePrivilege("general"))
	who, err := o.desk.Open(ctx, ana, phone)
	require.NoError(t, err)
	assert.Equal(t, "ana", who, "the agent is the grant's principal")
	require.NoError(t, o.desk.SetStatus(ctx, ana, routing.Available))
	o.call(t, "1", "general")
	require.NoError(t, o.desk.Accept(ctx, ana, "1"))
	o.now = o.now.Add(4 * time.Minute)
	require.NoError(t, o.desk.End(ctx, ana, "1"))
	assert.Equal(t, routing.Answered, o.ended["1"])
	assert.Empty(t, o.denied)
}

func TestDesk_Holding(t *testing.T) {
	ctx := context.Background()
	o := newOffice(t, desk.Requeue)
	ana := o.agent(t, service, "ana", access.HandleEngagements, access.QueuePrivilege("general"))
	_, err := o.desk.Holding(ctx, ana)
	require.ErrorIs(t, err, desk.ErrNoSession, "before the session opens")
	_, err = o.desk.Open(ctx, ana, routing.Agent{Capacity: map[modality.Kind]int{modality.Telephony: 2}})
	require.NoError(t, err)
	h, err := o.desk.Holding(ctx, ana)
	require.NoError(t, err)
	assert.Equal(t, desk.Holding{Agent: "ana", Presence: routing.PresenceOffline}, h)

	require.NoError(t, o.desk.SetStatus(ctx, ana, routing.Available))
	o.call(t, "1", "general")
	h, err = o.desk.Holding(ctx, ana)
	require.NoError(t, err)
	assert.Equal(t, desk.Holding{Agent: "ana", Presence: routing.PresenceOffered, Offered: "1"}, h)
	require.NoError(t, o.desk.Accept(ctx, ana, "1"))
	o.call(t, "2", "general")
	require.NoError(t, o.desk.Accept(ctx, ana, "2"))
	h, err = o.desk.Holding(ctx, ana)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"1", "2"}, h.Connected)
	assert.Equal(t, routing.PresenceBusy, h.Presence)

	// A reload opens the session again: nothing held is lost.
	_, err = o.desk.Open(ctx, ana, routing.Agent{})
	require.NoError(t, err)
	again, err := o.desk.Holding(ctx, ana)
	require.NoError(t, err)
	assert.ElementsMatch(t, h.Connected, again.Connected)

	require.NoError(t, o.auth.Revoke(ctx, service+"/ana", o.now))
	_, err = o.desk.Holding(ctx, ana)
	require.ErrorIs(t, err, access.ErrDenied)
	q, who, connected, err := o.router.Where("1")
	require.NoError(t, err)
	assert.Equal(t, "general", q)
	assert.False(t, connected, "access ended: what ana held went back to its queue (%q)", who)
}

func TestDesk_QueuePrivilegeChecked(t *testing.T) {
	ctx := context.Background()
	o := newOffice(t, desk.Requeue)
	ana := o.agent(t, service, "ana", access.HandleEngagements, access.QueuePrivilege("general"))
	_, err := o.desk.Open(ctx, ana, phone)
	require.NoError(t, err)
	require.NoError(t, o.desk.SetStatus(ctx, ana, routing.Available))
	o.call(t, "1", "vip") // offered: the router does not know grants
	err = o.desk.Accept(ctx, ana, "1")
	assert.ErrorIs(t, err, access.ErrDenied, "ana may not take the vip queue's calls")
	_, agent, connected, _ := o.router.Where("1")
	assert.Equal(t, []any{"ana", false}, []any{agent, connected}, "refused: nothing changed")
	require.Len(t, o.denied, 1, "the refusal is audited")
	require.NoError(t, o.desk.Decline(ctx, ana, "1"), "the session goes on")
}

func TestDesk_RevokedMidEngagement(t *testing.T) {
	for _, c := range []struct {
		loss    desk.Loss
		outcome routing.Outcome // of the call ana held
		offers  []string
	}{
		{desk.Requeue, "", []string{"1>ana", "1>bo"}},
		{desk.Complete, routing.Answered, []string{"1>ana"}},
	} {
		t.Run(map[desk.Loss]string{desk.Requeue: "requeue", desk.Complete: "complete"}[c.loss], func(t *testing.T) {
			ctx := context.Background()
			o := newOffice(t, c.loss)
			ana := o.agent(t, service, "ana", access.HandleEngagements, access.QueuePrivilege("general"))
			bo := o.agent(t, service, "bo", access.HandleEngagements, access.QueuePrivilege("general"))
			_, err := o.desk.Open(ctx, ana, phone)
			require.NoError(t, err)
			require.NoError(t, o.desk.SetStatus(ctx, ana, routing.Available))
			o.call(t, "1", "general")
			require.NoError(t, o.desk.Accept(ctx, ana, "1"))

			require.NoError(t, o.auth.Revoke(ctx, service+"/ana", o.now)) // mid-call
			_, err = o.desk.Open(ctx, bo, phone)
			require.NoError(t, err)
			require.NoError(t, o.desk.SetStatus(ctx, bo, routing.Available))

			err = o.desk.End(ctx, ana, "1")
			assert.ErrorIs(t, err, access.ErrDenied, "the next action is refused")
			assert.Equal(t, c.outcome, o.ended["1"])
			assert.Equal(t, c.offers, o.offers)
			_, err = o.router.Presence("ana")
			assert.ErrorIs(t, err, routing.ErrUnknownAgent, "the session closed: ana left the router")
			assert.ErrorIs(t, o.desk.SetStatus(ctx, ana, routing.Available), desk.ErrNoSession, "and stays closed")
		})
	}
}

func TestDesk_ExpiresWithTheTerm(t *testing.T) {
	ctx := context.Background()
	o := newOffice(t, desk.Requeue)
	ana := o.agent(t, service, "ana", access.HandleEngagements, access.QueuePrivilege("general"))
	_, err := o.desk.Open(ctx, ana, phone)
	require.NoError(t, err)
	o.now = o.now.Add(8 * time.Hour) // the grant's NotAfter: the term's end
	err = o.desk.SetStatus(ctx, ana, routing.Available)
	assert.ErrorIs(t, err, access.ErrDenied)
	_, err = o.router.Presence("ana")
	assert.ErrorIs(t, err, routing.ErrUnknownAgent)
}

func TestDesk_TokenOfAnotherService(t *testing.T) {
	ctx := context.Background()
	o := newOffice(t, desk.Requeue)
	other := o.agent(t, "another-event", "eve", access.HandleEngagements, access.QueuePrivilege("general"))
	_, err := o.desk.Open(ctx, other, phone)
	assert.ErrorIs(t, err, access.ErrDenied, "a token of another service opens nothing")
	require.Len(t, o.denied, 1, "and the refusal is audited")
	_, err = o.router.Presence("eve")
	assert.ErrorIs(t, err, routing.ErrUnknownAgent, "nothing changed")
	o.call(t, "1", "general")
	assert.ErrorIs(t, o.desk.Accept(ctx, other, "1"), desk.ErrNoSession)
	assert.ErrorIs(t, o.desk.Accept(ctx, "not a token", "1"), desk.ErrNoSession)
	_, err = o.desk.Open(ctx, o.agent(t, service, "ana", access.HandleEngagements), routing.Agent{ID: "bo"})
	assert.ErrorIs(t, err, access.ErrDenied, "ana's token does not open bo's session")
}

func TestDesk_BadConfig(t *testing.T) {
	_, err := desk.New(desk.Config{OnLoss: 7})
	var ce *desk.ConfigError
	require.ErrorAs(t, err, &ce)
	var fields []string
	for _, p := range ce.Problems {
		fields = append(fields, p.Field)
	}
	assert.Equal(t, []string{"ServiceID", "Router", "Tokens", "OnLoss"}, fields)
	var cc *routing.ConfigError
	assert.ErrorAs(t, err, &cc, "one type under every package's name")
}
