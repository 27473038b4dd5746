package sandbox

import (
	"slices"
	"strconv"
)

// This file finds the records a list query's filters match. An equality
// or list filter on the id, a relationship or an indexed attribute takes
// its candidates from the table's order or indexes; the other filters are
// checked on each candidate, and every candidate is checked against all
// filters with matches, as a scan does. Without such a filter, or when it
// would offer most of the table, the table is read in id order.

// find returns the records of t matching every condition, in id order; at
// most limit of them when limit >= 0.
func (t *table) find(conds []cond, limit int) []*Resource {
	if best, ok := t.bestCond(conds); ok {
		return t.verify(t.candidates(conds[best]), conds, limit)
	}
	return t.scan(conds, limit)
}

// bestCond returns the index of the indexable condition offering the
// fewest candidates; ok is false when there is none or when the best one
// offers more than half the table, which a scan in id order reads faster
// than the candidates can be sorted.
func (t *table) bestCond(conds []cond) (best int, ok bool) {
	fewest := -1
	for i, c := range conds {
		n, indexable := t.estimate(c)
		if indexable && (fewest < 0 || n < fewest) {
			best, fewest = i, n
		}
	}
	return best, fewest >= 0 && fewest <= t.order.len()/2
}

// indexable reports whether an index can offer the candidates of c: an
// equality or list filter on the id, a relationship, or an attribute that
// is indexed and compared as text.
func (t *table) indexable(c cond) bool {
	if c.op != "eq" || c.isRange {
		return false
	}
	switch {
	case c.field == "id", t.spec.Rel(c.field) != nil:
		return true
	}
	_, ok := t.attrs[c.field]
	return ok && textCompared(t.spec, c.field)
}

// estimate returns how many candidates an index offers for c (an upper
// bound), and whether c is indexable at all.
func (t *table) estimate(c cond) (int, bool) {
	if !t.indexable(c) {
		return 0, false
	}
	if c.field == "id" {
		return len(c.values), true // one id each, but for integers written several ways
	}
	n := 0
	for _, v := range c.values {
		for _, set := range t.condSets(c, v) {
			n += set.len()
		}
	}
	return n, true
}

// condSets returns the index sets holding the candidates of filter value
// v of an indexable condition on a relationship or an attribute.
func (t *table) condSets(c cond, v string) []idSet {
	if t.spec.Rel(c.field) != nil {
		return t.relSets(c.field, v)
	}
	if set, ok := t.attrs[c.field][foldKey(v)]; ok {
		return []idSet{set}
	}
	return nil
}

// candidates returns the ids an indexable condition offers: for the id,
// the ids compareIDs finds equal to a value; otherwise the ids the index
// holds under a value's key. The list may repeat ids.
func (t *table) candidates(c cond) []idKey {
	var out []idKey
	if c.field == "id" {
		for _, v := range c.values {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				t.order.integer(n, func(k idKey) bool { out = append(out, k); return true })
			} else if t.rows[v] != nil {
				out = append(out, newIDKey(v))
			}
		}
		return out
	}
	for _, v := range c.values {
		for _, set := range t.condSets(c, v) {
			set.each(func(id string) bool {
				out = append(out, newIDKey(id))
				return true
			})
		}
	}
	return out
}

// verify sorts the candidate ids, drops repeats and returns the records
// matching every condition, at most limit when limit >= 0.
func (t *table) verify(keys []idKey, conds []cond, limit int) []*Resource {
	slices.SortFunc(keys, idKey.compare)
	keys = slices.CompactFunc(keys, func(a, b idKey) bool { return a.id == b.id })
	var rows []*Resource
	for _, k := range keys {
		if limit >= 0 && len(rows) >= limit {
			break
		}
		if r := t.rows[k.id]; r != nil && matchesAll(t.spec, r, conds) {
			rows = append(rows, r)
		}
	}
	return rows
}

// scan reads the records of t in id order and returns those matching every
// condition, at most limit when limit >= 0.
func (t *table) scan(conds []cond, limit int) []*Resource {
	var rows []*Resource
	t.order.each(func(k idKey) bool {
		if limit >= 0 && len(rows) >= limit {
			return false
		}
		if r := t.rows[k.id]; matchesAll(t.spec, r, conds) {
			rows = append(rows, r)
		}
		return true
	})
	return rows
}

// matchesAll reports whether r satisfies every condition.
func matchesAll(sp *resourceSpec, r *Resource, conds []cond) bool {
	for _, c := range conds {
		if !matches(sp, r, c) {
			return false
		}
	}
	return true
}

// page returns the records at positions start to end-1 of t's id order.
func (t *table) page(start, end int) []*Resource {
	var rows []*Resource
	b, i := t.order.at(start)
	t.order.from(b, i, func(k idKey) bool {
		if start+len(rows) >= end {
			return false
		}
		rows = append(rows, t.rows[k.id])
		return true
	})
	return rows
}
