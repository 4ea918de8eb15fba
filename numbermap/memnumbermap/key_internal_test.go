package memnumbermap

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/eventcc/eventcc/numbermap"
)

// slowKey is keyOf written the plain way: the form of E.164 ('+', 6 to 15
// digits, the first not 0), without Number.Valid's country codes.
func slowKey(n numbermap.Number) (uint64, bool) {
	if len(n) < 7 || len(n) > 16 || n[0] != '+' || n[1] == '0' || strings.Trim(string(n[1:]), "0123456789") != "" {
		return 0, false
	}
	v, err := strconv.ParseUint(string(n[1:]), 10, 64)
	if err != nil {
		return 0, false
	}
	digits := uint64(len(n) - 1)
	return v*pow10[15-digits]<<4 | digits, true
}

func TestKeyOf(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 164))
	alphabet := "0123456789+ /:;aZ\x00\xff"
	check := func(n numbermap.Number) {
		t.Helper()
		k, ok := keyOf(n)
		wk, wok := slowKey(n)
		if k != wk || ok != wok {
			t.Fatalf("keyOf(%q) = %d, %v; want %d, %v", n, k, ok, wk, wok)
		}
		if ok && numberOf(k) != n {
			t.Fatalf("numberOf(keyOf(%q)) = %q", n, numberOf(k))
		}
	}
	for range 200_000 {
		l := rng.IntN(18)
		b := make([]byte, l)
		for i := range b {
			if rng.IntN(10) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[i] = byte('0' + rng.IntN(10))
			}
		}
		if l > 0 && rng.IntN(4) != 0 {
			b[0] = '+'
		}
		check(numbermap.Number(b))
	}
	for _, n := range []numbermap.Number{"+123456", "+1234567", "+12345678", "+123456789012345", "+999999999999999", "+100000000000000",
		"+1202555010/", "+12025550:00", "+12025550100", "+442079460958"} {
		check(n)
	}
	// Keys order as the numbers' strings do.
	ns := []numbermap.Number{"+1202555", "+12025550", "+120255500", "+1202555000", "+12025551", "+200000", "+20000000", "+999999"}
	for i := 1; i < len(ns); i++ {
		a, _ := keyOf(ns[i-1])
		b, _ := keyOf(ns[i])
		if (a < b) != (ns[i-1] < ns[i]) {
			t.Fatalf("keys of %q and %q order as %d < %d: %v; the strings: %v", ns[i-1], ns[i], a, b, a < b, ns[i-1] < ns[i])
		}
	}
}

func BenchmarkKeyOf(b *testing.B) {
	var sink uint64
	for b.Loop() {
		k, _ := keyOf("+12025550100")
		sink += k
	}
	_ = sink
}
