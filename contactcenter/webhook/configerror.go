package webhook

import "github.com/eventcc/eventcc/internal/configerr"

// ConfigError is the error [NewHandler] and [NewEventSystem] return for a
// configuration they refuse: the configuration's type,
// "webhook.HandlerConfig" or "webhook.EventSystemConfig", and every
// problem found, each naming its field. It is one type with
// [contactcenter.ConfigError], access.ConfigError and
// sipchannel.ConfigError: errors.As finds it under any of those names.
type ConfigError = configerr.Error

// ConfigProblem is one problem of a [ConfigError]: the field's path in the
// Go value of the configuration ("Secrets[1]", "URL") and what is wrong
// with it.
type ConfigProblem = configerr.Problem
