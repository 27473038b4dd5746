package sandbox

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orosync/orosync/resources"
)

func TestAsyncBatchSucceeds(t *testing.T) {
	e := newEnvOpts(t, Options{Batch: BatchOptions{ConsumersDown: true}})
	rp := e.req("PATCH", "/customers", batchBody(customers("C", 3))).must(t, 202)
	id := e.opID(t, rp)
	attrs := rp.str("data", "attributes")
	want := `{"createdAt":"2024-03-11T17:41:17Z","elapsedTime":0,"entityType":"customers","progress":null,` +
		`"status":"new","summary":null,"updatedAt":"2024-03-11T17:41:17Z"}`
	if attrs != want {
		t.Errorf("attributes = %s\nwant %s", attrs, want)
	}
	if rp.str("data", "relationships", "owner", "data") != `{"id":"1","type":"users"}` ||
		rp.str("data", "relationships", "organization", "data") != `{"id":"1","type":"organizations"}` {
		t.Errorf("relationships = %s", rp.str("data", "relationships"))
	}
	if got := e.req("GET", "/asyncoperations/"+id, "").must(t, 200).str("data", "attributes"); got != want {
		t.Errorf("polled attributes = %s", got)
	}
	e.s.SetConsumersDown(false)
	rp = e.waitOp(t, id)
	if rp.str("data", "attributes", "status") != opSuccess || rp.str("data", "attributes", "progress") != "1" ||
		rp.summary() != "3/3/0/3/0" {
		t.Errorf("finished operation = %s", rp.raw)
	}
	if _, ok := rp.get("data", "attributes", "summary", "aggregateTime").(json.Number); !ok {
		t.Errorf("summary without aggregateTime: %s", rp.str("data", "attributes", "summary"))
	}
	if got := e.req("GET", "/asyncoperations/"+id+"/errors", "").must(t, 200).str("data"); got != "[]" {
		t.Errorf("errors = %s, want none", got)
	}
	if got := names(e, "customers"); len(got) != 3 {
		t.Errorf("stored customers = %v", got)
	}
	// The answer never tells the ids of the created records (§10.1).
	if strings.Contains(rp.raw, `"customers/`) {
		t.Errorf("the operation reveals record ids: %s", rp.raw)
	}
}

func TestAsyncBatchSucceedsWithErrorsOverTwoPages(t *testing.T) {
	e := newEnv(t)
	items := customers("C", 100)
	bad := []int{3, 9, 17, 25, 31, 40, 52, 66, 70, 81, 93, 99}
	for _, i := range bad {
		items[i] = customerItem("", "")
	}
	id := e.opID(t, e.req("PATCH", "/customers", batchBody(items)).must(t, 202))
	rp := e.waitOp(t, id)
	if rp.str("data", "attributes", "status") != opSuccess || rp.summary() != "100/88/12/88/0" {
		t.Fatalf("operation = %s, want success with 12 errors", rp.raw)
	}
	var want []string
	for n, i := range bad {
		want = append(want, fmt.Sprintf("%s-1-%d|400|%s|%s|/data/%d/attributes/name", id, n+1, titleNotBlank, detailNotBlank, i))
	}
	page1 := e.req("GET", "/asyncoperations/"+id+"/errors", "").must(t, 200)
	if got := page1.opErrors(t); !slices.Equal(got, want[:10]) {
		t.Errorf("page 1 =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want[:10], "\n"))
	}
	next := page1.str("links", "next")
	if next != e.srv.URL+DefaultAPIPrefix+"/asyncoperations/"+id+"/errors?page%5Bnumber%5D=2" {
		t.Errorf("next = %q", next)
	}
	page2 := e.req("GET", "/asyncoperations/"+id+"/errors?page[number]=2", "", "X-Include", "totalCount").must(t, 200)
	if got := page2.opErrors(t); !slices.Equal(got, want[10:]) {
		t.Errorf("page 2 = %v, want %v", got, want[10:])
	}
	if page2.str("links", "next") != "" || page2.header.Get("X-Include-Total-Count") != "12" {
		t.Errorf("page 2: links %s, total %q", page2.str("links"), page2.header.Get("X-Include-Total-Count"))
	}
	if got := e.req("GET", "/asyncoperations/"+id+"/errors?page[size]=-1", "").must(t, 200).opErrors(t); len(got) != 12 {
		t.Errorf("page[size]=-1 gave %d errors, want 12", len(got))
	}
	if n := len(e.s.Records("customers")); n != 88 {
		t.Errorf("%d customers stored, want the 88 good ones", n)
	}
}

func TestAsyncBatchMapsChunkErrorsToTheRequest(t *testing.T) {
	e := newEnvOpts(t, Options{Batch: BatchOptions{ChunkSize: 40}})
	items := customers("C", 100)
	for _, i := range []int{5, 45, 46, 85} {
		items[i] = customerItem("", "")
	}
	id := e.opID(t, e.req("PATCH", "/customers", batchBody(items)).must(t, 202))
	if rp := e.waitOp(t, id); rp.summary() != "100/96/4/96/0" {
		t.Fatalf("summary = %s", rp.summary())
	}
	got := e.req("GET", "/asyncoperations/"+id+"/errors", "").must(t, 200).opErrors(t)
	// Ids are "{operation}-{chunk file index + 1}-{file position + 1 +
	// error position}" (ErrorManager::readErrors), pointers the request's.
	want := []string{
		id + "-1-1|400|not blank constraint|This value should not be blank.|/data/5/attributes/name",
		id + "-2-2|400|not blank constraint|This value should not be blank.|/data/45/attributes/name",
		id + "-2-3|400|not blank constraint|This value should not be blank.|/data/46/attributes/name",
		id + "-3-3|400|not blank constraint|This value should not be blank.|/data/85/attributes/name",
	}
	if !slices.Equal(got, want) {
		t.Errorf("errors =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestOperationStaysNewWhileConsumersWait(t *testing.T) {
	e := newEnvOpts(t, Options{Batch: BatchOptions{StartDelay: 80 * time.Millisecond}})
	id := e.opID(t, e.req("PATCH", "/customers", batchBody(customers("C", 2))).must(t, 202))
	if got := e.req("GET", "/asyncoperations/"+id, "").must(t, 200).str("data", "attributes", "status"); got != opNew {
		t.Errorf("status right after the request = %q, want new", got)
	}
	if n := len(e.s.Records("customers")); n != 0 {
		t.Errorf("%d customers stored before a consumer started", n)
	}
	if rp := e.waitOp(t, id); rp.str("data", "attributes", "status") != opSuccess {
		t.Errorf("operation = %s", rp.raw)
	}

	down := newEnvOpts(t, Options{Batch: BatchOptions{ConsumersDown: true}})
	id = down.opID(t, down.req("PATCH", "/customers", batchBody(customers("C", 2))).must(t, 202))
	time.Sleep(20 * time.Millisecond)
	rp := down.req("GET", "/asyncoperations/"+id, "").must(t, 200)
	if rp.str("data", "attributes", "status") != opNew || rp.str("data", "attributes", "progress") != "" {
		t.Errorf("operation without consumers = %s", rp.raw)
	}
	if st := down.s.Stats().Batch; st.ByStatus[opNew] != 1 {
		t.Errorf("ByStatus = %v", st.ByStatus)
	}
	if !strings.Contains(down.s.Banner(), "never start") {
		t.Errorf("the banner does not say the consumers are down:\n%s", down.s.Banner())
	}
}

func TestSlowOperationShowsItsProgress(t *testing.T) {
	e := newEnvOpts(t, Options{Batch: BatchOptions{ChunkSize: 2, ChunkDelay: 60 * time.Millisecond}})
	id := e.opID(t, e.req("PATCH", "/customers", batchBody(customers("C", 3))).must(t, 202))
	time.Sleep(20 * time.Millisecond)
	rp := e.req("GET", "/asyncoperations/"+id, "").must(t, 200)
	// Two chunks: the root job has three child jobs, the split one done.
	if rp.str("data", "attributes", "status") != opRunning || rp.str("data", "attributes", "progress") != "0.3333" {
		t.Errorf("operation while the first chunk runs = %s", rp.str("data", "attributes"))
	}
	if rp = e.waitOp(t, id); rp.summary() != "3/3/0/3/0" {
		t.Errorf("summary = %s", rp.summary())
	}
}

func TestAsyncBatchWithInvalidJSONFailsAsAWhole(t *testing.T) {
	e := newEnv(t)
	id := e.opID(t, e.req("PATCH", "/customers", `{"data": [{test}]}`).must(t, 202))
	rp := e.waitOp(t, id)
	if rp.str("data", "attributes", "status") != opFailed || rp.str("data", "attributes", "progress") != "" ||
		rp.summary() != "0/0/1/0/0" || rp.str("data", "attributes", "summary", "aggregateTime") != "0" {
		t.Errorf("attributes = %s", rp.str("data", "attributes"))
	}
	got := e.req("GET", "/asyncoperations/"+id+"/errors", "").must(t, 200)
	want := []string{id + "-0-1|400|async operation exception|Failed to parse the data file. Parsing error in [1:12]. " +
		"invalid character 't' looking for beginning of object key string.|"}
	if errs := got.opErrors(t); !slices.Equal(errs, want) {
		t.Errorf("errors = %v, want %v", errs, want)
	}
	if got.str("data", 0, "attributes", "source") != "" {
		t.Errorf("source = %s, want null", got.str("data", 0, "attributes", "source"))
	}

	for _, body := range []string{`{"data":{"type":"customers"}}`, `[1,2]`} {
		id := e.opID(t, e.req("PATCH", "/customers", body).must(t, 202))
		e.waitOp(t, id)
		errs := e.req("GET", "/asyncoperations/"+id+"/errors", "").must(t, 200).opErrors(t)
		if len(errs) != 1 || !strings.Contains(errs[0], "Document must start with a named object that has an array as a value.") {
			t.Errorf("%s: errors = %v", body, errs)
		}
	}
}

func TestEmptyBatchIsRefusedWithoutAnOperation(t *testing.T) {
	e := newEnv(t)
	for _, body := range []string{"", `{"data":[]}`, `{"included":[]}`} {
		for _, mode := range []string{"sync", "async"} {
			e.req("PATCH", "/customers", body, "Content-Type", mediaJSONAPI, "X-Mode", mode).must(t, 400).
				wantErrors(t, wantErr{"400", titleRequestData, detailEmptyDocument, "", ""})
		}
	}
	if st := e.s.Stats().Batch; st.Operations != 0 {
		t.Errorf("%d operations created", st.Operations)
	}
}

func TestBatchCreatesUpdatesAndUpserts(t *testing.T) {
	e := newEnv(t)
	a := e.req("POST", "/customers", `{"data":{"type":"customers","attributes":{"name":"A"}}}`).must(t, 201).str("data", "id")
	items := []string{
		customerItem("New", ""),
		customerItem("Temp", `"id":"tmp-1",`),
		`{"type":"customers","id":"` + a + `","meta":{"update":true},"attributes":{"name":"A2"}}`,
		`{"type":"customers","meta":{"upsert":["name"]},"attributes":{"name":"B"}}`,
		`{"type":"customers","id":"` + a + `","meta":{"upsert":true},"attributes":{"name":"A3"}}`,
		`{"type":"customers","id":"999","meta":{"update":true},"attributes":{"name":"Z"}}`,
		`{"type":"customers","id":"` + a + `","meta":{"update":"yes"},"attributes":{"name":"Z"}}`,
		`{"type":"customers","id":"` + a + `","meta":{"update":true,"upsert":true},"attributes":{"name":"Z"}}`,
		`{"type":"customergroups","attributes":{"name":"G"}}`,
		`{"type":"widgets","attributes":{"name":"W"}}`,
		`{"type":"customers","meta":{"validate":true},"attributes":{"name":"V"}}`,
	}
	id := e.opID(t, e.req("PATCH", "/customers", batchBody(items)).must(t, 202))
	if rp := e.waitOp(t, id); rp.summary() != "11/3/8/2/1" {
		t.Errorf("summary = %s, want 11 read, 2 created, 1 updated, 8 errors", rp.summary())
	}
	got := e.req("GET", "/asyncoperations/"+id+"/errors", "").must(t, 200).opErrors(t)
	want := []string{
		`|400|value constraint|The upsert operation cannot use this field to find an entity.|/data/3/meta/upsert`,
		`|400|value constraint|The upsert operation is not supported for resources with auto-generated identifier value.|/data/4/meta/upsert`,
		`|404|not found http exception|An entity with the requested identifier does not exist.|/data/5`,
		`|400|value constraint|This value should be a boolean.|/data/6/meta/update`,
		`|400|request data constraint|Only one meta option can be used.|/data/7/meta`,
		`|400|entity type constraint|The entity type "customergroups" is not supported by this batch operation.|/data/8`,
		`|400|entity type constraint|Unknown entity type: widgets.|/data/9`,
		`|400|value constraint|The option is not supported.|/data/10/meta/validate`,
	}
	for i := range got {
		got[i] = got[i][strings.Index(got[i], "|"):]
	}
	if !slices.Equal(got, want) {
		t.Errorf("errors =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := names(e, "customers"); !slices.Equal(got, []string{"A2", "New", "Temp"}) {
		t.Errorf("stored customers = %v", got)
	}

	// A batch item gets the errors a single request gets, pointers aside.
	e.req("POST", "/customers", `{"data":{"type":"customers","meta":{"upsert":["name"]},"attributes":{"name":"B"}}}`).
		must(t, 400).wantErrors(t, wantErr{"400", titleValue, "The upsert operation cannot use this field to find an entity.", upsertPointer, ""})
}

func TestBatchNeedsUpdateList(t *testing.T) {
	e := newEnv(t)
	rp := e.req("PATCH", "/customergroups", batchBody([]string{`{"type":"customergroups","attributes":{"name":"G"}}`})).must(t, 405)
	if rp.raw != "" || rp.header.Get("Allow") != "OPTIONS, GET, POST, DELETE" {
		t.Errorf("Allow %q, body %q", rp.header.Get("Allow"), rp.raw)
	}
	// update_list of addresses came with 5.1.2, the Batch API with 4.1.3.
	old := newEnvOpts(t, Options{OroVersion: resources.MustVersion("5.1.1")})
	rp = old.req("PATCH", "/customeraddresses", `{"data":[{"type":"customeraddresses"}]}`).must(t, 405)
	if rp.header.Get("Allow") != "OPTIONS, GET, POST, DELETE" {
		t.Errorf("Allow = %q", rp.header.Get("Allow"))
	}
	old.req("PATCH", "/customers", batchBody(customers("C", 1))).must(t, 202)
	older := newEnvOpts(t, Options{OroVersion: resources.MustVersion("4.1.2")})
	older.req("PATCH", "/customers", batchBody(customers("C", 1))).must(t, 405)
}

func TestOperationRoutes(t *testing.T) {
	e := newEnv(t)
	id := e.opID(t, e.req("PATCH", "/customers", batchBody(customers("C", 1))).must(t, 202))
	e.waitOp(t, id)
	// The collection has no action: 404 (AsyncOperationTest::testTryToGetList).
	for _, m := range []string{"GET", "POST", "DELETE", "PATCH"} {
		e.req(m, "/asyncoperations", `{"data":{"type":"asyncoperations"}}`).must(t, 404)
	}
	for _, path := range []string{"/asyncoperations/" + id, "/asyncoperations/" + id + "/errors"} {
		for _, m := range []string{"PATCH", "DELETE", "POST"} {
			rp := e.req(m, path, `{"data":{"type":"asyncoperations"}}`).must(t, 405)
			if rp.header.Get("Allow") != "OPTIONS, GET" || rp.raw != "" {
				t.Errorf("%s %s: Allow %q, body %q", m, path, rp.header.Get("Allow"), rp.raw)
			}
		}
	}
	e.req("GET", "/asyncoperations/999", "").must(t, 404).hasError(t, titleNotFound, detailNotFoundByID, "")
	e.req("GET", "/asyncoperations/999/errors", "").must(t, 404).
		hasError(t, titleNotFound, "The asynchronous operation does not exist.", "")
	e.req("GET", "/asyncoperations/"+id+"/errors?page[size]=0", "").must(t, 400).hasError(t, titleFilter, "greater than", "page[size]")
	if rp := e.req("GET", "/asyncoperations/"+id, "", "X-Include", "noHateoas").must(t, 200); rp.str("data", "links") != "" {
		t.Errorf("links with noHateoas: %s", rp.str("data", "links"))
	}
}

func TestBatchPermissions(t *testing.T) {
	for _, opts := range []BatchOptions{{DenyCreate: true}, {DenyView: true}} {
		e := newEnvOpts(t, Options{Batch: opts})
		e.req("PATCH", "/customers", batchBody(customers("C", 1))).must(t, 403).
			wantErrors(t, wantErr{"403", titleAccessDenied, "No access to create the asynchronous operation.", "", ""})
		if st := e.s.Stats().Batch; st.Operations != 0 {
			t.Errorf("%+v: %d operations created", opts, st.Operations)
		}
	}
	e := newEnv(t)
	id := e.opID(t, e.req("PATCH", "/customers", batchBody(customers("C", 1))).must(t, 202))
	e.waitOp(t, id)
	e.s.SetAsyncOperationPermissions(true, false)
	e.req("GET", "/asyncoperations/"+id, "").must(t, 403).
		wantErrors(t, wantErr{"403", titleAccessDenied, "No access to the entity.", "", ""})
	e.req("GET", "/asyncoperations/"+id+"/errors", "").must(t, 403).
		wantErrors(t, wantErr{"403", titleAccessDenied, "No access to the asynchronous operation.", "", ""})
	e.s.SetAsyncOperationPermissions(true, true)
	e.req("GET", "/asyncoperations/"+id, "").must(t, 200)
}

func TestInventoryBatchFollowsItsBackport(t *testing.T) {
	// update_list of inventory levels is in 5.1.7 and 6.0.1, not in 6.0.0
	// (oro-api.md §10, §14).
	body := `{"data":[{"type":"inventorylevels","id":"1","meta":{"update":true},"attributes":{"quantity":"5"}}]}`
	for v, status := range map[string]int{"5.1.7": 202, "6.0.0": 405, "6.0.1": 202} {
		e := newEnvOpts(t, Options{OroVersion: resources.MustVersion(v)})
		e.req("PATCH", "/inventorylevels", body).must(t, status)
	}
}
