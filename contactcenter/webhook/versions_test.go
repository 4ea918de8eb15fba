package webhook_test

import (
	"testing"

	"github.com/eventcc/eventcc/contactcenter/webhook"
	"github.com/eventcc/eventcc/contactcenter/webhook/versionstest"
)

func TestMemVersions_Conformance(t *testing.T) {
	versionstest.Run(t, versionstest.Harness{
		New: func(*testing.T) webhook.VersionStore { return webhook.NewMemVersions() },
	})
}
