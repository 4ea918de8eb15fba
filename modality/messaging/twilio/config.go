package twilio

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/eventcc/eventcc/internal/configerr"
)

// Config configures a [Provider]. AccountSID and AuthToken are required;
// every other field's zero value takes the default its doc gives.
type Config struct {
	// AccountSID is the Twilio account's SID, "AC" and 32 hexadecimal
	// digits. Replies are sent as this account, and a webhook naming
	// another account (its AccountSid parameter) is refused.
	AccountSID string
	// AuthToken is the account's auth token: the password of the REST
	// API's basic authentication and the HMAC key of the webhooks'
	// X-Twilio-Signature. Required.
	AuthToken string
	// APIBase is the REST API's base URL, without a trailing path.
	// Default [DefaultAPIBase]; tests point it at a fake.
	APIBase string
	// PublicURL is the webhook's URL as configured in Twilio's console
	// (scheme, host, port if any, path; no query), for a host behind a
	// proxy or load balancer that changes the URL the request arrives
	// at. Twilio signs the URL it called, so Parse verifies the
	// signature over PublicURL followed by the request's own query. Empty:
	// the URL is rebuilt from the request: scheme from X-Forwarded-Proto
	// (else https if the request came over TLS, else http), the Host
	// header, the path and the query.
	PublicURL string
	// StatusCallback is the URL Twilio posts the status callbacks of the
	// replies to (the StatusCallback parameter of each message Send
	// creates): usually the webhook's own public URL, which Parse takes
	// them at. Empty: Send names none, and statuses come only if the
	// sending number's Messaging Service has a status callback URL set.
	StatusCallback string
	// HTTPClient sends replies. Default a client with a timeout of
	// [DefaultTimeout]. It must be safe for concurrent use.
	HTTPClient *http.Client
}

// ConfigError is the error [New] returns for a Config it refuses: the
// configuration's type, "twilio.Config", and every problem found, each
// naming its field. It is one type with contactcenter.ConfigError and
// the other packages' ConfigError: errors.As finds it under any name.
type ConfigError = configerr.Error

// ConfigProblem is one problem of a [ConfigError].
type ConfigProblem = configerr.Problem

// Defaults of [Config].
const (
	DefaultAPIBase = "https://api.twilio.com"
	DefaultTimeout = 15 * time.Second
)

// check validates cfg as given, before defaults.
func (cfg Config) check() error {
	c := configerr.New("twilio.Config")
	switch {
	case cfg.AccountSID == "":
		c.Add("AccountSID", "required")
	case !validAccountSID(cfg.AccountSID):
		c.Add("AccountSID", "%q is not an account SID (AC and 32 hexadecimal digits)", cfg.AccountSID)
	}
	if cfg.AuthToken == "" {
		c.Add("AuthToken", "required")
	}
	if cfg.APIBase != "" {
		if msg := checkURL(cfg.APIBase); msg != "" {
			c.Add("APIBase", "%q %s", cfg.APIBase, msg)
		}
	}
	if cfg.PublicURL != "" {
		if msg := checkURL(cfg.PublicURL); msg != "" {
			c.Add("PublicURL", "%q %s", cfg.PublicURL, msg)
		}
	}
	if cfg.StatusCallback != "" {
		if u, err := url.Parse(cfg.StatusCallback); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			c.Add("StatusCallback", "%q is not an absolute http or https URL", cfg.StatusCallback)
		}
	}
	return c.Err()
}

// withDefaults fills the zero fields.
func (cfg Config) withDefaults() Config {
	if cfg.APIBase == "" {
		cfg.APIBase = DefaultAPIBase
	}
	cfg.APIBase = strings.TrimSuffix(cfg.APIBase, "/")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: DefaultTimeout}
	}
	return cfg
}

func validAccountSID(s string) bool {
	if len(s) != 34 || !strings.HasPrefix(s, "AC") {
		return false
	}
	for _, r := range s[2:] {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F') {
			return false
		}
	}
	return true
}

// checkURL returns what is wrong with an absolute http(s) URL without
// query or fragment, or "".
func checkURL(s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "is not a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "is not an http or https URL"
	case u.Host == "":
		return "has no host"
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "has a query or fragment"
	case u.User != nil:
		return "has user information"
	}
	return ""
}
