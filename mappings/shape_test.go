package mappings

import (
	"slices"
	"strings"
	"testing"

	"github.com/itchyny/gojq"
)

// describeShape renders a shape for tests: {a,b{c}} for objects (+ when
// open), s for a scalar, ? for unknown.
func describeShape(s *shape) string {
	switch s.kind {
	case unknownShape:
		return "?"
	case scalarShape:
		return "s"
	}
	var keys []string
	for k := range s.fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		if f := s.fields[k]; f.kind != scalarShape {
			b.WriteString(describeShape(f))
		}
	}
	if s.open {
		b.WriteString(",+")
	}
	b.WriteByte('}')
	return b.String()
}

func TestOutputShapes(t *testing.T) {
	for src, want := range map[string]string{
		`{type: "x", attributes: {a: 1}}`:          `{attributes{a},type}`,
		`select(.a) | {type: "x"}`:                 `{type}`,
		`if .a then {x: 1} else {y: 1} end`:        `{x} {y}`,
		`if .a then {x: 1} end`:                    `{x} ?`,
		`{a: 1} + {b: 2}`:                          `{a,b}`,
		`{a: 1} + .b`:                              `?`,
		`{(.k): 1, a: 2}`:                          `{a,+}`,
		`{"k\(.x)": 1}`:                            `{,+}`,
		`empty`:                                    ``,
		`.x // error("no")`:                        `?`,
		`reduce .[] as $x ({}; . + $x)`:            `?`,
		`{a: (1, 2)}`:                              `{a}`,
		`{a: (if .x then {b: 1} else {c: 1} end)}`: `{a{b}} {a{c}}`,
		`. as $r | {a: $r}`:                        `{a?}`,
		`{a: {b: 1}} | .a`:                         `{b}`,
		`{a: {b: 1}} | .c`:                         `s`,
		`{a} | .a`:                                 `?`,
		`{"a": 1, $__loc__}`:                       `{__loc__?,a}`,
		`{a: 1} | .b = 2`:                          `?`,
		`def f: {a: 1}; f`:                         `?`,
		`try {a: 1} catch {b: 1}`:                  `{a} {b}`,
		`{a: 1}, {b: 1}`:                           `{a} {b}`,
		`{a: empty}`:                               ``,
		`{a: lookup("x"; {}), b: ref("m"; .k), c: (.x | tostring)}`:                            `{a,b,c}`,
		`{a: (1,2,3,4,5,6,7) | {x: .}, b: (1,2,3,4,5,6,7) | {y: .}}`:                           `{a{x},b{y}}`,
		`{a: ({x:1},{y:1},{z:1},{w:1},{v:1},{u:1}), b: ({x:1},{y:1},{z:1},{w:1},{v:1},{u:1})}`: `?`,
	} {
		q, err := gojq.Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		var got []string
		for _, s := range outputShapes(q) {
			got = append(got, describeShape(s))
		}
		if strings.Join(got, " ") != want {
			t.Errorf("outputShapes(%s) = %q, want %q", src, strings.Join(got, " "), want)
		}
	}
}

func TestPathAbsent(t *testing.T) {
	q, _ := gojq.Parse(`{type: "p", attributes: {sku: 1}, relationships: .rels}`)
	s := outputShapes(q)[0]
	for path, want := range map[string]bool{
		"attributes.sku":              false,
		"attributes.name":             true,
		"id":                          true,
		"relationships.product.data":  false, // unknown
		"attributes.sku.deeper.still": false, // a scalar: not an object, not read further
	} {
		if got := pathAbsent(s, strings.Split(path, ".")); got != want {
			t.Errorf("pathAbsent(%s) = %v, want %v", path, got, want)
		}
	}
}

// TestLocateJQ lines objects and calls up with the program text, past
// comments, strings, interpolations, patterns and definitions.
func TestLocateJQ(t *testing.T) {
	const src = `# a comment with { braces } and lookup("x"; {}) \
  still the comment {
def f($x): {k: $x};
. as {a: $a, "b": [$b]} |
"text { with a brace \("and {" + ({i: 1} | tojson))" as $s |
{
  type: "x",
  "quoted": {q: lookup("pricelists"; {name: .n})},
  (.computed): 1,
  $s,
  nested: {ref: ref("m"; .k), empty: {}}
}`
	q, err := gojq.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	pos := locateJQ(src, q, "lookup", "ref")
	var braces []*gojq.Object
	var calls []*gojq.Func
	walkJQ(q, jqVisitor{
		brace: func(o *gojq.Object) { braces = append(braces, o) },
		call: func(f *gojq.Func) {
			if f.Name == "lookup" || f.Name == "ref" {
				calls = append(calls, f)
			}
		},
	})
	objs := 0
	for _, o := range braces {
		if o == nil {
			continue
		}
		objs++
		off, ok := pos.objects[o]
		if !ok || src[off] != '{' {
			t.Errorf("object %v located at %d (%v)", o, off, ok)
			continue
		}
		if first := firstToken(o); !strings.HasPrefix(strings.TrimLeft(src[off+1:], " \n"), strings.Trim(first, `"`)) {
			t.Errorf("object at %d: text %q does not start with %q", off, src[off:min(off+15, len(src))], first)
		}
	}
	if objs != 7 || len(pos.objects) != 7 {
		t.Errorf("%d object literals found, %d located, want 7", objs, len(pos.objects))
	}
	if len(calls) != 2 {
		t.Fatalf("%d calls found, want 2", len(calls))
	}
	for _, c := range calls {
		args := pos.args[c]
		if len(args) != 2 || !strings.HasPrefix(src[args[0]:], `"`) {
			t.Errorf("%s located at %v", c.Name, args)
		}
	}
	if got := src[pos.args[calls[0]][1]:]; !strings.HasPrefix(got, "{name: .n}") {
		t.Errorf("lookup's filter located at %q", got[:10])
	}

	other, _ := gojq.Parse(`{a: 1}`)
	if p := locateJQ(src, other, "lookup"); p.objects != nil || len(p.args) != 0 {
		t.Errorf("a tree that does not match the text was located: %+v", p)
	}
}
