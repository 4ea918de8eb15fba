package meta

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/eventcc/eventcc/internal/configerr"
)

// Defaults of [WhatsAppConfig] and [MessengerConfig].
const (
	// DefaultGraphBase is the Graph API version the adapters are written
	// against.
	DefaultGraphBase = "https://graph.facebook.com/v21.0"
	// DefaultTimeout bounds one Send when HTTPClient is nil.
	DefaultTimeout = 15 * time.Second
	// DefaultRetryAfter is how long a rate-limited Send says to wait
	// ([messaging.RetryError.After]) when the Graph API's answer has no
	// Retry-After header, which it mostly does not: Meta documents its
	// rate limits as rolling windows of seconds to an hour and asks
	// callers to back off, without a time.
	DefaultRetryAfter = time.Minute
)

// ConfigError is the error [NewWhatsApp] and [NewMessenger] return for a
// Config they refuse: the configuration's type ("meta.WhatsAppConfig",
// "meta.MessengerConfig") and every problem found, each naming its
// field. It is one type with contactcenter.ConfigError and the other
// packages' ConfigError: errors.As finds it under any of those names.
type ConfigError = configerr.Error

// ConfigProblem is one problem of a [ConfigError].
type ConfigProblem = configerr.Problem

// WhatsAppConfig configures a [WhatsApp] provider.
type WhatsAppConfig struct {
	// AppSecret is the Meta app's secret (App Dashboard, Settings,
	// Basic): the HMAC-SHA256 key of every webhook's
	// X-Hub-Signature-256. Required.
	AppSecret string
	// VerifyToken is the token set beside the callback URL in the App
	// Dashboard, which Meta sends back as hub.verify_token when it
	// verifies the endpoint. Required.
	VerifyToken string
	// AccessToken is the Graph API bearer token replies are sent with:
	// a system user's token with the whatsapp_business_messaging
	// permission. Required.
	AccessToken string
	// GraphBase is the Graph API's base URL, with its version. Default
	// [DefaultGraphBase].
	GraphBase string
	// HTTPClient sends replies. Default: a client with a timeout of
	// [DefaultTimeout].
	HTTPClient *http.Client
	// PhoneNumberID is the Graph API ID of the business's WhatsApp
	// number (the App Dashboard's WhatsApp API Setup), not the number
	// itself. Replies without an Outbound.From are sent from it, and a
	// webhook without metadata names it as Inbound.To. Required.
	PhoneNumberID string
}

// MessengerConfig configures a [Messenger] provider.
type MessengerConfig struct {
	// AppSecret is the Meta app's secret (App Dashboard, Settings,
	// Basic): the HMAC-SHA256 key of every webhook's
	// X-Hub-Signature-256. Required.
	AppSecret string
	// VerifyToken is the token set beside the callback URL in the App
	// Dashboard, which Meta sends back as hub.verify_token when it
	// verifies the endpoint. Required.
	VerifyToken string
	// AccessToken is the Graph API bearer token replies are sent with:
	// a Page access token with the pages_messaging permission. Required.
	AccessToken string
	// GraphBase is the Graph API's base URL, with its version. Default
	// [DefaultGraphBase].
	GraphBase string
	// HTTPClient sends replies. Default: a client with a timeout of
	// [DefaultTimeout].
	HTTPClient *http.Client
	// PageID is the Facebook Page's ID. Replies without an
	// Outbound.From are sent as it, and a message event without a
	// recipient names it as Inbound.To. Required.
	PageID string
}

// app is what both configurations share: the Meta app the webhooks come
// from and the Graph API replies go through.
type app struct {
	AppSecret   string
	VerifyToken string
	AccessToken string
	GraphBase   string
	HTTPClient  *http.Client
}

// check adds app's problems to c.
func (a app) check(c *configerr.Check) {
	if a.AppSecret == "" {
		c.Add("AppSecret", "required: webhooks cannot be verified without it")
	}
	if a.VerifyToken == "" {
		c.Add("VerifyToken", "required: an empty token would answer anyone's challenge")
	}
	if a.AccessToken == "" {
		c.Add("AccessToken", "required: replies cannot be sent without it")
	}
	if a.GraphBase != "" {
		u, err := url.Parse(a.GraphBase)
		switch {
		case err != nil:
			c.Add("GraphBase", "%q is not a URL: %v", a.GraphBase, err)
		case u.Scheme != "https" && u.Scheme != "http" || u.Host == "":
			c.Add("GraphBase", "%q is not an absolute http(s) URL", a.GraphBase)
		case u.RawQuery != "" || u.Fragment != "":
			c.Add("GraphBase", "%q has a query or fragment", a.GraphBase)
		}
	}
}

func checkID(c *configerr.Check, field, id string) {
	switch {
	case id == "":
		c.Add(field, "required")
	case strings.ContainsAny(id, "/?#") || strings.TrimSpace(id) != id:
		c.Add(field, "%q is not a Graph API ID", id)
	}
}

func (cfg WhatsAppConfig) check() error {
	c := configerr.New("meta.WhatsAppConfig")
	cfg.app().check(c)
	checkID(c, "PhoneNumberID", cfg.PhoneNumberID)
	return c.Err()
}

func (cfg MessengerConfig) check() error {
	c := configerr.New("meta.MessengerConfig")
	cfg.app().check(c)
	checkID(c, "PageID", cfg.PageID)
	return c.Err()
}

// withDefaults fills a's zero fields.
func (a app) withDefaults() app {
	if a.GraphBase == "" {
		a.GraphBase = DefaultGraphBase
	}
	a.GraphBase = strings.TrimRight(a.GraphBase, "/")
	if a.HTTPClient == nil {
		a.HTTPClient = &http.Client{Timeout: DefaultTimeout}
	}
	return a
}

func (cfg WhatsAppConfig) app() app {
	return app{cfg.AppSecret, cfg.VerifyToken, cfg.AccessToken, cfg.GraphBase, cfg.HTTPClient}
}

func (cfg MessengerConfig) app() app {
	return app{cfg.AppSecret, cfg.VerifyToken, cfg.AccessToken, cfg.GraphBase, cfg.HTTPClient}
}
