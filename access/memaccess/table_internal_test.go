package memaccess

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTableAgainstMap drives a table and a map with the same random puts
// and removes, over few keys so that probe sequences collide and wrap,
// and checks that they always agree.
func TestTableAgainstMap(t *testing.T) {
	for _, byPrincipal := range []bool{false, true} {
		t.Run(fmt.Sprint("byPrincipal=", byPrincipal), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			tb := newTable(byPrincipal)
			want := map[string]*record{}
			for step := range 200_000 {
				key := fmt.Sprintf("k%d", rng.IntN(300))
				if rng.IntN(3) == 0 {
					tb.remove(key)
					delete(want, key)
				} else {
					r := &record{id: key, principal: key, revision: int64(step)}
					tb.put(r)
					want[key] = r
				}
				if step%1000 == 0 || step > 199_000 {
					require.Equal(t, len(want), tb.n, "step %d: the table must hold as many records as the map", step)
					for k, r := range want {
						require.Same(t, r, tb.get(k), "step %d: get(%q) must return the record last put", step, k)
					}
					for i := range 10 {
						k := fmt.Sprintf("absent%d", i)
						assert.Nil(t, tb.get(k), "get of a key never put must return nil")
					}
				}
			}
		})
	}
}

func TestTableEmpty(t *testing.T) {
	tb := newTable(false)
	assert.Nil(t, tb.get("x"), "get on an empty table")
	tb.remove("x") // must not panic
	assert.Zero(t, tb.n, "remove on an empty table changes nothing")
}
