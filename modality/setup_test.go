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

	ok.Queues = append(ok.Queues, "vip")
	ok.Anonymous = []modality.Kind{modality.Chat, modality.Telephony}
	ok.RegisteredOnly = []string{"vip"}
	assert.NoError(t, ok.Validate("svc", []modality.Kind{modality.Chat}),
		"want anonymous kinds the channel does not serve and a registered-only queue of the setup accepted")

	bad := modality.Setup{
		Queues: []string{"help", "help"},
		EntryPoints: []modality.EntryPoint{
			{Name: "a", Kind: modality.Video, Queue: "help"},
			{Name: "a", Kind: "fax", Queue: "nowhere"},
		},
		Anonymous:      []modality.Kind{modality.Chat, "Chat"},
		RegisteredOnly: []string{"help", "vip"},
	}
	err := bad.Validate("", []modality.Kind{modality.Chat})
	assert.ErrorIs(t, err, modality.ErrUnsupported, "want an unserved kind to be ErrUnsupported")
	assert.ErrorIs(t, err, modality.ErrUnknownKind, "want an unknown kind to be ErrUnknownKind")
	for _, want := range []string{"service id: empty", "queues[1]", "entryPoints[1].name", "entryPoints[0].kind", "entryPoints[1].queue", `anonymous[1]: modality: unknown kind "Chat"`, `registeredOnly[1]: "vip" is not one of the setup's queues`} {
		assert.Contains(t, err.Error(), want, "want every problem named")
	}
}
