package contactcenter_test

import (
	"testing"

	"github.com/eventcc/eventcc/access/memaccess"
	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/lifecycletest"
	"github.com/eventcc/eventcc/contactcenter/memrelay"
	"github.com/eventcc/eventcc/contactcenter/memstore"
	"github.com/eventcc/eventcc/modality/routing/memrecords"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
)

// TestLifecycleScenarios runs the crash-after-every-step and
// replica-takeover scenarios on the in-memory adapters.
func TestLifecycleScenarios(t *testing.T) {
	lifecycletest.Run(t, lifecycletest.Harness{New: func(t testing.TB) lifecycletest.Adapters {
		return lifecycletest.Adapters{Store: memstore.New(), Access: memaccess.New(), Numbers: memnumbermap.New(),
			Engagements: memrecords.New()}
	}, Relay: func(testing.TB) contactcenter.Relay { return memrelay.New() }})
}

// oneWriteAtATime is a Store and Leaser without the Committer capability,
// so the executor journals and stores one change per write.
type oneWriteAtATime struct {
	contactcenter.Store
	contactcenter.Leaser
}

// TestLifecycleScenarios_WithoutCommitter runs the same scenarios on a
// store the executor cannot commit a step's writes to at once.
func TestLifecycleScenarios_WithoutCommitter(t *testing.T) {
	lifecycletest.Run(t, lifecycletest.Harness{New: func(t testing.TB) lifecycletest.Adapters {
		st := memstore.New()
		return lifecycletest.Adapters{Store: oneWriteAtATime{st, st}, Access: memaccess.New(), Numbers: memnumbermap.New()}
	}})
}
