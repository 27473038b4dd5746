package sandbox

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/orosync/orosync/resources"
)

// This file holds the secondary indexes of a table: attribute values and
// related ids, each mapped to the ids of the records that have them. An
// index only offers candidates: whoever uses it checks every candidate
// against the record's current values with the same comparison as a scan
// would, so an index answers exactly as a scan of the table does as long
// as it never misses a record. To that end the store changes indexed
// records only through setRow, deleteRow and setRefs (store.go), which
// keep the indexes exact, and stored records are never changed in place
// otherwise.

// relIndex indexes one relationship: by the type of the related record,
// the refKey of its id mapped to the ids of the records relating to it.
// Keeping types apart means that unlinking a record reads only the records
// that may refer to it, not those referring to a record of another type
// with the same id (an organization "1" is referred to by every record).
type relIndex map[string]valueIndex

// idSet is the set of ids of the records under one index key. Most keys
// (a SKU, an email, the product of an inventory level) have one record, so
// a single id is kept inline and only larger sets get a map: a map per key
// would make the indexes larger than the records.
type idSet struct {
	one  string              // the only id, while more is nil
	more map[string]struct{} // all ids, once there are two or more
}

// len returns the number of ids.
func (s idSet) len() int {
	if s.more != nil {
		return len(s.more)
	}
	return 1
}

// each yields the ids until yield returns false.
func (s idSet) each(yield func(string) bool) {
	if s.more == nil {
		yield(s.one)
		return
	}
	for id := range s.more {
		if !yield(id) {
			return
		}
	}
}

// valueIndex maps an index key to the ids of the records with that key;
// a key is present only while it has ids.
type valueIndex map[string]idSet

func (ix valueIndex) add(key, id string) {
	set, ok := ix[key]
	switch {
	case !ok:
		ix[key] = idSet{one: id}
	case set.more != nil:
		set.more[id] = struct{}{}
	case set.one != id:
		ix[key] = idSet{more: map[string]struct{}{set.one: {}, id: {}}}
	}
}

func (ix valueIndex) remove(key, id string) {
	set, ok := ix[key]
	switch {
	case !ok:
	case set.more == nil:
		if set.one == id {
			delete(ix, key)
		}
	default:
		delete(set.more, id)
		if len(set.more) == 1 {
			for last := range set.more {
				ix[key] = idSet{one: last}
			}
		}
	}
}

// foldKey returns a key on which two strings agree when strings.EqualFold
// says they are equal (and when they are equal): every rune is replaced by
// the smallest rune of its case-folding orbit (unicode.SimpleFold), as
// EqualFold compares rune by rune within those orbits; invalid bytes are
// U+FFFD for both. ASCII letters become upper case.
func foldKey(s string) string {
	if plainUpper(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// plainUpper reports whether s is ASCII without lower-case letters, and so
// its own fold key: an upper-case ASCII letter is the smallest rune of its
// orbit, also K and S, whose orbits hold the Kelvin sign and the long s.
func plainUpper(s string) bool {
	for i := range len(s) {
		if c := s[i]; c >= utf8.RuneSelf || 'a' <= c && c <= 'z' {
			return false
		}
	}
	return true
}

// foldRune returns the smallest rune of r's case-folding orbit.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}

// refKey returns the key under which a related id is indexed: its integer
// value in canonical form for integer ids (compareIDs finds 7 and 07
// equal), the id itself otherwise. No id that is not an integer can equal
// a canonical integer.
func refKey(id string) string {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || canonicalInt(id) {
		return id
	}
	return strconv.FormatInt(n, 10)
}

// canonicalInt reports whether an id that parses as an integer is written
// as strconv.FormatInt writes it: no sign but "-", no leading zero.
func canonicalInt(id string) bool {
	digits := strings.TrimPrefix(id, "-")
	return id[0] != '+' && (digits == "0" && id == "0" || digits[0] != '0')
}

// attrKey returns the key under which an attribute value is indexed: the
// fold key of the text filters and upsert compare (toText; fmt.Sprint for
// values that are not strings). Nil values are not indexed.
func attrKey(v any) string { return foldKey(toText(v)) }

// indexedAttrs returns the attributes of sp worth an index: the filterable
// ones that filters compare as text (sku, name, email, code, ...) and the
// upsert keys. Ordered kinds (numbers, datetimes) and booleans compare
// otherwise and are left to scans.
func indexedAttrs(sp *resourceSpec) []string {
	var out []string
	for _, f := range sp.Filters {
		if f.Field != "id" && sp.Rel(f.Field) == nil && textCompared(sp, f.Field) {
			out = append(out, f.Field)
		}
	}
	for _, k := range sp.UpsertKeys {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// textCompared reports whether compareField compares attribute field of
// sp as text.
func textCompared(sp *resourceSpec, field string) bool {
	as := sp.Attr(field)
	if as == nil {
		return true
	}
	switch as.Kind {
	case resources.DateTime, resources.Int, resources.Number, resources.Decimal, resources.Money, resources.Bool:
		return false
	}
	return true
}

// index adds the entries of r, a record being stored, to t's indexes.
func (t *table) index(r *Resource) {
	for name, ix := range t.attrs {
		if v := r.Attributes[name]; v != nil {
			ix.add(attrKey(v), r.ID)
		}
	}
	for name, refs := range r.Relationships {
		t.indexRefs(name, r.ID, refs)
	}
}

// unindex removes the entries of r, a stored record being replaced or
// deleted, from t's indexes.
func (t *table) unindex(r *Resource) {
	for name, ix := range t.attrs {
		if v := r.Attributes[name]; v != nil {
			ix.remove(attrKey(v), r.ID)
		}
	}
	for name, refs := range r.Relationships {
		t.unindexRefs(name, r.ID, refs)
	}
}

// indexRefs adds the refs of relationship name of record id to t's
// relationship index.
func (t *table) indexRefs(name, id string, refs []Ref) {
	if len(refs) == 0 {
		return
	}
	ri := t.rels[name]
	if ri == nil {
		ri = relIndex{}
		t.rels[name] = ri
	}
	for _, ref := range refs {
		ix := ri[ref.Type]
		if ix == nil {
			ix = valueIndex{}
			ri[ref.Type] = ix
		}
		ix.add(refKey(ref.ID), id)
	}
}

// unindexRefs removes the refs of relationship name of record id, as
// indexRefs added them, from t's relationship index.
func (t *table) unindexRefs(name, id string, refs []Ref) {
	ri := t.rels[name]
	for _, ref := range refs {
		ri[ref.Type].remove(refKey(ref.ID), id)
	}
}

// relSets returns the sets of ids of the records of t whose relationship
// rel may hold a ref with id (same refKey), one set per related type.
func (t *table) relSets(rel, id string) []idSet {
	var sets []idSet
	key := refKey(id)
	for _, ix := range t.rels[rel] {
		if set, ok := ix[key]; ok {
			sets = append(sets, set)
		}
	}
	return sets
}

// referrers returns the stored records of typ whose relationship rel may
// hold a ref with id (same refKey), in no particular order; the caller
// checks each.
func (st *store) referrers(typ, rel, id string) []*Resource {
	t := st.tables[typ]
	return t.records(t.relSets(rel, id)...)
}

// withAttr returns the stored records of typ whose attribute attr may be
// value, compared exactly, as text or case-insensitively (strings.EqualFold),
// in no particular order; the caller checks each. Without an index on attr
// it returns every record.
func (st *store) withAttr(typ, attr, value string) []*Resource {
	t := st.tables[typ]
	ix, ok := t.attrs[attr]
	if !ok {
		return st.all(typ)
	}
	set, ok := ix[foldKey(value)]
	if !ok {
		return nil
	}
	return t.records(set)
}

// records returns the stored records of the ids in sets, each once.
func (t *table) records(sets ...idSet) []*Resource {
	var out []*Resource
	seen := map[string]bool{} // only for more than one set
	for _, set := range sets {
		set.each(func(id string) bool {
			if len(sets) > 1 {
				if seen[id] {
					return true
				}
				seen[id] = true
			}
			if r := t.rows[id]; r != nil {
				out = append(out, r)
			}
			return true
		})
	}
	return out
}
