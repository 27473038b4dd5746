package sandbox

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orosync/orosync/resources"
)

func TestSyncBatchAnswersInRequestOrder(t *testing.T) {
	e := newEnv(t)
	old := e.req("POST", "/customers", `{"data":{"type":"customers","attributes":{"name":"Old"}}}`).must(t, 201).str("data", "id")
	body := batchBody([]string{
		customerItem("New 1", `"id":"c1",`),
		customerItem("New 2", ""),
		`{"type":"customers","id":"` + old + `","meta":{"update":true},"attributes":{"name":"Renamed"}}`,
		customerItem("New 3", `"id":"c3",`),
	})
	rp := e.req("PATCH", "/customers", body, "X-Mode", "sync").must(t, 200)
	if loc := rp.header.Get("Content-Location"); loc != "" {
		t.Errorf("Content-Location = %q, want none", loc)
	}
	wantNames := []string{"New 1", "New 2", "Renamed", "New 3"}
	wantDataID := []string{"c1", "", old, "c3"}
	for i := range wantNames {
		if got := rp.str("data", i, "attributes", "name"); got != wantNames[i] {
			t.Errorf("data[%d].name = %q, want %q", i, got, wantNames[i])
		}
		if got := rp.str("data", i, "meta", "dataId"); got != wantDataID[i] {
			t.Errorf("data[%d].meta.dataId = %q, want %q", i, got, wantDataID[i])
		}
		if id := rp.str("data", i, "id"); id == "" || id == "c1" || id == "c3" {
			t.Errorf("data[%d].id = %q, want the real id", i, id)
		}
	}
	if rp.str("data", 2, "id") != old {
		t.Errorf("updated record id = %q, want %q", rp.str("data", 2, "id"), old)
	}
	if got := names(e, "customers"); !slices.Equal(got, []string{"Renamed", "New 1", "New 2", "New 3"}) {
		t.Errorf("stored customers = %v", got)
	}
	st := e.s.Stats().Batch
	if st.SyncRequests != 1 || st.Operations != 1 || len(st.ByStatus) != 0 {
		t.Errorf("batch stats = %+v, want one synchronous operation, deleted once answered", st)
	}
	e.req("GET", "/asyncoperations/1", "").must(t, 404)
}

func TestSyncBatchAnswersIncludedWithIncludeID(t *testing.T) {
	e := newEnv(t)
	rp := e.req("PATCH", "/products", batchBody([]string{productItem("P-1", "n1", "u1"), productItem("P-2", "n2", "u2")},
		nameObj("n1", "One"), precisionObj("u1", "item"), nameObj("n2", "Two"), precisionObj("u2", "set")),
		"X-Mode", "sync").must(t, 200)
	for i, want := range []string{"n1", "u1", "n2", "u2"} {
		if got := rp.str("included", i, "meta", "includeId"); got != want {
			t.Errorf("included[%d].meta.includeId = %q, want %q", i, got, want)
		}
	}
	if rp.str("data", 0, "relationships", "names", "data", 0, "id") != rp.str("included", 0, "id") ||
		rp.str("data", 1, "relationships", "primaryUnitPrecision", "data", "id") != rp.str("included", 3, "id") {
		t.Errorf("relationships do not point at the included records: %s", rp.raw)
	}
	if rp.str("data", 0, "meta") != "" {
		t.Errorf("an item sent without id has meta %s", rp.str("data", 0, "meta"))
	}
}

// productItem is a batch item creating a product with an included name and
// unit precision.
func productItem(sku, name, precision string) string {
	return `{"type":"products","attributes":{"sku":"` + sku + `"},"relationships":{
		"names":{"data":[{"type":"productnames","id":"` + name + `"}]},
		"attributeFamily":{"data":{"type":"attributefamilies","id":"1"}},
		"primaryUnitPrecision":{"data":{"type":"productunitprecisions","id":"` + precision + `"}},
		"inventory_status":{"data":{"type":"prodinventorystatuses","id":"in_stock"}}}}`
}

func nameObj(id, text string) string {
	return `{"type":"productnames","id":"` + id + `","attributes":{"fallback":null,"string":"` + text + `"}}`
}

func precisionObj(id, unit string) string {
	return `{"type":"productunitprecisions","id":"` + id + `","attributes":{"precision":0},
		"relationships":{"unit":{"data":{"type":"productunits","id":"` + unit + `"}}}}`
}

func TestSyncBatchIsAtomic(t *testing.T) {
	e := newEnv(t)
	items := customers("C", 100)
	items[7] = customerItem("", "")
	items[42] = `{"type":"customers","attributes":{"name":"X","shoeSize":42}}`
	items[99] = `{"type":"customers","attributes":{"name":"Y"},"relationships":{"group":{"data":{"type":"customergroups","id":"404"}}}}`
	rp := e.req("PATCH", "/customers", batchBody(items), "X-Mode", "sync").must(t, 400)
	rp.wantErrors(t,
		wantErr{"400", titleNotBlank, detailNotBlank, "/data/7/attributes/name", ""},
		wantErr{"400", titleExtraFields, `This form should not contain extra fields: "shoeSize".`, "/data/42", ""},
		wantErr{"400", titleForm, detailNoEntity, "/data/99/relationships/group/data", ""})
	if n := len(e.s.Records("customers")); n != 0 {
		t.Errorf("%d customers stored, want none: a synchronous batch is all or nothing", n)
	}
	if rp.header.Get("Content-Location") != "" {
		t.Error("a refused synchronous batch has a Content-Location")
	}
	if st := e.s.Stats().Batch; len(st.ByStatus) != 0 {
		t.Errorf("operations kept: %v", st.ByStatus)
	}
	// The ids the rolled-back records had are not handed out again, as a
	// database sequence after a rollback.
	id := e.req("POST", "/customers", `{"data":{"type":"customers","attributes":{"name":"Z"}}}`).must(t, 201).str("data", "id")
	if id == "1" {
		t.Errorf("new customer id = %s, want one after the rolled-back ones", id)
	}
}

func TestSyncBatchLimits(t *testing.T) {
	e := newEnv(t)
	rp := e.req("PATCH", "/customers", batchBody(customers("C", 101)), "X-Mode", "sync").must(t, 400)
	rp.wantErrors(t, wantErr{"400", titleRequestData, "The data limit for the synchronous operation exceeded. " +
		"The maximum number of records that can be processed by the synchronous operation is 100.", "", ""})
	var inc []string
	rels := []string{}
	for i := range 51 {
		id := "n" + itoa(i)
		inc = append(inc, nameObj(id, "Name "+itoa(i)))
		rels = append(rels, `{"type":"productnames","id":"`+id+`"}`)
	}
	item := strings.Replace(productItem("P-1", "n0", "u1"), `[{"type":"productnames","id":"n0"}]`, "["+strings.Join(rels, ",")+"]", 1)
	rp = e.req("PATCH", "/products", batchBody([]string{item}, inc...), "X-Mode", "sync").must(t, 400)
	rp.wantErrors(t, wantErr{"400", titleRequestData, `The data limit for the synchronous operation exceeded for ` +
		`the section "included". The maximum number of included records that can be processed by the ` +
		`synchronous operation is 50.`, "", ""})
	if n := len(e.s.Records("customers")) + len(e.s.Records("products")); n != 0 {
		t.Errorf("%d records stored", n)
	}

	// The limits are settings, as Oro's are.
	small := newEnvOpts(t, Options{Batch: BatchOptions{SyncLimit: 2}})
	small.req("PATCH", "/customers", batchBody(customers("C", 3)), "X-Mode", "sync").must(t, 400).
		hasError(t, titleRequestData, "synchronous operation is 2.", "")
	small.req("PATCH", "/customers", batchBody(customers("C", 2)), "X-Mode", "sync").must(t, 200)
}

func TestSyncBatchFallsBackTo202AfterTheWaitTimeout(t *testing.T) {
	e := newEnvOpts(t, Options{Batch: BatchOptions{SyncWaitTimeout: 20 * time.Millisecond}})
	e.s.InjectBatchFault(BatchFault{Delay: 100 * time.Millisecond})
	rp := e.req("PATCH", "/customers", batchBody(customers("C", 3)), "X-Mode", "sync").must(t, 202)
	id := e.opID(t, rp)
	if got := rp.str("data", "attributes", "status"); got != opNew && got != opRunning {
		t.Errorf("status = %q", got)
	}
	rp = e.waitOp(t, id)
	if rp.str("data", "attributes", "status") != opSuccess || rp.summary() != "3/3/0/3/0" {
		t.Errorf("operation = %s", rp.raw)
	}
	if n := len(e.s.Records("customers")); n != 3 {
		t.Errorf("%d customers stored, want 3", n)
	}
	if st := e.s.Stats().Batch; st.SyncRequests != 1 || st.SyncFallbacks != 1 || st.ByStatus[opSuccess] != 1 {
		t.Errorf("batch stats = %+v", st)
	}

	// Without consumers nothing finishes: the synchronous request waits,
	// then answers 202 with an operation that stays new.
	down := newEnvOpts(t, Options{Batch: BatchOptions{SyncWaitTimeout: 10 * time.Millisecond, ConsumersDown: true}})
	rp = down.req("PATCH", "/customers", batchBody(customers("C", 1)), "X-Mode", "sync").must(t, 202)
	if rp.str("data", "attributes", "status") != opNew {
		t.Errorf("status = %q, want new", rp.str("data", "attributes", "status"))
	}
}

func TestXModeIsIgnoredBefore604(t *testing.T) {
	for _, mode := range []string{"sync", "bogus"} {
		e := newEnvOpts(t, Options{OroVersion: resources.MustVersion("6.0.3")})
		rp := e.req("PATCH", "/customers", batchBody(customers("C", 1)), "X-Mode", mode).must(t, 202)
		e.waitOp(t, e.opID(t, rp))
		if st := e.s.Stats().Batch; st.AsyncRequests != 1 || st.SyncRequests != 0 {
			t.Errorf("X-Mode %s: batch stats = %+v, want one asynchronous request", mode, st)
		}
	}
	e := newEnvOpts(t, Options{OroVersion: resources.MustVersion("6.0.4")})
	e.req("PATCH", "/customers", batchBody(customers("C", 1)), "X-Mode", "sync").must(t, 200)
}

func TestInvalidXMode(t *testing.T) {
	e := newEnv(t)
	for _, mode := range []string{"SYNC", "yes", "Sync"} {
		e.req("PATCH", "/customers", batchBody(customers("C", 1)), "X-Mode", mode).must(t, 400).
			wantErrors(t, wantErr{"400", "invalid header value exception",
				`The accepted values for the "X-Mode" are "sync" or "async".`, "", ""})
	}
	e.req("PATCH", "/customers", batchBody(customers("C", 1)), "X-Mode", "async").must(t, 202)
	if st := e.s.Stats().Batch; st.Operations != 1 {
		t.Errorf("%d operations created, want 1 (refused requests create none)", st.Operations)
	}
}

func TestSyncBatchWithInvalidJSONFailsAsAWhole(t *testing.T) {
	e := newEnv(t)
	e.req("PATCH", "/customers", `{"data": [{test}]}`, "X-Mode", "sync").must(t, 400).
		wantErrors(t, wantErr{"400", titleSyncOperation, "Failed to parse the data file. Parsing error in [1:12]. " +
			"invalid character 't' looking for beginning of object key string.", "", ""})
}
