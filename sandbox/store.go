package sandbox

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// Ref identifies one resource by type and id.
type Ref struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Resource is one stored record, as returned by Server.Records.
type Resource struct {
	// Type is the JSON:API type, e.g. "customers".
	Type string
	// ID is the resource id (always a string, as in JSON:API).
	ID string
	// Attributes holds the attribute values as decoded JSON: string,
	// json.Number, bool, nil, []any or map[string]any. Money and decimal
	// attributes are strings. Hidden attributes (passwords) are included.
	Attributes map[string]any
	// Relationships maps a relationship name to the related resources. A
	// to-one relationship holds at most one Ref; none means null.
	Relationships map[string][]Ref
}

// ref returns the Ref of r.
func (r *Resource) ref() Ref { return Ref{Type: r.Type, ID: r.ID} }

// one returns the id of the to-one relationship name, or "" (also for a nil
// r).
func (r *Resource) one(name string) string {
	if r == nil {
		return ""
	}
	if refs := r.Relationships[name]; len(refs) > 0 {
		return refs[0].ID
	}
	return ""
}

// str returns the string attribute name, or "" (also for a nil r).
func (r *Resource) str(name string) string {
	if r == nil {
		return ""
	}
	s, _ := r.Attributes[name].(string)
	return s
}

// clone returns a deep copy of r.
func (r *Resource) clone() *Resource {
	c := &Resource{Type: r.Type, ID: r.ID,
		Attributes:    make(map[string]any, len(r.Attributes)),
		Relationships: make(map[string][]Ref, len(r.Relationships))}
	for k, v := range r.Attributes {
		c.Attributes[k] = cloneValue(v)
	}
	for k, v := range r.Relationships {
		c.Relationships[k] = slices.Clone(v)
	}
	return c
}

// cloneValue deep-copies a decoded JSON value.
func cloneValue(v any) any {
	switch v := v.(type) {
	case []any:
		c := make([]any, len(v))
		for i, e := range v {
			c[i] = cloneValue(e)
		}
		return c
	case map[string]any:
		c := make(map[string]any, len(v))
		for k, e := range v {
			c[k] = cloneValue(e)
		}
		return c
	default:
		return v
	}
}

// table holds the records of one resource type, their ids in list order
// and the indexes that find records without reading them all (index.go).
// Records are added, replaced and deleted only through store.setRow and
// store.deleteRow, and their relationships changed in place only through
// store.setRefs, which keep the order and the indexes exact.
type table struct {
	spec  *resourceSpec
	rows  map[string]*Resource
	next  int                   // last auto id handed out
	order idOrder               // the ids of rows, sorted
	attrs map[string]valueIndex // indexed attribute -> attrKey -> ids
	rels  map[string]relIndex   // relationship -> related type -> refKey of a related id -> ids
}

func newTable(sp *resourceSpec) *table {
	t := &table{spec: sp, rows: map[string]*Resource{}, attrs: map[string]valueIndex{}, rels: map[string]relIndex{}}
	for _, name := range indexedAttrs(sp) {
		t.attrs[name] = valueIndex{}
	}
	return t
}

// store is the in-memory database. It is not safe for concurrent use; the
// Server serialises access with its mutex.
type store struct {
	tables map[string]*table
	// undo, while recording (beginUndo), lists how to take back every
	// change since, oldest first.
	undo      []change
	recording bool
}

// change is one change to the store, as undo needs it: a row replaced,
// added or deleted (prev is the record before, nil when there was none),
// or a relationship of a stored record changed in place (row, rel and
// refs, the relationship before).
type change struct {
	t    *table
	id   string
	prev *Resource
	row  *Resource
	rel  string
	refs []Ref
}

func newStore() *store {
	st := &store{tables: map[string]*table{}}
	for _, sp := range schemaTable() {
		st.tables[sp.Type] = newTable(sp)
	}
	return st
}

func (st *store) spec(typ string) *resourceSpec {
	if t := st.tables[typ]; t != nil {
		return t.spec
	}
	return nil
}

func (st *store) get(typ, id string) *Resource {
	if t := st.tables[typ]; t != nil {
		return t.rows[id]
	}
	return nil
}

// nextID hands out the next auto-increment id of typ.
func (st *store) nextID(typ string) string {
	t := st.tables[typ]
	t.next++
	return strconv.Itoa(t.next)
}

// put stores r, keeping the auto-increment counter above numeric ids.
func (st *store) put(r *Resource) {
	t := st.tables[r.Type]
	st.setRow(t, r)
	if n, err := strconv.Atoi(r.ID); err == nil && n > t.next {
		t.next = n
	}
}

// setRow stores r in t in place of the record with its id, if any.
func (st *store) setRow(t *table, r *Resource) {
	prev := t.rows[r.ID]
	st.log(change{t: t, id: r.ID, prev: prev})
	if prev != nil {
		t.unindex(prev)
	} else {
		t.order.insert(newIDKey(r.ID))
	}
	t.rows[r.ID] = r
	t.index(r)
}

// deleteRow deletes the record id from t, if it is there.
func (st *store) deleteRow(t *table, id string) {
	prev := t.rows[id]
	if prev == nil {
		return
	}
	st.log(change{t: t, id: id, prev: prev})
	t.unindex(prev)
	t.order.delete(newIDKey(id))
	delete(t.rows, id)
}

// setRefs sets the relationship rel of row, a stored record of t, in place.
func (st *store) setRefs(t *table, row *Resource, rel string, refs []Ref) {
	old := row.Relationships[rel]
	st.log(change{t: t, row: row, rel: rel, refs: old})
	t.unindexRefs(rel, row.ID, old)
	row.Relationships[rel] = refs
	t.indexRefs(rel, row.ID, refs)
}

// drop deletes r without the delete hook and without unlinking it, as
// cascades that remove what hangs on a record do.
func (st *store) drop(r *Resource) { st.deleteRow(st.tables[r.Type], r.ID) }

// remove deletes r, running the resource's beforeDelete hook first.
func (st *store) remove(r *Resource) {
	t := st.tables[r.Type]
	if t.spec.hooks.beforeDelete != nil {
		t.spec.hooks.beforeDelete(st, r)
	}
	st.deleteRow(t, r.ID)
	st.unlink(r.ref())
}

// unlink removes references to a deleted record from every other record.
// The relationship indexes name the records that may hold one, in every
// table and relationship, so only those are read. A relationship that
// refers to it gets a new slice, so that undo can put back the one it
// replaces.
func (st *store) unlink(gone Ref) {
	key := refKey(gone.ID)
	for _, t := range st.tables {
		for name, ri := range t.rels {
			set, ok := ri[gone.Type][key]
			if !ok {
				continue
			}
			for _, row := range t.records(set) {
				refs := row.Relationships[name]
				if slices.Contains(refs, gone) {
					kept := slices.DeleteFunc(slices.Clone(refs), func(r Ref) bool { return r == gone })
					st.setRefs(t, row, name, kept)
				}
			}
		}
	}
}

// all returns the records of typ sorted by id.
func (st *store) all(typ string) []*Resource {
	t := st.tables[typ]
	if t == nil {
		return nil
	}
	rows := make([]*Resource, 0, len(t.rows))
	t.order.each(func(k idKey) bool {
		rows = append(rows, t.rows[k.id])
		return true
	})
	return rows
}

// compareIDs orders integer ids numerically and other ids as strings.
func compareIDs(a, b string) int {
	na, errA := strconv.ParseInt(a, 10, 64)
	nb, errB := strconv.ParseInt(b, 10, 64)
	switch {
	case errA == nil && errB == nil:
		return cmp.Compare(na, nb)
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return strings.Compare(a, b)
}

// jsonInt returns n as a json.Number.
func jsonInt(n int) json.Number { return json.Number(strconv.Itoa(n)) }

// beginUndo starts recording the changes to the store, so that
// undoChanges can take them back: a synchronous batch that fails stores
// none of its items. Recording costs a little per change, where a copy of
// the store would cost as much as the store holds.
func (st *store) beginUndo() {
	st.undo, st.recording = st.undo[:0], true
}

// log records a change while recording.
func (st *store) log(c change) {
	if st.recording {
		st.undo = append(st.undo, c)
	}
}

// undoChanges takes back every change since beginUndo, newest first, and
// stops recording. The auto-increment counters stay where they are, as a
// database sequence does after a rollback.
func (st *store) undoChanges() {
	st.recording = false
	for i := len(st.undo) - 1; i >= 0; i-- {
		c := st.undo[i]
		switch {
		case c.row != nil:
			st.setRefs(c.t, c.row, c.rel, c.refs)
		case c.prev != nil:
			st.setRow(c.t, c.prev)
		default:
			st.deleteRow(c.t, c.id)
		}
	}
	st.endUndo()
}

// endUndo stops recording and forgets the changes recorded.
func (st *store) endUndo() {
	clear(st.undo) // drop the references to replaced records
	st.undo, st.recording = st.undo[:0], false
}
