package sandbox

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"
)

// These benchmarks measure the stand-in's own cost per request with many
// records stored, calling the handler directly (no network):
//
//	go test -run '^$' -bench . -benchmem ./sandbox
//	go test -run '^$' -bench . -benchmem ./sandbox -sandbox.records 1000000
//
// The stored records are loaded with store.put, outside the API, so that
// loading them does not dominate (or, on a slow store, outlast) the run.

var benchRecords = flag.Int("sandbox.records", 20000, "records of each kind the sandbox benchmarks store first")

// bench is a server loaded with records and a token for its API.
type bench struct {
	b     *testing.B
	s     *Server
	h     http.Handler
	token string
}

// newBench returns a server holding n customers (with one customer user
// each) and n products (with a name, a unit precision and an inventory
// level each).
func newBench(b *testing.B, n int) *bench {
	b.Helper()
	s := New(Options{Now: func() time.Time { return time.Date(2024, 3, 11, 17, 41, 17, 0, time.UTC) }})
	loadCustomers(s.st, n)
	loadProducts(s.st, n)
	bn := &bench{b: b, s: s, h: s.Handler()}
	bn.token = bn.fetchToken()
	// Collect the loading's garbage now, so that the first requests timed
	// do not pay for marking a heap of millions of fresh records.
	runtime.GC()
	return bn
}

func (bn *bench) fetchToken() string {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID},
		"client_secret": {DefaultClientSecret}}
	r := httptest.NewRequest(http.MethodPost, TokenPath, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	bn.h.ServeHTTP(w, r)
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.AccessToken == "" {
		bn.b.Fatalf("token: %d %s", w.Code, w.Body)
	}
	return body.AccessToken
}

// do sends an API request and fails the benchmark unless it is answered
// with status want. hdr are extra header name/value pairs.
func (bn *bench) do(method, path, body string, want int, hdr ...string) *httptest.ResponseRecorder {
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, DefaultAPIPrefix+path, nil)
	} else {
		r = httptest.NewRequest(method, DefaultAPIPrefix+path, strings.NewReader(body))
		r.Header.Set("Content-Type", mediaJSONAPI)
	}
	r.Header.Set("Accept", mediaJSONAPI)
	r.Header.Set("Authorization", "Bearer "+bn.token)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	bn.h.ServeHTTP(w, r)
	if w.Code != want {
		bn.b.Fatalf("%s %s: status %d, want %d: %.500s", method, path, w.Code, want, w.Body)
	}
	return w
}

// lastOperation returns the newest batch operation.
func (bn *bench) lastOperation() *operation {
	bn.s.mu.Lock()
	defer bn.s.mu.Unlock()
	return bn.s.ops[bn.s.lastOpID]
}

// benchStamp is the createdAt and updatedAt of loaded records.
const benchStamp = "2024-03-11T17:41:17Z"

var (
	benchOrg   = map[string][]Ref{"organization": {{Type: "organizations", ID: "1"}}}
	benchOwner = Ref{Type: "users", ID: "1"}
)

// loadCustomers stores n customers "Customer i" with a customer user
// "user-i@example.com" each.
func loadCustomers(st *store, n int) {
	for i := range n {
		c := &Resource{Type: "customers", ID: st.nextID("customers"),
			Attributes:    map[string]any{"name": fmt.Sprintf("Customer %d", i), "createdAt": benchStamp, "updatedAt": benchStamp},
			Relationships: map[string][]Ref{"owner": {benchOwner}, "organization": benchOrg["organization"]}}
		st.put(c)
		st.put(&Resource{Type: "customerusers", ID: st.nextID("customerusers"),
			Attributes: map[string]any{"email": fmt.Sprintf("user-%d@example.com", i), "firstName": "Jane", "lastName": "Doe",
				"enabled": true, "confirmed": true, "createdAt": benchStamp, "updatedAt": benchStamp},
			Relationships: map[string][]Ref{"customer": {c.ref()}, "userRoles": {{Type: "customeruserroles", ID: "1"}},
				"owner": {benchOwner}, "organization": benchOrg["organization"]}})
	}
}

// loadProducts stores n products "SKU-i", each with a default name, a unit
// precision "each" and its inventory level.
func loadProducts(st *store, n int) {
	for i := range n {
		name := Ref{Type: "productnames", ID: st.nextID("productnames")}
		st.put(&Resource{Type: name.Type, ID: name.ID, Attributes: map[string]any{"string": fmt.Sprintf("Product %d", i), "fallback": nil},
			Relationships: map[string][]Ref{}})
		upr := Ref{Type: "productunitprecisions", ID: st.nextID("productunitprecisions")}
		st.put(&Resource{Type: upr.Type, ID: upr.ID,
			Attributes:    map[string]any{"precision": json.Number("0"), "conversionRate": json.Number("1"), "sell": true},
			Relationships: map[string][]Ref{"unit": {{Type: "productunits", ID: "each"}}}})
		p := &Resource{Type: "products", ID: st.nextID("products"),
			Attributes: map[string]any{"sku": fmt.Sprintf("SKU-%d", i), "status": "enabled", "productType": "simple",
				"featured": false, "newArrival": false, "createdAt": benchStamp, "updatedAt": benchStamp},
			Relationships: map[string][]Ref{"names": {name}, "unitPrecisions": {upr}, "primaryUnitPrecision": {upr},
				"attributeFamily": {{Type: "attributefamilies", ID: "1"}}, "inventory_status": {{Type: "prodinventorystatuses", ID: "in_stock"}},
				"owner": {{Type: "businessunits", ID: "1"}}, "organization": benchOrg["organization"]}}
		st.put(p)
		st.put(&Resource{Type: "inventorylevels", ID: st.nextID("inventorylevels"), Attributes: map[string]any{"quantity": "0"},
			Relationships: map[string][]Ref{"product": {p.ref()}, "productUnitPrecision": {upr}, "organization": benchOrg["organization"]}})
	}
}

// benchProductDoc is a product create document with an included name and unit
// precision.
func benchProductDoc(sku string) string {
	return `{"data":` + productObject(sku, "") + `,"included":[` + productIncluded("") + `]}`
}

// productObject is a products resource object whose name and precision
// are the included objects n<suffix> and p<suffix>.
func productObject(sku, suffix string) string {
	return fmt.Sprintf(`{"type":"products","attributes":{"sku":%q,"status":"enabled"},"relationships":{`+
		`"names":{"data":[{"type":"productnames","id":"n%[2]s"}]},`+
		`"attributeFamily":{"data":{"type":"attributefamilies","id":"1"}},`+
		`"primaryUnitPrecision":{"data":{"type":"productunitprecisions","id":"p%[2]s"}},`+
		`"inventory_status":{"data":{"type":"prodinventorystatuses","id":"in_stock"}}}}`, sku, suffix)
}

// productIncluded is the included name n<suffix> and precision p<suffix>.
func productIncluded(suffix string) string {
	return fmt.Sprintf(`{"type":"productnames","id":"n%[1]s","attributes":{"fallback":null,"string":"Bench product"}},`+
		`{"type":"productunitprecisions","id":"p%[1]s","attributes":{"precision":0,"conversionRate":1,"sell":true},`+
		`"relationships":{"unit":{"data":{"type":"productunits","id":"each"}}}}`, suffix)
}

func BenchmarkCreateProduct(b *testing.B) {
	bn := newBench(b, *benchRecords)
	b.ResetTimer()
	for i := range b.N {
		bn.do(http.MethodPost, "/products", benchProductDoc(fmt.Sprintf("NEW-%d", i)), http.StatusCreated)
	}
}

func BenchmarkCreateCustomer(b *testing.B) {
	bn := newBench(b, *benchRecords)
	b.ResetTimer()
	for i := range b.N {
		bn.do(http.MethodPost, "/customers", `{"data":`+customerItem(fmt.Sprintf("New %d", i), "")+`}`, http.StatusCreated)
	}
}

func BenchmarkCreateCustomerUser(b *testing.B) {
	bn := newBench(b, *benchRecords)
	b.ResetTimer()
	for i := range b.N {
		body := fmt.Sprintf(`{"data":{"type":"customerusers","attributes":{"email":"new-%d@example.com","firstName":"A","lastName":"B"},`+
			`"relationships":{"customer":{"data":{"type":"customers","id":"7"}},`+
			`"userRoles":{"data":[{"type":"customeruserroles","id":"2"}]}}}}`, i)
		bn.do(http.MethodPost, "/customerusers", body, http.StatusCreated)
	}
}

func BenchmarkUpdateCustomer(b *testing.B) {
	bn := newBench(b, *benchRecords)
	b.ResetTimer()
	for i := range b.N {
		id := fmt.Sprint(1 + i%*benchRecords)
		body := fmt.Sprintf(`{"data":{"type":"customers","id":%q,"attributes":{"name":"Renamed %d"}}}`, id, i)
		bn.do(http.MethodPatch, "/customers/"+id, body, http.StatusOK)
	}
}

// BenchmarkUpdateProductNames replaces a product's name: the old name is
// deleted as an orphan, which removes references to it everywhere.
func BenchmarkUpdateProductNames(b *testing.B) {
	bn := newBench(b, *benchRecords)
	b.ResetTimer()
	for i := range b.N {
		id := fmt.Sprint(1 + i%*benchRecords)
		body := fmt.Sprintf(`{"data":{"type":"products","id":%q,"relationships":{"names":{"data":[{"type":"productnames","id":"n"}]}}},`+
			`"included":[{"type":"productnames","id":"n","attributes":{"fallback":null,"string":"Renamed %d"}}]}`, id, i)
		bn.do(http.MethodPatch, "/products/"+id, body, http.StatusOK)
	}
}

// spread returns k values of f(i) for i spread over 0..n-1.
func spread(n, k int, f func(int) string) string {
	vals := make([]string, k)
	for j := range vals {
		vals[j] = f(j * n / k)
	}
	return strings.Join(vals, ",")
}

func BenchmarkListBySKUs(b *testing.B) {
	n := *benchRecords
	bn := newBench(b, n)
	query := "/products?page[size]=100&filter[sku]=" + url.QueryEscape(spread(n, 100, func(i int) string { return fmt.Sprintf("SKU-%d", i) }))
	b.ResetTimer()
	for range b.N {
		bn.do(http.MethodGet, query, "", http.StatusOK)
	}
}

func BenchmarkListByIDs(b *testing.B) {
	n := *benchRecords
	bn := newBench(b, n)
	query := "/customers?page[size]=100&filter[id]=" + spread(n, 100, func(i int) string { return fmt.Sprint(i + 1) })
	b.ResetTimer()
	for range b.N {
		bn.do(http.MethodGet, query, "", http.StatusOK)
	}
}

func BenchmarkListByName(b *testing.B) {
	n := *benchRecords
	bn := newBench(b, n)
	query := "/customers?filter[name]=" + url.QueryEscape(fmt.Sprintf("Customer %d", n/2))
	b.ResetTimer()
	for range b.N {
		bn.do(http.MethodGet, query, "", http.StatusOK)
	}
}

func BenchmarkListByEmail(b *testing.B) {
	n := *benchRecords
	bn := newBench(b, n)
	query := "/customerusers?filter[email]=" + url.QueryEscape(fmt.Sprintf("user-%d@example.com", n/2))
	b.ResetTimer()
	for range b.N {
		bn.do(http.MethodGet, query, "", http.StatusOK)
	}
}

func BenchmarkListByProduct(b *testing.B) {
	n := *benchRecords
	bn := newBench(b, n)
	query := fmt.Sprintf("/inventorylevels?filter[product]=%d", n/2)
	b.ResetTimer()
	for range b.N {
		bn.do(http.MethodGet, query, "", http.StatusOK)
	}
}

// BenchmarkListPage reads page 20 of 500 customers' names.
func BenchmarkListPage(b *testing.B) {
	bn := newBench(b, *benchRecords)
	b.ResetTimer()
	for range b.N {
		bn.do(http.MethodGet, "/customers?page[number]=20&page[size]=500&fields[customers]=name", "", http.StatusOK)
	}
}

func BenchmarkSyncBatch100Customers(b *testing.B) {
	bn := newBench(b, *benchRecords)
	b.ResetTimer()
	for i := range b.N {
		bn.do(http.MethodPatch, "/customers", batchBody(customers(fmt.Sprint("sync-", i), 100)), http.StatusOK, "X-Mode", "sync")
	}
}

func BenchmarkAsyncBatch100Customers(b *testing.B) {
	bn := newBench(b, *benchRecords)
	b.ResetTimer()
	for i := range b.N {
		bn.do(http.MethodPatch, "/customers", batchBody(customers(fmt.Sprint("async-", i), 100)), http.StatusAccepted)
		<-bn.lastOperation().done
	}
}

// BenchmarkAsyncBatch100Products writes 100 products with an included name
// and unit precision each.
func BenchmarkAsyncBatch100Products(b *testing.B) {
	bn := newBench(b, *benchRecords)
	b.ResetTimer()
	for i := range b.N {
		items, included := make([]string, 100), make([]string, 100)
		for j := range items {
			suffix := fmt.Sprint(j)
			items[j] = productObject(fmt.Sprintf("BATCH-%d-%d", i, j), suffix)
			included[j] = productIncluded(suffix)
		}
		bn.do(http.MethodPatch, "/products", batchBody(items, included...), http.StatusAccepted)
		op := bn.lastOperation()
		<-op.done
		if op.summary == nil || op.summary.ErrorCount != 0 {
			b.Fatalf("batch failed: %+v %v", op.summary, op.errorList())
		}
	}
}
