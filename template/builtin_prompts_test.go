package template_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/voice"
	"github.com/eventcc/eventcc/template"
)

// Every prompt a built-in template names, and its hold music, are in the
// built-in prompt set (voice.Builtin): callers of a built-in template
// hear every phrase.
func TestBuiltinPrompts(t *testing.T) {
	l := voice.NewLibrary(voice.Builtin)
	cat := template.Builtin()
	for _, name := range cat.Names() {
		tpl, err := cat.Lookup(name)
		require.NoError(t, err)
		for _, m := range tpl.Modalities {
			if m.Kind == modality.Telephony && m.Hold != nil {
				_, err := l.Prompt(m.Hold.Music)
				assert.NoError(t, err, "%s: hold music", name)
			}
		}
		if tpl.Receptionist == nil {
			continue
		}
		assert.NotEmpty(t, tpl.Receptionist.Prompts, "%s: a receptionist callers can hear", name)
		for role, file := range tpl.Receptionist.Prompts {
			_, err := l.Prompt(file)
			assert.NoError(t, err, "%s: %s", name, role)
		}
	}
}
