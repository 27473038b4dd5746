package sandbox

import (
	"cmp"
	"encoding/json"
	"maps"
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

// table holds the records of one resource type.
type table struct {
	spec *resourceSpec
	rows map[string]*Resource
	next int // last auto id handed out
}

// store is the in-memory database. It is not safe for concurrent use; the
// Server serialises access with its mutex.
type store struct {
	tables map[string]*table
}

func newStore() *store {
	st := &store{tables: map[string]*table{}}
	for _, sp := range schemaTable() {
		st.tables[sp.Type] = &table{spec: sp, rows: map[string]*Resource{}}
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
	t.rows[r.ID] = r
	if n, err := strconv.Atoi(r.ID); err == nil && n > t.next {
		t.next = n
	}
}

// remove deletes r, running the resource's beforeDelete hook first.
func (st *store) remove(r *Resource) {
	t := st.tables[r.Type]
	if t.spec.hooks.beforeDelete != nil {
		t.spec.hooks.beforeDelete(st, r)
	}
	delete(t.rows, r.ID)
	st.unlink(r.ref())
}

// unlink removes references to a deleted record from every other record.
func (st *store) unlink(gone Ref) {
	for _, t := range st.tables {
		for _, row := range t.rows {
			for name, refs := range row.Relationships {
				row.Relationships[name] = slices.DeleteFunc(refs, func(r Ref) bool { return r == gone })
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
	rows := slices.Collect(maps.Values(t.rows))
	slices.SortFunc(rows, func(a, b *Resource) int { return compareIDs(a.ID, b.ID) })
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

// snapshot is a deep copy of the records of every table, to undo a
// synchronous batch that fails (its items are stored all or none).
type snapshot map[string]map[string]*Resource

func (st *store) snapshot() snapshot {
	out := snapshot{}
	for typ, t := range st.tables {
		rows := make(map[string]*Resource, len(t.rows))
		for id, r := range t.rows {
			rows[id] = r.clone()
		}
		out[typ] = rows
	}
	return out
}

// restore puts the records of snap back. The auto-increment counters stay
// where they are, as a database sequence does after a rollback.
func (st *store) restore(snap snapshot) {
	for typ, rows := range snap {
		st.tables[typ].rows = rows
	}
}
