package mappings

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/orosync/orosync/resources"
)

// TestSkeletonForEveryWritableType: the mapping Skeleton writes for every
// resource Oro lets orosync write parses, passes Check without errors (and
// without warnings but the one about resources without a natural key),
// and its tests: case passes, with no sample, a JSON-like sample and a
// CSV-like one (strings only).
func TestSkeletonForEveryWritableType(t *testing.T) {
	jsonSample := []SampleField{{"sku", "A-1"}, {"name", "Widget"}, {"unit", "item"}, {"qty", json.Number("3")},
		{"email", "a@example.com"}, {"first name", "Ann"}, {"active", true}}
	csvSample := []SampleField{{"code", "C-1"}, {"name", "Widget"}, {"quantity", "3"}, {"precision", "2"},
		{"enabled", "true"}, {"price_list_currencies", "USD"}, {"street", "1 Main St"}}
	record := func(fields []SampleField) map[string]any {
		out := map[string]any{}
		for _, f := range fields {
			out[f.Name] = f.Example
		}
		return out
	}
	written := 0
	for _, r := range resources.All() {
		if !r.Writable() {
			if _, err := Skeleton(r.Type, SkeletonOptions{}); err == nil {
				t.Errorf("Skeleton(%s) of a read-only resource succeeded", r.Type)
			}
			continue
		}
		written++
		for sample, opts := range map[string]SkeletonOptions{
			"no sample": {},
			"json":      {File: "data/sample.json", Fields: jsonSample, Record: record(jsonSample), Command: "orosync init " + r.Type},
			"csv":       {File: "../data/sample ${x}.csv", Fields: csvSample, Record: record(csvSample), Name: "my-" + r.Type},
		} {
			body, err := Skeleton(r.Type, opts)
			if err != nil {
				t.Errorf("%s, %s: %v", r.Type, sample, err)
				continue
			}
			m, err := Parse("init.yaml", body, nil)
			if err != nil {
				t.Errorf("%s, %s: %v\n%s", r.Type, sample, err, body)
				continue
			}
			for _, p := range m.Check(resources.Version{}) {
				if !strings.Contains(p.Msg, "target.match is not set") || len(r.NaturalKey) > 0 {
					t.Errorf("%s, %s: %v\n%s", r.Type, sample, p, body)
				}
			}
			if len(m.Tests) != 1 {
				t.Errorf("%s, %s: %d tests, want 1\n%s", r.Type, sample, len(m.Tests), body)
			}
			for i := range m.Tests {
				if res := m.RunTest(context.Background(), i); !res.Passed() {
					t.Errorf("%s, %s: test fails: %v\n%s", r.Type, sample, res.Failure, body)
				}
			}
		}
	}
	if written < 10 {
		t.Errorf("only %d writable resources", written)
	}
}

func TestSkeletonOfAProduct(t *testing.T) {
	body, err := Skeleton("products", SkeletonOptions{File: "items.csv", Name: "items",
		Fields: []SampleField{{"sku", "A-1"}, {"name", "Widget"}, {"unit", "kg"}, {"inventory status", "in_stock"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"name: items\n",
		"  file: items.csv\n",
		"  key: .sku  #",
		"  write: upsert  #",
		"  match: {sku: .attributes.sku}  #",
		`  #   ."inventory status": "in_stock"`,
		"        sku: .sku  # required\n",
		`        # , status: "disabled"  # optional; enabled | disabled; default "disabled"`,
		`        names: {data: [{type: "productnames", id: "names-1"}]},  # required`,
		`        inventory_status: {data: {type: "prodinventorystatuses", id: ."inventory status"}}  # required`,
		`      {type: "productnames", id: "names-1", attributes: {fallback: null, string: .name}},`,
		`       relationships: {unit: {data: {type: "productunits", id: .unit}}}}`,
		"  - name: a made-up record\n",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("Skeleton(products) lacks %q:\n%s", want, body)
		}
	}
	if _, err := Skeleton("categories", SkeletonOptions{}); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("Skeleton(categories) = %v, want a read-only error", err)
	}
	if _, err := Skeleton("products", SkeletonOptions{Name: "Bad Name"}); err == nil || !strings.Contains(err.Error(), "is not a valid name") {
		t.Errorf("Skeleton(a bad name) = %v, want the name's problem", err)
	}
}
