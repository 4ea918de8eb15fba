package contactcenter_test

import (
	"testing"

	"github.com/eventcc/eventcc/access/memaccess"
	"github.com/eventcc/eventcc/contactcenter/lifecycletest"
	"github.com/eventcc/eventcc/contactcenter/memstore"
	"github.com/eventcc/eventcc/numbermap/memnumbermap"
)

// TestLifecycleScenarios runs the crash-after-every-step and
// replica-takeover scenarios on the in-memory adapters.
func TestLifecycleScenarios(t *testing.T) {
	lifecycletest.Run(t, lifecycletest.Harness{New: func(t testing.TB) lifecycletest.Adapters {
		return lifecycletest.Adapters{Store: memstore.New(), Access: memaccess.New(), Numbers: memnumbermap.New()}
	}})
}
