package template

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The built-in loader is tested on substitute file systems: the real
// built-ins are valid, so its error paths cannot be reached through
// Builtin.
func TestLoadBuiltinErrors(t *testing.T) {
	conference, err := builtinFS.ReadFile("builtin/conference.json")
	require.NoError(t, err)

	t.Run("invalid built-in", func(t *testing.T) {
		_, err := loadBuiltin(fstest.MapFS{"builtin/broken.json": {Data: []byte(`{"name":`)}})
		assert.ErrorContains(t, err, "template: built-in builtin/broken.json: template: invalid: line 1, column 9: unexpected end of input",
			"want the file named and the problem shown")
	})
	t.Run("name does not match the file", func(t *testing.T) {
		_, err := loadBuiltin(fstest.MapFS{"builtin/meetup.json": {Data: conference}})
		assert.ErrorContains(t, err, `name "conference" does not match the file name`)
	})
	t.Run("valid", func(t *testing.T) {
		c, err := loadBuiltin(fstest.MapFS{"builtin/conference.json": {Data: conference}})
		require.NoError(t, err)
		assert.Equal(t, []string{"conference"}, c.Names())
	})
}
