package sandbox

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestAPIAgainstBruteForce sends random requests whose answers depend on
// the indexes: creates and updates that must find a case-insensitively
// equal SKU or email, name replacements and deletes with their cascades,
// synchronous batches that fail and must leave nothing, and lists by id,
// SKU, email, product and page. Each answer is checked against what a scan
// of every stored record (Records, sorted as lists were) says it must be.
func TestAPIAgainstBruteForce(t *testing.T) {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(5, 6))
	skus := []string{"A-1", "a-1", "SKU", "sku", "ſku", "K-1", "k-1", "\u212a-1", "B-2", "b-2"}
	// Emails are ASCII: Symfony's Email constraint (html5 mode) refuses
	// "ſ@x.io" before uniqueness is looked at; the SKUs keep the Unicode
	// folding cases.
	emails := []string{"a@x.io", "A@X.IO", "s@x.io", "S@x.io", "S@X.IO", "k@x.io", "K@X.io", "b@x.io"}
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	customer := e.req("POST", "/customers", `{"data":{"type":"customers","attributes":{"name":"Acme"}}}`).must(t, 201).str("data", "id")
	userDoc := func(email string) string {
		return fmt.Sprintf(`{"type":"customerusers","attributes":{"email":%q,"firstName":"A","lastName":"B"},`+
			`"relationships":{"customer":{"data":{"type":"customers","id":%q}},`+
			`"userRoles":{"data":[{"type":"customeruserroles","id":"2"}]}}}`, email, customer)
	}
	for step := range 600 {
		products := e.s.Records("products")
		switch k := rng.IntN(8); {
		case k == 0 || len(products) == 0:
			sku := pick(skus)
			rp := e.req("POST", "/products", strings.ReplaceAll(productDoc, "%SKU%", sku))
			e.wantUnique(t, rp, 201, "products", "sku", sku, "")
		case k == 1:
			p, sku := products[rng.IntN(len(products))], pick(skus)
			rp := e.req("PATCH", "/products/"+p.ID, fmt.Sprintf(`{"data":{"type":"products","id":%q,"attributes":{"sku":%q}}}`, p.ID, sku))
			e.wantUnique(t, rp, 200, "products", "sku", sku, p.ID)
		case k == 2:
			p := products[rng.IntN(len(products))]
			e.req("PATCH", "/products/"+p.ID, fmt.Sprintf(`{"data":{"type":"products","id":%q,`+
				`"relationships":{"names":{"data":[{"type":"productnames","id":"n"}]}}},`+
				`"included":[{"type":"productnames","id":"n","attributes":{"fallback":null,"string":"step %d"}}]}`, p.ID, step)).must(t, 200)
		case k == 3:
			p := products[rng.IntN(len(products))]
			e.req("DELETE", "/products/"+p.ID, "").must(t, 204)
			e.wantUnlinked(t, Ref{Type: "products", ID: p.ID})
			for _, ref := range p.Relationships["names"] {
				e.wantUnlinked(t, ref)
			}
		case k == 4:
			email := pick(emails)
			rp := e.req("POST", "/customerusers", `{"data":`+userDoc(email)+`}`)
			e.wantUnique(t, rp, 201, "customerusers", "email", email, "")
		case k == 5:
			e.syncBatch(t, []string{userDoc(pick(emails)), userDoc(pick(emails))})
		default:
			e.listAgainstBruteForce(t, rng)
		}
		e.s.mu.Lock()
		checkIndexes(t, e.s.st)
		e.s.mu.Unlock()
	}
}

// wantUnique checks a create or update that sets attr to value: it must
// succeed with status ok unless another stored record (not self) has an
// equal value case-insensitively, and then fail with "unique".
func (e *env) wantUnique(t *testing.T, rp reply, ok int, typ, attr, value, self string) {
	t.Helper()
	taken := false
	for _, r := range e.s.Records(typ) {
		if r.ID != self && rp.str("data", "id") != r.ID && strings.EqualFold(r.str(attr), value) {
			taken = true
		}
	}
	switch {
	case taken && rp.status != 400:
		t.Fatalf("%s %s=%q is taken, status %d: %s", typ, attr, value, rp.status, rp.raw)
	case !taken && rp.status != ok:
		t.Fatalf("%s %s=%q is free, status %d: %s", typ, attr, value, rp.status, rp.raw)
	}
}

// wantUnlinked fails unless no record refers to gone and gone is gone.
func (e *env) wantUnlinked(t *testing.T, gone Ref) {
	t.Helper()
	for typ := range e.s.st.tables {
		for _, r := range e.s.Records(typ) {
			if r.ref() == gone {
				t.Fatalf("%v is still stored", gone)
			}
			for name, refs := range r.Relationships {
				if slices.Contains(refs, gone) {
					t.Fatalf("%s %s still refers to %v in %s", typ, r.ID, gone, name)
				}
			}
		}
	}
}

// dump returns every stored record.
func (e *env) dump() map[string][]Resource {
	out := map[string][]Resource{}
	for typ := range e.s.st.tables {
		out[typ] = e.s.Records(typ)
	}
	return out
}

// syncBatch sends a synchronous batch of customer users; when any email is
// taken (or repeated) it must fail and leave every record as it was.
func (e *env) syncBatch(t *testing.T, items []string) {
	t.Helper()
	before := e.dump()
	rp := e.req("PATCH", "/customerusers", batchBody(items), "X-Mode", "sync")
	if rp.status == 200 {
		return
	}
	if rp.status != 400 {
		t.Fatalf("sync batch: status %d: %s", rp.status, rp.raw)
	}
	if after := e.dump(); !reflect.DeepEqual(before, after) {
		t.Fatalf("a failed sync batch changed the records")
	}
}

// listAgainstBruteForce sends a random list request and checks its page,
// next link and total against a scan of the records.
func (e *env) listAgainstBruteForce(t *testing.T, rng *rand.Rand) {
	t.Helper()
	typ := []string{"products", "inventorylevels", "customerusers", "productnames"}[rng.IntN(4)]
	records := e.s.Records(typ)
	value := func(f func(Resource) string) string {
		if len(records) == 0 || rng.IntN(4) == 0 {
			return "999"
		}
		return f(records[rng.IntN(len(records))])
	}
	q := url.Values{"page[size]": {fmt.Sprint(1 + rng.IntN(3))}, "page[number]": {fmt.Sprint(1 + rng.IntN(3))}}
	switch rng.IntN(4) {
	case 0:
		q.Set("filter[id]", value(func(r Resource) string { return r.ID })+","+value(func(r Resource) string { return "0" + r.ID }))
	case 1:
		switch typ {
		case "products":
			q.Set("filter[sku]", value(func(r Resource) string { return r.str("sku") })+","+value(func(r Resource) string { return strings.ToLower(r.str("sku")) }))
		case "inventorylevels":
			q.Set("filter[product]", value(func(r Resource) string { return r.one("product") }))
		case "customerusers":
			q.Set("filter[email]", value(func(r Resource) string { return r.str("email") }))
		}
	case 2:
		q.Set("filter[id][gt]", value(func(r Resource) string { return r.ID }))
	}
	sp := e.s.st.spec(typ)
	lq, errs := parseListQuery(sp, q)
	if len(errs) > 0 {
		t.Fatalf("query %v: %v", q, errs)
	}
	var want []*Resource
	for _, id := range listOrder(ids3(records)) {
		for i := range records {
			if records[i].ID == id && matchesAll(sp, &records[i], lq.conds) {
				want = append(want, &records[i])
			}
		}
	}
	page, more := paginate(want, lq.pageNumber, lq.pageSize)
	rp := e.req("GET", "/"+typ+"?"+q.Encode(), "", "X-Include", "totalCount").must(t, 200)
	if got := rp.ids(); !slices.Equal(got, ids2(page)) || (rp.str("links", "next") != "") != more ||
		rp.header.Get("X-Include-Total-Count") != fmt.Sprint(len(want)) {
		t.Fatalf("GET %s?%s = %v (next %q, total %s), want %v (more %v, total %d)", typ, q.Encode(), got,
			rp.str("links", "next"), rp.header.Get("X-Include-Total-Count"), ids2(page), more, len(want))
	}
}

func ids3(records []Resource) []string {
	out := make([]string, len(records))
	for i, r := range records {
		out[i] = r.ID
	}
	return out
}
