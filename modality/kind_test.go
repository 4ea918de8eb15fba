package modality_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
)

func TestKinds(t *testing.T) {
	want := []modality.Kind{modality.Telephony, modality.Video, modality.Chat, modality.SMS, modality.Social}
	got := modality.Kinds()
	assert.Equal(t, want, got, "Kinds() lists the five kinds in their fixed order")
	got[0] = "tampered"
	assert.Equal(t, want, modality.Kinds(), "each call returns a fresh slice the caller may change")
}

func TestParseKind(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want modality.Kind
	}{
		{"telephony", modality.Telephony},
		{"video", modality.Video},
		{"chat", modality.Chat},
		{"sms", modality.SMS},
		{"social", modality.Social},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := modality.ParseKind(tc.in)
			require.NoError(t, err, "ParseKind(%q)", tc.in)
			assert.Equal(t, tc.want, got, "ParseKind(%q)", tc.in)
		})
	}
	for _, in := range []string{"", "Telephony", "SMS", " chat", "chat ", "phone", "fax", "video\n", "social,sms"} {
		t.Run("unknown "+in, func(t *testing.T) {
			got, err := modality.ParseKind(in)
			require.ErrorIs(t, err, modality.ErrUnknownKind, "ParseKind(%q) must refuse it", in)
			assert.Empty(t, got, "no kind on error")
			assert.Contains(t, err.Error(), fmt.Sprintf("%q", in), "the error must name the input")
			assert.Contains(t, err.Error(), "telephony, video, chat, sms, social", "the error must name the known kinds")
		})
	}
}
