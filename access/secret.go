package access

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strconv"
)

// GrantSecrets derives the secrets of the grant grantID for purpose
// (such as "sip-phone"): for a credential the other side must be able to
// recompute rather than look up, as a SIP phone's digest password, whose
// check needs the password itself. Each is 24 characters of base32, an
// HMAC-SHA256 under one of the keys that verify now (the current one
// first; during a rotation's overlap, the older one too) of purpose, the
// grant's ID and its NotBefore: a grant issued anew gives new secrets, a
// renewed one (a term extension) keeps them. A grant revoked is
// [ErrRevoked]; one not in force now (before NotBefore, at or after
// NotAfter) is [ErrInvalid]; one gone is the store's [ErrNotFound]; an
// Authority without keys wraps errors.ErrUnsupported.
func (a *Authority) GrantSecrets(ctx context.Context, grantID, purpose string) ([]string, error) {
	ring := a.keys.Load()
	if ring == nil {
		return nil, fmt.Errorf("access: grant secrets need Config.Keys: %w", errNoTokens)
	}
	g, err := a.store.Get(ctx, grantID)
	if err != nil {
		return nil, err
	}
	now := a.now()
	switch {
	case g.Revoked:
		return nil, fmt.Errorf("%w: no secret for %q", ErrRevoked, grantID)
	case now.Before(g.NotBefore) || !now.Before(g.NotAfter):
		return nil, fmt.Errorf("%w %q: not in force now: no secret", ErrInvalid, grantID)
	}
	var out []string
	for _, k := range ring.all {
		if k.retired || !k.Until.IsZero() && !now.Before(k.Until) {
			continue
		}
		mac := hmac.New(sha256.New, k.Secret)
		mac.Write([]byte("eventcc grant secret\x00" + purpose + "\x00" + g.ID + "\x00" + strconv.FormatInt(g.NotBefore.UnixNano(), 10)))
		out = append(out, base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(mac.Sum(nil)[:15]))
	}
	return out, nil
}
