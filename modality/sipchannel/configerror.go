package sipchannel

import "github.com/eventcc/eventcc/internal/configerr"

// ConfigError is the error [New] returns for a Config it refuses: the
// configuration's type, "sipchannel.Config", and every problem found,
// each naming its field. It is one type with contactcenter.ConfigError,
// access.ConfigError and webhook.ConfigError: errors.As finds it under
// any of those names.
type ConfigError = configerr.Error

// ConfigProblem is one problem of a [ConfigError]: the field's path in the
// Go value of the Config ("Listen[1]", "BusyStatus") and what is wrong
// with it.
type ConfigProblem = configerr.Problem
