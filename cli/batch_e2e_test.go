package cli

import (
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orosync/orosync/engine/state"
	"github.com/orosync/orosync/sandbox"
)

// These tests run whole syncs through Oro's Batch API (oro-api.md §10)
// against the stand-in: what a refused batch, a lost answer, an
// asynchronous operation with errors, one that never finishes, and Oro's
// fallback from synchronous to asynchronous leave in Oro, in the
// dead-letter file and in the state.

// batchCustomers writes customers.yaml and customers.jsonl: n customers
// keyed C000.., matched by name; bad(i) records name group 999999, which
// does not exist, so Oro refuses them ("The entity does not exist."). mode
// is target.batch ("" = the default, auto).
func batchCustomers(t *testing.T, dir string, n int, mode string, bad func(i int) bool) string {
	t.Helper()
	writeJSONL(t, filepath.Join(dir, "customers.jsonl"), n, func(i int) string {
		group := ""
		if bad != nil && bad(i) {
			group = `,"group":"999999"`
		}
		return fmt.Sprintf(`{"id":"C%03d","name":"Customer %03d"%s}`, i, i, group)
	})
	batch := ""
	if mode != "" {
		batch = ", batch: " + mode
	}
	path := filepath.Join(dir, "customers.yaml")
	writeFile(t, path, `version: 1
name: customers
source: {file: customers.jsonl}
target: {type: customers, key: .id, write: upsert, match: {name: .attributes.name}`+batch+`}
transform: |
  {type: "customers", attributes: {name: .name},
   relationships: (if .group then {group: {data: {type: "customergroups", id: .group}}} else {} end)}
`)
	return path
}

// capErrorPages serves at most 10 errors per page whatever the client asks
// (Oro's default page size), as a server with a lower limit would.
func capErrorPages(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/errors") {
			q := r.URL.Query()
			q.Set("page[size]", "10")
			r.URL.RawQuery = q.Encode()
		}
		h.ServeHTTP(w, r)
	})
}

// batchRequests counts the Batch API requests on typ (PATCH on the
// collection), by X-Mode.
func batchRequests(oro *oroStandIn, typ string) (syncs, asyncs int) {
	for _, r := range oro.Requests() {
		if r.Method == http.MethodPatch && r.Path == sandbox.DefaultAPIPrefix+"/"+typ {
			if r.XMode == "sync" {
				syncs++
			} else {
				asyncs++
			}
		}
	}
	return syncs, asyncs
}

// requestsSince returns the requests after the first n, as "METHOD path",
// without the token and the run's first check of the connection.
func requestsSince(oro *oroStandIn, n int) []string {
	var out []string
	for _, r := range oro.Requests()[n:] {
		if r.Path != sandbox.TokenPath && r.Path != sandbox.DefaultAPIPrefix+"/organizations" {
			out = append(out, r.Method+" "+strings.TrimPrefix(r.Path, sandbox.DefaultAPIPrefix))
		}
	}
	return out
}

// customersOnce checks that Oro has want customers, each name once.
func customersOnce(t *testing.T, oro *oroStandIn, want int) {
	t.Helper()
	names := map[any]int{}
	for _, c := range oro.Records("customers") {
		names[c.Attributes["name"]]++
	}
	if got := len(oro.Records("customers")); got != want || len(names) != want {
		t.Errorf("Oro has %d customers with %d names; want %d, each once", got, len(names), want)
	}
}

// idMapKeys returns the keys of mapping the state in dir has ids for.
func idMapKeys(t *testing.T, oro *oroStandIn, dir, mapping string, keys []string) []string {
	t.Helper()
	st, err := state.Open(filepath.Join(dir, "state"), state.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	inst, err := state.Instance(oro.URL + sandbox.DefaultAPIPrefix)
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.LookupMany(inst, mapping, keys)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for k := range got {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func customerKeys(n int) []string {
	var keys []string
	for i := range n {
		keys = append(keys, fmt.Sprintf("C%03d", i))
	}
	return keys
}

// TestBatchRefusalCostsOnlyTheBadRecords: Oro refuses a synchronous batch
// of 100 as a whole for 3 bad records; those 3 are dead-lettered with their
// own errors, the 97 others are written, and a rerun duplicates nothing.
func TestBatchRefusalCostsOnlyTheBadRecords(t *testing.T) {
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	oro := newStandIn(t, sandbox.Options{})
	dir := t.TempDir()
	bad := func(i int) bool { return i == 7 || i == 42 || i == 93 }
	m := batchCustomers(t, dir, 100, "", bad)
	r := runCLI(t, "", oro.runArgs(dir, m)...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (3 records failed)\n%s", r.code, r.stderr)
	}
	customersOnce(t, oro, 97)
	// How the 100 records fall into batches depends on timing (a batch
	// that is not full goes when no record comes for a moment); each batch
	// holding a bad record is refused once and sent again without it.
	syncs, asyncs := batchRequests(oro, "customers")
	if syncs < 2 || syncs > 8 || asyncs != 0 || oro.Stats().Requests["POST customers"] != 0 {
		t.Errorf("%d sync and %d async batches, %d POSTs; want the refused batches and their resends, no per-record writes",
			syncs, asyncs, oro.Stats().Requests["POST customers"])
	}
	dl := readLines(t, filepath.Join(dir, "dead.jsonl"))
	var keys []string
	for _, l := range dl {
		keys = append(keys, l["key"].(string))
		e := l["error"].(map[string]any)
		errs, _ := e["errors"].([]any)
		if e["status"] != 400.0 || len(errs) != 1 {
			t.Errorf("dead letter %v: want its own single 400 error", l)
			continue
		}
		first := errs[0].(map[string]any)
		if first["pointer"] != "/data/relationships/group/data" || !strings.Contains(fmt.Sprint(first["detail"]), "does not exist") {
			t.Errorf("dead letter %s error %v; want the group's pointer in the record's own document", l["key"], first)
		}
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"C007", "C042", "C093"}) {
		t.Errorf("dead-lettered %v, want C007, C042, C093", keys)
	}
	if got := idMapKeys(t, oro, dir, "customers", customerKeys(100)); len(got) != 97 || slices.Contains(got, "C042") {
		t.Errorf("the id map has %d keys; want the 97 written", len(got))
	}

	before := len(oro.Requests())
	r = runCLI(t, "", oro.runArgs(dir, m)...)
	if r.code != 1 || !strings.Contains(r.stderr, "97 unchanged") {
		t.Fatalf("rerun exit %d, want 1 with 97 unchanged\n%s", r.code, r.stderr)
	}
	customersOnce(t, oro, 97)
	for _, req := range requestsSince(oro, before) {
		if strings.HasPrefix(req, "POST") {
			t.Errorf("rerun sent %s", req)
		}
	}
}

// TestLostSyncBatchAnswerWritesOnce: the answer to a synchronous batch is
// lost after Oro stored it; the run looks the records up by name instead
// of sending them again, and records their ids.
func TestLostSyncBatchAnswerWritesOnce(t *testing.T) {
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	oro := newStandIn(t, sandbox.Options{})
	dir := t.TempDir()
	m := batchCustomers(t, dir, 100, "sync", nil)
	oro.InjectFault(sandbox.Fault{Method: http.MethodPatch, Type: "customers", DropAfterStore: true})
	r := runCLI(t, "", oro.runArgs(dir, append(fastRetries, m)...)...)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", r.code, r.stderr)
	}
	customersOnce(t, oro, 100)
	if !strings.Contains(r.stderr, "connection lost") {
		t.Errorf("the lost answer is not mentioned:\n%s", r.stderr)
	}
	// Not resent: the records of the lost batch are in Oro (customersOnce
	// above); how many batches the 100 records took depends on timing.
	if syncs, _ := batchRequests(oro, "customers"); syncs > 4 {
		t.Errorf("%d batches for 100 records: the lost one was sent again?", syncs)
	}
	if got := idMapKeys(t, oro, dir, "customers", customerKeys(100)); len(got) != 100 {
		t.Errorf("the id map has %d keys, want 100", len(got))
	}
	before := len(oro.Requests())
	r = runCLI(t, "", oro.runArgs(dir, m)...)
	if r.code != 0 || !strings.Contains(r.stderr, "100 unchanged") {
		t.Fatalf("rerun exit %d, want 0 with 100 unchanged\n%s", r.code, r.stderr)
	}
	if reqs := requestsSince(oro, before); len(reqs) > 0 {
		t.Errorf("a rerun with nothing changed sent %v", reqs)
	}
}

// TestAsyncBatchSuccessWithErrorPages: an asynchronous operation ends
// "success" with 12 errors, which Oro serves over two pages; each of the
// 12 records is dead-lettered with its own error, the others are found by
// name and recorded.
func TestAsyncBatchSuccessWithErrorPages(t *testing.T) {
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	oro := newStandInBehind(t, sandbox.Options{Batch: sandbox.BatchOptions{StartDelay: 50 * time.Millisecond}}, capErrorPages)
	dir := t.TempDir()
	bad := func(i int) bool { return i%10 == 3 }
	m := batchCustomers(t, dir, 120, "async", bad)
	r := runCLI(t, "", oro.runArgs(dir, "--batch-size", "200", m)...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (12 failed)\n%s", r.code, r.stderr)
	}
	customersOnce(t, oro, 108)
	// The 120 records go in one operation unless the machine is so slow
	// that a batch closes early (no record for a moment); then every
	// operation's errors are read.
	syncs, asyncs := batchRequests(oro, "customers")
	if syncs != 0 || asyncs < 1 {
		t.Errorf("%d sync and %d async batches; want asynchronous operations only", syncs, asyncs)
	}
	pages := 0
	for _, req := range oro.Requests() {
		if strings.HasSuffix(req.Path, "/errors") {
			pages++
		}
	}
	if asyncs == 1 && pages != 2 || pages < asyncs {
		t.Errorf("read the errors of %d operation(s) in %d requests; want the 2 pages of 10 of one operation", asyncs, pages)
	}
	// The records the operation created are found by reading the new
	// records (filter[id][gt]), not with one GET per record.
	if n := oro.Stats().Requests["GET customers"]; n > 30 {
		t.Errorf("%d GET customers to confirm 120 records of one operation", n)
	}
	dl := readLines(t, filepath.Join(dir, "dead.jsonl"))
	if len(dl) != 12 {
		t.Fatalf("%d dead letters, want 12", len(dl))
	}
	for _, l := range dl {
		var i int
		fmt.Sscanf(l["key"].(string), "C%d", &i)
		e := l["error"].(map[string]any)
		errs, _ := e["errors"].([]any)
		if !bad(i) || len(errs) != 1 || errs[0].(map[string]any)["pointer"] != "/data/relationships/group/data" {
			t.Errorf("dead letter %v: want a bad record with its own error", l)
		}
	}
	if got := idMapKeys(t, oro, dir, "customers", customerKeys(120)); len(got) != 108 {
		t.Errorf("the id map has %d keys, want the 108 written", len(got))
	}
	r = runCLI(t, "", oro.runArgs(dir, m)...)
	if r.code != 1 || !strings.Contains(r.stderr, "108 unchanged") {
		t.Fatalf("rerun exit %d, want 1 with 108 unchanged\n%s", r.code, r.stderr)
	}
	customersOnce(t, oro, 108)
}

// TestAsyncOperationPastTheDeadline: no consumer takes the operation; at
// the deadline the run stops (exit 3) without recording its records, and
// once Oro processed it, a rerun finds them by name instead of writing
// them twice.
func TestAsyncOperationPastTheDeadline(t *testing.T) {
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	oro := newStandIn(t, sandbox.Options{Batch: sandbox.BatchOptions{ConsumersDown: true}})
	dir := t.TempDir()
	m := batchCustomers(t, dir, 50, "async", nil)
	r := runCLI(t, "", oro.runArgs(dir, "--batch-deadline", "300ms", m)...)
	if r.code != 3 {
		t.Fatalf("exit %d, want 3 (the run could not proceed)\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "asynchronous operation") || !strings.Contains(r.stderr, "300ms") {
		t.Errorf("the message does not name the operation and the deadline:\n%s", r.stderr)
	}
	if got := idMapKeys(t, oro, dir, "customers", customerKeys(50)); len(got) != 0 {
		t.Errorf("the id map has %v for records whose outcome is unknown", got)
	}
	oro.SetConsumersDown(false)
	for deadline := time.Now().Add(10 * time.Second); len(oro.Records("customers")) < 50 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	customersOnce(t, oro, 50)
	r = runCLI(t, "", oro.runArgs(dir, m)...)
	if r.code != 0 {
		t.Fatalf("rerun exit %d, want 0\n%s", r.code, r.stderr)
	}
	customersOnce(t, oro, 50)
	if got := idMapKeys(t, oro, dir, "customers", customerKeys(50)); len(got) != 50 {
		t.Errorf("after the rerun the id map has %d keys, want 50", len(got))
	}
}

// TestSyncBatchTurnedAsynchronous: Oro answers a synchronous batch 202
// when it takes longer than its wait (25 s by default); the run follows
// the operation and records every id.
func TestSyncBatchTurnedAsynchronous(t *testing.T) {
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	oro := newStandIn(t, sandbox.Options{Batch: sandbox.BatchOptions{SyncWaitTimeout: 50 * time.Millisecond, ChunkDelay: 200 * time.Millisecond}})
	dir := t.TempDir()
	m := batchCustomers(t, dir, 30, "", nil)
	r := runCLI(t, "", oro.runArgs(dir, m)...)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", r.code, r.stderr)
	}
	customersOnce(t, oro, 30)
	polled := false
	for _, req := range oro.Requests() {
		if req.Method == http.MethodGet && strings.Contains(req.Path, "/asyncoperations/") {
			polled = true
		}
	}
	if syncs, _ := batchRequests(oro, "customers"); syncs < 1 || !polled {
		t.Errorf("%d sync batches, polled %v; want the batch followed as an operation", syncs, polled)
	}
	if got := idMapKeys(t, oro, dir, "customers", customerKeys(30)); len(got) != 30 {
		t.Errorf("the id map has %d keys, want 30", len(got))
	}
}

// TestAutoBatchesWhereOroCan: customer groups have no update_list, so
// auto writes them one request each; customers and their users go in
// synchronous batches, parents before the children that name them, also
// within one source.
func TestAutoBatchesWhereOroCan(t *testing.T) {
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	oro := newStandIn(t, sandbox.Options{})
	dir := t.TempDir()
	const n = 250
	stormMappings(t, dir, n)
	groups := groupsSource(t, dir, 20, false)
	r := runCLI(t, "", oro.runArgs(dir, filepath.Join(dir, "customers.yaml"), filepath.Join(dir, "users.yaml"), groups)...)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", r.code, r.stderr)
	}
	st := oro.Stats().Requests
	if st["POST customergroups"] != 20 || st["PATCH customergroups"] != 0 {
		t.Errorf("customer groups: %d POSTs, %d PATCHes; want one POST each", st["POST customergroups"], st["PATCH customergroups"])
	}
	if st["POST customers"] != 0 || st["POST customerusers"] != 0 {
		t.Errorf("customers and users were written one by one: %v", st)
	}
	if syncs, _ := batchRequests(oro, "customers"); syncs < 3 || syncs > n/5 {
		t.Errorf("%d customer batches for %d customers in batches of up to 100", syncs, n)
	}
	byID := map[string]sandbox.Resource{}
	for _, c := range oro.Records("customers") {
		byID[c.ID] = c
	}
	customersOnce(t, oro, n)
	for _, c := range byID {
		var i int
		fmt.Sscanf(c.Attributes["name"].(string), "Customer %d", &i)
		parents := c.Relationships["parent"]
		if i%10 != 0 && (len(parents) != 1 || byID[parents[0].ID].Attributes["name"] != fmt.Sprintf("Customer %05d", i-i%10)) {
			t.Fatalf("customer %d has parent %v, want customer %d", i, parents, i-i%10)
		}
	}
	users := oro.Records("customerusers")
	if len(users) != n {
		t.Fatalf("%d users, want %d", len(users), n)
	}
	for _, u := range users {
		if c := u.Relationships["customer"]; len(c) != 1 || byID[c[0].ID].ID == "" {
			t.Fatalf("user %v is not linked to a customer", u.Attributes["email"])
		}
	}
}
