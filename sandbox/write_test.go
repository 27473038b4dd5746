package sandbox

import (
	"strings"
	"testing"
)

func TestUpsert(t *testing.T) {
	e := newEnv(t)
	box := `{"data":{"type":"productunits","id":"box","meta":{"upsert":true},"attributes":{"defaultPrecision":%s}}}`
	rp := e.req("POST", "/productunits", strings.Replace(box, "%s", "0", 1)).must(t, 201)
	if rp.header.Get("Location") == "" {
		t.Error("201 upsert without Location")
	}
	rp = e.req("POST", "/productunits", strings.Replace(box, "%s", "2", 1)).must(t, 200)
	if rp.header.Get("Location") != "" || rp.str("data", "attributes", "defaultPrecision") != "2" {
		t.Errorf("upsert update: Location %q, body %s", rp.header.Get("Location"), rp.raw)
	}
	e.req("PATCH", "/productunits/crate", `{"data":{"type":"productunits","id":"crate","meta":{"upsert":true}}}`).must(t, 201)
	e.req("PATCH", "/productunits/crate", `{"data":{"type":"productunits","id":"crate","meta":{"upsert":["id"]}}}`).must(t, 200)
	e.req("POST", "/productunits", `{"data":{"type":"productunits","id":"box"}}`).must(t, 400).
		hasError(t, titleUnique, "already used", "/data/id")

	tests := []struct {
		name, method, path, body, detail string
	}{
		{"customers by id", "POST", "/customers",
			`{"data":{"type":"customers","id":"1","meta":{"upsert":true},"attributes":{"name":"x"}}}`,
			"cannot use the entity identifier"},
		{"customers by name", "POST", "/customers",
			`{"data":{"type":"customers","meta":{"upsert":["name"]},"attributes":{"name":"x"}}}`,
			"cannot use this field"},
		{"field not in request", "POST", "/customers",
			`{"data":{"type":"customers","meta":{"upsert":["name"]}}}`,
			`The "name" field does not exist in the request data.`},
		{"bad upsert value", "POST", "/productunits",
			`{"data":{"type":"productunits","id":"a","meta":{"upsert":"yes"}}}`, "boolean or an array"},
		{"patch auto id", "PATCH", "/customergroups/5",
			`{"data":{"type":"customergroups","id":"5","meta":{"upsert":true},"attributes":{"name":"x"}}}`,
			"auto-generated identifier"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.req(tc.method, tc.path, tc.body).must(t, 400).hasError(t, titleValue, tc.detail, upsertPointer)
		})
	}
}

// productDoc is a minimal product create with included name and unit precision.
const productDoc = `{"data":{"type":"products","attributes":{"sku":"%SKU%"},
  "relationships":{"names":{"data":[{"type":"productnames","id":"n1"}]},
    "attributeFamily":{"data":{"type":"attributefamilies","id":"1"}},
    "primaryUnitPrecision":{"data":{"type":"productunitprecisions","id":"u1"}},
    "unitPrecisions":{"data":[{"type":"productunitprecisions","id":"u2"}]},
    "inventory_status":{"data":{"type":"prodinventorystatuses","id":"in_stock"}}}},
 "included":[{"type":"productnames","id":"n1","attributes":{"fallback":null,"string":"Widget"}},
   {"type":"productunitprecisions","id":"u1","attributes":{"precision":0,"conversionRate":1,"sell":true},
    "relationships":{"unit":{"data":{"type":"productunits","id":"item"}}}},
   {"type":"productunitprecisions","id":"u2","attributes":{"precision":2,"conversionRate":12.5,"sell":false},
    "relationships":{"unit":{"data":{"type":"productunits","id":"set"}}}}]}`

func createProduct(t *testing.T, e *env, sku string) reply {
	t.Helper()
	return e.req("POST", "/products", strings.ReplaceAll(productDoc, "%SKU%", sku)).must(t, 201)
}

func TestCreateWithIncluded(t *testing.T) {
	e := newEnv(t)
	rp := createProduct(t, e, "A-1")
	if rp.str("data", "attributes", "status") != "disabled" || rp.str("data", "attributes", "productType") != "simple" {
		t.Errorf("defaults: %s", rp.str("data", "attributes"))
	}
	if rp.str("data", "relationships", "owner", "data") != `{"id":"1","type":"businessunits"}` {
		t.Errorf("owner = %s", rp.str("data", "relationships", "owner", "data"))
	}
	if rp.str("included", 0, "meta", "includeId") != "n1" || rp.str("included", 1, "meta", "includeId") != "u1" {
		t.Errorf("includeId: %s", rp.str("included"))
	}
	upr := rp.str("included", 1, "id")
	if upr == "u1" || rp.str("data", "relationships", "primaryUnitPrecision", "data", "id") != upr {
		t.Errorf("temporary id not replaced: primary %s, included %s", rp.str("data", "relationships", "primaryUnitPrecision"), upr)
	}
	if got := rp.str("data", "relationships", "unitPrecisions", "data"); !strings.Contains(got, `"id":"`+upr+`"`) {
		t.Errorf("primary unit precision not added to unitPrecisions: %s", got)
	}
	if got := rp.str("included", 2, "attributes", "conversionRate"); got != "12.5" {
		t.Errorf("conversionRate = %s, want exact 12.5", got)
	}
	levels := e.s.Records("inventorylevels")
	if len(levels) != 2 || levels[0].Attributes["quantity"] != "0" || levels[0].Relationships["product"][0].ID != rp.str("data", "id") {
		t.Errorf("inventory levels = %+v", levels)
	}
}

func TestIncludedErrors(t *testing.T) {
	e := newEnv(t)
	createProduct(t, e, "A-1")
	rp := e.req("POST", "/products", strings.ReplaceAll(productDoc, "%SKU%", "a-1")).must(t, 400)
	rp.hasError(t, titleUnique, "already used", "/data/attributes/sku")

	orphan := strings.Replace(strings.ReplaceAll(productDoc, "%SKU%", "B-1"), `"included":[`,
		`"included":[{"type":"productnames","id":"lonely","attributes":{"string":"x"}},`, 1)
	rp = e.req("POST", "/products", orphan).must(t, 400)
	rp.hasError(t, titleRequestData, "relationship with the primary entity", "/included/0")

	bad := strings.Replace(strings.ReplaceAll(productDoc, "%SKU%", "C-1"), `"id":"item"`, `"id":"parsec"`, 1)
	rp = e.req("POST", "/products", bad).must(t, 400)
	rp.hasError(t, titleForm, detailNoEntity, "/included/1/relationships/unit/data")

	noName := strings.Replace(strings.ReplaceAll(productDoc, "%SKU%", "D-1"), `"names":{"data":[{"type":"productnames","id":"n1"}]},`, ``, 1)
	noName = strings.Replace(noName, `{"type":"productnames","id":"n1","attributes":{"fallback":null,"string":"Widget"}},`, ``, 1)
	rp = e.req("POST", "/products", noName).must(t, 400)
	rp.hasError(t, titleCount, "This collection should contain 1 element or more.", "/data/relationships/names/data")
	if n := len(e.s.Records("products")); n != 1 {
		t.Errorf("%d products stored, want 1", n)
	}
	if n := len(e.s.Records("productnames")); n != 1 {
		t.Errorf("%d product names stored, want 1 (failed requests must store nothing)", n)
	}
}

func TestPatchWithIncludedUpdate(t *testing.T) {
	e := newEnv(t)
	rp := createProduct(t, e, "A-1")
	id, nameID := rp.str("data", "id"), rp.str("included", 0, "id")
	body := `{"data":{"type":"products","id":"` + id + `","relationships":{"names":{"data":[{"type":"productnames","id":"` + nameID + `"}]}}},
	  "included":[{"type":"productnames","id":"` + nameID + `","meta":{"update":true},"attributes":{"string":"Gadget"}}]}`
	rp = e.req("PATCH", "/products/"+id, body).must(t, 200)
	if rp.str("included", 0, "attributes", "string") != "Gadget" || rp.str("included", 0, "meta", "includeId") != nameID {
		t.Errorf("included update = %s", rp.str("included"))
	}
	if n := len(e.s.Records("productnames")); n != 1 {
		t.Errorf("meta.update created a record: %d names", n)
	}
}

func TestInventoryLevels(t *testing.T) {
	e := newEnv(t)
	rp := createProduct(t, e, "A-1")
	pid := rp.str("data", "id")
	rp = e.req("GET", "/inventorylevels?filter[product]="+pid+",999", "").must(t, 200)
	lid := rp.str("data", 0, "id")
	if len(rp.ids()) != 2 || rp.str("data", 0, "attributes", "quantity") != "0" {
		t.Fatalf("levels = %s", rp.raw)
	}
	// The product is not mapped, so another product is ignored; it must
	// exist, though (a missing one is refused as Oro's form does).
	other := createProduct(t, e, "B-1").str("data", "id")
	rp = e.req("PATCH", "/inventorylevels/"+lid, `{"data":{"type":"inventorylevels","id":"`+lid+`",
		"attributes":{"quantity":51.50},"relationships":{"product":{"data":{"type":"products","id":"`+other+`"}}}}}`).must(t, 200)
	if rp.str("data", "attributes", "quantity") != "51.50" || rp.str("data", "relationships", "product", "data", "id") != pid {
		t.Errorf("PATCH inventory level = %s", rp.raw)
	}
	e.req("DELETE", "/products/"+pid, "").must(t, 204)
	e.req("DELETE", "/products/"+other, "").must(t, 204)
	if n := len(e.s.Records("inventorylevels")); n != 0 {
		t.Errorf("%d inventory levels left after deleting the products", n)
	}
}

func TestProductPrices(t *testing.T) {
	e := newEnv(t)
	pid := createProduct(t, e, "A-1").str("data", "id")
	price := func(qty, cur, value, unit string) string {
		return `{"data":{"type":"productprices","attributes":{"quantity":` + qty + `,"currency":"` + cur + `","value":` + value + `},
		"relationships":{"priceList":{"data":{"type":"pricelists","id":"1"}},"product":{"data":{"type":"products","id":"` + pid + `"}},
		"unit":{"data":{"type":"productunits","id":"` + unit + `"}}}}}`
	}
	rp := e.req("POST", "/productprices", price("1", "USD", `"126.78"`, "item")).must(t, 201)
	id := rp.str("data", "id")
	if rp.str("data", "attributes", "value") != "126.7800" || !strings.HasSuffix(id, "-1") || len(id) != 38 {
		t.Errorf("price = %s", rp.raw)
	}
	e.req("POST", "/productprices", price("1", "USD", "99", "item")).must(t, 400).
		hasError(t, titleUnique, "duplication of product prices", "/data")
	e.req("POST", "/productprices", price("1", "GBP", "99", "item")).must(t, 400).
		hasError(t, "product price currency constraint", `Currency "GBP"`, "/data/attributes/currency")
	e.req("POST", "/productprices", price("1", "USD", "99", "kg")).must(t, 400).
		hasError(t, "product price allowed units constraint", `Unit "kg"`, "/data/relationships/unit/data")
	e.req("POST", "/productprices", price("10", "EUR", "19.990", "set")).must(t, 201)

	got := e.req("GET", "/productprices?filter[priceList]=1&filter[product]="+pid, "").must(t, 200).ids()
	if len(got) != 2 {
		t.Errorf("listed %d prices, want 2", len(got))
	}
	rp = e.req("GET", "/productprices/"+id, "").must(t, 200)
	if rp.str("data", "attributes", "quantity") != "1" {
		t.Errorf("quantity = %s", rp.str("data", "attributes", "quantity"))
	}
	e.req("DELETE", "/productprices?filter[product]="+pid, "").must(t, 400).
		hasError(t, titleFilter, `The "priceList" filter is required.`, "")
	e.req("DELETE", "/productprices?filter[priceList]=1", "").must(t, 204)
}

func TestCustomerUsers(t *testing.T) {
	e := newEnv(t)
	cid := e.req("POST", "/customers", `{"data":{"type":"customers","attributes":{"name":"ACME"}}}`).must(t, 201).str("data", "id")
	user := func(email, extra, roles string) string {
		return `{"data":{"type":"customerusers","attributes":{"email":"` + email + `","firstName":"A","lastName":"B"` + extra + `},
		"relationships":{"customer":{"data":{"type":"customers","id":"` + cid + `"}},"userRoles":{"data":[` + roles + `]}}}}`
	}
	role := `{"type":"customeruserroles","id":"2"}`
	rp := e.req("POST", "/customerusers", user("a@example.com", `,"password":"S3cret!pass"`, role)).must(t, 201)
	if strings.Contains(rp.raw, "S3cret") || rp.str("data", "attributes", "enabled") != "true" {
		t.Errorf("customer user answer = %s", rp.raw)
	}
	e.req("POST", "/customerusers", user("A@example.com", "", role)).must(t, 400).
		hasError(t, "unique customer user name and email constraint", "already used", "/data/attributes/email")
	e.req("POST", "/customerusers", user("b@example.com", "", "")).must(t, 400).
		hasError(t, titleNotBlank, detailNotBlank, "/data/relationships/userRoles/data")
	e.req("POST", "/customerusers", user("c@example.com", `,"enabled":false`, "")).must(t, 201)
	e.req("POST", "/customerusers", user("not-an-email", "", role)).must(t, 400).
		hasError(t, "email constraint", "valid email", "/data/attributes/email")
	e.req("GET", "/customerusers?filter[email]=a@example.com", "").must(t, 200)
}

func TestCustomerAddresses(t *testing.T) {
	e := newEnv(t)
	cid := e.req("POST", "/customers", `{"data":{"type":"customers","attributes":{"name":"ACME"}}}`).must(t, 201).str("data", "id")
	addr := func(attrs, country, region string) string {
		rels := `"customer":{"data":{"type":"customers","id":"` + cid + `"}},"country":{"data":{"type":"countries","id":"` + country + `"}}`
		if region != "" {
			rels += `,"region":{"data":{"type":"regions","id":"` + region + `"}}`
		}
		return `{"data":{"type":"customeraddresses","attributes":{"street":"1 Main St","city":"NYC","postalCode":"10001"` + attrs + `},
		"relationships":{` + rels + `}}}`
	}
	types := `,"types":[{"addressType":"billing","default":true},{"addressType":"shipping","default":false}]`
	rp := e.req("POST", "/customeraddresses", addr(`,"organization":"ACME"`+types, "US", "US-NY")).must(t, 201)
	if !strings.Contains(rp.str("data", "attributes", "types"), `"addressType":"billing"`) {
		t.Errorf("types = %s", rp.str("data", "attributes", "types"))
	}
	id := rp.str("data", "id")
	e.req("POST", "/customeraddresses", addr(`,"organization":"ACME"`, "US", "")).must(t, 400).
		hasError(t, titleNotBlank, detailNotBlank, "/data/relationships/region/data")
	e.req("POST", "/customeraddresses", addr(`,"organization":"ACME"`, "DE", "US-NY")).must(t, 400).
		hasError(t, "valid region constraint", "does not belong", "/data/relationships/region/data")
	e.req("POST", "/customeraddresses", addr(`,"firstName":"A"`, "US", "US-NY")).must(t, 400).
		hasError(t, "name or organization constraint", "should not be blank", "/data/attributes/organization")
	e.req("POST", "/customeraddresses", addr(`,"firstName":"A","lastName":"B","types":[{"addressType":"home"}]`, "US", "US-NY")).
		must(t, 400).hasError(t, titleForm, detailNoEntity, "/data/attributes/types/0/addressType")
	// customer is create-only: the update form does not have it, so a PATCH
	// that sends it (even unchanged) is refused (CustomerBundle api.yml).
	other := e.req("POST", "/customers", `{"data":{"type":"customers","attributes":{"name":"Other"}}}`).must(t, 201).str("data", "id")
	for _, target := range []string{other, cid} {
		e.req("PATCH", "/customeraddresses/"+id, `{"data":{"type":"customeraddresses","id":"`+id+`",
			"relationships":{"customer":{"data":{"type":"customers","id":"`+target+`"}}}}}`).must(t, 400).
			hasError(t, titleExtraFields, `This form should not contain extra fields: "customer".`, "")
	}
	rp = e.req("GET", "/customeraddresses/"+id, "").must(t, 200)
	if rp.str("data", "relationships", "customer", "data", "id") != cid {
		t.Errorf("customer changed after create: %s", rp.str("data", "relationships", "customer"))
	}
}

func TestExactNumbers(t *testing.T) {
	e := newEnv(t)
	rp := e.req("POST", "/productunitprecisions", `{"data":{"type":"productunitprecisions",
		"attributes":{"precision":3,"conversionRate":12345678901234567890.000000001},
		"relationships":{"unit":{"data":{"type":"productunits","id":"kg"}}}}}`).must(t, 201)
	if !strings.Contains(rp.raw, `"conversionRate":12345678901234567890.000000001`) {
		t.Errorf("number not kept exactly: %s", rp.raw)
	}
	e.req("POST", "/productunitprecisions", `{"data":{"type":"productunitprecisions","attributes":{"precision":1.5},
		"relationships":{"unit":{"data":{"type":"productunits","id":"kg"}}}}}`).must(t, 400).
		hasError(t, titleType, "integer", "/data/attributes/precision")
}

func TestNewPrimaryPrecisionOfKnownUnitIsMerged(t *testing.T) {
	e := newEnv(t)
	rp := createProduct(t, e, "A-1")
	id, upr := rp.str("data", "id"), rp.str("included", 1, "id")
	// A sync tool cannot know the precision's id, so it sends a new one for
	// the same unit: Oro merges it into the existing precision.
	body := `{"data":{"type":"products","id":"` + id + `","relationships":{
	    "primaryUnitPrecision":{"data":{"type":"productunitprecisions","id":"p1"}}}},
	  "included":[{"type":"productunitprecisions","id":"p1","attributes":{"precision":3,"conversionRate":5,"sell":false},
	    "relationships":{"unit":{"data":{"type":"productunits","id":"item"}}}}]}`
	rp = e.req("PATCH", "/products/"+id, body).must(t, 200)
	if got := rp.str("data", "relationships", "primaryUnitPrecision", "data", "id"); got != upr {
		t.Errorf("primary precision = %s, want the existing %s", got, upr)
	}
	if rp.str("included", 0, "id") != upr || rp.str("included", 0, "meta", "includeId") != "p1" ||
		rp.str("included", 0, "attributes", "precision") != "3" || rp.str("included", 0, "attributes", "conversionRate") != "1" ||
		rp.str("included", 0, "attributes", "sell") != "true" {
		t.Errorf("included = %s", rp.str("included"))
	}
	if n := len(e.s.Records("productunitprecisions")); n != 2 {
		t.Errorf("%d unit precisions stored, want 2 (item and set)", n)
	}
	if n := len(e.s.Records("inventorylevels")); n != 2 {
		t.Errorf("%d inventory levels, want 2 (one per unit)", n)
	}
	// A new primary precision of another unit is added.
	body = strings.ReplaceAll(body, `"id":"item"`, `"id":"kg"`)
	rp = e.req("PATCH", "/products/"+id, body).must(t, 200)
	if got := rp.str("data", "relationships", "primaryUnitPrecision", "data", "id"); got == upr || got == "p1" {
		t.Errorf("primary precision = %s, want a new one", got)
	}
	if n := len(e.s.Records("inventorylevels")); n != 3 {
		t.Errorf("%d inventory levels, want 3", n)
	}
}

func TestNaturalKeyFiltersOfReferenceData(t *testing.T) {
	e := newEnv(t)
	if got := e.req("GET", "/customeruserroles?filter[role]=ROLE_FRONTEND_BUYER", "").must(t, 200).ids(); len(got) != 1 || got[0] != "2" {
		t.Errorf("roles by role = %v, want [2]", got)
	}
	if got := e.req("GET", "/attributefamilies?filter[code]=default_family", "").must(t, 200).ids(); len(got) != 1 || got[0] != "1" {
		t.Errorf("attribute families by code = %v, want [1]", got)
	}
}
