package modality

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Validate reports every problem of s as the setup of serviceID on a
// channel that serves the kinds served, joined, each naming its field: an
// empty service ID; empty or duplicate queue and entry-point names; an
// entry point of a kind not served (wrapping ErrUnsupported, and
// ErrUnknownKind for a kind that does not exist); a queue that is not
// among s.Queues; an entry point with no queue when there is neither a
// receptionist nor a queue; an invalid receptionist or one handing off to
// an unknown queue; an anonymous kind that does not exist (wrapping
// ErrUnknownKind; a kind the channel does not serve is not a problem:
// the channel ignores it); a registered-only queue that is not among
// s.Queues. Channels call it from Open and add their own checks
// (addresses they can serve).
func (s Setup) Validate(serviceID string, served []Kind) error {
	var errs []error
	bad := func(err error) { errs = append(errs, err) }
	if strings.TrimSpace(serviceID) == "" {
		bad(errors.New("service id: empty"))
	}
	queues := make(map[string]int, len(s.Queues))
	for i, q := range s.Queues {
		switch first, dup := queues[q]; {
		case strings.TrimSpace(q) == "":
			bad(fmt.Errorf("queues[%d]: empty", i))
		case dup:
			bad(fmt.Errorf("queues[%d]: %q duplicates queues[%d]", i, q, first))
		default:
			queues[q] = i
		}
	}
	names := make(map[string]int, len(s.EntryPoints))
	for i, ep := range s.EntryPoints {
		switch first, dup := names[ep.Name]; {
		case strings.TrimSpace(ep.Name) == "":
			bad(fmt.Errorf("entryPoints[%d].name: empty", i))
		case dup:
			bad(fmt.Errorf("entryPoints[%d].name: %q duplicates entryPoints[%d].name", i, ep.Name, first))
		default:
			names[ep.Name] = i
		}
		if _, err := ParseKind(string(ep.Kind)); err != nil {
			bad(fmt.Errorf("entryPoints[%d].kind: %w: %w", i, ErrUnsupported, err))
		} else if !slices.Contains(served, ep.Kind) {
			bad(fmt.Errorf("entryPoints[%d].kind: %w: %q (this channel serves %s)", i, ErrUnsupported, ep.Kind, kindList(served)))
		}
		switch _, ok := queues[ep.Queue]; {
		case ep.Queue != "" && !ok:
			bad(fmt.Errorf("entryPoints[%d].queue: %q is not one of the setup's queues", i, ep.Queue))
		case ep.Queue == "" && s.Receptionist == nil && len(s.Queues) == 0:
			bad(fmt.Errorf("entryPoints[%d].queue: empty, and the setup has neither a receptionist nor a queue", i))
		}
	}
	if r := s.Receptionist; r != nil {
		if err := r.Validate(); err != nil {
			bad(err)
		}
		for i, o := range r.Options {
			if _, ok := queues[o.Queue]; o.Queue != "" && !ok {
				bad(fmt.Errorf("receptionist.options[%d].queue: %q is not one of the setup's queues", i, o.Queue))
			}
		}
	}
	for i, k := range s.Anonymous {
		if _, err := ParseKind(string(k)); err != nil {
			bad(fmt.Errorf("anonymous[%d]: %w", i, err))
		}
	}
	if s.IdleTimeout < 0 {
		bad(fmt.Errorf("idle timeout: %v is negative", s.IdleTimeout))
	}
	for i, q := range s.RegisteredOnly {
		if _, ok := queues[q]; !ok {
			bad(fmt.Errorf("registeredOnly[%d]: %q is not one of the setup's queues", i, q))
		}
	}
	return errors.Join(errs...)
}

func kindList(kinds []Kind) string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}
