package mappings

import (
	"strings"

	"github.com/itchyny/gojq"
)

// jqPositions locates nodes of a parsed jq program in its text: object
// literals (at their "{") and the arguments of calls. See jqlex.go.
type jqPositions struct {
	objects map[*gojq.Object]int
	args    map[*gojq.Func][]int
}

// locateJQ lines up the syntax tree q of src with its tokens. Calls are
// located for the function names given. Whatever does not line up is left
// out: callers then fall back to the start of the expression.
func locateJQ(src string, q *gojq.Query, funcs ...string) jqPositions {
	toks := lexJQ(src)
	var w orderWalker
	w.funcs = funcs
	w.query(q)
	pos := jqPositions{args: map[*gojq.Func][]int{}}
	if braces := objectBraces(toks); len(braces) == len(w.braces) && bracesLineUp(toks, braces, w.braces) {
		pos.objects = map[*gojq.Object]int{}
		for i, o := range w.braces {
			if o != nil {
				pos.objects[o] = braces[i]
			}
		}
	}
	for _, name := range funcs {
		var calls []*gojq.Func
		for _, f := range w.calls {
			if f.Name == name {
				calls = append(calls, f)
			}
		}
		texts := callArgs(toks, name)
		if len(texts) != len(calls) {
			continue
		}
		for i, f := range calls {
			if len(texts[i]) == len(f.Args) {
				pos.args[f] = texts[i]
			}
		}
	}
	return pos
}

// bracesLineUp checks that the token after each "{" is what the tree says
// the object starts with: its first key, or "}" for an empty object.
func bracesLineUp(toks []jqToken, braces []int, objs []*gojq.Object) bool {
	index := make(map[int]int, len(toks))
	for i, t := range toks {
		index[t.off] = i
	}
	for i, o := range objs {
		if o == nil {
			continue
		}
		next := index[braces[i]] + 1
		if next >= len(toks) || !toks[next].is(firstToken(o)) {
			return false
		}
	}
	return true
}

// firstToken is the token an object literal's text starts with after "{".
func firstToken(o *gojq.Object) string {
	if len(o.KeyVals) == 0 {
		return "}"
	}
	kv := o.KeyVals[0]
	switch {
	case kv.KeyString != nil:
		return `"`
	case kv.KeyQuery != nil:
		return "("
	case strings.HasPrefix(kv.Key, "$"):
		return "$"
	}
	return kv.Key
}

// orderWalker visits a syntax tree in the order of the program text,
// collecting every "{" (object literals; nil for destructuring patterns
// and import metadata, which have no *gojq.Object) and the calls of the
// functions named in funcs.
type orderWalker struct {
	funcs  []string
	braces []*gojq.Object
	calls  []*gojq.Func
}

func (w *orderWalker) query(q *gojq.Query) {
	if q == nil {
		return
	}
	w.constObject(q.Meta)
	for _, im := range q.Imports {
		w.constObject(im.Meta)
	}
	for _, fd := range q.FuncDefs {
		w.query(fd.Body)
	}
	w.term(q.Term)
	w.query(q.Left)
	for _, p := range q.Patterns {
		w.pattern(p)
	}
	w.query(q.Right)
}

func (w *orderWalker) term(t *gojq.Term) {
	if t == nil {
		return
	}
	w.index(t.Index)
	if f := t.Func; f != nil {
		for _, name := range w.funcs {
			if f.Name == name && len(f.Args) > 0 {
				w.calls = append(w.calls, f)
			}
		}
		for _, a := range f.Args {
			w.query(a)
		}
	}
	if o := t.Object; o != nil {
		w.braces = append(w.braces, o)
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
	w.control(t)
	w.query(t.Query)
	for _, s := range t.SuffixList {
		w.index(s.Index)
	}
}

// control visits if, try, reduce, foreach and label terms.
func (w *orderWalker) control(t *gojq.Term) {
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
		for _, p := range r.Patterns {
			w.pattern(p)
		}
		w.query(r.Start)
		w.query(r.Update)
	}
	if f := t.Foreach; f != nil {
		w.query(f.Query)
		for _, p := range f.Patterns {
			w.pattern(p)
		}
		w.query(f.Start)
		w.query(f.Update)
		w.query(f.Extract)
	}
	if l := t.Label; l != nil {
		w.query(l.Body)
	}
}

func (w *orderWalker) index(ix *gojq.Index) {
	if ix == nil {
		return
	}
	w.str(ix.Str)
	w.query(ix.Start)
	w.query(ix.End)
}

func (w *orderWalker) str(s *gojq.String) {
	if s == nil {
		return
	}
	for _, q := range s.Queries {
		w.query(q)
	}
}

func (w *orderWalker) pattern(p *gojq.Pattern) {
	if p == nil {
		return
	}
	for _, e := range p.Array {
		w.pattern(e)
	}
	if p.Object != nil {
		w.braces = append(w.braces, nil)
	}
	for _, o := range p.Object {
		w.str(o.KeyString)
		w.query(o.KeyQuery)
		w.pattern(o.Val)
	}
}

func (w *orderWalker) constObject(o *gojq.ConstObject) {
	if o == nil {
		return
	}
	w.braces = append(w.braces, nil)
	for _, kv := range o.KeyVals {
		w.constTerm(kv.Val)
	}
}

func (w *orderWalker) constTerm(t *gojq.ConstTerm) {
	if t == nil {
		return
	}
	w.constObject(t.Object)
	if t.Array != nil {
		for _, e := range t.Array.Elems {
			w.constTerm(e)
		}
	}
}
