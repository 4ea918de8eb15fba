package provisionertest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/memprovisioner"
	"github.com/eventcc/eventcc/contactcenter/provisionertest"
)

// Each flawed Provisioner below breaks one sentence of the Provisioner
// contract, and only that one, by wrapping the in-memory reference
// implementation.

// reusesIDs names the items of each kind by their position among those
// held, as a provider does that hands out the lowest free number: Set
// agents 3, then 2, then 3 gives the released third ID back. Items kept
// across a Set keep their IDs, since the in-memory Provisioner releases the
// highest first and so keeps the lowest positions.
type reusesIDs struct{ contactcenter.Provisioner }

func (p reusesIDs) Set(ctx context.Context, serviceID string, kind contactcenter.Resource, n int) ([]contactcenter.Item, error) {
	items, err := p.Provisioner.Set(ctx, serviceID, kind, n)
	return renumber(serviceID, items), err
}

func (p reusesIDs) Inventory(ctx context.Context, serviceID string) ([]contactcenter.Item, error) {
	items, err := p.Provisioner.Inventory(ctx, serviceID)
	return renumber(serviceID, items), err
}

// renumber renames items, sorted by kind then ID, by their position among
// the items of their kind.
func renumber(serviceID string, items []contactcenter.Item) []contactcenter.Item {
	if items == nil {
		return nil
	}
	out := make([]contactcenter.Item, len(items))
	pos := map[contactcenter.Resource]int{}
	for i, it := range items {
		out[i] = contactcenter.Item{Kind: it.Kind, ID: fmt.Sprintf("%s-%s-%06d", it.Kind, serviceID, pos[it.Kind])}
		pos[it.Kind]++
	}
	return out
}

// retriesNegative refuses a negative count with an error the executor
// would retry.
type retriesNegative struct{ contactcenter.Provisioner }

func (p retriesNegative) Set(ctx context.Context, serviceID string, kind contactcenter.Resource, n int) ([]contactcenter.Item, error) {
	if n < 0 {
		return nil, fmt.Errorf("flawed: %d %s", n, kind)
	}
	return p.Provisioner.Set(ctx, serviceID, kind, n)
}

// retriesUnknownKind refuses a kind it does not know with an error the
// executor would retry.
type retriesUnknownKind struct{ contactcenter.Provisioner }

func (p retriesUnknownKind) Set(ctx context.Context, serviceID string, kind contactcenter.Resource, n int) ([]contactcenter.Item, error) {
	if !slices.Contains(contactcenter.Resources(), kind) {
		return nil, errors.New("flawed: unknown kind " + string(kind))
	}
	return p.Provisioner.Set(ctx, serviceID, kind, n)
}

// flaws are the flawed Provisioners, by name, each with the subtest of Run
// that must fail against it.
var flaws = map[string]struct {
	wrap    func(contactcenter.Provisioner) contactcenter.Provisioner
	failing string
}{
	"reuses-ids":           {func(p contactcenter.Provisioner) contactcenter.Provisioner { return reusesIDs{p} }, "Set/ReleasedIDsNotReused"},
	"retries-negative":     {func(p contactcenter.Provisioner) contactcenter.Provisioner { return retriesNegative{p} }, "Set/NegativePermanent"},
	"retries-unknown-kind": {func(p contactcenter.Provisioner) contactcenter.Provisioner { return retriesUnknownKind{p} }, "Set/UnknownKindPermanent"},
}

// flawEnv names the flaw TestFlawedProvisioner gives its Provisioner; only
// TestSuiteCatchesFlaws sets it, in a child process.
const flawEnv = "EVENTCC_PROVISIONERTEST_FLAW"

// flawCapacity is the capacity of the flawed Provisioners, so that the
// quota cases run against them too.
const flawCapacity = 4

// TestFlawedProvisioner runs the suite against the flawed Provisioner
// flawEnv names, and is skipped without one.
func TestFlawedProvisioner(t *testing.T) {
	name := os.Getenv(flawEnv)
	if name == "" {
		t.Skip("run by TestSuiteCatchesFlaws only")
	}
	flaw, ok := flaws[name]
	require.True(t, ok, "%s=%q names no flaw", flawEnv, name)
	provisionertest.Run(t, provisionertest.Harness{
		New: func(*testing.T) contactcenter.Provisioner {
			return flaw.wrap(memprovisioner.New(memprovisioner.Limits{
				Space: flawCapacity, Licences: flawCapacity, Agents: flawCapacity, Supervisors: flawCapacity,
			}))
		},
		Capacity: flawCapacity,
	})
}

// failedSubtest matches the name of a failed subtest of
// TestFlawedProvisioner in go test -v output.
var failedSubtest = regexp.MustCompile(`(?m)^\s*--- FAIL: TestFlawedProvisioner/(\S+) `)

// TestSuiteCatchesFlaws checks that the suite is not more permissive than
// the contract: for each flawed Provisioner, the subtest named after the
// sentence it breaks fails, and no other. Each runs in a child process,
// since a failing subtest would fail this test too.
func TestSuiteCatchesFlaws(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	for name, flaw := range flaws {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestFlawedProvisioner$", "-test.v")
			cmd.Env = append(os.Environ(), flawEnv+"="+name)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "the suite against a Provisioner with flaw %q passed; want %s to fail:\n%s", name, flaw.failing, out)
			var failed []string
			for _, m := range failedSubtest.FindAllSubmatch(out, -1) {
				failed = append(failed, string(m[1]))
			}
			assert.Equal(t, []string{flaw.failing}, failed, "subtests failed against a Provisioner with flaw %q; want only the one for the sentence it breaks:\n%s", name, out)
		})
	}
}
