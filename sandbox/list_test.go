package sandbox

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// seedGroups creates n customer groups named "G01".."Gnn".
func seedGroups(t *testing.T, s *Server, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		if _, err := s.Seed("customergroups", map[string]any{"name": fmt.Sprintf("G%02d", i)}, nil); err != nil {
			t.Fatalf("Seed: %v", err)
		}
	}
}

func TestPagingAndLinks(t *testing.T) {
	e := newEnv(t)
	seedGroups(t, e.s, 23)
	rp := e.req("GET", "/customergroups", "").must(t, 200)
	if got := len(rp.ids()); got != 10 {
		t.Errorf("default page has %d records, want 10", got)
	}
	next := rp.str("links", "next")
	if !strings.Contains(next, "page[number]=2") {
		t.Fatalf("links.next = %q", next)
	}
	rp = e.req("GET", "/customergroups?page[number]=3", "").must(t, 200)
	if got := rp.ids(); !slices.Equal(got, []string{"21", "22", "23"}) {
		t.Errorf("page 3 ids = %v", got)
	}
	if rp.get("links", "next") != nil || rp.get("links", "prev") == nil {
		t.Errorf("last page links = %s", rp.str("links"))
	}
	rp = e.req("GET", "/customergroups?page[size]=-1", "", "X-Include", "noHateoas;totalCount").must(t, 200)
	if len(rp.ids()) != 23 || rp.get("links") != nil || rp.get("data", 0, "links") != nil {
		t.Errorf("page[size]=-1 with noHateoas: %d ids, links %v", len(rp.ids()), rp.get("links"))
	}
	if got := rp.header.Get("X-Include-Total-Count"); got != "23" {
		t.Errorf("X-Include-Total-Count = %q, want 23", got)
	}
	e.req("GET", "/customergroups?page[size]=abc", "").must(t, 400).hasError(t, titleFilter, "Expected integer", "page[size]")
	e.req("GET", "/customergroups?page[number]=0", "").must(t, 400)
}

func TestFiltersAndSorting(t *testing.T) {
	e := newEnv(t)
	seedGroups(t, e.s, 12)
	if _, err := e.s.Seed("customergroups", map[string]any{"name": "A,B"}, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"filter[id]=3", []string{"3"}},
		{"filter[id]=3,5,7", []string{"3", "5", "7"}},
		{"filter[id]=4..6", []string{"4", "5", "6"}},
		{"filter[id][gt]=10", []string{"11", "12", "13"}},
		{"filter[id][gte]=11&filter[id][lte]=12", []string{"11", "12"}},
		{"filter[id][neq]=1,2&page[size]=2", []string{"3", "4"}},
		{"filter[name]=G05", []string{"5"}},
		{"filter[name]=A,B", []string{"13"}}, // no allow_array: the comma is part of the value
		{"filter[name]=G01,G02", nil},        // likewise
		{"filter[name][neq]=G01&sort=-id&page[size]=2", []string{"13", "12"}},
		{"sort=-name&page[size]=3", []string{"12", "11", "10"}},
		{"filter[name][exists]=true&page[size]=1", []string{"1"}},
		{"filter[name][exists]=no", nil},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			got := e.req("GET", "/customergroups?"+tc.query, "").must(t, 200).ids()
			if !slices.Equal(got, tc.want) {
				t.Errorf("ids = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFilterErrors(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		path, title, detail, param string
	}{
		{"/customergroups?filter[x]=1", titleFilter, "The filter is not supported.", "filter[x]"},
		{"/customergroups?filter[x][gt]=1", titleFilter, "The filter is not supported.", "filter[x][gt]"},
		{"/customers?filter[createdAt][gte]=yesterday", titleFilter, "Expected datetime", "filter[createdAt][gte]"},
		{"/customergroups?filter[name][gt]=a", titleFilter, `The operator "gt" is not supported.`, "filter[name][gt]"},
		{"/customergroups?filter[id]=abc", titleFilter, `Expected integer value. Given "abc".`, "filter[id]"},
		{"/customergroups?filter[name]=%20", titleFilter, "blank", "filter[name]"},
		{"/customergroups?filter[name][exists]=maybe", titleFilter, "boolean", "filter[name][exists]"},
		{"/customergroups?sort=createdAt", titleSort, "not supported", "sort"},
		{"/customerusers?filter[firstName]=A", titleFilter, "not supported", "filter[firstName]"},
		{"/productprices", titleFilter, `The "priceList" filter is required.`, ""},
		{"/customergroups?include=nope", titleRelationship, "not supported", "include"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			e.req("GET", tc.path, "").must(t, 400).hasError(t, tc.title, tc.detail, tc.param)
		})
	}
}

func TestDateTimeAndAllowArrayFilters(t *testing.T) {
	e := newEnv(t)
	e.req("POST", "/customers", `{"data":{"type":"customers","attributes":{"name":"Old"}}}`).must(t, 201)
	e.clock.now = e.clock.now.AddDate(0, 1, 0)
	e.token = e.fetchToken()
	e.req("POST", "/customers", `{"data":{"type":"customers","attributes":{"name":"New"}}}`).must(t, 201)
	got := e.req("GET", "/customers?filter[updatedAt][gte]=2024-04-01T00:00:00Z", "").must(t, 200).ids()
	if !slices.Equal(got, []string{"2"}) {
		t.Errorf("updatedAt filter ids = %v, want [2]", got)
	}
	got = e.req("GET", "/regions?filter[country]=US,CA", "").must(t, 200).ids()
	if !slices.Equal(got, []string{"CA-ON", "US-CA", "US-NY"}) {
		t.Errorf("regions by country = %v", got)
	}
}

func TestDeleteList(t *testing.T) {
	e := newEnv(t)
	seedGroups(t, e.s, 103)
	e.req("DELETE", "/customergroups", "").must(t, 400).hasError(t, titleFilter, "At least one filter", "filter")
	rp := e.req("DELETE", "/customergroups?filter[id][gte]=1", "", "X-Include", "totalCount;deletedCount").must(t, 204)
	if rp.header.Get("X-Include-Deleted-Count") != "100" || rp.header.Get("X-Include-Total-Count") != "103" {
		t.Errorf("counts = %q deleted, %q total", rp.header.Get("X-Include-Deleted-Count"), rp.header.Get("X-Include-Total-Count"))
	}
	if n := len(e.s.Records("customergroups")); n != 3 {
		t.Errorf("%d groups left, want 3", n)
	}
}

func TestIncludeAndSparseFields(t *testing.T) {
	e := newEnv(t)
	rp := e.req("GET", "/regions?filter[id]=US-NY&include=country&fields[regions]=name,country", "").must(t, 200)
	if rp.str("included", 0, "id") != "US" {
		t.Errorf("included = %s", rp.str("included"))
	}
	if rp.get("data", 0, "attributes", "code") != nil || rp.str("data", 0, "attributes", "name") != "New York" {
		t.Errorf("sparse fieldset not applied: %s", rp.str("data"))
	}
}

func TestListQueryErrorsExactlyAsOro(t *testing.T) {
	e := newEnv(t)
	notSupported := func(param string) wantErr {
		return wantErr{"400", titleFilter, "The filter is not supported.", "", param}
	}
	priceListRequired := wantErr{"400", titleFilter, `The "priceList" filter is required.`, "", ""}
	tests := []struct {
		path string
		want []wantErr
	}{
		{"/customergroups?filter[nope]=1", []wantErr{notSupported("filter[nope]")}},
		{"/customergroups?filter[nope][gte]=1", []wantErr{notSupported("filter[nope][gte]")}},
		{"/customerusers?filter[password]=x", []wantErr{notSupported("filter[password]")}},
		{"/customergroups?filter[name][gt]=a",
			[]wantErr{{"400", titleFilter, `The operator "gt" is not supported.`, "", "filter[name][gt]"}}},
		{"/productprices", []wantErr{priceListRequired}},
		{"/productprices?filter[product]=1", []wantErr{priceListRequired}},
		{"/productprices?filter[nope]=1", []wantErr{notSupported("filter[nope]")}},
		{"/productprices?filter[priceList]=999",
			[]wantErr{{"400", titleFilter, "The specified price list does not exist.", "", ""}}},
		{"/productprices?filter[priceList][neq]=1",
			[]wantErr{{"400", titleFilter, `The operator "neq" is not supported.`, "", "filter[priceList][neq]"}}},
		{"/productprices?filter[priceList]=1,2",
			[]wantErr{{"400", titleFilter, `Expected integer value. Given "1,2".`, "", "filter[priceList]"}}},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			e.req("GET", tc.path, "").must(t, 400).wantErrors(t, tc.want...)
		})
	}
	e.req("GET", "/productprices?filter[priceList]=1", "").must(t, 200)
}

func TestToManyAndDisabledSubresources(t *testing.T) {
	e := newEnv(t)
	id := e.req("POST", "/customers", `{"data":{"type":"customers","attributes":{"name":"A"},
		"relationships":{"salesRepresentatives":{"data":[{"type":"users","id":"1"}]}}}}`).must(t, 201).str("data", "id")
	if got := e.req("GET", "/customers/"+id+"/salesRepresentatives", "").must(t, 200).str("data", 0, "id"); got != "1" {
		t.Errorf("subresource data id = %q, want 1", got)
	}
	if got := e.req("GET", "/customers/"+id+"/relationships/salesRepresentatives", "").must(t, 200).str("data", 0, "type"); got != "users" {
		t.Errorf("relationship data type = %q, want users", got)
	}
	e.req("GET", "/customers/"+id+"/nope", "").must(t, 404).hasError(t, titleRelationship, "Unsupported subresource.", "")
	// A to-many subresource is a list of the related resource: paged,
	// filtered and sorted, with the list's parameter checks.
	var reps []string
	for i := range 12 {
		uid := e.req("POST", "/users", fmt.Sprintf(`{"data":{"type":"users","attributes":{"username":"u%d","email":"u%d@x.io",
			"firstName":"U","lastName":"V","password":"S3cret!pass"}}}`, i, i)).must(t, 201).str("data", "id")
		reps = append(reps, `{"type":"users","id":"`+uid+`"}`)
	}
	e.req("PATCH", "/customers/"+id, `{"data":{"type":"customers","id":"`+id+`",
		"relationships":{"salesRepresentatives":{"data":[`+strings.Join(reps, ",")+`]}}}}`).must(t, 200)
	rp := e.req("GET", "/customers/"+id+"/salesRepresentatives", "").must(t, 200)
	if n := len(rp.ids()); n != 10 || rp.str("links", "next") == "" {
		t.Errorf("first page: %d users, next %q; want 10 and a next link", n, rp.str("links", "next"))
	}
	if n := len(e.req("GET", "/customers/"+id+"/relationships/salesRepresentatives?page[number]=2", "").must(t, 200).ids()); n != 2 {
		t.Errorf("second page of identifiers: %d, want 2", n)
	}
	e.req("GET", "/customers/"+id+"/salesRepresentatives?sort=nope", "").must(t, 400).wantErrors(t,
		wantErr{"400", titleSort, `Sorting by "nope" field is not supported.`, "", "sort"})
	e.req("GET", "/customers/"+id+"/salesRepresentatives?filter[nope]=1", "").must(t, 400).wantErrors(t,
		wantErr{"400", titleFilter, "The filter is not supported.", "", "filter[nope]"})
	e.req("GET", "/customers/"+id+"/relationships/salesRepresentatives?page[size]=0", "").must(t, 400).wantErrors(t,
		wantErr{"400", titleFilter, "The value should be greater than or equal to 1.", "", "page[size]"})
	// orocommerce PricingBundle api.yml: get_subresource and
	// get_relationship are false for ProductPrice.
	pid := createProduct(t, e, "A-1").str("data", "id")
	price := e.req("POST", "/productprices", `{"data":{"type":"productprices","attributes":{"quantity":1,"currency":"USD","value":"5"},
		"relationships":{"priceList":{"data":{"type":"pricelists","id":"1"}},"product":{"data":{"type":"products","id":"`+pid+`"}},
		"unit":{"data":{"type":"productunits","id":"item"}}}}}`).must(t, 201).str("data", "id")
	for _, p := range []string{"/productprices/" + price + "/product", "/productprices/" + price + "/relationships/product"} {
		e.req("GET", p, "").must(t, 404).hasError(t, titleRelationship, "Unsupported subresource.", "")
	}
}

// Sparse fieldsets are validated as Oro does (platform ApiBundle
// GetWithIncludeFieldsTest).
func TestFieldsParameter(t *testing.T) {
	e := newEnv(t)
	e.req("POST", "/customergroups", `{"data":{"type":"customergroups","attributes":{"name":"G"}}}`).must(t, 201)
	for _, tc := range []struct{ query, detail, param string }{
		{"fields[nope]=name", "An entity type is not known.", "fields[nope]"},
		{"fields=name", "An entity type is not specified.", "fields"},
		{"fields[]=name", "An entity type is not specified.", "fields[]"},
		{"fields[customergroups]=name,", `Expected an array of strings. Given "name,".`, "fields[customergroups]"},
		{"fields[customergroups]=,name", `Expected an array of strings. Given ",name".`, "fields[customergroups]"},
	} {
		for _, path := range []string{"/customergroups", "/customergroups/1"} {
			rp := e.req("GET", path+"?"+tc.query, "").must(t, 400)
			rp.wantErrors(t, wantErr{"400", titleFilter, tc.detail, "", tc.param})
		}
	}
	// An empty value asks for no fields; unknown names are ignored.
	rp := e.req("GET", "/customergroups/1?fields[customergroups]=", "").must(t, 200)
	if rp.str("data", "attributes") != "" {
		t.Errorf("fields[customergroups]= rendered attributes: %s", rp.raw)
	}
	e.req("GET", "/customergroups/1?fields[customergroups]=name,nope", "").must(t, 200)
}
