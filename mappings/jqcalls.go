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
func (c jqCalls) placeholders() bool { return c.lookup || c.anyRef || len(c.refCalls) > 0 }

// refs are the mapping names of ref/2 calls whose first argument is a
// string literal, sorted and unique.
func (c jqCalls) refs() []string {
	var names []string
	for _, r := range c.refCalls {
		names = append(names, r.mapping)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// findCalls walks a parsed program.
func findCalls(q *gojq.Query) jqCalls {
	var c jqCalls
	walkJQ(q, jqVisitor{
		funcDef: func(fd *gojq.FuncDef) {
			if len(fd.Args) == 2 && (fd.Name == "ref" || fd.Name == "lookup") {
				c.anyRef, c.lookup = true, true // shadowed: a call may be either
				c.shadowed = true
			}
		},
		call: c.call,
	})
	return c
}

// call notes one call of ref/2 or lookup/2.
func (c *jqCalls) call(f *gojq.Func) {
	if len(f.Args) != 2 {
		return
	}
	switch f.Name {
	case "lookup":
		c.lookup = true
		if typ, ok := literalString(f.Args[0]); ok {
			keys, known := literalKeys(f.Args[1])
			c.lookups = append(c.lookups, lookupCall{typ: typ, filter: keys, filterKnown: known, fn: f})
		}
	case "ref":
		if name, ok := literalString(f.Args[0]); ok {
			c.refCalls = append(c.refCalls, refCall{mapping: name, fn: f})
		} else {
			c.anyRef = true
		}
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
