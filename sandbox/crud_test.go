package sandbox

import (
	"strings"
	"testing"
)

func TestCreateGetUpdateDelete(t *testing.T) {
	e := newEnv(t)
	rp := e.req("POST", "/customergroups", `{"data":{"type":"customergroups","attributes":{"name":"Wholesale"}}}`).must(t, 201)
	gid := rp.str("data", "id")
	rp = e.req("POST", "/customers", `{"data":{"type":"customers","attributes":{"name":"ACME"},
		"relationships":{"group":{"data":{"type":"customergroups","id":"`+gid+`"}},
		"salesRepresentatives":{"data":[{"type":"users","id":"1"}]}}}}`).must(t, 201)
	id := rp.str("data", "id")
	if loc := rp.header.Get("Location"); !strings.HasSuffix(loc, "/admin/api/customers/"+id) {
		t.Errorf("Location = %q", loc)
	}
	if rp.str("data", "attributes", "createdAt") != "2024-03-11T17:41:17Z" {
		t.Errorf("createdAt = %q", rp.str("data", "attributes", "createdAt"))
	}
	if rp.str("data", "relationships", "owner", "data", "id") != "1" ||
		rp.str("data", "relationships", "organization", "data", "id") != "1" {
		t.Errorf("owner/organization defaults missing: %s", rp.raw)
	}
	e.req("GET", "/customers/"+id, "").must(t, 200)

	// Partial PATCH: name kept, to-many replaced by the empty set.
	rp = e.req("PATCH", "/customers/"+id, `{"data":{"type":"customers","id":"`+id+`",
		"relationships":{"salesRepresentatives":{"data":[]}}}}`).must(t, 200)
	if rp.str("data", "attributes", "name") != "ACME" || rp.str("data", "relationships", "salesRepresentatives", "data") != "[]" {
		t.Errorf("PATCH result = %s", rp.raw)
	}
	if rp.str("data", "relationships", "group", "data", "id") != gid {
		t.Errorf("PATCH dropped an unsent relationship: %s", rp.raw)
	}
	e.req("DELETE", "/customers/"+id, "").must(t, 204)
	rp = e.req("GET", "/customers/"+id, "").must(t, 404)
	rp.hasError(t, titleNotFound, "does not exist", "")
	e.req("DELETE", "/customers/"+id, "").must(t, 404)
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		status                   int
		title, detail, pointer   string
	}{
		{"empty body", "POST", "/customers", " ", 400, titleRequestData, "should not be empty", ""},
		{"malformed json", "POST", "/customers", `{"data":`, 400, titleBadRequest, "Invalid json", ""},
		{"no data", "POST", "/customers", `{"meta":{}}`, 400, titleRequestData, "primary data", "/data"},
		{"missing type", "POST", "/customers", `{"data":{"attributes":{"name":"x"}}}`, 400, titleRequestData, "'type'", "/data/type"},
		{"type mismatch on post", "POST", "/customers", `{"data":{"type":"products","attributes":{"name":"x"}}}`,
			409, titleConflict, "should match", "/data/type"},
		{"extra attribute", "POST", "/customers", `{"data":{"type":"customers","attributes":{"name":"x","x":1}}}`,
			400, titleExtraFields, `This form should not contain extra fields: "x".`, ""},
		{"extra relationship", "POST", "/customers",
			`{"data":{"type":"customers","attributes":{"name":"x"},"relationships":{"boss":{"data":null}}}}`,
			400, titleExtraFields, `This form should not contain extra fields: "boss".`, ""},
		{"missing required", "POST", "/customers", `{"data":{"type":"customers"}}`,
			400, titleNotBlank, detailNotBlank, "/data/attributes/name"},
		// Resource object structure (platform ApiBundle Request/JsonApi/
		// AbstractRequestDataValidator, AbstractBaseRequestDataValidator):
		// Oro refuses an empty "attributes", which this table once used
		// to test a missing required attribute.
		{"empty attributes", "POST", "/customers", `{"data":{"type":"customers","attributes":{}}}`,
			400, titleRequestData, "The 'attributes' property should not be empty", "/data/attributes"},
		{"empty relationships", "POST", "/customers", `{"data":{"type":"customers","attributes":{"name":"x"},"relationships":{}}}`,
			400, titleRequestData, "The 'relationships' property should not be empty", "/data/relationships"},
		{"attributes a list", "POST", "/customers", `{"data":{"type":"customers","attributes":["x"]}}`,
			400, titleRequestData, "The 'attributes' property should be an associative array", "/data/attributes"},
		{"unknown member", "POST", "/customers", `{"data":{"type":"customers","attributes":{"name":"x"},"foo":1}}`,
			400, titleRequestData, "The 'foo' property is not allowed for a resource object", "/data"},
		{"meta null", "POST", "/customers", `{"data":{"type":"customers","attributes":{"name":"x"},"meta":null}}`,
			400, titleRequestData, "The 'meta' property should be an array", "/data/meta"},
		{"blank id", "POST", "/customers", `{"data":{"type":"customers","id":"","attributes":{"name":"x"}}}`,
			400, titleRequestData, "The 'id' property should not be blank", "/data/id"},
		{"null id", "POST", "/customers", `{"data":{"type":"customers","id":null,"attributes":{"name":"x"}}}`,
			400, titleRequestData, "The 'id' property should not be null", "/data/id"},
		{"blank type", "POST", "/customers", `{"data":{"type":" ","attributes":{"name":"x"}}}`,
			400, titleRequestData, "The 'type' property should not be blank", "/data/type"},
		{"blank required", "POST", "/customers", `{"data":{"type":"customers","attributes":{"name":"  "}}}`,
			400, titleNotBlank, detailNotBlank, "/data/attributes/name"},
		{"wrong attribute type", "POST", "/customers", `{"data":{"type":"customers","attributes":{"name":5}}}`,
			400, titleType, "string", "/data/attributes/name"},
		{"missing related record", "POST", "/customers",
			`{"data":{"type":"customers","attributes":{"name":"x"},"relationships":{"group":{"data":{"type":"customergroups","id":"999"}}}}}`,
			400, titleForm, detailNoEntity, "/data/relationships/group/data"},
		{"wrong related type", "POST", "/customers",
			`{"data":{"type":"customers","attributes":{"name":"x"},"relationships":{"group":{"data":{"type":"users","id":"1"}}}}}`,
			400, titleForm, "not acceptable", "/data/relationships/group/data"},
		{"unknown related type", "POST", "/customers",
			`{"data":{"type":"customers","attributes":{"name":"x"},"relationships":{"group":{"data":{"type":"nope","id":"1"}}}}}`,
			400, titleEntityType, "Unknown entity type", "/data/relationships/group/data"},
		{"relationship without data", "POST", "/customers",
			`{"data":{"type":"customers","attributes":{"name":"x"},"relationships":{"group":{"id":"1"}}}}`,
			400, titleRequestData, "'data'", "/data/relationships/group"},
		{"numeric id in relationship", "POST", "/customers",
			`{"data":{"type":"customers","attributes":{"name":"x"},"relationships":{"group":{"data":{"type":"customergroups","id":1}}}}}`,
			400, titleRequestData, "'id'", "/data/relationships/group/data/id"},
		{"required relationship missing", "POST", "/customerusers",
			`{"data":{"type":"customerusers","attributes":{"email":"a@b.c","firstName":"A","lastName":"B"},
			"relationships":{"userRoles":{"data":[{"type":"customeruserroles","id":"1"}]}}}}`,
			400, titleNotBlank, detailNotBlank, "/data/relationships/customer/data"},
		{"patch without id", "PATCH", "/customergroups/1", `{"data":{"type":"customergroups","attributes":{"name":"x"}}}`,
			400, titleRequestData, "'id' property is required", "/data/id"},
		{"patch id mismatch", "PATCH", "/customergroups/1", `{"data":{"type":"customergroups","id":"2","attributes":{"name":"x"}}}`,
			409, titleConflict, "should match 'id'", "/data/id"},
		{"patch type mismatch", "PATCH", "/customergroups/1", `{"data":{"type":"customers","id":"1"}}`,
			409, titleConflict, "should match the requested resource", "/data/type"},
		{"patch numeric id", "PATCH", "/customergroups/1", `{"data":{"type":"customergroups","id":1}}`,
			400, titleRequestData, "should be a string", "/data/id"},
		{"patch blank required", "PATCH", "/customergroups/1", `{"data":{"type":"customergroups","id":"1","attributes":{"name":""}}}`,
			400, titleNotBlank, detailNotBlank, "/data/attributes/name"},
		{"patch missing record", "PATCH", "/customergroups/77", `{"data":{"type":"customergroups","id":"77","attributes":{"name":"x"}}}`,
			404, titleNotFound, "does not exist", ""},
		{"unknown resource type", "GET", "/widgets", "", 404, titleEntityType, "Unknown entity type: widgets.", ""},
		// customer-portal CustomerBundle validation.yml: Length and Email.
		{"customer name too long", "POST", "/customers", `{"data":{"type":"customers","attributes":{"name":"` + strings.Repeat("é", 256) + `"}}}`,
			400, "length constraint", "This value is too long. It should have 255 characters or less.", "/data/attributes/name"},
		{"role too short", "POST", "/customeruserroles", `{"data":{"type":"customeruserroles","attributes":{"role":"AB","label":"Buyer"}}}`,
			400, "length constraint", "This value is too short. It should have 3 characters or more.", "/data/attributes/role"},
		{"email too short", "POST", "/customerusers", `{"data":{"type":"customerusers","attributes":{"email":"a@b.c","firstName":"A","lastName":"B"},
			"relationships":{"customer":{"data":{"type":"customers","id":"1"}},"userRoles":{"data":[{"type":"customeruserroles","id":"1"}]}}}}`,
			400, "length constraint", "This value is too short. It should have 6 characters or more.", "/data/attributes/email"},
		{"email invalid", "POST", "/customerusers", `{"data":{"type":"customerusers","attributes":{"email":"jane doe@acme.example","firstName":"A","lastName":"B"},
			"relationships":{"customer":{"data":{"type":"customers","id":"1"}},"userRoles":{"data":[{"type":"customeruserroles","id":"1"}]}}}}`,
			400, "email constraint", "This value is not a valid email address.", "/data/attributes/email"},
		{"last name too long", "POST", "/customerusers", `{"data":{"type":"customerusers","attributes":{"email":"jane@acme.example","firstName":"A","lastName":"` + strings.Repeat("x", 256) + `"},
			"relationships":{"customer":{"data":{"type":"customers","id":"1"}},"userRoles":{"data":[{"type":"customeruserroles","id":"1"}]}}}}`,
			400, "length constraint", "This value is too long. It should have 255 characters or less.", "/data/attributes/lastName"},
		{"a list is not a primary data object", "POST", "/customers", `{"data":[{"type":"customers"}]}`,
			400, titleRequestData, "should be an object", "/data"},
		// Meta options of a single request (platform ApiBundle
		// Util/MetaOperationParser, Processor/Shared/JsonApi/
		// DisableUpdateOperation and DisableValidateOperation).
		{"meta.update on a POST", "POST", "/customers", `{"data":{"type":"customers","meta":{"update":true},"attributes":{"name":"x"}}}`,
			400, titleValue, "The option is not supported.", "/meta/update"},
		{"meta.update false on a PATCH", "PATCH", "/customergroups/1", `{"data":{"type":"customergroups","id":"1","meta":{"update":false}}}`,
			400, titleValue, "The option is not supported.", "/meta/update"},
		{"meta.update not a boolean", "PATCH", "/customergroups/1", `{"data":{"type":"customergroups","id":"1","meta":{"update":"yes"}}}`,
			400, titleValue, "This value should be a boolean.", "/meta/update"},
		{"meta.validate", "POST", "/customers", `{"data":{"type":"customers","meta":{"validate":true},"attributes":{"name":"x"}}}`,
			400, titleValue, "The option is not supported.", "/meta/validate"},
		{"meta.validate not a boolean", "POST", "/customers", `{"data":{"type":"customers","meta":{"validate":1},"attributes":{"name":"x"}}}`,
			400, titleValue, "This value should be a boolean.", "/meta/validate"},
		{"two meta options", "POST", "/productunits", `{"data":{"type":"productunits","id":"u","meta":{"upsert":true,"validate":true}}}`,
			400, titleRequestData, "Only one meta option can be used.", "/meta"},
		{"blank upsert field", "POST", "/customers", `{"data":{"type":"customers","meta":{"upsert":[" "]},"attributes":{"name":"x"}}}`,
			400, titleValue, "This value should be a boolean or an array of strings.", "/meta/upsert"},
	}
	e := newEnv(t)
	e.req("POST", "/customergroups", `{"data":{"type":"customergroups","attributes":{"name":"G"}}}`).must(t, 201)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rp := e.req(tc.method, tc.path, tc.body).must(t, tc.status)
			rp.hasError(t, tc.title, tc.detail, tc.pointer)
		})
	}
	if n := len(e.s.Records("customers")); n != 0 {
		t.Errorf("failed writes stored %d customers", n)
	}
}

func TestSeveralErrorsInOneAnswer(t *testing.T) {
	e := newEnv(t)
	rp := e.req("POST", "/customerusers", `{"data":{"type":"customerusers","attributes":{"email":"","lastName":"B","shoeSize":42}}}`).must(t, 400)
	rp.hasError(t, titleNotBlank, detailNotBlank, "/data/attributes/email")
	rp.hasError(t, titleNotBlank, detailNotBlank, "/data/attributes/firstName")
	rp.hasError(t, titleExtraFields, `This form should not contain extra fields: "shoeSize".`, "")
	rp.hasError(t, titleNotBlank, detailNotBlank, "/data/relationships/customer/data")
	rp.hasError(t, titleNotBlank, detailNotBlank, "/data/relationships/userRoles/data")
}

func TestOverallStatus(t *testing.T) {
	e := func(s int) *apiError { return &apiError{Status: s} }
	tests := []struct {
		errs []*apiError
		want int
	}{
		{[]*apiError{e(400), e(400)}, 400},
		{[]*apiError{e(404), e(404)}, 404},
		{[]*apiError{e(400), e(409)}, 409},
		{[]*apiError{e(400), e(404)}, 400},
		{[]*apiError{e(400), e(500)}, 500},
	}
	for _, tc := range tests {
		if got := overallStatus(tc.errs); got != tc.want {
			t.Errorf("overallStatus(%v) = %d, want %d", tc.errs, got, tc.want)
		}
	}
}

func TestReadOnlyFieldsAreIgnored(t *testing.T) {
	e := newEnv(t)
	rp := e.req("POST", "/pricelists", `{"data":{"type":"pricelists","attributes":{"name":"A",
		"priceListCurrencies":["USD"],"createdAt":"1999-01-01T00:00:00Z"}}}`).must(t, 201)
	if got := rp.str("data", "attributes", "createdAt"); got != "2024-03-11T17:41:17Z" {
		t.Errorf("createdAt = %q, want the server time", got)
	}
}

func TestDisabledActions(t *testing.T) {
	tests := []struct {
		method, path, body, allow string
	}{
		{"POST", "/categories", `{"data":{"type":"categories"}}`, "OPTIONS, GET"},
		{"PATCH", "/categories/1", `{"data":{"type":"categories","id":"1"}}`, "OPTIONS, GET"},
		{"DELETE", "/categories/1", "", "OPTIONS, GET"},
		{"POST", "/inventorylevels", `{"data":{"type":"inventorylevels"}}`, "OPTIONS, GET, PATCH"},
		{"DELETE", "/inventorylevels/1", "", "OPTIONS, GET, PATCH"},
		{"DELETE", "/inventorylevels?filter[product]=1", "", "OPTIONS, GET, PATCH"},
		{"POST", "/countries", `{"data":{"type":"countries","id":"FR"}}`, "OPTIONS, GET"},
		{"POST", "/regions", `{"data":{"type":"regions","id":"FR-X"}}`, "OPTIONS, GET"},
		{"POST", "/addresstypes", `{"data":{"type":"addresstypes","id":"x"}}`, "OPTIONS, GET"},
		{"PATCH", "/customergroups", `{"data":[]}`, "OPTIONS, GET, POST, DELETE"},
	}
	e := newEnv(t)
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			rp := e.req(tc.method, tc.path, tc.body).must(t, 405)
			if rp.raw != "" {
				t.Errorf("body = %q, want none", rp.raw)
			}
			if got := rp.header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow = %q, want %q", got, tc.allow)
			}
		})
	}
	rp := e.req("OPTIONS", "/customers", "").must(t, 200)
	if got := rp.header.Get("Allow"); got != "OPTIONS, GET, PATCH, POST, DELETE" {
		t.Errorf("OPTIONS Allow = %q", got)
	}
}

func TestSubresources(t *testing.T) {
	e := newEnv(t)
	rp := e.req("GET", "/regions/US-NY/country", "").must(t, 200)
	if rp.str("data", "id") != "US" || rp.str("data", "attributes", "name") != "United States" {
		t.Errorf("subresource = %s", rp.raw)
	}
	rp = e.req("GET", "/regions/US-NY/relationships/country", "").must(t, 200)
	if rp.str("data") != `{"id":"US","type":"countries"}` {
		t.Errorf("relationship = %s", rp.raw)
	}
	e.req("GET", "/regions/US-NY/nope", "").must(t, 404)
}
