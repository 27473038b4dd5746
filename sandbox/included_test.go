package sandbox

import (
	"slices"
	"strings"
	"testing"
)

func TestIncludedUpdateNeedsAnExistingRecordLinkedToThePrimary(t *testing.T) {
	e := newEnv(t)
	p := createNamedProduct(t, e, "A-1")
	other := createNamedProduct(t, e, "B-1")
	patch := func(nameID string) string {
		return `{"data":{"type":"products","id":"` + p.id + `","relationships":{
		    "names":{"data":[{"type":"productnames","id":"` + p.defaultName + `"},{"type":"productnames","id":"` + nameID + `"}]}}},
		  "included":[{"type":"productnames","id":"` + nameID + `","meta":{"update":true},"attributes":{"string":"x"}}]}`
	}
	tests := []struct {
		name, body string
		want       wantErr
	}{
		{"no such record", patch("999"),
			wantErr{"400", titleEntity, "The entity does not exist.", "/included/0", ""}},
		{"id of another type", patch(p.set + "000"),
			wantErr{"400", titleEntity, "The entity does not exist.", "/included/0", ""}},
		{"not an id of the type", patch("n1"),
			wantErr{"400", titleEntityID, `Expected integer value. Given "n1".`, "/included/0/id", ""}},
		// MetaOperationParser reads included meta as it reads primary meta.
		{"meta.update a string", strings.Replace(patch(p.localName), `"update":true`, `"update":"true"`, 1),
			wantErr{"400", titleValue, "This value should be a boolean.", "/included/0/meta/update", ""}},
		{"two meta options", strings.Replace(patch(p.localName), `"update":true`, `"update":true,"validate":true`, 1),
			wantErr{"400", titleRequestData, "Only one meta option can be used.", "/included/0/meta", ""}},
		// Oro looks at the request only: the stored product does list
		// its default name, but this PATCH does not send the names.
		{"linked by the stored record only", `{"data":{"type":"products","id":"` + p.id + `","attributes":{"featured":true}},
		  "included":[{"type":"productnames","id":"` + p.defaultName + `","meta":{"update":true},"attributes":{"string":"x"}}]}`,
			wantErr{"400", titleRequestData, "The entity should have a relationship with the primary entity " +
				"and this should be explicitly specified in the request", "/included/0", ""}},
		{"not linked to the primary", `{"data":{"type":"products","id":"` + p.id + `"},
		  "included":[{"type":"productnames","id":"` + other.defaultName + `","meta":{"update":true},"attributes":{"string":"x"}}]}`,
			wantErr{"400", titleRequestData, "The entity should have a relationship with the primary entity " +
				"and this should be explicitly specified in the request", "/included/0", ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.req("PATCH", "/products/"+p.id, tc.body).must(t, 400).wantErrors(t, tc.want)
		})
	}
	if got := e.s.Records("productnames"); len(got) != 4 {
		t.Errorf("%d names stored, want 4: refused requests change nothing", len(got))
	}
}

func TestIncludedActionNotAllowed(t *testing.T) {
	e := newEnv(t)
	body := strings.Replace(strings.ReplaceAll(productDoc, "%SKU%", "C-1"),
		`"relationships":{"names"`, `"relationships":{"category":{"data":{"type":"categories","id":"c"}},"names"`, 1)
	body = strings.Replace(body, `"included":[`, `"included":[{"type":"categories","id":"c","relationships":{"parentCategory":{"data":null}}},`, 1)
	// categories are read-only: creating one in included is refused with
	// Oro's status, title and detail (CreateWithIncludedTest).
	e.req("POST", "/products", body).must(t, 405).wantErrors(t,
		wantErr{"405", titleActionNotAllowed, "The action is not allowed.", "/included/0", ""})
}

func TestIncludedWithoutMetaIsACreateEvenWithAnExistingID(t *testing.T) {
	e := newEnv(t)
	p := createNamedProduct(t, e, "A-1")
	// The id of the existing default name, but no meta.update: a temporary id.
	body := `{"data":{"type":"products","id":"` + p.id + `","relationships":{
	    "names":{"data":[{"type":"productnames","id":"` + p.defaultName + `"}]}}},
	  "included":[{"type":"productnames","id":"` + p.defaultName + `","attributes":{"fallback":null,"string":"Fresh"}}]}`
	rp := e.req("PATCH", "/products/"+p.id, body).must(t, 200)
	created := rp.str("included", 0, "id")
	if created == p.defaultName || rp.str("included", 0, "meta", "includeId") != p.defaultName {
		t.Fatalf("included = %s, want a new record with includeId %s", rp.str("included"), p.defaultName)
	}
	if got := rp.str("data", "relationships", "names", "data"); got != `[{"id":"`+created+`","type":"productnames"}]` {
		t.Errorf("names = %s, want the new record", got)
	}
	// The old records are left out of the set, so Oro deletes them.
	if got := ids(e.s.Records("productnames")); !slices.Equal(got, []string{created}) {
		t.Errorf("names = %v, want only %s", got, created)
	}
	// Options set to false are no options: update false and upsert false
	// together create (MetaOperationParser counts only true flags).
	body = strings.Replace(body, `"attributes":{"fallback":null,"string":"Fresh"}`,
		`"meta":{"update":false,"upsert":false},"attributes":{"fallback":null,"string":"Again"}`, 1)
	body = strings.ReplaceAll(body, p.defaultName, created)
	if rp := e.req("PATCH", "/products/"+p.id, body).must(t, 200); rp.str("included", 0, "id") == created {
		t.Errorf("update false updated %s: %s", created, rp.raw)
	}
	// For a resource with client-chosen ids, a create with an existing id
	// collides with the stored record.
	unit := `{"data":{"type":"productunits","id":"item"}}`
	e.req("POST", "/productunits", unit).must(t, 400).wantErrors(t,
		wantErr{"400", titleUnique, "This value is already used.", "/data/id", ""})
}
