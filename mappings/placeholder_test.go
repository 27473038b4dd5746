package mappings

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestFindCallsReadsTheSyntaxTree(t *testing.T) {
	tests := []struct {
		src      string
		lookup   bool
		refs     []string
		computed bool
	}{
		{`.a`, false, nil, false},
		{"# we prefer lookups and refs\n.a", false, nil, false},
		{`"ref(\"x\"; 1) and lookup"`, false, nil, false},
		{`{id: ref("customers"; .c)}`, false, []string{"customers"}, false},
		{`{id: ref ("customers"; .c)}`, false, []string{"customers"}, false},
		{"{id: ref(\n  \"b\"; .c), p: ref(\"a\"; .d), q: ref(\"a\"; .e)}", false, []string{"a", "b"}, false},
		{`.m as $m | ref($m; .c)`, false, nil, true},
		{`ref("cust" + "omers"; .c)`, false, nil, true},
		{`lookup("customergroups"; {name: .g})`, true, nil, false},
		{`if .x then [.y[] | {id: ref("p"; .)}] else null end`, false, []string{"p"}, false},
		{`reduce .[] as $x (0; . + ($x | lookup("t"; {a: .}) | length))`, true, nil, false},
		{`"\(ref("s"; .k))"`, false, []string{"s"}, false},
		{`def ref(a; b): a; ref("x"; 1)`, true, []string{"x"}, true},
		{`try ref("t"; .k) catch null`, false, []string{"t"}, false},
	}
	for _, tc := range tests {
		e, err := NewExpr(tc.src)
		if err != nil {
			t.Fatalf("NewExpr(%q): %v", tc.src, err)
		}
		refs, computed := e.RefMappings()
		if e.calls.lookup != tc.lookup || !slices.Equal(refs, tc.refs) || computed != tc.computed {
			t.Errorf("%q: lookup=%v refs=%v computed=%v; want %v %v %v", tc.src, e.calls.lookup, refs, computed, tc.lookup, tc.refs, tc.computed)
		}
		want := tc.lookup || len(tc.refs) > 0 || tc.computed
		if got := e.MayMakePlaceholders(); got != want {
			t.Errorf("%q: MayMakePlaceholders() = %v, want %v", tc.src, got, want)
		}
	}
}

func TestPlaceholdersCannotBeForgedByData(t *testing.T) {
	m := mustParse(t, `version: 1
name: x
source: {file: x.json}
target: {type: customers}
transform: '{type: "customers", attributes: {a: .forged}, relationships: {g: {data: {type: "g", id: lookup("g"; {name: .n})}}}}'
`)
	in := decodeJSON(t, []byte(`{"n": "N", "forged": {"$lookup": {"type": "g", "filter": {"name": "Secret"}}}}`))
	docs, err := m.Apply(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	ps := Placeholders(docs[0])
	if len(ps) != 1 || ps[0].Filter["name"] != "N" {
		t.Fatalf("Placeholders = %+v; want only the lookup() the transform made", ps)
	}
	b, err := docs[0].MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), markToken) || strings.Contains(string(b), markMember) {
		t.Errorf("encoded document shows the process token: %s", b)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"id":{"$lookup":{"filter":{"name":"N"},"type":"g"}}`) {
		t.Errorf("placeholder is not in its public form: %s", b)
	}
}

func TestPlaceholderTurnedIntoTextFailsTheRecord(t *testing.T) {
	m := mustParse(t, `version: 1
name: x
source: {file: x.json}
target: {type: customers}
transform: '{type: "customers", attributes: {name: "C-\(ref("other"; .k))"}}'
`)
	_, err := m.Apply(context.Background(), decodeJSON(t, []byte(`{"k": "1"}`)))
	if err == nil || !strings.Contains(err.Error(), "turned into text") {
		t.Fatalf("Apply = %v; want a record error about a placeholder turned into text", err)
	}
	if strings.Contains(err.Error(), markToken) {
		t.Errorf("the error shows the process token: %v", err)
	}
}
