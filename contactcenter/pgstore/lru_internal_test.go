package pgstore

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// order returns l's keys from the most recently used to the least.
func (l *lru[K, V]) order() []K {
	var keys []K
	for e := l.sentinel.next; e != &l.sentinel; e = e.next {
		keys = append(keys, e.key)
	}
	return keys
}

func TestLRU(t *testing.T) {
	l := newLRU[string, int](3)
	l.put("a", 1)
	l.put("b", 2)
	l.put("c", 3)
	assert.Equal(t, []string{"c", "b", "a"}, l.order(), "want the most recently put first")

	v, ok := l.get("a")
	assert.True(t, ok && v == 1, "want a's value, got %d, %v", v, ok)
	assert.Equal(t, []string{"a", "c", "b"}, l.order(), "want get to make a the most recently used")

	l.put("d", 4)
	assert.Equal(t, []string{"d", "a", "c"}, l.order(), "want b, the least recently used, evicted for d")
	_, ok = l.get("b")
	assert.False(t, ok, "want b gone")

	l.put("c", 30)
	v, _ = l.get("c")
	assert.Equal(t, 30, v, "want put to replace a value")
	assert.Equal(t, 3, l.len(), "want a replacement to add no entry")

	l.remove("a")
	l.remove("nope")
	assert.Equal(t, []string{"c", "d"}, l.order(), "want remove to take out a only")
	l.put("e", 5)
	l.put("f", 6)
	assert.Equal(t, []string{"f", "e", "c"}, l.order(), "want d evicted once full again")

	l.clear()
	assert.Zero(t, l.len(), "want clear to empty it")
	assert.Empty(t, l.order(), "want clear to empty the ring")
	l.put("g", 7)
	assert.Equal(t, []string{"g"}, l.order(), "want a cleared lru usable")
}

// TestLRU_AgainstModel checks random operations against a slice kept in
// recency order.
func TestLRU_AgainstModel(t *testing.T) {
	const max = 5
	rng := rand.New(rand.NewPCG(1, 2))
	l := newLRU[string, int](max)
	var model []string // most recent first
	vals := map[string]int{}
	touch := func(k string) {
		model = slices.DeleteFunc(model, func(m string) bool { return m == k })
		model = slices.Insert(model, 0, k)
	}
	for i := range 10_000 {
		k := fmt.Sprintf("k%d", rng.IntN(12))
		switch op := rng.IntN(10); {
		case op < 5:
			v, ok := l.get(k)
			wantV, want := vals[k]
			require.Equal(t, want, ok, "op %d: get(%s) found", i, k)
			if ok {
				require.Equal(t, wantV, v, "op %d: get(%s) value", i, k)
				touch(k)
			}
		case op < 9:
			l.put(k, i)
			vals[k] = i
			touch(k)
			if len(model) > max {
				delete(vals, model[max])
				model = model[:max]
			}
		default:
			l.remove(k)
			delete(vals, k)
			model = slices.DeleteFunc(model, func(m string) bool { return m == k })
		}
		require.Equal(t, model, l.order(), "op %d: want the model's recency order", i)
		require.LessOrEqual(t, l.len(), max, "op %d: want the bound kept", i)
	}
}

func TestLRU_GetAllocatesNothing(t *testing.T) {
	l := newLRU[string, int](2)
	l.put("a", 1)
	l.put("b", 2)
	allocs := testing.AllocsPerRun(100, func() {
		l.get("a")
		l.get("b")
	})
	assert.Zero(t, allocs, "want get to allocate nothing")
}
