package outbox_test

import (
	"testing"

	"github.com/eventcc/eventcc/modality/messaging/outbox"
	"github.com/eventcc/eventcc/modality/messaging/outbox/outboxtest"
)

func TestMem(t *testing.T) {
	outboxtest.Run(t, outboxtest.Harness{New: func(*testing.T) outbox.Store { return outbox.NewMem() }})
}
