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
	"github.com/eventcc/eventcc/modality/transcript"
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

// chats is a modality.Conversations of a test: conversations by ID with
// the agent connected, and what was written.
type chats struct {
	agent map[string]string // conversation → connected agent ("" none)
	msgs  map[string][]transcript.Message
	typed []string
}

func (c *chats) Post(_ context.Context, svc, conv, agent, body string) (transcript.Message, error) {
	if err := c.connected(conv, agent); err != nil {
		return transcript.Message{}, err
	}
	m := transcript.Message{ServiceID: svc, Conversation: conv, Seq: int64(len(c.msgs[conv]) + 1), Author: "agent:" + agent, Body: body}
	c.msgs[conv] = append(c.msgs[conv], m)
	return m, nil
}
func (c *chats) Typing(_ context.Context, _, conv, agent string) error {
	c.typed = append(c.typed, conv+">"+agent)
	return c.connected(conv, agent)
}
func (c *chats) MarkRead(_ context.Context, _, conv, agent string, _ int64) error {
	return c.connected(conv, agent)
}
func (c *chats) Messages(_ context.Context, _, conv string, after int64) ([]transcript.Message, error) {
	if _, ok := c.agent[conv]; !ok {
		return nil, modality.ErrNotFound
	}
	return c.msgs[conv][after:], nil
}
func (c *chats) Watch(string, func(modality.ConversationEvent)) func() { return func() {} }
func (c *chats) connected(conv, agent string) error {
	a, ok := c.agent[conv]
	switch {
	case !ok:
		return modality.ErrNotFound
	case a != agent:
		return modality.ErrNotConnected
	}
	return nil
}

func TestDesk_Conversations(t *testing.T) {
	ctx := context.Background()
	o := newOffice(t, desk.Requeue)
	c := &chats{agent: map[string]string{"chat-1": "", "chat-2": "bo"}, msgs: map[string][]transcript.Message{
		"chat-1": {{Seq: 1, Author: "attendee", Body: "Hi"}}}}
	d, err := desk.New(desk.Config{ServiceID: service, Router: o.router, Tokens: o.auth, Conversations: []modality.Conversations{c}})
	require.NoError(t, err)
	ana := o.agent(t, service, "ana", access.HandleEngagements, access.QueuePrivilege("general"))
	_, err = d.Open(ctx, ana, routing.Agent{Capacity: map[modality.Kind]int{modality.Telephony: 2}})
	require.NoError(t, err)
	require.NoError(t, d.SetStatus(ctx, ana, routing.Available))

	o.call(t, "chat-1", "general") // (a telephony engagement to the router; the chat is the fake's)
	ms, err := d.Transcript(ctx, ana, "chat-1", 0)
	require.NoError(t, err, "an offer's transcript may be read before accepting")
	assert.Equal(t, "Hi", ms[0].Body)
	_, err = d.Post(ctx, ana, "chat-1", "Hello")
	require.ErrorIs(t, err, modality.ErrNotConnected, "not before accepting")
	require.NoError(t, d.Accept(ctx, ana, "chat-1"))
	c.agent["chat-1"] = "ana" // the channel heard the router's Connected
	m, err := d.Post(ctx, ana, "chat-1", "Hello")
	require.NoError(t, err)
	assert.Equal(t, "agent:ana", m.Author, "the agent is the token's, never the caller's say")
	require.NoError(t, d.Typing(ctx, ana, "chat-1"))
	require.NoError(t, d.MarkRead(ctx, ana, "chat-1", 1))

	_, err = d.Transcript(ctx, ana, "chat-2", 0)
	require.ErrorIs(t, err, modality.ErrNotConnected, "another agent's conversation is not ana's to read")
	_, err = d.Post(ctx, ana, "chat-2", "psst")
	require.ErrorIs(t, err, modality.ErrNotConnected)
	_, err = d.Post(ctx, ana, "chat-9", "anyone?")
	require.ErrorIs(t, err, modality.ErrNotFound)

	o.call(t, "call-1", "general")
	require.NoError(t, d.Accept(ctx, ana, "call-1"))
	ms, err = d.Transcript(ctx, ana, "call-1", 0)
	require.NoError(t, err)
	assert.Nil(t, ms, "a call has no transcript")

	require.NoError(t, o.auth.Revoke(ctx, service+"/ana", o.now))
	_, err = d.Post(ctx, ana, "chat-1", "still here?")
	require.ErrorIs(t, err, access.ErrDenied, "access ended: no more writing")
	assert.Len(t, c.msgs["chat-1"], 2, "the refused message was not written")
}
