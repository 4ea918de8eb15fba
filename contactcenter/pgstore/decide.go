package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/eventcc/eventcc/access"
)

var _ access.Decider = (*Grants)(nil)

// decideSQL selects the documents of a principal's grants on one service
// (through index access_grants_principal), in no particular order:
// [access.Decision.Consider] does not depend on it.
const decideSQL = `SELECT doc FROM access_grants WHERE principal = $1 AND service_id = $2`

// candidateDoc is the part of a grant's document a decision reads; decoding
// into it skips the other fields.
type candidateDoc struct {
	ID         string
	Privileges []access.Privilege
	NotBefore  time.Time
	NotAfter   time.Time
	Revoked    bool
	RevokedAt  time.Time
}

// Decide implements [access.Decider], so [access.Authorize] need not list
// a principal's grants on every service: one query reads only the grants
// of principal on serviceID, and each is decoded only as far as the
// [access.Candidate] it gives. It reads the database, so a change that has
// returned is seen. An empty principal or serviceID has no grants and
// asks nothing. It returns ctx.Err() if ctx is done and the database's
// error, wrapped, if the query fails: the caller then denies. Safe for
// concurrent use.
//
// The instants and privileges are read from each grant's document, not
// compared in SQL: the document keeps nanoseconds, which timestamptz does
// not, and strings PostgreSQL's JSON functions refuse ("\u0000").
func (st *Grants) Decide(ctx context.Context, now time.Time, principal, serviceID string, p access.Privilege) (access.Decision, error) {
	if err := ctx.Err(); err != nil {
		return access.Decision{}, err
	}
	var d access.Decision
	if principal == "" || serviceID == "" { // Validate refuses such grants
		return d, nil
	}
	rows, err := st.db.pool.Query(ctx, decideSQL, principal, serviceID)
	if err != nil {
		return access.Decision{}, fmt.Errorf("pgstore: decide for principal %q on %q: %w", principal, serviceID, ctxErr(ctx, err))
	}
	defer rows.Close()
	for rows.Next() {
		var doc []byte
		var g candidateDoc
		if err := rows.Scan(&doc); err != nil {
			return access.Decision{}, fmt.Errorf("pgstore: decide for principal %q on %q: %w", principal, serviceID, err)
		}
		if err := json.Unmarshal(doc, &g); err != nil {
			return access.Decision{}, fmt.Errorf("pgstore: decide for principal %q on %q: decode grant: %w", principal, serviceID, err)
		}
		c := access.Candidate{GrantID: g.ID, Revoked: g.Revoked, RevokedAt: g.RevokedAt,
			NotBefore: g.NotBefore, NotAfter: g.NotAfter, HasPrivilege: access.HasPrivilege(g.Privileges, p)}
		if d.Consider(now, &c) {
			break
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return access.Decision{}, fmt.Errorf("pgstore: decide for principal %q on %q: %w", principal, serviceID, ctxErr(ctx, err))
	}
	return d, nil
}
