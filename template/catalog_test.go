package template_test

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/template"
)

func TestBuiltinNames(t *testing.T) {
	assert.Equal(t,
		[]string{"concert", "conference", "hybrid", "sports", "trade-show", "webinar"},
		template.Builtin().Names(), "want one built-in template per kind of event, sorted")
	assert.Same(t, template.Builtin(), template.Builtin(), "want the built-in catalog loaded once")
}

func TestBuiltinTemplates(t *testing.T) {
	cat := template.Builtin()
	for _, name := range cat.Names() {
		t.Run(name, func(t *testing.T) {
			tp, err := cat.Lookup(name)
			require.NoError(t, err)
			require.NoError(t, tp.Validate(), "want the built-in template valid")
			assert.Equal(t, name, tp.Name)
			assert.NotEmpty(t, tp.Description, "want a description")

			s := tp.Staffing
			assert.Equal(t, 0.8, s.ServiceLevel.Target, "want the usual 80%% service level")
			assert.Equal(t, "20s", s.ServiceLevel.Within.String(), "want answers within 20s")
			assert.GreaterOrEqual(t, s.ScaleInterval.D().Minutes(), 1.0, "want a scale interval of 1m–5m")
			assert.LessOrEqual(t, s.ScaleInterval.D().Minutes(), 5.0, "want a scale interval of 1m–5m")
			assert.GreaterOrEqual(t, s.ScaleDownWindow.D().Minutes(), 3.0, "want a scale-down window of 3m–15m")
			assert.LessOrEqual(t, s.ScaleDownWindow.D().Minutes(), 15.0, "want a scale-down window of 3m–15m")
			assert.GreaterOrEqual(t, tp.Timing.DeployLead.D().Hours(), 1.0, "want a deploy lead of 1h–48h")
			assert.LessOrEqual(t, tp.Timing.DeployLead.D().Hours(), 48.0, "want a deploy lead of 1h–48h")
			assert.GreaterOrEqual(t, tp.Timing.Grace.D().Minutes(), 15.0, "want a grace of 15m–2h")
			assert.LessOrEqual(t, tp.Timing.Grace.D().Hours(), 2.0, "want a grace of 15m–2h")
			if tp.Numbers.Count > 0 {
				assert.LessOrEqual(t, tp.Numbers.Count, 4, "want at most 4 numbers")
				assert.Equal(t, "US", tp.Numbers.Country, "want US numbers")
			}

			assert.NotEmpty(t, tp.Skills, "want the skills of the event's agents declared")
			assert.LessOrEqual(t, s.WrapUp.D().Seconds(), 60.0, "want a wrap-up of at most 1m")
			for _, q := range tp.Queues {
				if q.Name == "accessibility" {
					assert.Equal(t, []string{"accessibility"}, q.Skills, "want accessibility answered by trained agents only")
					if assert.NotNil(t, q.ServiceLevel, "want accessibility to have its own service level") {
						assert.Greater(t, q.ServiceLevel.Target, s.ServiceLevel.Target, "want accessibility answered sooner than the rest")
					}
				}
			}

			roles := map[string][]string{}
			for _, r := range tp.Access.Roles {
				roles[r.Name] = r.Privileges
			}
			assert.Contains(t, roles["agent"], "engagement.handle", "want agents to handle engagements")
			for _, p := range []string{"engagement.monitor", "engagement.barge", "engagement.reassign", "report.view"} {
				assert.Contains(t, roles["supervisor"], p, "want supervisors to have %s", p)
			}

			// Resolvable for each of its event types, with everything and
			// with each modality alone.
			for _, et := range tp.EventTypes {
				in := validInput()
				in.EventType = et
				in.Receptionist = tp.Receptionist != nil
				c, err := tp.Resolve(in)
				require.NoError(t, err, "want %s resolvable for event type %q", name, et)
				assert.Len(t, c.Modalities, len(tp.Modalities))
				assert.Len(t, c.Queues, len(tp.Queues))
				assert.Equal(t, in.Receptionist, c.Receptionist != nil)
				assert.GreaterOrEqual(t, c.InitialAgents, c.Staffing.MinAgents)
				assert.LessOrEqual(t, c.InitialAgents, c.Staffing.MaxAgents)

				for _, m := range tp.Modalities {
					in.Modalities = []modality.Kind{m.Kind}
					c, err := tp.Resolve(in)
					require.NoError(t, err, "want %s resolvable for %s alone", name, m.Kind)
					assert.NotEmpty(t, c.Queues, "want a queue for %s", m.Kind)
				}
			}
		})
	}
}

func TestBuiltinCharacter(t *testing.T) {
	get := func(name string) *template.Template {
		tp, err := template.Builtin().Lookup(name)
		require.NoError(t, err)
		return tp
	}
	conf := get("conference")
	assert.Equal(t, template.PostTerm{
		Policy: numbermap.Forward, ForwardTo: "+12025550100",
		For: d(30 * day), Aging: d(90 * day),
	}, conf.PostTerm, "want the conference to forward to the organiser for 30 days, then age 90 days")

	assert.Equal(t, []string{"concert", "festival"}, get("concert").EventTypes, "want the concert template to suit festivals too")

	web := get("webinar")
	assert.Zero(t, web.Numbers.Count, "want a virtual webinar without telephone numbers")
	assert.Nil(t, web.Receptionist, "want no receptionist for the webinar")
	for _, m := range web.Modalities {
		assert.Contains(t, []modality.Kind{modality.Chat, modality.Video}, m.Kind, "want a chat and video webinar")
	}

	withReceptionist := 0
	for _, name := range template.Builtin().Names() {
		if get(name).Receptionist != nil {
			withReceptionist++
		}
	}
	assert.Greater(t, withReceptionist, 3, "want a receptionist in most built-ins")
}

func TestCatalogLookupReturnsCopies(t *testing.T) {
	cat, err := template.NewCatalog(validTemplate())
	require.NoError(t, err)

	a, err := cat.Lookup("test-event")
	require.NoError(t, err)
	a.Name = "changed"
	a.EventTypes[0] = "changed"
	a.Modalities[0].Features[0] = "changed"
	a.Queues[0].Modalities[0] = "changed"
	a.Queues[0].Skills[0] = "changed"
	a.Queues[2].ServiceLevel.Target = 0.1
	a.Skills[0].Name = "changed"
	a.Receptionist.Options[0].Queue = "changed"
	a.Access.Roles[0].Privileges[0] = "changed"

	b, err := cat.Lookup("test-event")
	require.NoError(t, err)
	assert.Equal(t, validTemplate(), b, "want each Lookup to return an independent copy")
}

func TestNewCatalogCopiesItsInput(t *testing.T) {
	tp := validTemplate()
	cat, err := template.NewCatalog(tp)
	require.NoError(t, err)
	tp.Queues[0].Name = "changed"
	tp.Receptionist.Greeting = "changed"

	got, err := cat.Lookup("test-event")
	require.NoError(t, err)
	assert.Equal(t, validTemplate(), got, "want the catalog unaffected by later changes to its input")
}

func TestCatalogLookupUnknown(t *testing.T) {
	_, err := template.Builtin().Lookup("wedding")
	require.ErrorIs(t, err, template.ErrUnknownTemplate, "want an error wrapping ErrUnknownTemplate")
	assert.EqualError(t, err,
		`template: unknown template "wedding" (known: concert, conference, hybrid, sports, trade-show, webinar)`,
		"want the error to name the template and list the known ones")

	var empty template.Catalog
	_, err = empty.Lookup("conference")
	assert.ErrorIs(t, err, template.ErrUnknownTemplate, "want the zero Catalog empty")
	assert.Empty(t, empty.Names())

	var none *template.Catalog
	_, err = none.Lookup("conference")
	assert.ErrorIs(t, err, template.ErrUnknownTemplate, "want a nil *Catalog empty")
	assert.ErrorContains(t, err, "(known: none)")
	assert.Empty(t, none.Names())
}

func TestNewCatalogErrors(t *testing.T) {
	t.Run("invalid template", func(t *testing.T) {
		bad := validTemplate()
		bad.Name = "other"
		bad.Staffing.MaxAgents = 0
		_, err := template.NewCatalog(validTemplate(), bad)
		require.Error(t, err)
		var ve *template.ValidationError
		require.ErrorAs(t, err, &ve, "want the template's *ValidationError wrapped")
		assert.Contains(t, err.Error(), `template 1 ("other")`, "want the error to say which template")
		assert.Contains(t, err.Error(), "staffing.maxAgents: must be >= 1")
	})
	t.Run("duplicate names", func(t *testing.T) {
		_, err := template.NewCatalog(validTemplate(), validTemplate())
		assert.ErrorContains(t, err, `template 1: duplicate name "test-event" (also template 0)`)
	})
	t.Run("nil template", func(t *testing.T) {
		_, err := template.NewCatalog(nil)
		assert.ErrorContains(t, err, "template 0 is nil")
	})
	t.Run("every problem", func(t *testing.T) {
		bad := validTemplate()
		bad.Version = ""
		_, err := template.NewCatalog(nil, validTemplate(), validTemplate(), bad)
		require.Error(t, err)
		assert.Len(t, err.(interface{ Unwrap() []error }).Unwrap(), 3, "want every problem reported: %v", err)
	})
	t.Run("empty catalog", func(t *testing.T) {
		cat, err := template.NewCatalog()
		require.NoError(t, err)
		assert.Empty(t, cat.Names())
	})
}

func TestCatalogNamesIsTheCallers(t *testing.T) {
	cat := template.Builtin()
	names := cat.Names()
	names[0] = "changed"
	assert.True(t, slices.IsSorted(cat.Names()), "want Names unaffected by changes to a returned slice")
	assert.NotContains(t, cat.Names(), "changed")
}

func TestCatalogConcurrentUse(t *testing.T) {
	cat := template.Builtin()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for _, name := range cat.Names() {
				tp, err := cat.Lookup(name)
				if !assert.NoError(t, err) {
					return
				}
				tp.Description = "mine" // the copy is the goroutine's own
				in := validInput()
				in.EventType = tp.EventTypes[i%len(tp.EventTypes)]
				in.Receptionist = tp.Receptionist != nil
				_, err = tp.Resolve(in)
				assert.NoError(t, err)
			}
			_, err := cat.Lookup("missing")
			assert.True(t, errors.Is(err, template.ErrUnknownTemplate))
		})
	}
	wg.Wait()
}
