package telegram_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality/messaging/telegram"
)

func TestNew_Config(t *testing.T) {
	good := telegram.Config{BotToken: botToken, SecretToken: secret, BotName: botName}
	_, err := telegram.New(good)
	require.NoError(t, err, "a complete config")

	for _, tc := range []struct {
		name  string
		edit  func(c *telegram.Config)
		field []string
	}{
		{"zero", func(c *telegram.Config) { *c = telegram.Config{} }, []string{"BotToken", "SecretToken", "BotName"}},
		{"token without colon", func(c *telegram.Config) { c.BotToken = "123456789AAE" }, []string{"BotToken"}},
		{"token id not digits", func(c *telegram.Config) { c.BotToken = "bot1:AAE" }, []string{"BotToken"}},
		{"token with a slash", func(c *telegram.Config) { c.BotToken = "1:AA/E" }, []string{"BotToken"}},
		{"secret too long", func(c *telegram.Config) { c.SecretToken = strings.Repeat("a", 257) }, []string{"SecretToken"}},
		{"secret with a space", func(c *telegram.Config) { c.SecretToken = "two words" }, []string{"SecretToken"}},
		{"secret with a colon", func(c *telegram.Config) { c.SecretToken = "a:b" }, []string{"SecretToken"}},
		{"name with @", func(c *telegram.Config) { c.BotName = "@" + botName }, []string{"BotName"}},
		{"name not a bot's", func(c *telegram.Config) { c.BotName = "eventcc_help" }, []string{"BotName"}},
		{"name too short", func(c *telegram.Config) { c.BotName = "abot" }, []string{"BotName"}},
		{"name a phone number", func(c *telegram.Config) { c.BotName = "+12025550100" }, []string{"BotName"}},
		{"api base relative", func(c *telegram.Config) { c.APIBase = "/api" }, []string{"APIBase"}},
		{"api base ftp", func(c *telegram.Config) { c.APIBase = "ftp://api.telegram.org" }, []string{"APIBase"}},
		{"api base with query", func(c *telegram.Config) { c.APIBase = "https://api.telegram.org/?x=1" }, []string{"APIBase"}},
		{"api base not a URL", func(c *telegram.Config) { c.APIBase = "http://[::1" }, []string{"APIBase"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.edit(&c)
			p, err := telegram.New(c)
			require.Error(t, err)
			assert.Nil(t, p)
			var ce *telegram.ConfigError
			require.True(t, errors.As(err, &ce), "want a *ConfigError, got %T", err)
			assert.Equal(t, "telegram.Config", ce.Config)
			var fields []string
			for _, pr := range ce.Problems {
				fields = append(fields, pr.Field)
			}
			assert.Equal(t, tc.field, fields, "every bad field, named, in order")
			for _, s := range []string{c.BotToken, c.SecretToken} {
				if len(s) > 3 {
					assert.NotContains(t, err.Error(), s, "credentials are not echoed")
				}
			}
		})
	}
}

func TestNew_Boundaries(t *testing.T) {
	for _, s := range []string{"a", strings.Repeat("Z", 256), "A-z_0-9"} {
		_, err := telegram.New(telegram.Config{BotToken: botToken, SecretToken: s, BotName: botName})
		assert.NoError(t, err, "secret of %d characters", len(s))
	}
	for _, n := range []string{"abbot", strings.Repeat("x", 29) + "Bot", "Event_CC_BOT"} {
		_, err := telegram.New(telegram.Config{BotToken: botToken, SecretToken: secret, BotName: n})
		assert.NoError(t, err, "bot name %q", n)
	}
	_, err := telegram.New(telegram.Config{BotToken: botToken, SecretToken: secret, BotName: strings.Repeat("x", 30) + "bot"})
	assert.Error(t, err, "33 characters")
}
