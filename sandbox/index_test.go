package sandbox

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// These tests prove that the store's id order and indexes (order.go,
// index.go, query.go) do not change answers: random changes are applied
// both to a store and to a plain model that uses the algorithms the store
// had before it kept an order and indexes (every record read and sorted by
// compareIDs, unlink over every record, a deep copy to undo a batch), and
// every query is answered both ways.

// fixedNow is the clock of stores the tests fill directly.
var fixedNow = time.Date(2024, 3, 11, 17, 41, 17, 0, time.UTC)

// textValues are attribute values that differ only in case, by Unicode
// case folding (K and the Kelvin sign, s and the long s), by invalid
// bytes, or that look like numbers or lists.
var textValues = []any{"Acme", "ACME", "acme", "Straße", "STRASSE", "ſtar", "Star", "star", "K1", "k1",
	"\u212a1", "Σσς", "ΣΣΣ", "σσσ", "", "a,b", "7", "07", "x\xffy", "x\xfey", "<nil>", json.Number("7"), true, nil}

// TestFoldKey checks that foldKey agrees exactly with strings.EqualFold.
func TestFoldKey(t *testing.T) {
	runes := []rune{'a', 'A', 'k', 'K', '\u212a', 's', 'S', 'ſ', 'ß', 'ẞ', 'Σ', 'σ', 'ς', 'İ', 'ı', 'i', 'I', 'µ', 'Μ', 'μ', '1', '-'}
	rng := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		var b strings.Builder
		for range rng.IntN(4) {
			if rng.IntN(10) == 0 {
				b.WriteByte(0xff) // invalid UTF-8
				continue
			}
			b.WriteRune(runes[rng.IntN(len(runes))])
		}
		return b.String()
	}
	for range 200000 {
		a, b := word(), word()
		if strings.EqualFold(a, b) != (foldKey(a) == foldKey(b)) {
			t.Fatalf("EqualFold(%q, %q) = %v, fold keys %q, %q", a, b, strings.EqualFold(a, b), foldKey(a), foldKey(b))
		}
	}
}

// TestRefKey checks that refKey agrees exactly with compareIDs.
func TestRefKey(t *testing.T) {
	for _, a := range weirdIDs {
		for _, b := range weirdIDs {
			if (compareIDs(a, b) == 0) != (refKey(a) == refKey(b)) {
				t.Errorf("compareIDs(%q, %q) = %d, ref keys %q, %q", a, b, compareIDs(a, b), refKey(a), refKey(b))
			}
		}
	}
}

// model is a plain copy of a store's records, changed by the algorithms
// the store used before it kept an order and indexes.
type model struct {
	rows map[string]map[string]*Resource
	snap map[string]map[string]*Resource // deep copy taken by begin
}

func newModel(st *store) *model {
	m := &model{rows: map[string]map[string]*Resource{}}
	for typ, tb := range st.tables {
		m.rows[typ] = map[string]*Resource{}
		for id, r := range tb.rows {
			m.rows[typ][id] = r.clone()
		}
	}
	return m
}

// all returns the records of typ sorted by id, as store.all did.
func (m *model) all(typ string) []*Resource {
	var out []*Resource
	for _, id := range listOrder(slices.Collect(maps.Keys(m.rows[typ]))) {
		out = append(out, m.rows[typ][id])
	}
	return out
}

func (m *model) put(r *Resource) { m.rows[r.Type][r.ID] = r.clone() }

func (m *model) drop(r *Resource) { delete(m.rows[r.Type], r.ID) }

// remove deletes r with its cascades and unlinks it from every record.
func (m *model) remove(r *Resource) {
	switch r.Type {
	case "products":
		m.deleteProductParts(r)
	case "productunitprecisions":
		m.deleteUnitPrecisionParts(r)
	}
	delete(m.rows[r.Type], r.ID)
	gone := r.ref()
	for _, rows := range m.rows {
		for _, row := range rows {
			for name, refs := range row.Relationships {
				row.Relationships[name] = slices.DeleteFunc(refs, func(r Ref) bool { return r == gone })
			}
		}
	}
}

func (m *model) deleteProductParts(p *Resource) {
	var parts []*Resource
	for _, name := range []string{"names", "shortDescriptions", "unitPrecisions"} {
		for _, ref := range p.Relationships[name] {
			if r := m.rows[ref.Type][ref.ID]; r != nil {
				parts = append(parts, r)
			}
		}
	}
	for _, typ := range []string{"inventorylevels", "productprices"} {
		for _, r := range m.all(typ) {
			if r.one("product") == p.ID {
				parts = append(parts, r)
			}
		}
	}
	for _, r := range parts {
		m.drop(r)
	}
}

func (m *model) deleteUnitPrecisionParts(upr *Resource) {
	var parts []*Resource
	for _, l := range m.all("inventorylevels") {
		if l.one("productUnitPrecision") == upr.ID {
			parts = append(parts, l)
		}
	}
	for _, p := range m.all("products") {
		if !slices.Contains(p.Relationships["unitPrecisions"], upr.ref()) {
			continue
		}
		for _, price := range m.all("productprices") {
			if price.one("product") == p.ID && price.one("unit") == upr.one("unit") {
				parts = append(parts, price)
			}
		}
	}
	for _, r := range parts {
		m.drop(r)
	}
}

func (m *model) begin() {
	m.snap = map[string]map[string]*Resource{}
	for typ, rows := range m.rows {
		m.snap[typ] = map[string]*Resource{}
		for id, r := range rows {
			m.snap[typ][id] = r.clone()
		}
	}
}

func (m *model) restore() { m.rows, m.snap = m.snap, nil }

// find answers conds as selectRecords did: every record in id order,
// filtered.
func (m *model) find(sp *resourceSpec, conds []cond) []*Resource {
	var out []*Resource
	for _, r := range m.all(sp.Type) {
		if matchesAll(sp, r, conds) {
			out = append(out, r)
		}
	}
	return out
}

// storeTypes are the types the store test changes, with hooks and
// self-references among them.
var storeTypes = []string{"customers", "customerusers", "products", "productnames", "productunitprecisions",
	"inventorylevels", "productprices", "productunits"}

// gen makes random records and queries.
type gen struct {
	rng *rand.Rand
	st  *store
}

// id returns an id for a new record of typ: mostly the next auto id,
// sometimes an unusual one.
func (g *gen) id(typ string) string {
	if g.rng.IntN(6) == 0 {
		return weirdIDs[g.rng.IntN(len(weirdIDs))]
	}
	return g.st.nextID(typ)
}

// target returns the id of a record of typ, mostly an existing one.
func (g *gen) target(typ string) string {
	o := &g.st.tables[typ].order
	if o.len() == 0 || g.rng.IntN(5) == 0 {
		return weirdIDs[g.rng.IntN(len(weirdIDs))]
	}
	b, i := o.at(g.rng.IntN(o.len()))
	return o.blocks[b][i].id
}

func (g *gen) text() any { return textValues[g.rng.IntN(len(textValues))] }

// record returns a random record of typ with id.
func (g *gen) record(typ, id string) *Resource {
	r := &Resource{Type: typ, ID: id, Attributes: map[string]any{}, Relationships: map[string][]Ref{}}
	sp := g.st.spec(typ)
	for _, as := range sp.Attrs {
		if g.rng.IntN(4) > 0 {
			r.Attributes[as.Name] = g.text()
		}
	}
	if g.rng.IntN(3) == 0 {
		r.Attributes["createdAt"] = fmt.Sprintf("2024-03-%02dT00:00:00Z", 1+g.rng.IntN(3))
	}
	for _, rs := range sp.Rels {
		n := g.rng.IntN(3)
		if !rs.ToMany {
			n = min(n, 1)
		}
		if n == 0 && g.rng.IntN(2) == 0 {
			continue
		}
		refs := []Ref{}
		for range n {
			typ := rs.Target
			if g.rng.IntN(10) == 0 {
				// The API never stores a ref of another type than the
				// relationship's target, but the indexes do not rely on it.
				typ = storeTypes[g.rng.IntN(len(storeTypes))]
			}
			refs = append(refs, Ref{Type: typ, ID: g.target(typ)})
		}
		r.Relationships[rs.Name] = refs
	}
	return r
}

// conds returns random filter conditions on sp's filters.
func (g *gen) conds(sp *resourceSpec) []cond {
	var out []cond
	for range 1 + g.rng.IntN(2) {
		f := sp.Filters[g.rng.IntN(len(sp.Filters))].Field
		c := cond{field: f, op: "eq"}
		for range 1 + g.rng.IntN(3) {
			c.values = append(c.values, g.value(sp, f))
		}
		switch g.rng.IntN(8) {
		case 0:
			c.op = "neq"
		case 1:
			c.op, c.exists = "exists", g.rng.IntN(2) == 0
		case 2:
			c.op, c.values = []string{"gt", "lt", "gte", "lte"}[g.rng.IntN(4)], c.values[:1]
		case 3:
			c.isRange, c.values = true, []string{g.value(sp, f), g.value(sp, f)}
		}
		out = append(out, c)
	}
	return out
}

// value returns a filter value for field: an id, a related id or an
// attribute value, stored or not.
func (g *gen) value(sp *resourceSpec, field string) string {
	switch {
	case field == "id":
		return g.target(sp.Type)
	case sp.Rel(field) != nil:
		return g.target(sp.Rel(field).Target)
	}
	if as := sp.Attr(field); as != nil && !textCompared(sp, field) {
		return fmt.Sprintf("2024-03-%02dT00:00:00Z", 1+g.rng.IntN(3))
	}
	return toText(g.text())
}

// TestStoreMatchesModel applies random puts, removes (with cascades and
// unlink), drops and undone batches to a store and to the model, and after
// each checks the records, the order and indexes, and random queries.
func TestStoreMatchesModel(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 99))
			st := newStore()
			seedReferenceData(st, fixedNow)
			g := &gen{rng: rng, st: st}
			m := newModel(st)
			for step := range 1000 {
				undone := g.change(m)
				if undone || step%3 == 0 {
					sameRecords(t, st, m)
				}
				if step%10 == 0 {
					checkIndexes(t, st)
				}
				g.query(t, m)
			}
			sameRecords(t, st, m)
			checkIndexes(t, st)
		})
	}
}

// change applies one random change to the store and the model; it
// reports whether it undid a batch.
func (g *gen) change(m *model) bool {
	typ := storeTypes[g.rng.IntN(len(storeTypes))]
	rows := g.st.all(typ)
	switch k := g.rng.IntN(20); {
	case k < 9 || len(rows) == 0:
		r := g.record(typ, g.id(typ))
		g.st.put(r)
		m.put(r)
	case k < 13:
		r := g.record(typ, rows[g.rng.IntN(len(rows))].ID)
		g.st.put(r)
		m.put(r)
	case k < 16:
		r := rows[g.rng.IntN(len(rows))]
		m.remove(m.rows[typ][r.ID])
		g.st.remove(r)
	case k < 17:
		r := rows[g.rng.IntN(len(rows))]
		g.st.drop(r)
		m.drop(r)
	case k < 18 && !g.st.recording:
		g.st.beginUndo()
		m.begin()
	case k < 19 && g.st.recording:
		g.st.undoChanges()
		m.restore()
		return true
	case g.st.recording:
		g.st.endUndo()
		m.snap = nil
	}
	return false
}

// query checks random queries of the store against the model.
func (g *gen) query(t *testing.T, m *model) {
	t.Helper()
	typ := storeTypes[g.rng.IntN(len(storeTypes))]
	tb := g.st.tables[typ]
	sp := tb.spec
	conds := g.conds(sp)
	want := m.find(sp, conds)
	if got := tb.find(conds, -1); !sameIDs(got, want) {
		t.Fatalf("find %s %+v = %v, want %v", typ, conds, ids2(got), ids2(want))
	}
	limit := g.rng.IntN(5)
	if got := tb.find(conds, limit); !sameIDs(got, want[:min(limit, len(want))]) {
		t.Fatalf("find %s %+v limit %d = %v, want %v", typ, conds, limit, ids2(got), ids2(want))
	}
	if g.rng.IntN(3) == 0 {
		conds = nil
		want = m.find(sp, nil)
	}
	lq := &listQuery{conds: conds, pageNumber: 1 + g.rng.IntN(4), pageSize: []int{-1, 1, 2, 3, 10}[g.rng.IntN(5)]}
	if g.rng.IntN(4) == 0 {
		lq.sort = []string{"id"}
	}
	c := &call{s: &Server{st: g.st}, sp: sp}
	counted := g.rng.IntN(2) == 0
	page, total, more := c.selectPage(lq, counted)
	wantPage, wantMore := paginate(want, lq.pageNumber, lq.pageSize)
	if !sameIDs(page, wantPage) || more != wantMore || counted && total != len(want) {
		t.Fatalf("page %d/%d of %s %+v = %v more %v total %d, want %v more %v total %d", lq.pageNumber, lq.pageSize,
			typ, conds, ids2(page), more, total, ids2(wantPage), wantMore, len(want))
	}
	g.candidates(t, m, typ)
}

// candidates checks that withAttr, referrers and upsertCandidates offer
// every record that matches.
func (g *gen) candidates(t *testing.T, m *model, typ string) {
	t.Helper()
	sp := g.st.spec(typ)
	all := m.all(typ)
	for attr := range g.st.tables[typ].attrs {
		v := toText(g.text())
		got := ids2(g.st.withAttr(typ, attr, v))
		o := &object{attrs: map[string]any{attr: v}}
		up := ids2(upsertCandidates(g.st, typ, o, []string{attr}))
		for _, r := range all {
			s, isStr := r.Attributes[attr].(string)
			if isStr && strings.EqualFold(s, v) && !slices.Contains(got, r.ID) {
				t.Fatalf("withAttr(%s, %s, %q) misses %s (%q)", typ, attr, v, r.ID, s)
			}
			if upsertMatch(r, o, []string{attr}) && !slices.Contains(up, r.ID) {
				t.Fatalf("upsertCandidates(%s, %s=%q) misses %s", typ, attr, v, r.ID)
			}
		}
	}
	for _, rs := range sp.Rels {
		id := g.target(rs.Target)
		got := ids2(g.st.referrers(typ, rs.Name, id))
		for _, r := range all {
			if slices.ContainsFunc(r.Relationships[rs.Name], func(ref Ref) bool { return ref.ID == id }) && !slices.Contains(got, r.ID) {
				t.Fatalf("referrers(%s, %s, %q) misses %s", typ, rs.Name, id, r.ID)
			}
		}
	}
}

func ids2(rows []*Resource) []string {
	out := []string{}
	for _, r := range rows {
		out = append(out, r.ID)
	}
	return out
}

func sameIDs(a, b []*Resource) bool { return slices.Equal(ids2(a), ids2(b)) }

// sameRecords fails unless the store holds exactly the model's records.
func sameRecords(t *testing.T, st *store, m *model) {
	t.Helper()
	for typ, tb := range st.tables {
		if len(tb.rows) != len(m.rows[typ]) {
			t.Fatalf("%s: store holds %d records, model %d", typ, len(tb.rows), len(m.rows[typ]))
		}
		for id, r := range tb.rows {
			if want := m.rows[typ][id]; want == nil || !reflect.DeepEqual(r, want) {
				t.Fatalf("%s %s: store holds %+v, model %+v", typ, id, r, want)
			}
		}
	}
}

// checkIndexes fails unless every table's order and indexes are exactly
// those its records imply.
func checkIndexes(t *testing.T, st *store) {
	t.Helper()
	for typ, tb := range st.tables {
		checkOrder(t, &tb.order, slices.Collect(maps.Keys(tb.rows)))
		fresh := newTable(tb.spec)
		for _, r := range tb.rows {
			fresh.index(r)
		}
		if !reflect.DeepEqual(nonEmpty(tb.attrs), nonEmpty(fresh.attrs)) || !reflect.DeepEqual(nonEmptyRels(tb.rels), nonEmptyRels(fresh.rels)) {
			t.Fatalf("%s: indexes\n%v %v\nwant\n%v %v", typ, tb.attrs, tb.rels, fresh.attrs, fresh.rels)
		}
	}
}

// nonEmpty drops the indexes without entries.
func nonEmpty(ixs map[string]valueIndex) map[string]valueIndex {
	out := map[string]valueIndex{}
	for name, ix := range ixs {
		if len(ix) > 0 {
			out[name] = ix
		}
	}
	return out
}

// nonEmptyRels drops the relationship indexes without entries.
func nonEmptyRels(rels map[string]relIndex) map[string]map[string]valueIndex {
	out := map[string]map[string]valueIndex{}
	for name, ri := range rels {
		if types := nonEmpty(ri); len(types) > 0 {
			out[name] = types
		}
	}
	return out
}
