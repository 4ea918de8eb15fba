package configerr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/internal/configerr"
)

func TestCheck_NoProblemIsNil(t *testing.T) {
	c := configerr.New("x.Config")
	// NoError compares the interface with nil: a nil *Error in it would fail.
	assert.NoError(t, c.Err(), "no problem added: want a nil error")
}

func TestCheck_Err(t *testing.T) {
	c := configerr.New("contactcenter.Config")
	c.Add("Store", "required")
	c.Add("Channels[1]", "kind %q is already served by Channels[%d]", "voice", 0)
	err := c.Err()
	require.Error(t, err)

	var ce *configerr.Error
	require.True(t, errors.As(fmt.Errorf("wrapped: %w", err), &ce), "want an *Error, found by errors.As through wrapping")
	assert.Equal(t, "contactcenter.Config", ce.Config)
	assert.Equal(t, []configerr.Problem{
		{Field: "Store", Message: "required"},
		{Field: "Channels[1]", Message: `kind "voice" is already served by Channels[0]`},
	}, ce.Problems, "want every problem, in the order added")

	c.Add("TickInterval", "-1s is negative")
	assert.Len(t, ce.Problems, 2, "an Error must not change when the Check gets more problems")
}

func TestError_Error(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  *configerr.Error
		want string
	}{
		{"one", &configerr.Error{Config: "access.Config", Problems: []configerr.Problem{{"Store", "required"}}},
			"access.Config: Store: required"},
		{"several", &configerr.Error{Config: "contactcenter.Config", Problems: []configerr.Problem{
			{"Store", "required"}, {"Channels", "at least one channel is required"}, {"Retry.Initial", "-1s is negative"},
		}}, "contactcenter.Config: Store: required; Channels: at least one channel is required; Retry.Initial: -1s is negative"},
		{"none", &configerr.Error{Config: "webhook.HandlerConfig"}, "webhook.HandlerConfig"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.err.Error(), "want the type, then every problem on one line")
		})
	}
}

func TestProblem_String(t *testing.T) {
	assert.Equal(t, "Keys[0].Until: set", configerr.Problem{Field: "Keys[0].Until", Message: "set"}.String())
}
