package contactcenter_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
)

// A service stored before Service.Err had a type held a plain string:
// it still reads, as the message of a refusal.
func TestFailure_ReadsTheStringItWasBefore(t *testing.T) {
	var s contactcenter.Service
	require.NoError(t, json.Unmarshal([]byte(`{"id":"gala","error":"quota exceeded"}`), &s))
	require.NotNil(t, s.Err)
	assert.Equal(t, "quota exceeded", s.Err.Message)

	f := contactcenter.Failure{Step: "03-agents", Action: contactcenter.SetResource, Reason: contactcenter.GaveUp, Message: "timeout"}
	b, err := json.Marshal(contactcenter.Service{ID: "gala", Err: &f})
	require.NoError(t, err)
	var back contactcenter.Service
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, &f, back.Err)
	assert.Equal(t, "step 03-agents (resource.set) gave up: timeout", f.Error())
	var target *contactcenter.Failure
	assert.True(t, errors.As(error(&f), &target))
}
