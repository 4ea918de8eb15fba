// Package configerr is the one error type the constructors of eventcc
// return for a configuration they refuse: contactcenter.New,
// access.New, sipchannel.New, webhook.NewHandler and
// webhook.NewEventSystem. Each of those packages re-exports it as a type
// alias, ConfigError (and ConfigProblem for [Problem]), so that a host
// finds it with errors.As under any package's name:
//
//	var ce *contactcenter.ConfigError // the same type as *access.ConfigError
//	if errors.As(err, &ce) {
//		for _, p := range ce.Problems { ... p.Field, p.Message ... }
//	}
//
// A constructor validates the Config as given, before it applies any
// default, collects every problem with a [Check], and returns [Check.Err].
package configerr

import (
	"fmt"
	"strings"
)

// Error reports every problem of one configuration value. Constructors
// return it as a *Error; it is never empty.
type Error struct {
	// Config is the configuration's type, qualified by its package:
	// "contactcenter.Config", "webhook.HandlerConfig".
	Config string
	// Problems are every problem found, in the order of the fields
	// they concern.
	Problems []Problem
}

// Problem is one thing wrong with one field of a configuration.
type Problem struct {
	// Field is the field's path in the Go value, from the configuration:
	// "Store", "Channels[1]", "Keys[0].Until", "Retry.Initial".
	Field string
	// Message says what is wrong: "required", "-1s is negative".
	Message string
}

// String returns "Field: Message".
func (p Problem) String() string { return p.Field + ": " + p.Message }

// Error returns the configuration's type and every problem, on one line:
//
//	contactcenter.Config: Store: required; Channels: at least one channel is required
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Config)
	for i, p := range e.Problems {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Check collects the problems of one configuration value. The zero value
// is not usable; make one with [New].
type Check struct {
	config   string
	problems []Problem
}

// New returns a Check for a value of the configuration type config
// ("contactcenter.Config").
func New(config string) *Check { return &Check{config: config} }

// Add records a problem of field, its message formatted with
// fmt.Sprintf(format, args...). Add problems in the order of the fields
// they concern.
func (c *Check) Add(field, format string, args ...any) {
	c.problems = append(c.problems, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil if no problem was added, and otherwise an *[Error]
// holding a copy of every problem, in the order they were added.
func (c *Check) Err() error {
	if len(c.problems) == 0 {
		return nil
	}
	return &Error{Config: c.config, Problems: append([]Problem(nil), c.problems...)}
}
