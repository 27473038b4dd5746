package engine

import (
	"encoding/json"
	"testing"

	"github.com/orosync/orosync/engine/oro"
	"github.com/orosync/orosync/mappings"
)

func mustDoc(t *testing.T, s string) mappings.Document {
	t.Helper()
	var d mappings.Document
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func mustResource(t *testing.T, s string) *oro.Resource {
	t.Helper()
	var w struct {
		Data     map[string]any   `json:"data"`
		Included []map[string]any `json:"included"`
	}
	if err := json.Unmarshal([]byte(s), &w); err != nil {
		t.Fatal(err)
	}
	conv := func(m map[string]any) oro.Resource {
		a, _ := m["attributes"].(map[string]any)
		r, _ := m["relationships"].(map[string]any)
		return oro.Resource{Type: m["type"].(string), ID: m["id"].(string), Attributes: a, Relationships: r}
	}
	res := conv(w.Data)
	for _, inc := range w.Included {
		res.Included = append(res.Included, conv(inc))
	}
	return &res
}

// The product as Oro holds it: a default name (5), a German name (9) added
// in Oro, and unit precisions for item (21, primary) and set (22).
const currentProduct = `{"data": {"type": "products", "id": "1", "relationships": {
    "names": {"data": [{"type": "productnames", "id": "5"}, {"type": "productnames", "id": "9"}]},
    "unitPrecisions": {"data": [{"type": "productunitprecisions", "id": "21"}, {"type": "productunitprecisions", "id": "22"}]}}},
  "included": [
    {"type": "productnames", "id": "5", "attributes": {"string": "Old"}, "relationships": {"localization": {"data": null}}},
    {"type": "productnames", "id": "9", "attributes": {"string": "Alt"}, "relationships": {"localization": {"data": {"type": "localizations", "id": "2"}}}},
    {"type": "productunitprecisions", "id": "21", "attributes": {"precision": 0}, "relationships": {"unit": {"data": {"type": "productunits", "id": "item"}}}},
    {"type": "productunitprecisions", "id": "22", "attributes": {"precision": 0}, "relationships": {"unit": {"data": {"type": "productunits", "id": "set"}}}}]}`

// The mapping's update: a renamed default name, the item precision changed
// and a new kg precision.
const updateDoc = `{"data": {"type": "products", "attributes": {"sku": "A-1"}, "relationships": {
    "names": {"data": [{"type": "productnames", "id": "name-default"}]},
    "primaryUnitPrecision": {"data": {"type": "productunitprecisions", "id": "p-item"}},
    "unitPrecisions": {"data": [{"type": "productunitprecisions", "id": "p-item"}, {"type": "productunitprecisions", "id": "p-kg"}]}}},
  "included": [
    {"type": "productnames", "id": "name-default", "attributes": {"string": "New"}},
    {"type": "productunitprecisions", "id": "p-item", "attributes": {"precision": 2}, "relationships": {"unit": {"data": {"type": "productunits", "id": "item"}}}},
    {"type": "productunitprecisions", "id": "p-kg", "attributes": {"precision": 3}, "relationships": {"unit": {"data": {"type": "productunits", "id": "kg"}}}}]}`

func TestReconcileKeepsWhatTheMappingDoesNotOwn(t *testing.T) {
	for _, tc := range []struct {
		policy string
		want   string
	}{
		{mappings.PolicyMerge, `{"data":{"attributes":{"sku":"A-1"},"relationships":{` +
			`"names":{"data":[{"id":"5","type":"productnames"},{"id":"9","type":"productnames"}]},` +
			`"primaryUnitPrecision":{"data":{"id":"21","type":"productunitprecisions"}},` +
			`"unitPrecisions":{"data":[{"id":"21","type":"productunitprecisions"},{"id":"p-kg","type":"productunitprecisions"},{"id":"22","type":"productunitprecisions"}]}},"type":"products"},` +
			`"included":[{"attributes":{"string":"New"},"id":"5","meta":{"update":true},"type":"productnames"},` +
			`{"attributes":{"precision":2},"id":"21","meta":{"update":true},"relationships":{"unit":{"data":{"id":"item","type":"productunits"}}},"type":"productunitprecisions"},` +
			`{"attributes":{"precision":3},"id":"p-kg","relationships":{"unit":{"data":{"id":"kg","type":"productunits"}}},"type":"productunitprecisions"}]}`},
		{mappings.PolicyReplace, `{"data":{"attributes":{"sku":"A-1"},"relationships":{` +
			`"names":{"data":[{"id":"5","type":"productnames"}]},` +
			`"primaryUnitPrecision":{"data":{"id":"21","type":"productunitprecisions"}},` +
			`"unitPrecisions":{"data":[{"id":"21","type":"productunitprecisions"},{"id":"p-kg","type":"productunitprecisions"}]}},"type":"products"},` +
			`"included":[{"attributes":{"string":"New"},"id":"5","meta":{"update":true},"type":"productnames"},` +
			`{"attributes":{"precision":2},"id":"21","meta":{"update":true},"relationships":{"unit":{"data":{"id":"item","type":"productunits"}}},"type":"productunitprecisions"},` +
			`{"attributes":{"precision":3},"id":"p-kg","relationships":{"unit":{"data":{"id":"kg","type":"productunits"}}},"type":"productunitprecisions"}]}`},
	} {
		doc := mustDoc(t, updateDoc)
		current := mustResource(t, currentProduct)
		for _, p := range []relPlan{
			{name: "names", target: "productnames", policy: tc.policy, key: "localization"},
			{name: "unitPrecisions", target: "productunitprecisions", policy: tc.policy, key: "unit"},
		} {
			if err := reconcile(&doc, current, p); err != nil {
				t.Fatalf("%s: reconcile(%s): %v", tc.policy, p.name, err)
			}
		}
		got, err := doc.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.policy, got, tc.want)
		}
	}
}

func TestReconcileIndependentRecordsByID(t *testing.T) {
	doc := mustDoc(t, `{"data": {"type": "customerusers", "relationships": {"userRoles": {"data": [{"type": "customeruserroles", "id": "2"}]}}}}`)
	current := mustResource(t, `{"data": {"type": "customerusers", "id": "4", "relationships": {"userRoles": {"data": [{"type": "customeruserroles", "id": "2"}, {"type": "customeruserroles", "id": "3"}]}}}}`)
	if err := reconcile(&doc, current, relPlan{name: "userRoles", policy: mappings.PolicyMerge}); err != nil {
		t.Fatal(err)
	}
	got, _ := doc.MarshalJSON()
	if want := `{"data":{"relationships":{"userRoles":{"data":[{"id":"2","type":"customeruserroles"},{"id":"3","type":"customeruserroles"}]}},"type":"customerusers"}}`; string(got) != want {
		t.Errorf("merge of roles:\n got %s\nwant %s", got, want)
	}
}

func TestReconcileRefusesTwoIncludedRecordsWithOneKey(t *testing.T) {
	doc := mustDoc(t, `{"data": {"type": "products", "relationships": {"names": {"data": [{"type": "productnames", "id": "a"}, {"type": "productnames", "id": "b"}]}}},
	  "included": [{"type": "productnames", "id": "a", "attributes": {"string": "A"}}, {"type": "productnames", "id": "b", "attributes": {"string": "B"}}]}`)
	err := reconcile(&doc, mustResource(t, currentProduct), relPlan{name: "names", policy: mappings.PolicyMerge, key: "localization"})
	if err == nil {
		t.Fatal("reconcile accepted two default names")
	}
}
