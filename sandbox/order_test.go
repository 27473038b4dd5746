package sandbox

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// weirdIDs are ids compareIDs finds equal to others (07, +7) or orders in
// unusual ways.
var weirdIDs = []string{"7", "07", "+7", "007", "-1", "0", "-0", "00", "x", "X", "abc", "10", "9",
	"9223372036854775807", "99999999999999999999", "ſ", "S", "s"}

// listOrder orders ids as lists did before the store kept an order: by
// compareIDs, ids it finds equal as text.
func listOrder(ids []string) []string {
	return slices.SortedFunc(slices.Values(ids), func(a, b string) int {
		return cmp.Or(compareIDs(a, b), strings.Compare(a, b))
	})
}

// TestIDOrderRandom inserts and deletes random ids, enough to split and
// merge blocks, and checks the order against a sorted list.
func TestIDOrderRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var o idOrder
	in := map[string]bool{}
	randomID := func() string {
		switch rng.IntN(10) {
		case 0:
			return weirdIDs[rng.IntN(len(weirdIDs))]
		case 1:
			return fmt.Sprintf("id-%d", rng.IntN(3000))
		}
		return fmt.Sprint(rng.IntN(6000))
	}
	for step := range 60000 {
		id := randomID()
		switch {
		case step > 40000 || in[id] && rng.IntN(2) == 0:
			if o.delete(newIDKey(id)) != in[id] {
				t.Fatalf("delete(%q) reported %v", id, !in[id])
			}
			delete(in, id)
		case !in[id]:
			o.insert(newIDKey(id))
			in[id] = true
		}
		if step%997 == 0 || step == 59999 {
			checkOrder(t, &o, slices.Collect(maps.Keys(in)))
		}
	}
}

// checkOrder fails unless o holds exactly ids, sorted, in well-formed
// blocks, and its positions and integer lookups agree.
func checkOrder(t *testing.T, o *idOrder, ids []string) {
	t.Helper()
	want := listOrder(ids)
	integers := map[int64][]string{}
	for _, id := range want {
		if k := newIDKey(id); k.num {
			integers[k.n] = append(integers[k.n], id)
		}
	}
	var got []string
	o.each(func(k idKey) bool { got = append(got, k.id); return true })
	if !slices.Equal(got, want) || o.len() != len(want) {
		t.Fatalf("order holds %d ids (len %d), want %d sorted:\n got %.300v\nwant %.300v", len(got), o.len(), len(want), got, want)
	}
	for _, blk := range o.blocks {
		if len(blk) == 0 || len(blk) > 2*orderBlock {
			t.Fatalf("block of %d keys", len(blk))
		}
	}
	for _, p := range []int{0, 1, len(want) / 3, len(want) - 1, len(want)} {
		if p < 0 || p > len(want) {
			continue
		}
		b, i := o.at(p)
		var first string
		o.from(b, i, func(k idKey) bool { first = k.id; return false })
		if p < len(want) && first != want[p] || p == len(want) && first != "" {
			t.Fatalf("at(%d) = %q, want position %d of %d", p, first, p, len(want))
		}
	}
	for _, n := range []int64{-1, 0, 7, 10, 4321} {
		var got []string
		o.integer(n, func(k idKey) bool { got = append(got, k.id); return true })
		if !slices.Equal(got, integers[n]) {
			t.Fatalf("integer(%d) = %v, want %v", n, got, integers[n])
		}
	}
}
