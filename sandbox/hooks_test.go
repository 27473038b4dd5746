package sandbox

import (
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestSeedAndRecords(t *testing.T) {
	s := New(Options{})
	gid, err := s.Seed("customergroups", map[string]any{"name": "VIP"}, nil)
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	cid, err := s.Seed("customers", map[string]any{"name": "ACME"},
		map[string]any{"group": gid, "salesRepresentatives": []string{"1"}})
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	recs := s.Records("customers")
	if len(recs) != 1 || recs[0].ID != cid || recs[0].Relationships["group"][0] != (Ref{Type: "customergroups", ID: gid}) {
		t.Errorf("Records = %+v", recs)
	}
	recs[0].Attributes["name"] = "changed"
	if s.Records("customers")[0].Attributes["name"] != "ACME" {
		t.Error("Records returned shared state")
	}
	if _, err := s.Seed("categories", map[string]any{"id": "x"}, map[string]any{"parentCategory": "1"}); err != nil {
		t.Errorf("Seed of a read-only resource: %v", err)
	}
	tests := []struct {
		typ   string
		attrs map[string]any
		rels  map[string]any
		want  string
	}{
		{"widgets", nil, nil, "unknown resource type"},
		{"customers", map[string]any{}, nil, "not blank"},
		{"customers", map[string]any{"name": "x"}, map[string]any{"group": "404"}, "does not exist"},
		{"customers", map[string]any{"name": "x"}, map[string]any{"boss": "1"}, "unknown relationship"},
		{"customers", map[string]any{"name": "x"}, map[string]any{"group": 5}, "unsupported value"},
	}
	for _, tc := range tests {
		if _, err := s.Seed(tc.typ, tc.attrs, tc.rels); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Seed(%s, %v, %v) error = %v, want %q", tc.typ, tc.attrs, tc.rels, err, tc.want)
		}
	}
	ids := []string{}
	for _, r := range s.Records("productunits") {
		ids = append(ids, r.ID)
	}
	if strings.Join(ids, ",") != "each,item,kg,piece,set" {
		t.Errorf("productunits ids = %v", ids)
	}
}

func TestSeededReferenceData(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/organizations/1", "/users/1", "/businessunits/1", "/countries/DE", "/regions/CA-ON",
		"/addresstypes/shipping", "/attributefamilies/1", "/prodinventorystatuses/discontinued", "/productunits/piece",
		"/pricelists/1", "/customeruserroles/2", "/categories/1"} {
		e.req("GET", path, "").must(t, 200)
	}
	rp := e.req("GET", "/attributefamilies/1", "").must(t, 200)
	if rp.str("data", "attributes", "code") != "default_family" {
		t.Errorf("attribute family = %s", rp.raw)
	}
	rp = e.req("GET", "/pricelists/1", "").must(t, 200)
	if rp.str("data", "attributes", "priceListCurrencies") != `["USD","EUR"]` {
		t.Errorf("price list = %s", rp.raw)
	}
}

func TestStatsAndRequests(t *testing.T) {
	e := newEnv(t)
	e.req("GET", "/organizations?page[size]=1", "", "X-Include", "noHateoas").must(t, 200)
	st := e.s.Stats()
	if st.Requests["GET organizations"] != 1 || st.Requests["POST oauth2-token"] != 1 || st.TokenRequests != 1 {
		t.Errorf("Stats = %+v", st)
	}
	logs := e.s.Requests()
	last := logs[len(logs)-1]
	want := RequestLog{Method: "GET", Path: "/admin/api/organizations", Query: "page[size]=1",
		Accept: mediaJSONAPI, XInclude: "noHateoas", Status: 200}
	if last != want {
		t.Errorf("last RequestLog = %+v, want %+v", last, want)
	}
}

func TestConcurrentWrites(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			r, _ := http.NewRequest("POST", e.srv.URL+DefaultAPIPrefix+"/customergroups",
				strings.NewReader(`{"data":{"type":"customergroups","attributes":{"name":"G"}}}`))
			r.Header.Set("Content-Type", mediaJSONAPI)
			r.Header.Set("Authorization", "Bearer "+e.token)
			if resp, err := http.DefaultClient.Do(r); err == nil {
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	recs := e.s.Records("customergroups")
	if len(recs) != 20 || recs[19].ID != "20" {
		t.Errorf("%d groups, last id %q; want 20 with ids 1..20", len(recs), recs[len(recs)-1].ID)
	}
}

func TestCustomPrefixAndUnknownPath(t *testing.T) {
	s := New(Options{APIPrefix: "/backoffice/api/"})
	srv := newEnvWith(t, s)
	r, _ := http.NewRequest("GET", srv+"/admin/api/organizations", nil)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("old prefix status = %d, want 404", resp.StatusCode)
	}
	r, _ = http.NewRequest("GET", srv+"/backoffice/api/organizations", nil)
	resp, err = http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("new prefix without token status = %d, want 401", resp.StatusCode)
	}
}
