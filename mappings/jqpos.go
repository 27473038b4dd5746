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
	var w struct {
		braces []*gojq.Object
		calls  []*gojq.Func
	}
	walkJQ(q, jqVisitor{
		brace: func(o *gojq.Object) { w.braces = append(w.braces, o) },
		call: func(f *gojq.Func) {
			for _, name := range funcs {
				if f.Name == name && len(f.Args) > 0 {
					w.calls = append(w.calls, f)
				}
			}
		},
	})
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
