package mappings

import "github.com/itchyny/gojq"

// jqVisitor is told what a walk of a jq syntax tree meets, in the order of
// the program text (walkJQ). Nil hooks are skipped.
type jqVisitor struct {
	// funcDef is called for a function definition, before its body.
	funcDef func(*gojq.FuncDef)
	// call is called for a function call, before its arguments.
	call func(*gojq.Func)
	// brace is called for every "{": an object literal's (o set), or one
	// of a destructuring pattern or of module metadata (o nil).
	brace func(o *gojq.Object)
}

// walkJQ visits every node of q in text order: the one walk of a jq
// program that finding orosync's calls (jqcalls.go) and locating nodes in
// the text (jqpos.go) share.
func walkJQ(q *gojq.Query, v jqVisitor) {
	w := jqWalker{v: v}
	w.query(q)
}

type jqWalker struct{ v jqVisitor }

func (w *jqWalker) query(q *gojq.Query) {
	if q == nil {
		return
	}
	w.constObject(q.Meta)
	for _, im := range q.Imports {
		w.constObject(im.Meta)
	}
	for _, fd := range q.FuncDefs {
		if w.v.funcDef != nil {
			w.v.funcDef(fd)
		}
		w.query(fd.Body)
	}
	w.term(q.Term)
	w.query(q.Left)
	for _, p := range q.Patterns {
		w.pattern(p)
	}
	w.query(q.Right)
}

func (w *jqWalker) term(t *gojq.Term) {
	if t == nil {
		return
	}
	w.index(t.Index)
	if f := t.Func; f != nil {
		if w.v.call != nil {
			w.v.call(f)
		}
		for _, a := range f.Args {
			w.query(a)
		}
	}
	if o := t.Object; o != nil {
		w.brace(o)
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
func (w *jqWalker) control(t *gojq.Term) {
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

func (w *jqWalker) brace(o *gojq.Object) {
	if w.v.brace != nil {
		w.v.brace(o)
	}
}

func (w *jqWalker) index(ix *gojq.Index) {
	if ix == nil {
		return
	}
	w.str(ix.Str)
	w.query(ix.Start)
	w.query(ix.End)
}

func (w *jqWalker) str(s *gojq.String) {
	if s == nil {
		return
	}
	for _, q := range s.Queries {
		w.query(q)
	}
}

func (w *jqWalker) pattern(p *gojq.Pattern) {
	if p == nil {
		return
	}
	for _, e := range p.Array {
		w.pattern(e)
	}
	if p.Object != nil {
		w.brace(nil)
	}
	for _, o := range p.Object {
		w.str(o.KeyString)
		w.query(o.KeyQuery)
		w.pattern(o.Val)
	}
}

func (w *jqWalker) constObject(o *gojq.ConstObject) {
	if o == nil {
		return
	}
	w.brace(nil)
	for _, kv := range o.KeyVals {
		w.constTerm(kv.Val)
	}
}

func (w *jqWalker) constTerm(t *gojq.ConstTerm) {
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
