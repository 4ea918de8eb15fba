package template_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/routing"
	"github.com/eventcc/eventcc/template"
)

// routingConfig is the router's configuration for a resolved Config, as
// a host builds it.
func routingConfig(c template.Config) routing.Config {
	rc := routing.Config{OfferTimeout: c.Staffing.OfferTimeout.D(), WrapUp: c.Staffing.WrapUp.D()}
	for _, q := range c.Queues {
		rc.Queues = append(rc.Queues, routing.Queue{
			Name:       q.Name,
			Priority:   q.Priority,
			Modalities: q.Modalities,
			Skills:     q.Skills,
			Strategy:   q.Strategy,
			MaxWait:    q.MaxWait.D(),
			Overflow:   q.Overflow,
			Threshold:  q.ServiceLevel.Within.D(),
		})
	}
	return rc
}

// TestRouterAcceptsResolvedTemplates checks the promise of the package
// documentation for the router: what a valid template resolves to, the
// router takes, for every built-in template, and for the test template
// with every strategy and with its overflow queue left out.
func TestRouterAcceptsResolvedTemplates(t *testing.T) {
	accept := func(t *testing.T, tp *template.Template, in template.Input) {
		t.Helper()
		c, err := tp.Resolve(in)
		require.NoError(t, err)
		_, err = routing.New(routingConfig(c))
		assert.NoError(t, err, "want the router to take the queues of %s", tp.Name)
	}
	for _, name := range template.Builtin().Names() {
		t.Run(name, func(t *testing.T) {
			tp, err := template.Builtin().Lookup(name)
			require.NoError(t, err)
			in := validInput()
			in.EventType, in.Receptionist = tp.EventTypes[0], tp.Receptionist != nil
			accept(t, tp, in)
		})
	}
	for _, s := range append(routing.Strategies(), "") {
		t.Run("strategy "+string(s), func(t *testing.T) {
			tp := validTemplate()
			tp.Queues[0].Strategy = s
			accept(t, tp, validInput())
		})
	}
	t.Run("overflow queue left out", func(t *testing.T) {
		in := validInput()
		in.Queues = []string{"registration", "accessibility"}
		accept(t, validTemplate(), in)
	})
}
