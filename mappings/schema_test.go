package mappings

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"testing"
)

// schemaDefs maps each Go struct type of the format to the JSON Schema node
// describing it.
var schemaDefs = map[reflect.Type]string{
	reflect.TypeFor[Mapping]():            "#",
	reflect.TypeFor[Source]():             "source",
	reflect.TypeFor[CSVOptions]():         "csv",
	reflect.TypeFor[HTTPSource]():         "http",
	reflect.TypeFor[Auth]():               "auth",
	reflect.TypeFor[BasicAuth]():          "auth.basic",
	reflect.TypeFor[APIKeyAuth]():         "auth.api_key",
	reflect.TypeFor[OAuth2Auth]():         "auth.oauth2",
	reflect.TypeFor[Retry]():              "retry",
	reflect.TypeFor[Paginate]():           "paginate",
	reflect.TypeFor[PageNumber]():         "paginate.page",
	reflect.TypeFor[OffsetLimit]():        "paginate.offset",
	reflect.TypeFor[CursorPaging]():       "paginate.cursor",
	reflect.TypeFor[StopRules]():          "paginate.stop",
	reflect.TypeFor[Target]():             "target",
	reflect.TypeFor[RelationshipPolicy](): "relationshipPolicy",
	reflect.TypeFor[Incremental]():        "incremental",
	reflect.TypeFor[TestCase]():           "testCase",
}

func TestSchemaMatchesTypes(t *testing.T) {
	var schema map[string]any
	if err := json.Unmarshal(Schema, &schema); err != nil {
		t.Fatalf("schema.json is not valid JSON: %v", err)
	}
	if schema["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v, want draft 2020-12", schema["$schema"])
	}
	defs, _ := schema["$defs"].(map[string]any)
	seen := map[string]bool{}
	for typ := range fieldsOfAllTypes() {
		where, ok := schemaDefs[typ]
		if !ok {
			t.Errorf("Go type %s has no schema node: add it to schemaDefs and schema.json", typ)
			continue
		}
		seen[where] = true
		node := schemaNode(schema, defs, where)
		if node == nil {
			t.Errorf("schema node %q for %s is missing", where, typ)
			continue
		}
		if node["additionalProperties"] != false {
			t.Errorf("schema node %q: additionalProperties must be false (decoding is strict)", where)
		}
		props, _ := node["properties"].(map[string]any)
		var inSchema []string
		for k, v := range props {
			inSchema = append(inSchema, k)
			if p, _ := v.(map[string]any); p["description"] == nil && p["$ref"] == nil && where == "#" {
				t.Errorf("schema property %s has no description", k)
			}
		}
		sort.Strings(inSchema)
		inGo := fieldNames(typ)
		if !slices.Equal(inSchema, inGo) {
			t.Errorf("%s: schema properties %v, Go yaml fields %v", typ, inSchema, inGo)
		}
	}
	for _, where := range schemaDefs {
		if !seen[where] {
			t.Errorf("schemaDefs entry %q is not a type of the format", where)
		}
	}
}

// fieldsOfAllTypes returns every struct type reachable from Mapping.
func fieldsOfAllTypes() map[reflect.Type]bool {
	out := map[reflect.Type]bool{}
	var visit func(reflect.Type)
	visit = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || isLeafType(t) || out[t] {
			return
		}
		out[t] = true
		for f := range t.Fields() {
			if yamlName(f) != "" {
				visit(f.Type)
			}
		}
	}
	visit(reflect.TypeFor[Mapping]())
	return out
}

func fieldNames(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		if n := yamlName(f); n != "" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// schemaNode finds "#" (the root), "name" (a $defs entry) or "name.prop"
// (a property of a $defs entry).
func schemaNode(root, defs map[string]any, where string) map[string]any {
	if where == "#" {
		return root
	}
	def, prop, nested := cut(where)
	node, _ := defs[def].(map[string]any)
	if !nested || node == nil {
		return node
	}
	props, _ := node["properties"].(map[string]any)
	n, _ := props[prop].(map[string]any)
	return n
}

func cut(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
