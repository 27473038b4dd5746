package sandbox

import "testing"

func TestFieldsOutsideTheActionFormAreRefused(t *testing.T) {
	e := newEnv(t)
	cid := e.req("POST", "/customers", `{"data":{"type":"customers","attributes":{"name":"ACME"}}}`).must(t, 201).str("data", "id")
	uid := e.req("POST", "/customerusers", `{"data":{"type":"customerusers",
		"attributes":{"email":"a@example.com","firstName":"A","lastName":"B","password":"S3cret!pass"},
		"relationships":{"customer":{"data":{"type":"customers","id":"`+cid+`"}},
		"userRoles":{"data":[{"type":"customeruserroles","id":"2"}]}}}}`).must(t, 201).str("data", "id")
	aid := e.req("POST", "/customeraddresses", `{"data":{"type":"customeraddresses",
		"attributes":{"street":"1 Main St","city":"NYC","postalCode":"10001","organization":"ACME"},
		"relationships":{"customer":{"data":{"type":"customers","id":"`+cid+`"}},
		"country":{"data":{"type":"countries","id":"US"}},"region":{"data":{"type":"regions","id":"US-NY"}}}}}`).must(t, 201).str("data", "id")
	extra := func(detail, pointer string) wantErr { return wantErr{"400", titleExtraFields, detail, pointer, ""} }
	tests := []struct {
		name, method, path, body string
		want                     wantErr
	}{
		{"password on update", "PATCH", "/customerusers/" + uid,
			`{"data":{"type":"customerusers","id":"` + uid + `","attributes":{"password":"N3w!pass"}}}`,
			extra(`This form should not contain extra fields: "password".`, "")},
		{"address customer on update, unchanged", "PATCH", "/customeraddresses/" + aid,
			`{"data":{"type":"customeraddresses","id":"` + aid + `","relationships":{"customer":{"data":{"type":"customers","id":"` + cid + `"}}}}}`,
			extra(`This form should not contain extra fields: "customer".`, "")},
		{"several extra fields, one error", "PATCH", "/customeraddresses/" + aid,
			`{"data":{"type":"customeraddresses","id":"` + aid + `","attributes":{"nickname":"x","city":"Albany"},
			"relationships":{"customer":{"data":{"type":"customers","id":"` + cid + `"}}}}}`,
			extra(`This form should not contain extra fields: "nickname", "customer".`, "")},
		{"createdAt excluded from create", "POST", "/customers",
			`{"data":{"type":"customers","attributes":{"name":"B","createdAt":"2020-01-01T00:00:00Z"}}}`,
			extra(`This form should not contain extra fields: "createdAt".`, "")},
		{"updatedAt excluded from update", "PATCH", "/customers/" + cid,
			`{"data":{"type":"customers","id":"` + cid + `","attributes":{"updatedAt":"2020-01-01T00:00:00Z"}}}`,
			extra(`This form should not contain extra fields: "updatedAt".`, "")},
		{"create-only field of an included update", "PATCH", "/customers/" + cid,
			`{"data":{"type":"customers","id":"` + cid + `"},
			"included":[{"type":"customerusers","id":"` + uid + `","meta":{"update":true},"attributes":{"password":"N3w!pass"},
			"relationships":{"customer":{"data":{"type":"customers","id":"` + cid + `"}}}}]}`,
			extra(`This form should not contain extra fields: "password".`, "/included/0")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.req(tc.method, tc.path, tc.body).must(t, 400).wantErrors(t, tc.want)
		})
	}
	if got := e.s.Records("customeraddresses")[0].Attributes["city"]; got != "NYC" {
		t.Errorf("city = %v: a refused update changed the record", got)
	}
	if got := e.s.Records("customerusers")[0].Attributes["password"]; got != "S3cret!pass" {
		t.Errorf("password changed by a refused update")
	}
}

func TestFixedAfterCreateIsAcceptedAndIgnoredOnUpdate(t *testing.T) {
	e := newEnv(t)
	pid := createProduct(t, e, "A-1").str("data", "id")
	plID := e.req("POST", "/pricelists", `{"data":{"type":"pricelists","attributes":{"name":"B2B","priceListCurrencies":["USD"]}}}`).
		must(t, 201).str("data", "id")
	id := e.req("POST", "/productprices", `{"data":{"type":"productprices","attributes":{"quantity":1,"currency":"USD","value":"5"},
		"relationships":{"priceList":{"data":{"type":"pricelists","id":"1"}},"product":{"data":{"type":"products","id":"`+pid+`"}},
		"unit":{"data":{"type":"productunits","id":"item"}}}}}`).must(t, 201).str("data", "id")
	patch := func(priceList string) string {
		return `{"data":{"type":"productprices","id":"` + id + `","attributes":{"value":"6"},
		"relationships":{"priceList":{"data":{"type":"pricelists","id":"` + priceList + `"}}}}}`
	}
	rp := e.req("PATCH", "/productprices/"+id, patch(plID)).must(t, 200)
	if rp.str("data", "attributes", "value") != "6.0000" || rp.str("data", "relationships", "priceList", "data", "id") != "1" {
		t.Errorf("PATCH answer = %s, want value changed and price list 1 kept", rp.raw)
	}
	// Not mapped, but still a field of the form: its value must be valid.
	e.req("PATCH", "/productprices/"+id, patch("999")).must(t, 400).wantErrors(t,
		wantErr{"400", titleForm, detailNoEntity, "/data/relationships/priceList/data", ""})
}

// An inventory level's product, unit precision and organization are
// "form_options: mapped: false" (orocommerce InventoryBundle api.yml): a
// PATCH may send them, they must name existing records of the right type,
// and they are ignored.
func TestUnmappedRelationshipsAreResolvedThenIgnored(t *testing.T) {
	e := newEnv(t)
	pid := createProduct(t, e, "A-1").str("data", "id")
	other := createProduct(t, e, "B-1").str("data", "id")
	id := e.req("GET", "/inventorylevels?filter[product]="+pid, "").must(t, 200).str("data", 0, "id")
	patch := func(rel string) string {
		return `{"data":{"type":"inventorylevels","id":"` + id + `","attributes":{"quantity":"7"},
		"relationships":{"product":{"data":` + rel + `}}}}`
	}
	rp := e.req("PATCH", "/inventorylevels/"+id, patch(`{"type":"products","id":"`+other+`"}`)).must(t, 200)
	if rp.str("data", "relationships", "product", "data", "id") != pid || rp.str("data", "attributes", "quantity") != "7" {
		t.Errorf("PATCH answer = %s, want quantity 7 and product %s kept", rp.raw, pid)
	}
	e.req("PATCH", "/inventorylevels/"+id, patch(`{"type":"users","id":"99999"}`)).must(t, 400).wantErrors(t,
		wantErr{"400", titleForm, `The "users" entity type is not acceptable for this relationship; expected "products".`,
			"/data/relationships/product/data", ""})
	e.req("PATCH", "/inventorylevels/"+id, patch(`{"type":"products","id":"99999"}`)).must(t, 400).wantErrors(t,
		wantErr{"400", titleForm, detailNoEntity, "/data/relationships/product/data", ""})
}
