package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orosync/orosync/sandbox"
)

func TestRunExamplesEndToEndAndRerunWritesNothing(t *testing.T) {
	oro := newStandIn(t, sandbox.Options{})
	dir := t.TempDir()
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	ex := copyDir(t, "../examples")
	reportPath := filepath.Join(dir, "report.json")

	r := runCLI(t, "", oro.runArgs(dir, "--report", reportPath, ex)...)
	if r.code != 0 {
		t.Fatalf("first run exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	var rep struct {
		Total struct{ Read, Created, Updated, Unchanged, Skipped, Failed int }
	}
	b, _ := os.ReadFile(reportPath)
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, b)
	}
	if rep.Total.Created == 0 || rep.Total.Failed != 0 {
		t.Fatalf("first run totals %+v", rep.Total)
	}
	if n := len(oro.Records("customers")); n != 6 {
		t.Errorf("Oro has %d customers, want 6 (7 records, one inactive)", n)
	}
	if got := oro.Stats().TokensIssued; got != 1 {
		t.Errorf("token requests = %d, want 1 for the whole run", got)
	}
	for _, req := range oro.Requests() {
		if req.Status == 415 || req.Status == 406 {
			t.Errorf("%s %s answered %d: content negotiation is wrong (Content-Type %q, Accept %q)", req.Method, req.Path, req.Status, req.ContentType, req.Accept)
		}
		if req.Method != "GET" && req.Path != sandbox.TokenPath && req.ContentType != "application/vnd.api+json" {
			t.Errorf("%s %s sent Content-Type %q", req.Method, req.Path, req.ContentType)
		}
	}

	// The second run writes nothing.
	before := len(oro.Requests())
	r = runCLI(t, "", oro.runArgs(dir, "--report", reportPath, ex)...)
	if r.code != 0 {
		t.Fatalf("second run exit %d\n%s", r.code, r.stderr)
	}
	b, _ = os.ReadFile(reportPath)
	json.Unmarshal(b, &rep)
	if rep.Total.Created+rep.Total.Updated != 0 {
		t.Errorf("second run wrote %+v, want nothing", rep.Total)
	}
	for _, req := range oro.Requests()[before:] {
		if req.Method == "POST" && req.Path != sandbox.TokenPath || req.Method == "PATCH" {
			t.Errorf("second run sent %s %s", req.Method, req.Path)
		}
	}

	// Change one record: the third run PATCHes exactly that one.
	data := filepath.Join(ex, "data", "customers.jsonl")
	src, _ := os.ReadFile(data)
	writeFile(t, data, strings.Replace(string(src), `"Blue Sky Retail"`, `"Blue Sky Retail Group"`, 1))
	before = len(oro.Requests())
	r = runCLI(t, "", oro.runArgs(dir, ex)...)
	if r.code != 0 {
		t.Fatalf("third run exit %d\n%s", r.code, r.stderr)
	}
	var writes []string
	for _, req := range oro.Requests()[before:] {
		if req.Method == "PATCH" || req.Method == "POST" && req.Path != sandbox.TokenPath {
			writes = append(writes, req.Method+" "+req.Path)
		}
	}
	// Customers go through the Batch API (update_list, a natural key): the
	// one update is a batch of one.
	if len(writes) != 1 || !strings.HasPrefix(writes[0], "PATCH "+sandbox.DefaultAPIPrefix+"/customers") {
		t.Errorf("third run writes = %v, want one PATCH of customers", writes)
	}
	if got := oro.Stats().Batch.SyncRequests; got == 0 {
		t.Errorf("no synchronous batch was sent; customers have update_list and a natural key")
	}

	// Losing the state directory creates no duplicates where a natural key
	// (target.match) exists: every such record is found and PATCHed.
	counts := func() map[string]int {
		c := map[string]int{}
		for _, typ := range []string{"customergroups", "customers", "customerusers", "customeraddresses", "productunits", "products", "productprices", "inventorylevels"} {
			c[typ] = len(oro.Records(typ))
		}
		return c
	}
	before2 := counts()
	if err := os.RemoveAll(filepath.Join(dir, "state")); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, "", oro.runArgs(dir, ex)...)
	if r.code != 0 {
		t.Fatalf("run without state: exit %d\n%s", r.code, r.stderr)
	}
	after := counts()
	for typ, n := range before2 {
		if typ == "customeraddresses" { // no natural key in Oro: documented, and validate warns
			continue
		}
		if after[typ] != n {
			t.Errorf("%s: %d records before losing the state, %d after a rerun: duplicates", typ, n, after[typ])
		}
	}
}

func TestOroRejectionIsDeadLetteredAndOthersWritten(t *testing.T) {
	oro := newStandIn(t, sandbox.Options{})
	dir := t.TempDir()
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	m := groupsMapping(t, dir, "key: .code", `{"code":"A","name":"Alpha"}
{"code":"B","name":""}
{"code":"C","name":"Gamma"}
`)
	r := runCLI(t, "", oro.runArgs(dir, m)...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (some records failed)\n%s", r.code, r.stderr)
	}
	if n := len(oro.Records("customergroups")); n != 2 {
		t.Errorf("Oro has %d groups, want 2", n)
	}
	dl := readLines(t, filepath.Join(dir, "dead.jsonl"))
	if len(dl) != 1 {
		t.Fatalf("dead letters: %v", dl)
	}
	e := dl[0]["error"].(map[string]any)
	errs := e["errors"].([]any)[0].(map[string]any)
	if e["status"] != 400.0 || errs["title"] != "not blank constraint" || errs["pointer"] != "/data/attributes/name" || errs["detail"] == "" {
		t.Errorf("dead letter error = %v", e)
	}
	if dl[0]["key"] != "B" || dl[0]["record"] == nil || dl[0]["document"] == nil {
		t.Errorf("dead letter lacks key, record or document: %v", dl[0])
	}
	if !strings.Contains(r.stderr, "1 failed record(s) written to") {
		t.Errorf("summary does not point at the dead-letter file:\n%s", r.stderr)
	}
}

func TestExpiredTokenIsRefreshedOnceAndRetried(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix())
	// Oro's clock runs ahead: every request ages the token by 20 minutes,
	// so Oro rejects it (401, empty body) before the client expects.
	oro := newStandIn(t, sandbox.Options{TokenTTL: time.Hour, Now: func() time.Time {
		return time.Unix(clock.Add(20*60), 0)
	}})
	dir := t.TempDir()
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	var lines strings.Builder
	for i := 0; i < 10; i++ {
		lines.WriteString(`{"code":"G` + string(rune('0'+i)) + `","name":"Group ` + string(rune('0'+i)) + `"}` + "\n")
	}
	m := groupsMapping(t, dir, "key: .code", lines.String())
	r := runCLI(t, "", oro.runArgs(dir, "--concurrency", "1", m)...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if n := len(oro.Records("customergroups")); n != 10 {
		t.Errorf("Oro has %d groups, want 10", n)
	}
	st := oro.Stats()
	if st.Unauthorized == 0 || st.TokensIssued < 2 {
		t.Errorf("stats %+v: want 401s answered by token refreshes", st)
	}
	if st.TokensIssued > st.Unauthorized+1 {
		t.Errorf("stats %+v: more token requests than 401s + 1", st)
	}
}

func TestLostPostResponseLeavesOneRecord(t *testing.T) {
	oro := newStandIn(t, sandbox.Options{})
	dir := t.TempDir()
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	oro.InjectFault(sandbox.Fault{Method: "POST", Type: "customergroups", DropAfterStore: true, Times: 1})
	m := groupsMapping(t, dir, "key: .code, write: upsert, match: {name: .attributes.name}", `{"code":"W","name":"Wholesale"}`)
	r := runCLI(t, "", oro.runArgs(dir, m)...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if n := len(oro.Records("customergroups")); n != 1 {
		t.Errorf("Oro has %d groups after a lost POST answer, want exactly 1", n)
	}
	// Without state and with the record in Oro, a rerun finds it by name.
	os.RemoveAll(filepath.Join(dir, "state"))
	r = runCLI(t, "", oro.runArgs(dir, m)...)
	if r.code != 0 {
		t.Fatalf("rerun exit %d\n%s", r.code, r.stderr)
	}
	if n := len(oro.Records("customergroups")); n != 1 {
		t.Errorf("Oro has %d groups after a rerun without state, want 1", n)
	}
}

func TestNaturalKeyFindsRecordCreatedOutsideOrosync(t *testing.T) {
	oro := newStandIn(t, sandbox.Options{})
	dir := t.TempDir()
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	id, err := oro.Seed("customergroups", map[string]any{"name": "Wholesale"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	oro.Seed("customergroups", map[string]any{"name": "Twice"}, nil)
	oro.Seed("customergroups", map[string]any{"name": "Twice"}, nil)
	m := groupsMapping(t, dir, "key: .code, write: upsert, match: {name: .attributes.name}", `{"code":"W","name":"Wholesale"}
{"code":"T","name":"Twice"}`)
	r := runCLI(t, "", oro.runArgs(dir, m)...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	patched := false
	for _, req := range oro.Requests() {
		if req.Method == "PATCH" && req.Path == sandbox.DefaultAPIPrefix+"/customergroups/"+id {
			patched = true
		}
		if req.Method == "POST" && req.Path != sandbox.TokenPath {
			t.Errorf("unexpected %s %s", req.Method, req.Path)
		}
	}
	if !patched {
		t.Errorf("the existing group %s was not PATCHed", id)
	}
	dl := readLines(t, filepath.Join(dir, "dead.jsonl"))
	if len(dl) != 1 || dl[0]["error"].(map[string]any)["stage"] != "conflict" {
		t.Errorf("dead letters = %v, want one conflict", dl)
	}
}

func TestSecretsNeverAppearInOutput(t *testing.T) {
	oro := newStandIn(t, sandbox.Options{})
	dir := t.TempDir()
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	m := groupsMapping(t, dir, "key: .code", `{"code":"A","name":"Alpha"}
{"code":"B","name":""}
`)
	report := filepath.Join(dir, "report.json")
	var outputs []string
	r := runCLI(t, "", oro.runArgs(dir, "--report", report, m)...)
	outputs = append(outputs, r.stdout, r.stderr)
	// Bad credentials and a dry run, too.
	r2 := runCLI(t, "", oro.runArgs(dir, "--client-secret", testSecret+"-wrong", m)...)
	if r2.code != 3 {
		t.Errorf("bad credentials: exit %d, want 3\n%s", r2.code, r2.stderr)
	}
	r3 := runCLI(t, "", oro.runArgs(dir, "--dry-run", m)...)
	outputs = append(outputs, r2.stdout, r2.stderr, r3.stdout, r3.stderr)
	for _, f := range []string{report, filepath.Join(dir, "dead.jsonl")} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		outputs = append(outputs, string(b))
	}
	secrets := append([]string{testSecret}, oro.issuedTokens()...)
	if len(secrets) < 2 {
		t.Fatal("no token was issued: the test checks nothing")
	}
	for _, out := range outputs {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("a secret (%.6s…) appears in output:\n%s", s, out)
			}
		}
	}
}

func TestBadConnectionSettingsExit3(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "g.yaml"), "version: 1\nname: g\nsource: {file: g.json}\ntarget: {type: customergroups}\ntransform: .\n")
	writeFile(t, filepath.Join(dir, "g.json"), `[]`)
	t.Setenv("ORO_CLIENT_SECRET", "x")
	r := runCLI(t, "", "run", "--api-url", "http://127.0.0.1:1/admin/api", "--client-id", "x", "--state-dir", filepath.Join(dir, "s"), filepath.Join(dir, "g.yaml"))
	if r.code != 3 {
		t.Errorf("unreachable Oro: exit %d, want 3\n%s", r.code, r.stderr)
	}
	t.Setenv("ORO_CLIENT_SECRET", "")
	r = runCLI(t, "", "run", "--state-dir", filepath.Join(dir, "s"), filepath.Join(dir, "g.yaml"))
	if r.code != 2 || !strings.Contains(r.stderr, "ORO_API_URL") {
		t.Errorf("missing settings: exit %d, want 2 naming ORO_API_URL\n%s", r.code, r.stderr)
	}
}

// groupsMapping writes a customer-group mapping named g over data (JSON
// Lines) with the given target settings, and returns the mapping's path.
func groupsMapping(t *testing.T, dir, target, data string) string {
	t.Helper()
	writeFile(t, filepath.Join(dir, "g.jsonl"), data)
	path := filepath.Join(dir, "g.yaml")
	writeFile(t, path, "version: 1\nname: g\nsource: {file: g.jsonl}\ntarget: {type: customergroups, "+target+"}\n"+
		"transform: '{type: \"customergroups\", attributes: {name: .name}}'\n")
	return path
}
