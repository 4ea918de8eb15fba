package telegram

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/eventcc/eventcc/internal/configerr"
)

// Config configures a [Provider]. BotToken, SecretToken and BotName are
// required; the other fields default as their docs say.
type Config struct {
	// BotToken is the token @BotFather gave the bot,
	// "<bot id>:<secret>". It authenticates every Bot API call and is
	// never logged or put in an error.
	BotToken string
	// SecretToken is the secret_token the webhook was registered with
	// (setWebhook): 1 to 256 characters of A-Z, a-z, 0-9, _ and -.
	// Telegram sends it in the X-Telegram-Bot-Api-Secret-Token header of
	// every update.
	SecretToken string
	// BotName is the bot's username, without the "@" (5 to 32
	// characters of A-Z, a-z, 0-9 and _, ending in "bot" as Telegram
	// requires of bots). It is the service's address: every Inbound's
	// To, and the Outbound.From replies are sent as.
	BotName string
	// APIBase is the Bot API's address. Default [DefaultAPIBase]; a
	// local Bot API server or a test's fake goes here.
	APIBase string
	// HTTPClient sends the API calls. Default a client with a timeout
	// of [DefaultTimeout].
	HTTPClient *http.Client
}

// ConfigError is the error [New] returns for a Config it refuses: the
// configuration's type, "telegram.Config", and every problem found,
// each naming its field. It is one type with the other packages'
// ConfigError (internal/configerr): errors.As finds it under any name.
type ConfigError = configerr.Error

// ConfigProblem is one problem of a [ConfigError].
type ConfigProblem = configerr.Problem

// Defaults of [Config].
const (
	DefaultAPIBase = "https://api.telegram.org"
	DefaultTimeout = 30 * time.Second
)

// check validates cfg as given, before defaults. No message quotes
// BotToken or SecretToken.
func (cfg Config) check() error {
	c := configerr.New("telegram.Config")
	switch {
	case cfg.BotToken == "":
		c.Add("BotToken", "required")
	case !validBotToken(cfg.BotToken):
		c.Add("BotToken", "not a bot token (want \"<bot id>:<secret>\" as @BotFather gives it)")
	}
	switch {
	case cfg.SecretToken == "":
		c.Add("SecretToken", "required (the secret_token of setWebhook)")
	case len(cfg.SecretToken) > 256:
		c.Add("SecretToken", "%d characters, more than the 256 Telegram allows", len(cfg.SecretToken))
	case !onlyTokenChars(cfg.SecretToken):
		c.Add("SecretToken", "has characters other than A-Z, a-z, 0-9, _ and -")
	}
	switch {
	case cfg.BotName == "":
		c.Add("BotName", "required")
	case strings.HasPrefix(cfg.BotName, "@"):
		c.Add("BotName", "%q: give the username without the @", cfg.BotName)
	case !validBotName(cfg.BotName):
		c.Add("BotName", "%q is not a bot's username (5 to 32 of A-Z, a-z, 0-9 and _, ending in \"bot\")", cfg.BotName)
	}
	if cfg.APIBase != "" {
		u, err := url.Parse(cfg.APIBase)
		switch {
		case err != nil:
			c.Add("APIBase", "not a URL: %v", err)
		case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
			c.Add("APIBase", "%q is not an http(s) URL with a host", cfg.APIBase)
		case u.RawQuery != "" || u.Fragment != "":
			c.Add("APIBase", "%q has a query or fragment", cfg.APIBase)
		}
	}
	return c.Err()
}

// withDefaults fills the zero fields.
func (cfg Config) withDefaults() Config {
	if cfg.APIBase == "" {
		cfg.APIBase = DefaultAPIBase
	}
	cfg.APIBase = strings.TrimRight(cfg.APIBase, "/")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: DefaultTimeout}
	}
	return cfg
}

// validBotToken: digits, a colon, then token characters.
func validBotToken(s string) bool {
	id, secret, ok := strings.Cut(s, ":")
	if !ok || id == "" || secret == "" {
		return false
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return false
		}
	}
	return onlyTokenChars(secret)
}

func onlyTokenChars(s string) bool {
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func validBotName(s string) bool {
	return validUsername(s) && strings.HasSuffix(strings.ToLower(s), "bot")
}
