package contactcenter_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
)

// mixedPool returns a pool of voice-only numbers, added first so that a
// claim that does not ask for SMS would take them, then smsCapable
// numbers that carry voice and SMS.
func mixedPool(t *testing.T, voiceOnly, smsCapable int) *memnumbermap.Store {
	t.Helper()
	pool := memnumbermap.New()
	for i := range voiceOnly {
		require.NoError(t, pool.Add(context.Background(), numbermap.Owned{
			Number: numbermap.MustParse(fmt.Sprintf("+1202555020%d", i)), Country: "US", Capabilities: numbermap.Voice}))
	}
	for i := range smsCapable {
		require.NoError(t, pool.Add(context.Background(), numbermap.Owned{
			Number: numbermap.MustParse(fmt.Sprintf("+1202555030%d", i)), Country: "US", Capabilities: numbermap.Voice | numbermap.SMS}))
	}
	return pool
}

// lifecycleOn returns a Lifecycle on the world's adapters but the number
// pool, closed when the test ends.
func (w *world) lifecycleOn(t *testing.T, pool numbermap.Store) *contactcenter.Lifecycle {
	t.Helper()
	cfg := w.Config("")
	cfg.Provisioner, cfg.Numbers = w.prov, pool
	lc, err := contactcenter.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { lc.Close() })
	return lc
}

// claimStep returns the deploy plan's ClaimNumbers step.
func claimStep(t *testing.T, p contactcenter.Plan) contactcenter.Step {
	t.Helper()
	for _, s := range p.Steps {
		if s.Action == contactcenter.ClaimNumbers {
			return s
		}
	}
	require.Fail(t, "want a numbers.claim step in the deploy plan", "steps: %v", p.Steps)
	return contactcenter.Step{}
}

// A service offering SMS leases numbers that carry SMS, and one offering
// telephony numbers that carry voice; the dry run shows what the claim
// asks for.
func TestNumbers_ClaimCarriesWhatTheModalitiesNeed(t *testing.T) {
	for _, tc := range []struct {
		name       string
		modalities []modality.Kind
		want       numbermap.Capabilities
		jsonCaps   string
	}{
		{"telephony and SMS", []modality.Kind{modality.Telephony, modality.Chat, modality.SMS}, numbermap.Voice | numbermap.SMS, `["voice","sms"]`},
		{"SMS alone", []modality.Kind{modality.Chat, modality.SMS}, numbermap.SMS, `["sms"]`},
		{"telephony alone", []modality.Kind{modality.Telephony, modality.Chat}, numbermap.Voice, `["voice"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			pool := mixedPool(t, 4, 4)
			lc := w.lifecycleOn(t, pool)
			ctx := context.Background()
			req := conference("conf-caps")
			req.Features.Modalities = tc.modalities

			plans, err := lc.Plan(ctx, req)
			require.NoError(t, err)
			step := claimStep(t, plans.Deploy)
			assert.Equal(t, tc.want, step.Capabilities, "want the claim to ask for what the modalities need")
			assert.Contains(t, step.Description, "capable of "+tc.want.String(), "want the reviewer told what the numbers must carry")
			b, err := json.Marshal(step)
			require.NoError(t, err)
			assert.Contains(t, string(b), `"capabilities":`+tc.jsonCaps, "want the capabilities named in the JSON plan")
			var back contactcenter.Step
			require.NoError(t, json.Unmarshal(b, &back))
			assert.Equal(t, step, back, "want the step to survive a JSON round trip")

			svc, err := lc.Request(ctx, req)
			require.NoError(t, err)
			w.Clock.Set(svc.DeployAt())
			w.runUntil(t, lc, time.Second, req.Term.Start, func() bool { return w.State(t, svc.ID) == contactcenter.Ready })
			recs, err := pool.ListByService(ctx, svc.ID)
			require.NoError(t, err)
			require.Len(t, recs, plans.Config.Numbers.Count)
			for _, r := range recs {
				assert.True(t, r.Capabilities.Has(tc.want), "want %s to carry %s; it carries %s", r.Number, tc.want, r.Capabilities)
			}
		})
	}
}

// A pool with too few numbers that carry SMS fails the deploy for good,
// saying so, with nothing leased or provisioned.
func TestNumbers_TooFewSMSNumbersFailTheDeploy(t *testing.T) {
	w := newWorld(t)
	pool := mixedPool(t, 6, 1)
	lc := w.lifecycleOn(t, pool)
	ctx := context.Background()
	req := conference("conf-sms-short")
	req.Features.Modalities = append(req.Features.Modalities, modality.SMS)
	svc, err := lc.Request(ctx, req)
	require.NoError(t, err)
	require.Greater(t, svc.Config.Numbers.Count, 1, "want the service to need more numbers than the pool has with SMS")

	var retries int
	defer lc.Subscribe(func(e contactcenter.Event) {
		if se, ok := e.(*contactcenter.StepEvent); ok && !se.RetryAt.IsZero() {
			retries++
		}
	})()
	w.Clock.Set(svc.DeployAt())
	w.runUntil(t, lc, time.Second, req.Term.Start, func() bool { return w.State(t, svc.ID).Final() })
	s, err := lc.Get(ctx, svc.ID)
	require.NoError(t, err)
	assert.Equal(t, contactcenter.Failed, s.State, "want the deploy failed")
	assert.Zero(t, retries, "want a short pool refused at once, not retried")
	require.NotNil(t, s.Err, "a Failed service says why")
	assert.Equal(t, contactcenter.Refused, s.Err.Reason, "want a short pool to be a refusal")
	assert.Equal(t, contactcenter.ClaimNumbers, s.Err.Action)
	assert.Contains(t, s.Err.Message, "capable of voice+sms", "want the error to name the capability the pool lacks")

	recs, err := pool.ListByService(ctx, svc.ID)
	require.NoError(t, err)
	assert.Empty(t, recs, "want no number left leased")
	inv, err := w.Provisioner.Inventory(ctx, svc.ID)
	require.NoError(t, err)
	assert.Empty(t, inv, "want nothing provisioned")
	assert.Empty(t, s.Numbers, "want the service to hold no number")
}

// oldPlans is a Store whose plans read as a plan stored before steps had
// capabilities: JSON without the field.
type oldPlans struct{ contactcenter.Store }

func (s oldPlans) GetPlan(ctx context.Context, id string) (contactcenter.Plan, error) {
	p, err := s.Store.GetPlan(ctx, id)
	if err != nil {
		return p, err
	}
	b, err := json.Marshal(p)
	if err != nil {
		return contactcenter.Plan{}, err
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return contactcenter.Plan{}, err
	}
	for _, st := range doc["steps"].([]any) {
		delete(st.(map[string]any), "capabilities")
	}
	if b, err = json.Marshal(doc); err != nil {
		return contactcenter.Plan{}, err
	}
	var old contactcenter.Plan
	return old, json.Unmarshal(b, &old)
}

// A plan stored before claims had capabilities claims any numbers, as it
// did: it runs on a pool that never said what its numbers carry.
func TestNumbers_OldPlanClaimsAnyNumbers(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	pool := memnumbermap.New()
	for i := range 2 {
		require.NoError(t, pool.Add(ctx, numbermap.Owned{Number: numbermap.MustParse(fmt.Sprintf("+1202555040%d", i)), Country: "US"}))
	}
	cfg := w.Config("")
	cfg.Store, cfg.Provisioner, cfg.Numbers = oldPlans{w.store}, w.prov, pool
	lc, err := contactcenter.New(cfg)
	require.NoError(t, err)
	defer lc.Close()

	req := conference("conf-old-plan")
	svc, err := lc.Request(ctx, req)
	require.NoError(t, err)
	old, err := cfg.Store.GetPlan(ctx, svc.DeployPlan)
	require.NoError(t, err)
	require.Zero(t, claimStep(t, old).Capabilities, "want the plan read without capabilities")

	w.Clock.Set(svc.DeployAt())
	w.runUntil(t, lc, time.Second, req.Term.Start, func() bool { return w.State(t, svc.ID).Final() || w.State(t, svc.ID) == contactcenter.Ready })
	require.Equal(t, contactcenter.Ready, w.State(t, svc.ID), "want the old plan to deploy")
	recs, err := pool.ListByService(ctx, svc.ID)
	require.NoError(t, err)
	assert.Len(t, recs, 2, "want the numbers leased whatever they carry")
}

// Step's capabilities read back as written, whatever they are, and a
// name that is no capability is refused.
func TestStep_CapabilitiesJSON(t *testing.T) {
	for _, c := range []numbermap.Capabilities{0, numbermap.Voice, numbermap.SMS, numbermap.Voice | numbermap.SMS | numbermap.MMS, 0x80, numbermap.SMS | 0x30} {
		s := contactcenter.Step{Key: "01-numbers", Action: contactcenter.ClaimNumbers, Count: 2, Capabilities: c,
			Undo: &contactcenter.Step{Key: "01-numbers-undo", Action: contactcenter.ReleaseNumbers}}
		b, err := json.Marshal(s)
		require.NoError(t, err)
		var back contactcenter.Step
		require.NoError(t, json.Unmarshal(b, &back), "decoding %s", b)
		assert.Equal(t, s, back, "want %s to read back as written", b)
	}
	var s contactcenter.Step
	assert.Error(t, json.Unmarshal([]byte(`{"key":"01-numbers","action":"numbers.claim","capabilities":["fax"]}`), &s),
		"want an unknown capability refused")
	assert.Error(t, json.Unmarshal([]byte(`{"key":"01-numbers","action":"numbers.claim","capabilities":3}`), &s),
		"want capabilities that are not a list refused")
}

// FuzzStepJSON: whatever a step decodes from, it encodes to JSON that
// decodes to the same step.
func FuzzStepJSON(f *testing.F) {
	f.Add([]byte(`{"key":"01-numbers","action":"numbers.claim","count":2,"country":"US","capabilities":["voice","sms"],"description":"d","undo":{"key":"01-numbers-undo","action":"numbers.release","description":"u"}}`))
	f.Add([]byte(`{"key":"01-numbers","action":"numbers.claim","count":2,"description":"old"}`))
	f.Add([]byte(`{"capabilities":["0x80","mms"]}`))
	f.Add([]byte(`{"capabilities":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var s contactcenter.Step
		if json.Unmarshal(b, &s) != nil {
			return
		}
		out, err := json.Marshal(s)
		require.NoError(t, err)
		var back contactcenter.Step
		require.NoError(t, json.Unmarshal(out, &back), "decoding %s", out)
		assert.Equal(t, s, back)
	})
}
