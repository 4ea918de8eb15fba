package memroster_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/memroster"
)

func ids(ps []contactcenter.Person) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func TestStaff(t *testing.T) {
	ctx := context.Background()
	r, err := memroster.New(
		contactcenter.Person{ID: "ann", Skills: map[string]int{"en": 80}},
		contactcenter.Person{ID: "bob", Skills: map[string]int{"de": 60, "speakers": 50}},
		contactcenter.Person{ID: "cat", Skills: map[string]int{"speakers": 90}},
		contactcenter.Person{ID: "dan"},
	)
	require.NoError(t, err)

	got, err := r.Staff(ctx, contactcenter.StaffRequest{ServiceID: "s1", Count: 2, Skills: []string{"speakers"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"bob", "cat"}, ids(got), "those with the skills asked for first")
	got, err = r.Staff(ctx, contactcenter.StaffRequest{ServiceID: "s1", Count: 2, Skills: []string{"speakers"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"bob", "cat"}, ids(got), "idempotent")

	got, err = r.Staff(ctx, contactcenter.StaffRequest{ServiceID: "s2", Count: 5})
	require.NoError(t, err)
	assert.Equal(t, []string{"ann", "dan"}, ids(got), "a person works for one service at a time; fewer when nobody else is free")

	got, err = r.Staff(ctx, contactcenter.StaffRequest{ServiceID: "s1", Count: 1})
	require.NoError(t, err)
	assert.Equal(t, []string{"bob"}, ids(got), "the last activated is released first")
	got, err = r.Staff(ctx, contactcenter.StaffRequest{ServiceID: "s2", Count: 3})
	require.NoError(t, err)
	assert.Equal(t, []string{"ann", "dan", "cat"}, ids(got), "released, cat is free for another service")

	got[0].Skills["en"] = 1 // the caller owns what it got
	again, err := r.Staff(ctx, contactcenter.StaffRequest{ServiceID: "s2", Count: 3})
	require.NoError(t, err)
	assert.Equal(t, 80, again[0].Skills["en"])

	for _, s := range []string{"s1", "s2"} {
		got, err = r.Staff(ctx, contactcenter.StaffRequest{ServiceID: s, Count: 0})
		require.NoError(t, err)
		assert.Empty(t, got)
		assert.Empty(t, r.OnDuty(s), "nobody left on duty for %s", s)
	}
}

func TestBadInput(t *testing.T) {
	_, err := memroster.New(contactcenter.Person{ID: "ann"}, contactcenter.Person{ID: "ann"})
	require.ErrorIs(t, err, memroster.ErrInvalid)
	assert.ErrorContains(t, err, "people[1].ID")
	_, err = memroster.New(contactcenter.Person{})
	require.ErrorIs(t, err, memroster.ErrInvalid)

	r, err := memroster.New(contactcenter.Person{ID: "ann"})
	require.NoError(t, err)
	_, err = r.Staff(context.Background(), contactcenter.StaffRequest{Count: 1})
	require.ErrorIs(t, err, memroster.ErrInvalid)
	_, err = r.Staff(context.Background(), contactcenter.StaffRequest{ServiceID: "s", Count: -1})
	require.ErrorIs(t, err, memroster.ErrInvalid)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = r.Staff(ctx, contactcenter.StaffRequest{ServiceID: "s", Count: 1})
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, r.OnDuty("s"), "a refused call changes nothing")
}
