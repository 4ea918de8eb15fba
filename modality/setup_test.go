package modality_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eventcc/eventcc/modality"
)

func TestSetupValidate(t *testing.T) {
	ok := modality.Setup{
		Queues:      []string{"help"},
		EntryPoints: []modality.EntryPoint{{Name: "chat", Kind: modality.Chat, Address: "https://x.invalid/c", Queue: "help"}},
	}
	assert.NoError(t, ok.Validate("svc", []modality.Kind{modality.Chat}), "want a valid setup accepted")

	bad := modality.Setup{
		Queues: []string{"help", "help"},
		EntryPoints: []modality.EntryPoint{
			{Name: "a", Kind: modality.Video, Queue: "help"},
			{Name: "a", Kind: "fax", Queue: "nowhere"},
		},
	}
	err := bad.Validate("", []modality.Kind{modality.Chat})
	assert.ErrorIs(t, err, modality.ErrUnsupported, "want an unserved kind to be ErrUnsupported")
	assert.ErrorIs(t, err, modality.ErrUnknownKind, "want an unknown kind to be ErrUnknownKind")
	for _, want := range []string{"service id: empty", "queues[1]", "entryPoints[1].name", "entryPoints[0].kind", "entryPoints[1].queue"} {
		assert.Contains(t, err.Error(), want, "want every problem named")
	}
}
