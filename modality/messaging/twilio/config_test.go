package twilio_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/messaging/twilio"
)

func TestNew_Config(t *testing.T) {
	p, err := twilio.New(twilio.Config{AccountSID: accountSID, AuthToken: authToken})
	require.NoError(t, err, "the two required fields are enough")
	assert.Equal(t, "twilio", p.Name())
	assert.Equal(t, "sms", string(p.Kind()))

	for _, tc := range []struct {
		name   string
		cfg    twilio.Config
		fields []string
	}{
		{"empty", twilio.Config{}, []string{"AccountSID", "AuthToken"}},
		{"not an account SID", twilio.Config{AccountSID: "SK0123456789abcdef0123456789abcdef", AuthToken: "x"}, []string{"AccountSID"}},
		{"short SID", twilio.Config{AccountSID: "AC0123", AuthToken: "x"}, []string{"AccountSID"}},
		{"bad URLs", twilio.Config{AccountSID: accountSID, AuthToken: "x",
			APIBase: "ftp://api.twilio.com", PublicURL: "https://cc.example.com/sms?x=1"}, []string{"APIBase", "PublicURL"}},
		{"relative URLs", twilio.Config{AccountSID: accountSID, AuthToken: "x", APIBase: "/api", PublicURL: "cc.example.com"},
			[]string{"APIBase", "PublicURL"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := twilio.New(tc.cfg)
			var ce *twilio.ConfigError
			require.ErrorAs(t, err, &ce, "want a *ConfigError")
			assert.Equal(t, "twilio.Config", ce.Config)
			var fields []string
			for _, p := range ce.Problems {
				fields = append(fields, p.Field)
			}
			assert.Equal(t, tc.fields, fields, "every bad field named, in order")
		})
	}
}
