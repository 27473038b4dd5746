package mappings

import (
	"fmt"
	"slices"
	"strings"

	"github.com/itchyny/gojq"
)

// This file reads a transform's outputs from its syntax tree, without
// running it: which objects it builds, with which fields. The reading is
// deliberately modest: object literals, +, |, ",", //, if, try, select,
// "as" bindings and field access are understood; anything else (a variable,
// a function of the program, reduce, an assignment, del, ...) makes the
// value unknown, and checks say nothing about unknown values rather than
// guess.

// shapeKind says what the reading knows of a value.
type shapeKind int

const (
	unknownShape shapeKind = iota // anything
	scalarShape                   // surely not an object: a string, number, boolean, null or array
	objectShape                   // an object
)

// shape is what the reading knows of one possible value.
type shape struct {
	kind shapeKind
	// fields are the fields the object surely has.
	fields map[string]*shape
	// open is set when the object may have fields the reading cannot see
	// (a computed key, + of an unknown value).
	open bool
	// lit is the object literal that built the object (the left one of a
	// +), for positions; nil when unknown.
	lit *gojq.Object
}

var (
	unknown = &shape{kind: unknownShape}
	scalar  = &shape{kind: scalarShape}
)

// maxShapes bounds the alternatives the reading follows (each if in a
// field multiplies them); beyond it, the value is unknown.
const maxShapes = 32

// has returns the field name of an object shape, or nil.
func (s *shape) has(name string) *shape {
	if s.kind != objectShape {
		return nil
	}
	return s.fields[name]
}

// closed reports whether s is an object whose fields are all known.
func (s *shape) closed() bool { return s.kind == objectShape && !s.open }

// key renders s for removing duplicate alternatives.
func (s *shape) key() string {
	switch s.kind {
	case unknownShape:
		return "?"
	case scalarShape:
		return "s"
	}
	names := make([]string, 0, len(s.fields))
	for k := range s.fields {
		names = append(names, k)
	}
	slices.Sort(names)
	var b strings.Builder
	fmt.Fprintf(&b, "{%p,%v", s.lit, s.open)
	for _, k := range names {
		fmt.Fprintf(&b, ",%q:%s", k, s.fields[k].key())
	}
	b.WriteByte('}')
	return b.String()
}

// outputShapes reads the outputs of a program run on an unknown input:
// one shape per possible kind of output (none when it surely has none).
func outputShapes(q *gojq.Query) []*shape {
	return readQuery(q, []*shape{unknown})
}

// readQuery reads the outputs of q for inputs of the given shapes.
func readQuery(q *gojq.Query, in []*shape) []*shape {
	switch {
	case q == nil:
		return []*shape{unknown}
	case q.Term != nil:
		return readTerm(q.Term, in)
	case len(q.Patterns) > 0: // L as $x | R: R runs on the same input
		return readQuery(q.Right, in)
	}
	switch q.Op {
	case gojq.OpPipe:
		return readQuery(q.Right, readQuery(q.Left, in))
	case gojq.OpComma, gojq.OpAlt:
		return union(readQuery(q.Left, in), readQuery(q.Right, in))
	case gojq.OpAdd:
		return combine(readQuery(q.Left, in), readQuery(q.Right, in), add)
	case gojq.OpEq, gojq.OpNe, gojq.OpGt, gojq.OpLt, gojq.OpGe, gojq.OpLe, gojq.OpAnd, gojq.OpOr:
		return []*shape{scalar}
	case gojq.OpSub, gojq.OpMul, gojq.OpDiv, gojq.OpMod:
		return combine(readQuery(q.Left, in), readQuery(q.Right, in), arithmetic)
	}
	return []*shape{unknown} // assignments and updates
}

// readTerm reads one term and its suffixes (.a, [], ?).
func readTerm(t *gojq.Term, in []*shape) []*shape {
	out := readTermBase(t, in)
	for _, s := range t.SuffixList {
		switch {
		case s.Optional:
		case s.Index != nil && fieldName(s.Index) != "":
			out = indexShapes(out, fieldName(s.Index))
		default:
			out = []*shape{unknown}
		}
	}
	return out
}

func readTermBase(t *gojq.Term, in []*shape) []*shape {
	switch t.Type {
	case gojq.TermTypeIdentity:
		return in
	case gojq.TermTypeNull, gojq.TermTypeTrue, gojq.TermTypeFalse, gojq.TermTypeNumber,
		gojq.TermTypeString, gojq.TermTypeFormat, gojq.TermTypeUnary, gojq.TermTypeArray:
		return []*shape{scalar}
	case gojq.TermTypeIndex:
		if name := fieldName(t.Index); name != "" {
			return indexShapes(in, name)
		}
	case gojq.TermTypeFunc:
		return readFunc(t.Func, in)
	case gojq.TermTypeObject:
		return readObject(t.Object, in)
	case gojq.TermTypeIf:
		return readIf(t.If, in)
	case gojq.TermTypeTry:
		out := readQuery(t.Try.Body, in)
		if t.Try.Catch != nil {
			out = union(out, readQuery(t.Try.Catch, []*shape{scalar}))
		}
		return out
	case gojq.TermTypeQuery:
		return readQuery(t.Query, in)
	}
	return []*shape{unknown}
}

// fieldName returns the key of a plain field access (.a, ."a"), or "".
func fieldName(ix *gojq.Index) string {
	switch {
	case ix.Start != nil || ix.End != nil || ix.IsSlice:
		return ""
	case ix.Name != "":
		return ix.Name
	case ix.Str != nil && len(ix.Str.Queries) == 0:
		return ix.Str.Str
	}
	return ""
}

// indexShapes reads .name of values of the given shapes.
func indexShapes(in []*shape, name string) []*shape {
	var out []*shape
	for _, s := range in {
		switch {
		case s.has(name) != nil:
			out = append(out, s.has(name))
		case s.closed():
			out = append(out, scalar) // null
		default:
			out = append(out, unknown)
		}
	}
	return dedupe(out)
}

// scalarFuncs are builtins that never return an object; lookup and ref
// return placeholders, whole values that are never looked into.
var scalarFuncs = map[string]bool{
	"not": true, "length": true, "utf8bytelength": true, "tostring": true, "tonumber": true, "tojson": true,
	"ascii_downcase": true, "ascii_upcase": true, "ltrimstr": true, "rtrimstr": true, "trim": true,
	"ltrim": true, "rtrim": true, "startswith": true, "endswith": true, "test": true, "split": true,
	"join": true, "type": true, "has": true, "contains": true, "inside": true, "keys": true, "floor": true,
	"ceil": true, "round": true, "sqrt": true, "fabs": true, "now": true, "todate": true, "fromdate": true,
	"todateiso8601": true, "fromdateiso8601": true, "strftime": true, "strptime": true, "mktime": true,
	"gmtime": true, "sub": true, "gsub": true, "ascii": true, "implode": true, "explode": true,
	"tostream": true, "splits": true, "isnan": true, "infinite": true, "nan": true, "lookup": true,
	"ref": true, "abs": true, "any": true, "all": true,
	"isvalid": true, "indices": true, "index": true, "rindex": true, "map": true, "sort": true,
	"sort_by": true, "unique": true, "unique_by": true, "reverse": true, "flatten": true, "range": true,
	"tojsonstream": true,
}

// readFunc reads a call of a builtin.
func readFunc(f *gojq.Func, in []*shape) []*shape {
	switch {
	case f.Name == "empty" && len(f.Args) == 0,
		f.Name == "error" || f.Name == "halt" || f.Name == "halt_error":
		return nil
	case f.Name == "select" && len(f.Args) == 1:
		return in
	case scalarFuncs[f.Name]:
		return []*shape{scalar}
	}
	return []*shape{unknown}
}

// readIf reads the branches of an if; a missing else passes the input on.
func readIf(i *gojq.If, in []*shape) []*shape {
	out := readQuery(i.Then, in)
	for _, e := range i.Elif {
		out = union(out, readQuery(e.Then, in))
	}
	if i.Else == nil {
		return union(out, in)
	}
	return union(out, readQuery(i.Else, in))
}

// readObject reads an object literal: one shape per combination of its
// fields' alternatives.
func readObject(o *gojq.Object, in []*shape) []*shape {
	out := []*shape{{kind: objectShape, fields: map[string]*shape{}, lit: o}}
	for _, kv := range o.KeyVals {
		name, known := keyName(kv)
		var vals []*shape
		switch {
		case kv.Val != nil:
			vals = readQuery(kv.Val, in)
		case known && !strings.HasPrefix(kv.Key, "$"): // {a} is {a: .a}
			vals = indexShapes(in, name)
		default:
			vals = []*shape{unknown}
		}
		if len(vals) == 0 {
			return nil // {a: empty} has no output
		}
		if !known {
			for _, s := range out {
				s.open = true
			}
			continue
		}
		if len(out)*len(vals) > maxShapes {
			return []*shape{unknown}
		}
		var next []*shape
		for _, s := range out {
			for _, v := range vals {
				c := s.copy()
				c.fields[name] = v
				next = append(next, c)
			}
		}
		out = next
	}
	return dedupe(out)
}

// keyName returns the key of an object entry, when it is not computed.
func keyName(kv *gojq.ObjectKeyVal) (string, bool) {
	switch {
	case kv.KeyString != nil:
		return kv.KeyString.Str, len(kv.KeyString.Queries) == 0
	case kv.KeyQuery != nil:
		return "", false
	}
	return strings.TrimPrefix(kv.Key, "$"), true
}

func (s *shape) copy() *shape {
	c := *s
	c.fields = make(map[string]*shape, len(s.fields)+1)
	for k, v := range s.fields {
		c.fields[k] = v
	}
	return &c
}

// add is the shape of a + b.
func add(a, b *shape) *shape {
	switch {
	case a.kind == objectShape && b.kind == objectShape:
		c := a.copy()
		for k, v := range b.fields {
			c.fields[k] = v
		}
		c.open = a.open || b.open
		if c.lit == nil {
			c.lit = b.lit
		}
		return c
	case a.kind == scalarShape && b.kind == scalarShape:
		return scalar
	}
	return unknown // null + {...} is {...}, but null cannot be told from a string
}

// arithmetic is the shape of a - b, a * b (a deep merge of objects), a / b
// and a % b.
func arithmetic(a, b *shape) *shape {
	if a.kind == scalarShape && b.kind == scalarShape {
		return scalar
	}
	return unknown
}

// combine applies op to every pair of alternatives.
func combine(as, bs []*shape, op func(a, b *shape) *shape) []*shape {
	if len(as)*len(bs) > maxShapes {
		return []*shape{unknown}
	}
	var out []*shape
	for _, a := range as {
		for _, b := range bs {
			out = append(out, op(a, b))
		}
	}
	return dedupe(out)
}

func union(a, b []*shape) []*shape {
	out := dedupe(append(slices.Clip(a), b...))
	if len(out) > maxShapes {
		return []*shape{unknown}
	}
	return out
}

// dedupe drops alternatives that are the same as an earlier one.
func dedupe(in []*shape) []*shape {
	seen := map[string]bool{}
	out := in[:0:0]
	for _, s := range in {
		if k := s.key(); !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}

// primaryShape returns the shape of the primary resource object of an
// output: the output itself, or its data member for a full document; nil
// when that cannot be told.
func primaryShape(out *shape) *shape {
	switch {
	case out.has("data") != nil:
		if data := out.has("data"); data.kind == objectShape {
			return data
		}
		return nil
	case out.closed():
		return out
	}
	return nil
}

// pathAbsent reports whether the value at path surely does not exist in s
// (so jq's path gives null): an object on the way lacks the key and has no
// fields the reading cannot see.
func pathAbsent(s *shape, path []string) bool {
	for _, k := range path {
		if !s.closed() {
			return false
		}
		next := s.has(k)
		if next == nil {
			return true
		}
		s = next
	}
	return false
}
