package eventcc_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
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
// so: telephony routes numbers (modality may use numbermap), and a
// template speaks their vocabulary (modality kinds; numbermap's policies,
// E.164 numbers and countries), defined once, there.
//
// One exception is by directory, not by leaf: the simulator
// (scaling/sim) serves its simulated engagements through the product's
// router, so that its service levels are the product's; it alone under
// scaling may import modality (the kinds) and modality/routing.
func TestArrowsPointOneWay(t *testing.T) {
	allowed := map[string][]string{
		"template":  {"modality", "numbermap"},
		"scaling":   nil,
		"access":    nil,
		"numbermap": nil,
		"modality":  {"numbermap"},
	}
	// exceptions: a directory's files may also import these packages
	// (whole import paths, below module).
	exceptions := map[string][]string{
		filepath.Join("scaling", "sim"): {"modality", "modality/routing"},
		// The tool that records the built-in prompts reads the built-in
		// templates; it is run by hand, and nothing imports it.
		filepath.Join("modality", "voice", "internal", "genprompts"): {"template"},
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
				for _, m := range exceptions[filepath.Dir(path)] {
					ok = ok || p == module+"/"+m
				}
				assert.True(t, ok, "%s imports %s: leaf %q may import only %v of ours", path, p, leaf, may)
			}
			return nil
		})
		require.NoError(t, err)
		assert.NotZero(t, files, "expected Go files under %s", leaf)
	}
}

// TestArrowsOfTheAdapters guards the other side of the map. pgstore
// implements the stores of three domains (contactcenter's services and
// leases, access's grants and tokens, numbermap's pool), webhook's
// shared state, routing's engagement records, the transcripts and the
// messaging outbox: it may import those,
// and nothing of ours may import it but examples and tests (tests that
// run a package against PostgreSQL, as the agent desktop's replicas do:
// a test is never in a host's build). A host that never opens PostgreSQL
// does not compile pgx, and one that imports contactcenter does not
// compile the numbering plan.
func TestArrowsOfTheAdapters(t *testing.T) {
	pgstoreMay := []string{"contactcenter", "contactcenter/webhook", "access", "numbermap", "modality", "modality/routing", "modality/transcript", "modality/messaging/outbox"} // transcript and outbox: it stores conversations' transcripts and replies on their way
	for _, f := range goFiles(t, "contactcenter/pgstore", false) {
		for _, p := range imports(t, f) {
			rel, ours := strings.CutPrefix(p, module+"/")
			if !ours || strings.HasPrefix(rel, "contactcenter/pgstore") || strings.HasPrefix(rel, "internal/") {
				continue
			}
			assert.Contains(t, pgstoreMay, rel, "%s imports %s: pgstore may import only the domains whose stores it implements %v", f, p, pgstoreMay)
		}
	}
	for _, dir := range []string{"contactcenter", "template", "scaling", "access", "numbermap", "modality"} {
		for _, f := range goFiles(t, dir, false) {
			if strings.HasPrefix(f, filepath.Join("contactcenter", "pgstore")) {
				continue
			}
			for _, p := range imports(t, f) {
				assert.NotEqual(t, module+"/contactcenter/pgstore", p, "%s imports pgstore: only examples and tests may", f)
			}
		}
	}
	out, err := exec.Command("go", "list", "-deps", "./contactcenter").Output()
	require.NoError(t, err, "go list -deps ./contactcenter")
	for _, dep := range strings.Fields(string(out)) {
		for _, heavy := range []string{"github.com/jackc/pgx", "github.com/nyaruka/phonenumbers", "google.golang.org/protobuf"} {
			assert.False(t, strings.HasPrefix(dep, heavy), "contactcenter depends on %s: keep the core light", dep)
		}
	}
}

// goFiles returns the Go files under dir; with tests, _test.go files too
// (but not those of testdata).
func goFiles(t *testing.T, dir string, tests bool) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && (tests || !strings.HasSuffix(path, "_test.go")) {
			files = append(files, path)
		}
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, files, "expected Go files under %s", dir)
	return files
}

// imports returns the import paths of a Go file.
func imports(t *testing.T, path string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
	require.NoError(t, err)
	var ps []string
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		ps = append(ps, p)
	}
	return ps
}

// TestCoreFunctionsAreShort keeps the lifecycle engine readable: no
// function of package contactcenter is longer than 80 lines.
func TestCoreFunctionsAreShort(t *testing.T) {
	fset := token.NewFileSet()
	for _, path := range goFiles(t, "contactcenter", false) {
		if filepath.Dir(path) != "contactcenter" {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			lines := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
			assert.LessOrEqual(t, lines, 80, "%s: %s is %d lines; split it", path, fd.Name.Name, lines)
		}
	}
}
