package memaccess

import "hash/maphash"

// table is an open-addressing hash table of records keyed by one of their
// string fields (the ID, or the principal), with linear probing and
// backward-shift deletion. It holds one pointer per slot and no keys of
// its own: at a million grants it takes about 17 bytes an entry where a
// map[string]*record takes 56. It is not safe for concurrent use; the
// Store's mutex guards it.
type table struct {
	seed      maphash.Seed
	principal bool      // key records by principal, not by ID
	slots     []*record // len is zero or a power of two
	n         int       // records held
}

func newTable(byPrincipal bool) table {
	return table{seed: maphash.MakeSeed(), principal: byPrincipal}
}

func (t *table) key(r *record) string {
	if t.principal {
		return r.principal
	}
	return r.id
}

func (t *table) home(key string) int {
	return int(maphash.String(t.seed, key) & uint64(len(t.slots)-1))
}

// find returns the slot holding key's record, or -1.
func (t *table) find(key string) int {
	if t.n == 0 {
		return -1
	}
	mask := len(t.slots) - 1
	for i := t.home(key); ; i = (i + 1) & mask {
		r := t.slots[i]
		if r == nil {
			return -1
		}
		if t.key(r) == key {
			return i
		}
	}
}

// get returns key's record, or nil.
func (t *table) get(key string) *record {
	if i := t.find(key); i >= 0 {
		return t.slots[i]
	}
	return nil
}

// put stores r under its key, replacing any record with the same key.
func (t *table) put(r *record) {
	if (t.n+1)*4 > len(t.slots)*3 { // keep the load at most 3/4
		t.grow()
	}
	key, mask := t.key(r), len(t.slots)-1
	for i := t.home(key); ; i = (i + 1) & mask {
		switch q := t.slots[i]; {
		case q == nil:
			t.slots[i] = r
			t.n++
			return
		case t.key(q) == key:
			t.slots[i] = r
			return
		}
	}
}

// remove deletes key's record, if any, shifting the records after it back
// so that no probe sequence is broken.
func (t *table) remove(key string) {
	i := t.find(key)
	if i < 0 {
		return
	}
	mask := len(t.slots) - 1
	for j := (i + 1) & mask; t.slots[j] != nil; j = (j + 1) & mask {
		h := t.home(t.key(t.slots[j]))
		// The record at j may move to i unless its home lies cyclically
		// in (i, j].
		if i <= j && i < h && h <= j || i > j && (i < h || h <= j) {
			continue
		}
		t.slots[i] = t.slots[j]
		i = j
	}
	t.slots[i] = nil
	t.n--
}

func (t *table) grow() {
	old := t.slots
	size := 8
	if len(old) > 0 {
		size = len(old) * 2
	}
	t.slots, t.n = make([]*record, size), 0
	for _, r := range old {
		if r != nil {
			t.put(r)
		}
	}
}
