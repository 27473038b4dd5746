package sandbox

import (
	"slices"
	"strings"
	"testing"
)

func TestBatchIndexesIncludedItems(t *testing.T) {
	e := newEnv(t)
	body := batchBody([]string{productItem("P-1", "n1", "u1"), productItem("P-2", "n2", "u2")},
		nameObj("n1", "One"), // 0
		precisionObj("u1", "item"),
		`5`, // 2: not an object
		strings.Replace(nameObj("n2", "Two"), `"attributes":{`, `"attributes":{"bogus":1,`, 1), // 3: invalid for its item
		precisionObj("u2", "set"),
		nameObj("n9", "Nobody's"),                 // 5: no primary item reaches it
		nameObj("n1", "Again"),                    // 6: duplicate
		`{"type":"productnames","attributes":{}}`, // 7: no id
	)
	id := e.opID(t, e.req("PATCH", "/products", body).must(t, 202))
	if rp := e.waitOp(t, id); rp.str("data", "attributes", "status") != opSuccess || rp.summary() != "2/1/5/1/0" {
		t.Fatalf("operation = %s", rp.raw)
	}
	got := e.req("GET", "/asyncoperations/"+id+"/errors", "").must(t, 200).opErrors(t)
	unlinked := "The entity should have a relationship with at least one primary entity and this should be explicitly specified in the request"
	want := []string{
		id + "-0-1|400|request data constraint|The item should be an object|/included/2",
		id + "-0-2|400|request data constraint|The item duplicates the item with the index 0|/included/6",
		id + "-0-3|400|request data constraint|The 'id' property is required|/included/7",
		id + "-0-4|400|request data constraint|" + unlinked + "|/included/5",
		id + `-1-2|400|extra fields constraint|This form should not contain extra fields: "bogus".|/included/3`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("errors =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	prods := e.s.Records("products")
	if len(prods) != 1 || prods[0].str("sku") != "P-1" {
		t.Fatalf("products = %v, want P-1 only", prods)
	}
	if n := len(e.s.Records("productnames")); n != 1 {
		t.Errorf("%d product names stored, want P-1's only", n)
	}
}

func TestBatchItemsShareAnIncludedRecord(t *testing.T) {
	// The first item that reaches an included item writes it; later items
	// refer to the written record (IncludeMapManager::moveToProcessed).
	e := newEnv(t)
	group := `{"type":"customergroups","id":"g1","attributes":{"name":"Shared"}}`
	item := func(name string) string {
		return `{"type":"customers","attributes":{"name":"` + name + `"},
			"relationships":{"group":{"data":{"type":"customergroups","id":"g1"}}}}`
	}
	rp := e.req("PATCH", "/customers", batchBody([]string{item("A"), item("B")}, group), "X-Mode", "sync").must(t, 200)
	groups := e.s.Records("customergroups")
	if len(groups) != 1 {
		t.Fatalf("%d groups stored, want 1", len(groups))
	}
	for i := range 2 {
		if got := rp.str("data", i, "relationships", "group", "data", "id"); got != groups[0].ID {
			t.Errorf("customer %d group = %q, want %q", i, got, groups[0].ID)
		}
	}
	if rp.str("included", 0, "meta", "includeId") != "g1" || rp.str("included", 1) != "" {
		t.Errorf("included = %s", rp.str("included"))
	}
}

func TestBatchUpdatesOwnedRecords(t *testing.T) {
	e := newEnv(t)
	p := createNamedProduct(t, e, "A-1")
	// An update that sends the names replaces the set: the localized name
	// it leaves out is deleted, the default name is updated in place.
	item := `{"type":"products","id":"` + p.id + `","meta":{"update":true},"relationships":{
		"names":{"data":[{"type":"productnames","id":"` + p.defaultName + `"}]}}}`
	name := `{"type":"productnames","id":"` + p.defaultName + `","meta":{"update":true},"attributes":{"string":"Renamed"}}`
	rp := e.req("PATCH", "/products", batchBody([]string{item}, name), "X-Mode", "sync").must(t, 200)
	if rp.str("data", 0, "meta", "dataId") != p.id || rp.str("included", 0, "meta", "includeId") != p.defaultName {
		t.Errorf("answer = %s", rp.raw)
	}
	if got := ids(e.s.Records("productnames")); !slices.Equal(got, []string{p.defaultName}) {
		t.Errorf("product names = %v, want the default name only", got)
	}
	if got := e.s.Records("productnames")[0].str("string"); got != "Renamed" {
		t.Errorf("default name = %q", got)
	}

	// The same rules refuse what a single PATCH refuses, pointing into the
	// batch: a names set without a default name.
	local := `{"type":"productnames","id":"x1","attributes":{"string":"Only local"},
		"relationships":{"localization":{"data":{"type":"localizations","id":"1"}}}}`
	item = `{"type":"products","id":"` + p.id + `","meta":{"update":true},"relationships":{
		"names":{"data":[{"type":"productnames","id":"x1"}]}}}`
	e.req("PATCH", "/products", batchBody([]string{item}, local), "X-Mode", "sync").
		must(t, 400).wantErrors(t, wantErr{"400", "not blank default localized fallback value constraint",
		detailDefaultName, "/data/0/relationships/names/data", ""})
}
