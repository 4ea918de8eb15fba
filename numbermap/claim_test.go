package numbermap_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/eventcc/eventcc/numbermap"
)

func TestClaimRequest_Validate(t *testing.T) {
	good := numbermap.ClaimRequest{
		Lease: numbermap.Lease{ServiceID: "svc", Start: start, Expires: expires,
			Policy: numbermap.Policy{Kind: numbermap.Vacant, For: 24 * time.Hour}},
		Count: 2, At: start,
	}
	assert.NoError(t, good.Validate(), "want a complete request valid")
	cases := map[string]struct {
		mutate func(*numbermap.ClaimRequest)
		names  string
	}{
		"no count":         {func(r *numbermap.ClaimRequest) { r.Count = 0 }, "at least 1"},
		"no service":       {func(r *numbermap.ClaimRequest) { r.Lease.ServiceID = "" }, "Lease.ServiceID"},
		"starts too early": {func(r *numbermap.ClaimRequest) { r.At = start.Add(time.Second) }, "Lease.Start"},
		"empty lease":      {func(r *numbermap.ClaimRequest) { r.Lease.Expires = start }, "Lease.Expires"},
		"bad policy":       {func(r *numbermap.ClaimRequest) { r.Lease.Policy.Kind = "teleport" }, "teleport"},
		"no such country":  {func(r *numbermap.ClaimRequest) { r.Country = "XX" }, `"XX"`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			req := good
			c.mutate(&req)
			err := req.Validate()
			assert.ErrorIs(t, err, numbermap.ErrInvalid, "want ErrInvalid")
			assert.ErrorContains(t, err, c.names, "want the error to name what is wrong")
		})
	}
}
