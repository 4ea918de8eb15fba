package access_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/access/memaccess"
)

func bundle(principal string) access.Grant {
	return access.Grant{ID: access.GrantID("svc-1", principal), ServiceID: "svc-1", Principal: principal,
		Kind: access.KindAgent, Role: "agent", Privileges: []access.Privilege{handle}, NotBefore: start, NotAfter: end,
		IssuedBy: "lifecycle", Reason: "deployed"}
}

// TestAuthorityCreateGrants checks that the Authority reports one
// AuditIssued event per grant it created, none for grants stored already
// or for a refused call, over a BulkCreator and over a plain Store.
func TestAuthorityCreateGrants(t *testing.T) {
	ctx := context.Background()
	for name, store := range map[string]func() access.Store{
		"OverMemaccess":  func() access.Store { return memaccess.New() },
		"OverPlainStore": plain,
	} {
		t.Run(name, func(t *testing.T) {
			a, err := access.New(access.Config{Store: store(), Now: func() time.Time { return mid }})
			require.NoError(t, err)
			var evs []access.AuditEvent
			a.Subscribe(func(ev access.AuditEvent) { evs = append(evs, ev) })

			got, err := a.CreateGrants(access.WithAudit(ctx, "host", "go live"), bundle("ann"), bundle("bob"))
			require.NoError(t, err)
			assert.Equal(t, []string{"svc-1/ann", "svc-1/bob"}, grantIDs(got), "CreateGrants returns what it created")
			require.Len(t, evs, 2, "one event per grant created")
			assert.Equal(t, access.AuditEvent{Kind: access.AuditIssued, At: mid, ServiceID: "svc-1", Principal: "ann",
				PrincipalKind: access.KindAgent, GrantID: "svc-1/ann", Role: "agent", Privileges: []access.Privilege{handle},
				NotBefore: start, NotAfter: end, Actor: "host", Reason: "go live"}, evs[0], "an issue event as Create reports it")

			evs = nil
			got, err = a.CreateGrants(ctx, bundle("ann"), bundle("bob"), bundle("cat"))
			require.NoError(t, err)
			assert.Equal(t, []string{"svc-1/cat"}, grantIDs(got), "a retry creates only what is missing")
			require.Len(t, evs, 1, "no event for a grant stored already")
			assert.Equal(t, "svc-1/cat", evs[0].GrantID)
			assert.Equal(t, "lifecycle", evs[0].Actor, "without WithAudit, the actor is the grant's IssuedBy")

			evs = nil
			bad := bundle("dan")
			bad.Role = ""
			_, err = a.CreateGrants(ctx, bundle("eve"), bad)
			assert.ErrorIs(t, err, access.ErrInvalid, "an invalid grant refuses the call")
			assert.Empty(t, evs, "a refused call reports nothing")
			_, err = a.Get(ctx, "svc-1/eve")
			assert.ErrorIs(t, err, access.ErrNotFound, "a refused call stores nothing")
		})
	}
}

// failingCreate is a plain Store whose Create fails for one ID.
type failingCreate struct {
	access.Store
	id string
}

var errDown = errors.New("store down")

func (s failingCreate) Create(ctx context.Context, g access.Grant) (access.Grant, error) {
	if g.ID == s.id {
		return access.Grant{}, errDown
	}
	return s.Store.Create(ctx, g)
}

// TestCreateGrantsFallbackIsNotAtomic checks the documented behaviour of
// CreateGrants over a Store without BulkCreator when a Create fails half
// way: the grants created until then are returned with the error and stay
// stored, and calling again finishes the job.
func TestCreateGrantsFallbackIsNotAtomic(t *testing.T) {
	ctx := context.Background()
	mem := memaccess.New()
	got, err := access.CreateGrants(ctx, failingCreate{mem, "svc-1/bob"}, bundle("ann"), bundle("bob"), bundle("cat"))
	assert.ErrorIs(t, err, errDown, "the store's error")
	assert.Equal(t, []string{"svc-1/ann"}, grantIDs(got), "the grants created before the failure")
	_, err = mem.Get(ctx, "svc-1/ann")
	assert.NoError(t, err, "a grant created before the failure stays stored")

	got, err = access.CreateGrants(ctx, struct{ access.Store }{mem}, bundle("ann"), bundle("bob"), bundle("cat"))
	require.NoError(t, err)
	assert.Equal(t, []string{"svc-1/bob", "svc-1/cat"}, grantIDs(got), "calling again creates the rest")
}

func grantIDs(gs []access.Grant) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.ID
	}
	return out
}
