package mappings

import (
	"slices"

	"github.com/itchyny/gojq"
)

// jqCalls is what a parsed jq program calls of orosync's own functions. It
// is read from the program's syntax tree, never from its text, so comments,
// strings and white space cannot change it.
type jqCalls struct {
	// lookup is set when the program may call lookup/2.
	lookup bool
	// refs are the mapping names of ref/2 calls whose first argument is a
	// string literal, sorted and unique.
	refs []string
	// anyRef is set when a ref/2 call computes its mapping name, or when the
	// program defines its own ref/2 or lookup/2 (so a call may be either).
	anyRef bool
	// refCalls are the ref/2 calls whose mapping name is a string literal,
	// in program order.
	refCalls []refCall
	// lookups are the lookup/2 calls whose type is a string literal, in
	// program order.
	lookups []lookupCall
	// shadowed is set when the program defines its own ref/2 or lookup/2:
	// then no call can be told from orosync's.
	shadowed bool
}

// refCall is a ref/2 call with a literal mapping name.
type refCall struct {
	mapping string
	fn      *gojq.Func
}

// lookupCall is a lookup/2 call with a literal type.
type lookupCall struct {
	typ string
	// filter are the filter names, when the filter is an object literal
	// with literal keys (filterKnown); nil otherwise.
	filter      []string
	filterKnown bool
	fn          *gojq.Func
}

// placeholders reports whether the program may produce placeholders.
func (c jqCalls) placeholders() bool { return c.lookup || c.anyRef || len(c.refs) > 0 }

// findCalls walks a parsed program.
func findCalls(q *gojq.Query) jqCalls {
	var w callWalker
	w.query(q)
	slices.Sort(w.c.refs)
	w.c.refs = slices.Compact(w.c.refs)
	return w.c
}

type callWalker struct{ c jqCalls }

func (w *callWalker) query(q *gojq.Query) {
	if q == nil {
		return
	}
	for _, fd := range q.FuncDefs {
		if len(fd.Args) == 2 && (fd.Name == "ref" || fd.Name == "lookup") {
			w.c.anyRef, w.c.lookup = true, true // shadowed: a call may be either
			w.c.shadowed = true
		}
		w.query(fd.Body)
	}
	w.term(q.Term)
	w.query(q.Left)
	w.query(q.Right)
	for _, p := range q.Patterns {
		w.pattern(p)
	}
}

func (w *callWalker) term(t *gojq.Term) {
	if t == nil {
		return
	}
	w.index(t.Index)
	if f := t.Func; f != nil {
		w.call(f)
	}
	if o := t.Object; o != nil {
		for _, kv := range o.KeyVals {
			w.str(kv.KeyString)
			w.query(kv.KeyQuery)
			w.query(kv.Val)
		}
	}
	if a := t.Array; a != nil {
		w.query(a.Query)
	}
	if u := t.Unary; u != nil {
		w.term(u.Term)
	}
	w.str(t.Str)
	if i := t.If; i != nil {
		w.query(i.Cond)
		w.query(i.Then)
		for _, e := range i.Elif {
			w.query(e.Cond)
			w.query(e.Then)
		}
		w.query(i.Else)
	}
	if tr := t.Try; tr != nil {
		w.query(tr.Body)
		w.query(tr.Catch)
	}
	if r := t.Reduce; r != nil {
		w.query(r.Query)
		w.patterns(r.Patterns)
		w.query(r.Start)
		w.query(r.Update)
	}
	if f := t.Foreach; f != nil {
		w.query(f.Query)
		w.patterns(f.Patterns)
		w.query(f.Start)
		w.query(f.Update)
		w.query(f.Extract)
	}
	if l := t.Label; l != nil {
		w.query(l.Body)
	}
	w.query(t.Query)
	for _, s := range t.SuffixList {
		w.index(s.Index)
	}
}

func (w *callWalker) call(f *gojq.Func) {
	if len(f.Args) == 2 {
		switch f.Name {
		case "lookup":
			w.c.lookup = true
			if typ, ok := literalString(f.Args[0]); ok {
				keys, known := literalKeys(f.Args[1])
				w.c.lookups = append(w.c.lookups, lookupCall{typ: typ, filter: keys, filterKnown: known, fn: f})
			}
		case "ref":
			if name, ok := literalString(f.Args[0]); ok {
				w.c.refs = append(w.c.refs, name)
				w.c.refCalls = append(w.c.refCalls, refCall{mapping: name, fn: f})
			} else {
				w.c.anyRef = true
			}
		}
	}
	for _, a := range f.Args {
		w.query(a)
	}
}

func (w *callWalker) index(ix *gojq.Index) {
	if ix == nil {
		return
	}
	w.str(ix.Str)
	w.query(ix.Start)
	w.query(ix.End)
}

func (w *callWalker) str(s *gojq.String) {
	if s == nil {
		return
	}
	for _, q := range s.Queries {
		w.query(q)
	}
}

func (w *callWalker) patterns(ps []*gojq.Pattern) {
	for _, p := range ps {
		w.pattern(p)
	}
}

func (w *callWalker) pattern(p *gojq.Pattern) {
	if p == nil {
		return
	}
	w.patterns(p.Array)
	for _, o := range p.Object {
		w.str(o.KeyString)
		w.query(o.KeyQuery)
		w.pattern(o.Val)
	}
}

// literalString returns the value of a query that is only a string literal
// without interpolation ("customers").
func literalString(q *gojq.Query) (string, bool) {
	if q == nil || q.Left != nil || q.Right != nil || len(q.FuncDefs) > 0 || q.Term == nil {
		return "", false
	}
	t := q.Term
	if t.Type != gojq.TermTypeString || t.Str == nil || len(t.Str.Queries) > 0 || len(t.SuffixList) > 0 {
		return "", false
	}
	return t.Str.Str, true
}

// literalKeys returns the keys of a query that is only an object literal
// whose keys are all written out ({name: .x, "code": "A"}); ok is false
// otherwise.
func literalKeys(q *gojq.Query) (keys []string, ok bool) {
	if q == nil || q.Left != nil || q.Right != nil || len(q.FuncDefs) > 0 || q.Term == nil {
		return nil, false
	}
	t := q.Term
	if t.Type == gojq.TermTypeQuery && len(t.SuffixList) == 0 {
		return literalKeys(t.Query)
	}
	if t.Type != gojq.TermTypeObject || len(t.SuffixList) > 0 {
		return nil, false
	}
	for _, kv := range t.Object.KeyVals {
		name, known := keyName(kv)
		if !known {
			return nil, false
		}
		keys = append(keys, name)
	}
	return keys, true
}
