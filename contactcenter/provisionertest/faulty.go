package provisionertest

import (
	"context"
	"sync"

	"github.com/eventcc/eventcc/contactcenter"
)

// Faulty is a Provisioner that fails Set calls on demand and counts them.
// Inventory and, until told otherwise, Set call through to the embedded
// Provisioner. A Faulty is safe for concurrent use if the Provisioner it
// wraps is.
type Faulty struct {
	contactcenter.Provisioner

	mu     sync.Mutex
	faults map[contactcenter.Resource]fault
	calls  map[contactcenter.Resource]int
}

type fault struct {
	times int // calls left to fail; negative: every call
	err   error
}

var _ contactcenter.Provisioner = (*Faulty)(nil)

// NewFaulty returns a Faulty wrapping p, failing nothing.
func NewFaulty(p contactcenter.Provisioner) *Faulty {
	return &Faulty{
		Provisioner: p,
		faults:      make(map[contactcenter.Resource]fault),
		calls:       make(map[contactcenter.Resource]int),
	}
}

// FailSet makes the next times calls of Set for kind return err without
// calling through; with times < 0, every call until the next FailSet for
// kind. times == 0 (or a nil err) ends the failures for kind. Wrap err
// with [contactcenter.Permanent] or [contactcenter.ErrQuota] to simulate
// a failure the executor does not retry.
func (f *Faulty) FailSet(kind contactcenter.Resource, times int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if times == 0 || err == nil {
		delete(f.faults, kind)
		return
	}
	f.faults[kind] = fault{times: times, err: err}
}

// Calls returns how many times Set was called for kind, whether it failed
// by FailSet, called through, or found its ctx done.
func (f *Faulty) Calls(kind contactcenter.Resource) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[kind]
}

// Set returns the error given to FailSet for kind while failures remain,
// and otherwise calls the wrapped Provisioner's Set.
func (f *Faulty) Set(ctx context.Context, serviceID string, kind contactcenter.Resource, n int) ([]contactcenter.Item, error) {
	if err := f.fail(kind); err != nil {
		return nil, err
	}
	return f.Provisioner.Set(ctx, serviceID, kind, n)
}

// fail counts a call of Set for kind and returns the error it must fail
// with, if any.
func (f *Faulty) fail(kind contactcenter.Resource) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[kind]++
	ft, ok := f.faults[kind]
	if !ok {
		return nil
	}
	if ft.times > 0 {
		ft.times--
		if ft.times == 0 {
			delete(f.faults, kind)
		} else {
			f.faults[kind] = ft
		}
	}
	return ft.err
}
