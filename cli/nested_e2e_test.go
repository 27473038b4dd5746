package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orosync/orosync/sandbox"
)

// send sends one JSON:API request to the stand-in as an administrator
// working in Oro would (a fresh token, exact headers) and returns the
// status and the decoded answer.
func (s *oroStandIn) send(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"test-client"}, "client_secret": {testSecret}}
	res, err := http.PostForm(s.URL+sandbox.TokenPath, form)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, s.URL+sandbox.DefaultAPIPrefix+"/"+path, rd)
	req.Header["Authorization"] = []string{"Bearer " + tok.AccessToken}
	req.Header["Accept"] = []string{"application/vnd.api+json"}
	if body != "" {
		req.Header["Content-Type"] = []string{"application/vnd.api+json"}
	}
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var doc map[string]any
	json.Unmarshal(b, &doc)
	return res.StatusCode, doc
}

// productState is what the stand-in holds for one product: its names by
// localization ("" default) with their ids, and its unit precisions by unit.
type productState struct {
	id         string
	names      map[string]sandbox.Resource // localization id → name record
	precisions map[string]sandbox.Resource // unit → precision record
	primary    string                      // unit of the primary precision
}

func productBySKU(t *testing.T, oro *oroStandIn, sku string) productState {
	t.Helper()
	find := func(typ, id string) sandbox.Resource {
		for _, r := range oro.Records(typ) {
			if r.ID == id {
				return r
			}
		}
		t.Fatalf("%s %s does not exist", typ, id)
		return sandbox.Resource{}
	}
	for _, p := range oro.Records("products") {
		if p.Attributes["sku"] != sku {
			continue
		}
		st := productState{id: p.ID, names: map[string]sandbox.Resource{}, precisions: map[string]sandbox.Resource{}}
		for _, ref := range p.Relationships["names"] {
			n := find("productnames", ref.ID)
			loc := ""
			if l := n.Relationships["localization"]; len(l) > 0 {
				loc = l[0].ID
			}
			st.names[loc] = n
		}
		for _, ref := range p.Relationships["unitPrecisions"] {
			u := find("productunitprecisions", ref.ID)
			st.precisions[u.Relationships["unit"][0].ID] = u
		}
		prim := find("productunitprecisions", p.Relationships["primaryUnitPrecision"][0].ID)
		st.primary = prim.Relationships["unit"][0].ID
		return st
	}
	t.Fatalf("no product %s", sku)
	return productState{}
}

// TestUpdatesKeepWhatTheMappingDoesNotOwn: product renames, unit precision
// changes and additions, a name in a second localization added in Oro, a
// price change and a role added in Oro to a synced customer user each give
// exactly the expected Oro state after a rerun.
func TestUpdatesKeepWhatTheMappingDoesNotOwn(t *testing.T) {
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	oro := newStandIn(t, sandbox.Options{})
	dir := t.TempDir()
	ex := copyDir(t, "../examples")
	// Products with a second unit: the transform sends every unit precision.
	writeFile(t, filepath.Join(ex, "products.yaml"), strings.Replace(mustRead(t, filepath.Join(ex, "products.yaml")),
		`primaryUnitPrecision: {data: {type: "productunitprecisions", id: "precision-primary"}},`,
		`primaryUnitPrecision: {data: {type: "productunitprecisions", id: "precision-primary"}},
        unitPrecisions: {data: ([{type: "productunitprecisions", id: "precision-primary"}]
          + [(.extra_units // [])[] | {type: "productunitprecisions", id: ("precision-" + .unit)}])},`, 1))
	writeFile(t, filepath.Join(ex, "products.yaml"), strings.Replace(mustRead(t, filepath.Join(ex, "products.yaml")),
		`       relationships: {unit: {data: {type: "productunits", id: .unit}}}}
    ]`,
		`       relationships: {unit: {data: {type: "productunits", id: .unit}}}}
    ] + [(.extra_units // [])[] | {type: "productunitprecisions", id: ("precision-" + .unit),
          attributes: {precision: .decimals, conversionRate: .rate, sell: true},
          relationships: {unit: {data: {type: "productunits", id: .unit}}}}]`, 1))
	os.RemoveAll(filepath.Join(ex, "products.yaml.orig"))
	run := func(what string) {
		t.Helper()
		if r := runCLI(t, "", oro.runArgs(dir, ex)...); r.code != 0 {
			t.Fatalf("%s: exit %d\n%s", what, r.code, r.stderr)
		}
	}
	run("first run")
	before := productBySKU(t, oro, "SLT-25")

	// In Oro, a merchandiser adds a German name to SLT-25 and a role to a
	// customer user.
	de, err := oro.Seed("localizations", map[string]any{"name": "German", "formattingCode": "de_DE"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	status, _ := oro.send(t, "PATCH", "products/"+before.id, `{"data": {"type": "products", "id": "`+before.id+`",
	  "relationships": {"names": {"data": [{"type": "productnames", "id": "`+before.names[""].ID+`"}, {"type": "productnames", "id": "de"}]}}},
	  "included": [{"type": "productnames", "id": "de", "attributes": {"string": "Streusalz"},
	    "relationships": {"localization": {"data": {"type": "localizations", "id": "`+de+`"}}}}]}`)
	if status != http.StatusOK {
		t.Fatalf("adding a German name in Oro: %d", status)
	}
	var jane sandbox.Resource
	for _, u := range oro.Records("customerusers") {
		if u.Attributes["email"] == "jane.doe@acme.example" {
			jane = u
		}
	}
	status, _ = oro.send(t, "PATCH", "customerusers/"+jane.ID, `{"data": {"type": "customerusers", "id": "`+jane.ID+`",
	  "relationships": {"userRoles": {"data": [{"type": "customeruserroles", "id": "1"}, {"type": "customeruserroles", "id": "2"}]}}}}`)
	if status != http.StatusOK {
		t.Fatalf("adding a role in Oro: %d", status)
	}
	withDE := productBySKU(t, oro, "SLT-25")

	// The ERP renames SLT-25, changes its kg precision and adds a "set"
	// unit; a price changes; Jane's last name changes.
	edit := func(file, old, new string) {
		t.Helper()
		p := filepath.Join(ex, "data", file)
		b := mustRead(t, p)
		if !strings.Contains(b, old) {
			t.Fatalf("%s lacks %q", file, old)
		}
		writeFile(t, p, strings.Replace(b, old, new, 1))
	}
	edit("products.json", `{"sku": "SLT-25", "name": "De-icing Salt, Bulk", "unit": "kg", "decimals": 3,`,
		`{"sku": "SLT-25", "name": "De-icing Salt, Coarse", "unit": "kg", "decimals": 2, "extra_units": [{"unit": "set", "decimals": 0, "rate": 25}],`)
	edit("product-prices.csv", "0.42", "0.45")
	edit("customer-users.jsonl", `"last_name": "Doe"`, `"last_name": "Doe-Smith"`)
	edit("customer-addresses.csv", "1200 Market Street", "1250 Market Street")
	run("rerun")
	after := productBySKU(t, oro, "SLT-25")

	if got := after.names[""]; got.ID != withDE.names[""].ID || got.Attributes["string"] != "De-icing Salt, Coarse" {
		t.Errorf("default name = %s %v; want record %s renamed", got.ID, got.Attributes["string"], withDE.names[""].ID)
	}
	if got := after.names[de]; got.ID != withDE.names[de].ID || got.Attributes["string"] != "Streusalz" {
		t.Errorf("German name = %s %v; want it kept (merge)", got.ID, got.Attributes["string"])
	}
	if len(after.names) != 2 {
		t.Errorf("names = %v, want the default and the German one", after.names)
	}
	if got := after.precisions["kg"]; got.ID != before.precisions["kg"].ID || jsonNum(got.Attributes["precision"]) != "2" {
		t.Errorf("kg precision = %s %v; want record %s with precision 2", got.ID, got.Attributes["precision"], before.precisions["kg"].ID)
	}
	if got, ok := after.precisions["set"]; !ok || jsonNum(got.Attributes["conversionRate"]) != "25" {
		t.Errorf("set precision = %v; want a new one with rate 25", got)
	}
	if after.primary != "kg" || len(after.precisions) != 2 {
		t.Errorf("precisions = %v, primary %s; want kg (primary) and set", after.precisions, after.primary)
	}
	var price sandbox.Resource
	for _, p := range oro.Records("productprices") {
		if p.Relationships["product"][0].ID == after.id {
			price = p
		}
	}
	if price.Attributes["value"] != "0.4500" {
		t.Errorf("SLT-25 price = %v, want 0.4500", price.Attributes["value"])
	}
	streets := map[any]bool{}
	for _, a := range oro.Records("customeraddresses") {
		streets[a.Attributes["street"]] = true
	}
	if !streets["1250 Market Street"] || streets["1200 Market Street"] {
		t.Errorf("address streets = %v; want the head office moved (its customer, create-only, left out of the update)", streets)
	}
	for _, u := range oro.Records("customerusers") {
		if u.ID != jane.ID {
			continue
		}
		if u.Attributes["lastName"] != "Doe-Smith" || len(u.Relationships["userRoles"]) != 2 {
			t.Errorf("Jane = %v roles %v; want renamed and both roles kept", u.Attributes["lastName"], u.Relationships["userRoles"])
		}
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// jsonNum renders a stored number for comparison.
func jsonNum(v any) string {
	var b bytes.Buffer
	json.NewEncoder(&b).Encode(v)
	return strings.Trim(strings.TrimSpace(b.String()), `"`)
}
