package memaccess

import (
	"context"
	"fmt"
	"time"

	"github.com/eventcc/eventcc/access"
)

// CreateCredential stores a copy of c. It returns ErrInvalid if c fails
// [access.ValidateCredential], ErrExists if c.ID is taken, and ctx.Err()
// if ctx is done, changing nothing in each case.
func (s *Store) CreateCredential(ctx context.Context, c access.Credential) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := access.ValidateCredential(c); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.creds[c.ID]; ok {
		return fmt.Errorf("%w: credential %q", access.ErrExists, c.ID)
	}
	stored := &c
	s.creds[c.ID] = stored
	for i, key := range [3]string{c.GrantID, c.ServiceID, c.Principal} {
		s.credsBy[i][key] = append(s.credsBy[i][key], stored)
	}
	return nil
}

// GetCredential returns a copy of the credential with that ID, ErrNotFound
// if there is none, or ctx.Err() if ctx is done.
func (s *Store) GetCredential(ctx context.Context, id string) (access.Credential, error) {
	if err := ctx.Err(); err != nil {
		return access.Credential{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.creds[id]
	if !ok {
		return access.Credential{}, fmt.Errorf("%w: credential %q", access.ErrNotFound, id)
	}
	return *c, nil
}

// RevokeCredential marks the credential id revoked at at; a revoked one is
// left as it is. It returns ErrNotFound if there is no such credential and
// ctx.Err() if ctx is done.
func (s *Store) RevokeCredential(ctx context.Context, id string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.creds[id]
	if !ok {
		return fmt.Errorf("%w: credential %q", access.ErrNotFound, id)
	}
	if !c.Revoked {
		c.Revoked, c.RevokedAt = true, at
	}
	return nil
}

// RevokeCredentials marks every unrevoked credential m selects revoked at
// at and returns how many. It returns ErrInvalid for an empty m and
// ctx.Err() if ctx is done.
func (s *Store) RevokeCredentials(ctx context.Context, m access.CredentialMatch, at time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var list func() []*access.Credential
	switch {
	case m.GrantID != "":
		list = func() []*access.Credential { return s.credsBy[byGrant][m.GrantID] }
	case m.ServiceID != "":
		list = func() []*access.Credential { return s.credsBy[byService][m.ServiceID] }
	case m.Principal != "":
		list = func() []*access.Credential { return s.credsBy[byPrincipal][m.Principal] }
	default:
		return 0, fmt.Errorf("%w: empty credential match", access.ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range list() {
		if c.Revoked || m.GrantID != "" && c.GrantID != m.GrantID || m.ServiceID != "" && c.ServiceID != m.ServiceID ||
			m.Principal != "" && c.Principal != m.Principal {
			continue
		}
		c.Revoked, c.RevokedAt = true, at
		n++
	}
	return n, nil
}
