package sandbox

import (
	"slices"
	"strings"
	"testing"
)

// product is a created product and the ids of its owned records.
type product struct {
	id, defaultName, localName, primary, set string
}

// createNamedProduct creates product sku with a default and a localized
// name, the primary precision "item" and a second precision "set".
func createNamedProduct(t *testing.T, e *env, sku string) product {
	t.Helper()
	doc := strings.Replace(strings.ReplaceAll(productDoc, "%SKU%", sku),
		`"names":{"data":[{"type":"productnames","id":"n1"}]}`,
		`"names":{"data":[{"type":"productnames","id":"n1"},{"type":"productnames","id":"n2"}]}`, 1)
	doc = strings.Replace(doc, `"included":[`, `"included":[{"type":"productnames","id":"n2","attributes":{"string":"Widget (en_US)"},
		"relationships":{"localization":{"data":{"type":"localizations","id":"1"}}}},`, 1)
	rp := e.req("POST", "/products", doc).must(t, 201)
	p := product{id: rp.str("data", "id")}
	for i := range 4 {
		switch rp.str("included", i, "meta", "includeId") {
		case "n1":
			p.defaultName = rp.str("included", i, "id")
		case "n2":
			p.localName = rp.str("included", i, "id")
		case "u1":
			p.primary = rp.str("included", i, "id")
		case "u2":
			p.set = rp.str("included", i, "id")
		}
	}
	if p.defaultName == "" || p.localName == "" || p.primary == "" || p.set == "" {
		t.Fatalf("product answer lacks included records: %s", rp.raw)
	}
	return p
}

// sortedIDs returns ids in the order Records returns them.
func sortedIDs(ids ...string) []string {
	slices.SortFunc(ids, compareIDs)
	return ids
}

func ids(recs []Resource) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.ID)
	}
	return out
}

func TestPatchWithNewNamesDeletesTheNamesLeftOut(t *testing.T) {
	e := newEnv(t)
	p := createNamedProduct(t, e, "A-1")
	// What a sync tool that rebuilds the names on every update sends.
	body := `{"data":{"type":"products","id":"` + p.id + `","relationships":{
	    "names":{"data":[{"type":"productnames","id":"fresh"}]}}},
	  "included":[{"type":"productnames","id":"fresh","attributes":{"fallback":null,"string":"Gadget"}}]}`
	rp := e.req("PATCH", "/products/"+p.id, body).must(t, 200)
	fresh := rp.str("included", 0, "id")
	if got := rp.str("data", "relationships", "names", "data"); got != `[{"id":"`+fresh+`","type":"productnames"}]` {
		t.Errorf("names = %s, want only the new record %s", got, fresh)
	}
	if got := ids(e.s.Records("productnames")); !slices.Equal(got, []string{fresh}) {
		t.Errorf("product names in store = %v, want only %s: the old default name and its translation must be deleted", got, fresh)
	}
	for _, gone := range []string{p.defaultName, p.localName} {
		e.req("GET", "/productnames/"+gone, "").must(t, 404)
	}
}

func TestPatchListingExistingNamesKeepsThem(t *testing.T) {
	e := newEnv(t)
	p := createNamedProduct(t, e, "A-1")
	body := `{"data":{"type":"products","id":"` + p.id + `","relationships":{
	    "names":{"data":[{"type":"productnames","id":"` + p.defaultName + `"},{"type":"productnames","id":"` + p.localName + `"}]}}},
	  "included":[{"type":"productnames","id":"` + p.defaultName + `","meta":{"update":true},"attributes":{"string":"Gadget"}}]}`
	rp := e.req("PATCH", "/products/"+p.id, body).must(t, 200)
	if rp.str("included", 0, "id") != p.defaultName || rp.str("included", 0, "attributes", "string") != "Gadget" {
		t.Errorf("included = %s", rp.str("included"))
	}
	if got, want := ids(e.s.Records("productnames")), sortedIDs(p.defaultName, p.localName); !slices.Equal(got, want) {
		t.Errorf("product names = %v, want both kept (%v)", got, want)
	}
	// Leaving out only the translation deletes only the translation.
	body = `{"data":{"type":"products","id":"` + p.id + `","relationships":{
	    "names":{"data":[{"type":"productnames","id":"` + p.defaultName + `"}]}}}}`
	e.req("PATCH", "/products/"+p.id, body).must(t, 200)
	if got := ids(e.s.Records("productnames")); !slices.Equal(got, []string{p.defaultName}) {
		t.Errorf("product names = %v, want the default name only", got)
	}
}

func TestOwnedRecordsCannotBeDeletedOnTheirOwn(t *testing.T) {
	e := newEnv(t)
	p := createNamedProduct(t, e, "A-1")
	rp := e.req("DELETE", "/productnames/"+p.localName, "").must(t, 405)
	if rp.header.Get("Allow") != "OPTIONS, GET, PATCH" || rp.raw != "" {
		t.Errorf("Allow %q, body %q", rp.header.Get("Allow"), rp.raw)
	}
}

func TestPatchNamesWithoutDefaultNameIsRefused(t *testing.T) {
	e := newEnv(t)
	p := createNamedProduct(t, e, "A-1")
	for name, names := range map[string]string{
		"only a translation": `[{"type":"productnames","id":"` + p.localName + `"}]`,
		"empty set":          `[]`,
	} {
		t.Run(name, func(t *testing.T) {
			body := `{"data":{"type":"products","id":"` + p.id + `","relationships":{"names":{"data":` + names + `}}}}`
			e.req("PATCH", "/products/"+p.id, body).must(t, 400).wantErrors(t,
				wantErr{"400", "not blank default localized fallback value constraint", detailDefaultName, "/data/relationships/names/data", ""})
		})
	}
	if n := len(e.s.Records("productnames")); n != 2 {
		t.Errorf("%d names stored, want 2: a refused PATCH deletes nothing", n)
	}
}

func TestLeftOutUnitPrecisionTakesItsLevelAndPrices(t *testing.T) {
	e := newEnv(t)
	p := createNamedProduct(t, e, "A-1")
	price := func(unit string) string {
		return `{"data":{"type":"productprices","attributes":{"quantity":1,"currency":"USD","value":"5"},
		"relationships":{"priceList":{"data":{"type":"pricelists","id":"1"}},"product":{"data":{"type":"products","id":"` + p.id + `"}},
		"unit":{"data":{"type":"productunits","id":"` + unit + `"}}}}}`
	}
	itemPrice := e.req("POST", "/productprices", price("item")).must(t, 201).str("data", "id")
	e.req("POST", "/productprices", price("set")).must(t, 201)

	body := `{"data":{"type":"products","id":"` + p.id + `","relationships":{
	    "unitPrecisions":{"data":[{"type":"productunitprecisions","id":"` + p.primary + `"}]}}}}`
	rp := e.req("PATCH", "/products/"+p.id, body).must(t, 200)
	if got := rp.str("data", "relationships", "unitPrecisions", "data"); got != `[{"id":"`+p.primary+`","type":"productunitprecisions"}]` {
		t.Errorf("unitPrecisions = %s", got)
	}
	if got := ids(e.s.Records("productunitprecisions")); !slices.Equal(got, []string{p.primary}) {
		t.Errorf("unit precisions = %v, want only the primary %s", got, p.primary)
	}
	levels := e.s.Records("inventorylevels")
	if len(levels) != 1 || levels[0].Relationships["productUnitPrecision"][0].ID != p.primary {
		t.Errorf("inventory levels = %+v, want the primary precision's only", levels)
	}
	if got := ids(e.s.Records("productprices")); !slices.Equal(got, []string{itemPrice}) {
		t.Errorf("prices = %v, want only the item price %s (the set price goes with its unit)", got, itemPrice)
	}
}

func TestPrimaryUnitPrecisionMustStayInTheSet(t *testing.T) {
	e := newEnv(t)
	p := createNamedProduct(t, e, "A-1")
	primaryOut := wantErr{"400", "primary product unit precision constraint", detailPrimaryNotInSet,
		"/data/relationships/unitPrecisions/data", ""}
	tests := []struct {
		name, rels string
		want       []wantErr
	}{
		{"set without the primary", `"unitPrecisions":{"data":[{"type":"productunitprecisions","id":"` + p.set + `"}]}`,
			[]wantErr{primaryOut}},
		{"empty set", `"unitPrecisions":{"data":[]}`,
			[]wantErr{{"400", titleCount, detailNoUnits, "/data/relationships/unitPrecisions/data", ""}, primaryOut}},
		{"new primary outside the set", `"primaryUnitPrecision":{"data":{"type":"productunitprecisions","id":"` + p.set + `"}},
			"unitPrecisions":{"data":[{"type":"productunitprecisions","id":"` + p.primary + `"}]}`, []wantErr{primaryOut}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"data":{"type":"products","id":"` + p.id + `","relationships":{` + tc.rels + `}}}`
			e.req("PATCH", "/products/"+p.id, body).must(t, 400).wantErrors(t, tc.want...)
		})
	}
	if n := len(e.s.Records("productunitprecisions")); n != 2 {
		t.Fatalf("%d unit precisions, want 2: refused updates change nothing", n)
	}
	// Moving the primary to "set" and dropping "item" in one update is fine.
	body := `{"data":{"type":"products","id":"` + p.id + `","relationships":{
	    "primaryUnitPrecision":{"data":{"type":"productunitprecisions","id":"` + p.set + `"}},
	    "unitPrecisions":{"data":[{"type":"productunitprecisions","id":"` + p.set + `"}]}}}}`
	e.req("PATCH", "/products/"+p.id, body).must(t, 200)
	if got := ids(e.s.Records("productunitprecisions")); !slices.Equal(got, []string{p.set}) {
		t.Errorf("unit precisions = %v, want only %s", got, p.set)
	}
}

func TestNewUnitPrecisionOfAKnownUnitIsRefused(t *testing.T) {
	e := newEnv(t)
	p := createNamedProduct(t, e, "A-1")
	newItem := `{"type":"productunitprecisions","id":"again","attributes":{"precision":1,"conversionRate":1,"sell":true},
	    "relationships":{"unit":{"data":{"type":"productunits","id":"item"}}}}`
	alreadyThere := wantErr{"400", titleForm, `Unit precision "item" already exists for this product.`,
		"/data/relationships/unitPrecisions/data", ""}
	tests := []struct {
		name, set string
		want      []wantErr
	}{
		// ProductTest::testUpdateWithDuplicateExistingUnitPrecision: both
		// errors; the set also leaves the primary precision out.
		{"replacing the stored one", `[{"type":"productunitprecisions","id":"again"}]`,
			[]wantErr{alreadyThere, {"400", titleUnique, "This value is already used.", "/included/0/relationships/product/data", ""},
				{"400", "primary product unit precision constraint", detailPrimaryNotInSet, "/data/relationships/unitPrecisions/data", ""}}},
		{"next to the stored one", `[{"type":"productunitprecisions","id":"` + p.primary + `"},{"type":"productunitprecisions","id":"again"}]`,
			[]wantErr{alreadyThere, {"400", titleUnique, "This value is already used.", "/included/0/relationships/product/data", ""}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"data":{"type":"products","id":"` + p.id + `","relationships":{"unitPrecisions":{"data":` + tc.set + `}}},
			  "included":[` + newItem + `]}`
			e.req("PATCH", "/products/"+p.id, body).must(t, 400).wantErrors(t, tc.want...)
		})
	}
	// On create, two precisions of one unit give the form error alone
	// (ProductTest::testCreateWithDuplicateUnitPrecision).
	dup := strings.Replace(strings.ReplaceAll(productDoc, "%SKU%", "B-1"), `"id":"set"`, `"id":"item"`, 1)
	e.req("POST", "/products", dup).must(t, 400).wantErrors(t, alreadyThere)
}

func TestIncludedUpdateOfTheParentAlsoDeletesTheOwnedRecordsLeftOut(t *testing.T) {
	e := newEnv(t)
	p := createNamedProduct(t, e, "A-1")
	id := e.req("POST", "/productprices", `{"data":{"type":"productprices","attributes":{"quantity":1,"currency":"USD","value":"5"},
		"relationships":{"priceList":{"data":{"type":"pricelists","id":"1"}},"product":{"data":{"type":"products","id":"`+p.id+`"}},
		"unit":{"data":{"type":"productunits","id":"item"}}}}}`).must(t, 201).str("data", "id")
	// The product is updated as an included record of a price update.
	body := `{"data":{"type":"productprices","id":"` + id + `","attributes":{"value":"6"},
	    "relationships":{"product":{"data":{"type":"products","id":"` + p.id + `"}}}},
	  "included":[{"type":"products","id":"` + p.id + `","meta":{"update":true},
	      "relationships":{"names":{"data":[{"type":"productnames","id":"fresh"}]}}},
	    {"type":"productnames","id":"fresh","attributes":{"string":"Gadget"}}]}`
	rp := e.req("PATCH", "/productprices/"+id, body).must(t, 200)
	fresh := rp.str("included", 1, "id")
	if got := ids(e.s.Records("productnames")); !slices.Equal(got, []string{fresh}) {
		t.Errorf("product names = %v, want only the new %s", got, fresh)
	}
}
