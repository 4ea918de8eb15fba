package contactcenter_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/access"
	"github.com/eventcc/eventcc/modality"
)

// An agent's phone password comes from their grant: the same while it
// lasts, none once it is revoked, none for someone without one.
func TestPhonePassword(t *testing.T) {
	ctx := context.Background()
	w := newEngagementWorld(t)
	svc := w.open(t)
	grants, err := w.auth.ListByService(ctx, svc.ID)
	require.NoError(t, err)
	var agent string
	for _, g := range grants {
		if g.EffectiveKind() == access.KindAgent && !g.Revoked {
			agent = g.Principal
			break
		}
	}
	require.NotEmpty(t, agent, "an agent on duty")

	pw, err := w.lc.PhonePassword(ctx, svc.ID, agent)
	require.NoError(t, err)
	require.Len(t, pw, 1)
	again, err := w.lc.PhonePassword(ctx, svc.ID, agent)
	require.NoError(t, err)
	assert.Equal(t, pw, again)

	_, err = w.lc.PhonePassword(ctx, svc.ID, "nobody")
	assert.ErrorIs(t, err, modality.ErrNotFound)
	_, err = w.lc.PhonePassword(ctx, "another-service", agent)
	assert.ErrorIs(t, err, modality.ErrNotFound)

	require.NoError(t, w.auth.Revoke(ctx, svc.ID+"/"+agent, w.Clock.Now()))
	_, err = w.lc.PhonePassword(ctx, svc.ID, agent)
	assert.ErrorIs(t, err, modality.ErrNotFound, "no grant, no password")
}
