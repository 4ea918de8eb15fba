package template

import (
	"errors"
	"strings"
)

// ErrUnknownTemplate is returned (wrapped) by [Catalog.Lookup] for a name
// the catalog does not hold.
var ErrUnknownTemplate = errors.New("template: unknown template")

// A FieldError is one problem with one field, named by its path in the
// template's JSON form ("staffing.serviceLevel.target", "queues[1].name")
// or, for problems with the request, under "request."
// ("request.features.modalities[1]", "request.overrides.maxAgents"). Path is empty
// for a problem with the input as a whole, such as malformed JSON.
type FieldError struct {
	Path    string
	Message string
	// Err, if not nil, is the error the problem comes from (an
	// [ErrUnknownTemplate], say): errors.Is and errors.As see it through
	// Unwrap. Message already says what it says; Error does not repeat it.
	Err error
}

// Error returns "path: message", or the message alone when Path is empty
// (a problem with the input as a whole, such as malformed JSON).
func (e *FieldError) Error() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// Unwrap returns Err.
func (e *FieldError) Unwrap() error { return e.Err }

// A ValidationError lists every problem found in a template or in a request
// resolved against it. errors.As finds each *FieldError through Unwrap.
type ValidationError struct {
	Problems []*FieldError
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("template: invalid: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap returns the problems, so that errors.As and errors.Is see each one.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}
