package modality

import (
	"fmt"
	"strings"
)

// kinds is the canonical order of the known kinds; Kinds hands out copies.
var kinds = [...]Kind{Telephony, Video, Chat, SMS, Social}

// Kinds returns every known kind in a fixed order: telephony, video, chat,
// sms, social. The slice is new on each call; the caller may keep and
// modify it.
func Kinds() []Kind {
	out := make([]Kind, len(kinds))
	copy(out, kinds[:])
	return out
}

// ParseKind returns the kind named s. Only the exact lower-case words of
// the constants are accepted ("telephony", not "Telephony" or " sms").
// Any other input is an error wrapping [ErrUnknownKind] that names the
// input and the known kinds.
func ParseKind(s string) (Kind, error) {
	for _, k := range kinds {
		if string(k) == s {
			return k, nil
		}
	}
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return "", fmt.Errorf("%w %q (known kinds: %s)", ErrUnknownKind, s, strings.Join(names, ", "))
}
