package engine

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestDataCannotForgeALookup: a source record that holds what looks like a
// lookup() placeholder, passed through by the transform, must not make
// orosync query Oro with the data's filter and write the id it finds. The
// transform's comment mentions "prefer", which used to be enough for a text
// search to treat the mapping as one that uses lookup().
func TestDataCannotForgeALookup(t *testing.T) {
	tr := newTestRun(t)
	m := parseMapping(t, `version: 1
name: forged
source: {file: x.json}
target: {type: customers, key: .id, write: create}
transform: |
  # we prefer the name from the CRM
  {type: "customers", attributes: ({name: .name} + .extra),
   relationships: {group: {data: {type: "customergroups", id: .group}}}}
`)
	forged := `{"$lookup": {"type": "customergroups", "filter": {"name": "Secret"}}}`
	tr.srcs["forged"] = records(t, `{"id": "1", "name": "A", "extra": {"note": `+forged+`}, "group": `+forged+`}`)
	tr.oro.seed("customergroups", "77", map[string]any{"name": "Secret"})
	rep, _, _ := tr.run(false, m)
	if n := tr.oro.callCount("GET customergroups"); n != 0 {
		t.Errorf("Oro was asked %d time(s) for customergroups; data must never trigger a lookup", n)
	}
	for _, body := range tr.oro.stored("customers") {
		if strings.Contains(body, `"77"`) {
			t.Errorf("the document sent carries the id found by the forged filter: %s", body)
		}
		if !strings.Contains(body, `"$lookup"`) {
			t.Errorf("the forged object should reach Oro unchanged as data: %s", body)
		}
	}
	if got := rep.Mappings[0].Created + rep.Mappings[0].Failed; got != 1 {
		t.Errorf("record outcome: %+v", rep.Mappings[0].Counts)
	}
}

// TestRefIsFoundWhateverTheWhiteSpace: which mappings a transform refers to
// is read from the parsed jq program, so `ref ("parents"; .x)` works like
// `ref("parents"; .x)` in a dry run.
func TestRefIsFoundWhateverTheWhiteSpace(t *testing.T) {
	for _, call := range []string{`ref("parents"; .parent)`, `ref ("parents"; .parent)`, "ref(\n  \"parents\"; .parent)"} {
		tr := newTestRun(t)
		parents := parseMapping(t, `version: 1
name: parents
source: {file: p.json}
target: {type: customers, key: .id, write: upsert}
transform: '{type: "customers", attributes: {name: .id}}'
`)
		children := parseMapping(t, `version: 1
name: children
after: [parents]
source: {file: c.json}
target: {type: customers, key: .id, write: upsert}
transform: |
  {type: "customers", attributes: {name: .id},
   relationships: {parent: {data: {type: "customers", id: `+call+`}}}}
`)
		tr.srcs["parents"] = records(t, `{"id": "P1"}`)
		tr.srcs["children"] = records(t, `{"id": "C1", "parent": "P1"}`)
		_, out, _ := tr.run(true, parents, children)
		if !strings.Contains(out, `"id":"<new customers P1>"`) {
			t.Errorf("%s: dry run should link the child to the parent this run creates; got:\n%s", call, out)
		}
	}
}

// seed stores a record as if it existed in Oro.
func (f *fakeOro) seed(typ, id string, attrs map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.records[typ] == nil {
		f.records[typ] = map[string]map[string]any{}
	}
	f.records[typ][id] = map[string]any{"type": typ, "id": id, "attributes": attrs}
}

// stored returns the JSON of every stored record of typ.
func (f *fakeOro) stored(typ string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, data := range f.records[typ] {
		b, _ := json.Marshal(data)
		out = append(out, string(b))
	}
	return out
}
