package eventcc_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/eventcc/eventcc"

// TestArrowsPointOneWay guards the package map: contactcenter composes the
// leaves; no leaf (nor any of its adapters and suites) imports
// contactcenter, and leaves import each other only where the design says
// so (telephony routes numbers: modality may use numbermap).
func TestArrowsPointOneWay(t *testing.T) {
	allowed := map[string][]string{
		"template":  nil,
		"scaling":   nil,
		"access":    nil,
		"numbermap": nil,
		"modality":  {"numbermap"},
	}
	for leaf, may := range allowed {
		files := 0
		err := filepath.WalkDir(leaf, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
				return err
			}
			files++
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if !strings.HasPrefix(p, module+"/") {
					continue
				}
				top := strings.SplitN(strings.TrimPrefix(p, module+"/"), "/", 2)[0]
				if top == leaf || top == "internal" {
					continue
				}
				ok := false
				for _, m := range may {
					ok = ok || top == m
				}
				assert.True(t, ok, "%s imports %s: leaf %q may import only %v of ours", path, p, leaf, may)
			}
			return nil
		})
		require.NoError(t, err)
		assert.NotZero(t, files, "expected Go files under %s", leaf)
	}
}
