package template_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/template"
)

// FuzzLoad checks that Load never panics, that it fails only with a
// *ValidationError when reading cannot fail, and that a template it
// accepts marshals into JSON that loads back into an equal template. The
// seed corpus is in testdata/fuzz/FuzzLoad; the built-in templates are
// added as they are now.
func FuzzLoad(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("builtin", "*.json"))
	require.NoError(f, err)
	for _, name := range files {
		data, err := os.ReadFile(name)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		t1, err := template.Load(bytes.NewReader(data))
		if err != nil {
			var ve *template.ValidationError
			require.ErrorAs(t, err, &ve, "want only validation errors from an in-memory reader")
			require.NotEmpty(t, ve.Problems, "want a ValidationError to list its problems")
			return
		}
		out, err := json.Marshal(t1)
		require.NoError(t, err, "want a loaded template to marshal")
		t2, err := template.Load(bytes.NewReader(out))
		require.NoError(t, err, "want the marshalled template to load again:\n%s", out)
		require.Equal(t, t1, t2, "want marshalling and loading again to give an equal template")
	})
}
