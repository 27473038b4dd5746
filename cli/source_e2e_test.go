package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orosync/orosync/sandbox"
)

// End-to-end tests of HTTP sources through the real CLI code path: an
// httptest source API in every paging style, the mappings in
// testdata/source (their URL is ${SRC_URL}) and the Oro stand-in.

// srcPageSize is the page size of the source API (and of the mappings).
const srcPageSize = 4

// srcRecord is one record of the source API.
type srcRecord struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	UpdatedAt string `json:"updated_at"`
}

// srcRequest is one request the source API received.
type srcRequest struct {
	path  string
	query url.Values
}

// srcFault answers a request instead of the API (429, 503, a dropped
// connection, ...).
type srcFault func(w http.ResponseWriter)

// sourceAPI is an httptest source API serving records, ordered by
// updated_at and filtered by ?updated_since= (strictly newer), in several
// paging styles chosen by the path:
//
//	/next      {"data": [...], "next": "/next?start=4"} (relative; null at the end)
//	/link      [...] with Link: <.../link?start=4>; rel="next"
//	/page      [...] for ?page=N&per_page=S; [] past the end
//	/offset    {"items": [...], "total": N} for ?offset=O&limit=L; empty past the end
//	/cursor    {"results": [...], "meta": {"next_cursor": "c4"}} for ?cursor=c4; null at the end
//	/clamp     like /page, but a page past the end is the last page again (a loop)
//	/loopnext  like /next, but the last page names itself as the next (a loop)
type sourceAPI struct {
	URL string

	mu      sync.Mutex
	records []srcRecord
	reqs    []srcRequest
	// fault, when set, may answer request number n (1-based) instead.
	fault func(n int, r *http.Request) srcFault
}

func newSourceAPI(t *testing.T, records []srcRecord) *sourceAPI {
	t.Helper()
	a := &sourceAPI{records: records}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	a.URL = srv.URL
	t.Setenv("SRC_URL", srv.URL)
	return a
}

// groupRecords returns n records from G<from> on, record i updated at
// srcStamp(i).
func groupRecords(from, n int) []srcRecord {
	out := make([]srcRecord, 0, n)
	for i := from; i < from+n; i++ {
		out = append(out, srcRecord{Code: fmt.Sprintf("G%02d", i), Name: fmt.Sprintf("Group %02d", i), UpdatedAt: srcStamp(i)})
	}
	return out
}

// srcStamp is the updated_at of the i-th change.
func srcStamp(i int) string { return fmt.Sprintf("2024-01-01T00:00:%02dZ", i) }

// add appends records (changes made in the source system).
func (a *sourceAPI) add(recs ...srcRecord) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.records = append(a.records, recs...)
}

// update changes a record's name and updated_at.
func (a *sourceAPI) update(code, name, updatedAt string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range a.records {
		if a.records[i].Code == code {
			a.records[i].Name, a.records[i].UpdatedAt = name, updatedAt
		}
	}
}

func (a *sourceAPI) setFault(f func(n int, r *http.Request) srcFault) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.fault = f
}

// requests returns the requests received so far and forgets them.
func (a *sourceAPI) requests() []srcRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := a.reqs
	a.reqs = nil
	return out
}

func (a *sourceAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.reqs = append(a.reqs, srcRequest{path: r.URL.Path, query: r.URL.Query()})
	n, fault := len(a.reqs), a.fault
	recs := a.since(r.URL.Query().Get("updated_since"))
	a.mu.Unlock()
	if fault != nil {
		if answer := fault(n, r); answer != nil {
			answer(w)
			return
		}
	}
	q := r.URL.Query()
	switch r.URL.Path {
	case "/next", "/loopnext":
		start := srcIntParam(q, "start", 0)
		var next any
		if start+srcPageSize < len(recs) {
			next = fmt.Sprintf("%s?start=%d", r.URL.Path, start+srcPageSize)
		} else if r.URL.Path == "/loopnext" {
			next = fmt.Sprintf("%s?start=%d", r.URL.Path, start)
		}
		srcWriteJSON(w, map[string]any{"data": srcWindow(recs, start, srcPageSize), "next": next})
	case "/link":
		start := srcIntParam(q, "start", 0)
		if start+srcPageSize < len(recs) {
			w.Header().Set("Link", fmt.Sprintf(`<%s/link?start=%d>; rel="next", <%s/link>; rel="first"`, a.URL, start+srcPageSize, a.URL))
		}
		srcWriteJSON(w, srcWindow(recs, start, srcPageSize))
	case "/page", "/clamp":
		size := srcIntParam(q, "per_page", srcPageSize)
		start := (srcIntParam(q, "page", 1) - 1) * size
		if r.URL.Path == "/clamp" && start >= len(recs) && len(recs) > 0 {
			start = (len(recs) - 1) / size * size
		}
		srcWriteJSON(w, srcWindow(recs, start, size))
	case "/offset":
		srcWriteJSON(w, map[string]any{"items": srcWindow(recs, srcIntParam(q, "offset", 0), srcIntParam(q, "limit", 10)), "total": len(recs)})
	case "/cursor":
		start, _ := strconv.Atoi(strings.TrimPrefix(q.Get("cursor"), "c")) // "" (first page) is 0
		var next any
		if start+srcPageSize < len(recs) {
			next = "c" + strconv.Itoa(start+srcPageSize)
		}
		srcWriteJSON(w, map[string]any{"results": srcWindow(recs, start, srcPageSize), "meta": map[string]any{"next_cursor": next}})
	default:
		http.NotFound(w, r)
	}
}

// since returns the records updated after ts ("" = all), oldest first.
// The caller holds a.mu.
func (a *sourceAPI) since(ts string) []srcRecord {
	var out []srcRecord
	for _, r := range a.records {
		if ts == "" || r.UpdatedAt > ts {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].UpdatedAt < out[j].UpdatedAt })
	return out
}

// srcWindow returns recs[start:start+size], never nil (so that JSON has []).
func srcWindow(recs []srcRecord, start, size int) []srcRecord {
	out := []srcRecord{}
	if start < 0 || start >= len(recs) {
		return out
	}
	return append(out, recs[start:min(start+size, len(recs))]...)
}

func srcIntParam(q url.Values, name string, def int) int {
	n, err := strconv.Atoi(q.Get(name))
	if err != nil {
		return def
	}
	return n
}

func srcWriteJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// tooManyRequests answers 429 with Retry-After: 0.
func tooManyRequests(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "0")
	w.WriteHeader(http.StatusTooManyRequests)
}

// srcUnavailable answers 503.
func srcUnavailable(w http.ResponseWriter) {
	http.Error(w, "maintenance", http.StatusServiceUnavailable)
}

// htmlServerError answers a non-JSON 500, as a crashing proxy would.
func htmlServerError(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusInternalServerError)
	w.Write([]byte("<html><body>Internal Server Error</body></html>"))
}

// dropMidBody sends the headers of a 200 and part of its body, then closes
// the connection (the client's transport cannot retry this itself).
func dropMidBody(w http.ResponseWriter) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"data\": [{\"code\": ")
	buf.Flush()
	conn.Close()
}

// srcReport is the part of the --report JSON the tests check.
type srcReport struct {
	Mappings []struct {
		Mapping, Status, Error string
		Read, Created, Updated int
		Unchanged, Skipped     int
		Failed                 int
		Checkpoint             json.RawMessage
	}
	Total struct{ Read, Created, Updated, Unchanged, Skipped, Failed int }
}

// srcMapping returns the path of a mapping in testdata/source.
func srcMapping(name string) string { return filepath.Join("testdata", "source", name) }

// runWithReport runs orosync with --report and decodes the report.
func runWithReport(t *testing.T, dir string, args ...string) (result, srcReport) {
	t.Helper()
	path := filepath.Join(dir, "report.json")
	os.Remove(path)
	r := runCLI(t, "", append([]string{args[0], "--report", path}, args[1:]...)...)
	var rep srcReport
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no report (exit %d): %v\n%s", r.code, err, r.stderr)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, b)
	}
	checkCountsAddUp(t, rep)
	return r, rep
}

// checkCountsAddUp checks read = created + updated + unchanged + skipped +
// failed per mapping, and that the totals are the sums.
func checkCountsAddUp(t *testing.T, rep srcReport) {
	t.Helper()
	var read, created, failed int
	for _, m := range rep.Mappings {
		if sum := m.Created + m.Updated + m.Unchanged + m.Skipped + m.Failed; sum != m.Read {
			t.Errorf("%s: read %d, but outcomes add up to %d: %+v", m.Mapping, m.Read, sum, m)
		}
		read, created, failed = read+m.Read, created+m.Created, failed+m.Failed
	}
	if rep.Total.Read != read || rep.Total.Created != created || rep.Total.Failed != failed {
		t.Errorf("totals %+v do not add up the mappings %+v", rep.Total, rep.Mappings)
	}
}

// groupNames returns the names of the customer groups in Oro, checking that
// none is there twice.
func groupNames(t *testing.T, oro *oroStandIn) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, r := range oro.Records("customergroups") {
		name, _ := r.Attributes["name"].(string)
		if names[name] {
			t.Errorf("customer group %q is in Oro twice", name)
		}
		names[name] = true
	}
	return names
}

// pageLines returns the request log lines of the source on stderr.
func pageLines(stderr, base string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		// "15:04:05 mapping: GET https://… → 200, 4 records"
		if i := strings.Index(l, ": GET "+base+"/"); i >= 0 && strings.Contains(l, " → 200, ") {
			out = append(out, l[i+2:])
		}
	}
	return out
}

func TestHTTPSourcePagingStylesWriteEveryRecordOnce(t *testing.T) {
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	const n = 10 // pages of 4, 4 and 2 records
	for _, tc := range []struct {
		file     string
		requests int // requests the source API receives
	}{
		{"next.yaml", 3},
		{"link.yaml", 3},
		{"page.yaml", 4}, // the empty 4th page ends paging
		{"offset.yaml", 4},
		{"cursor.yaml", 3},
	} {
		t.Run(strings.TrimSuffix(tc.file, ".yaml"), func(t *testing.T) {
			api := newSourceAPI(t, groupRecords(1, n))
			oro := newStandIn(t, sandbox.Options{})
			dir := t.TempDir()
			r, rep := runWithReport(t, dir, oro.runArgs(dir, srcMapping(tc.file))...)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			if names := groupNames(t, oro); len(names) != n {
				t.Errorf("Oro has %d groups, want %d: %v", len(names), n, names)
			}
			if rep.Total.Read != n || rep.Total.Created != n || rep.Total.Failed != 0 {
				t.Errorf("totals %+v, want %d read and created", rep.Total, n)
			}
			reqs := api.requests()
			if len(reqs) != tc.requests {
				t.Errorf("the source API got %d requests, want %d: %v", len(reqs), tc.requests, reqs)
			}
			if lines := pageLines(r.stderr, api.URL); len(lines) != tc.requests {
				t.Errorf("stderr has %d page lines, want %d:\n%s", len(lines), tc.requests, r.stderr)
			}
			if !summaryHas(r.stderr, "total", n, n, 0, 0, 0, 0) {
				t.Errorf("summary lacks the total row of %d read and created:\n%s", n, r.stderr)
			}
		})
	}
}

// summaryHas reports whether the summary table has the row name with these
// counts (read, created, updated, unchanged, skipped, failed).
func summaryHas(stderr, name string, counts ...int) bool {
	want := []string{name}
	for _, c := range counts {
		want = append(want, strconv.Itoa(c))
	}
	for _, l := range strings.Split(stderr, "\n") {
		f := strings.Fields(l)
		if len(f) >= len(want) && strings.Join(f[:len(want)], " ") == strings.Join(want, " ") {
			return true
		}
	}
	return false
}

// checkpointOf returns the CHECKPOINT column of `orosync state show` for
// mapping ("-" when there is none).
func checkpointOf(t *testing.T, stateDir, mapping string) string {
	t.Helper()
	r := runCLI(t, "", "state", "show", "--state-dir", stateDir)
	if r.code != 0 {
		t.Fatalf("state show: exit %d\n%s", r.code, r.stderr)
	}
	for _, l := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(l); len(f) >= 4 && f[1] == mapping {
			return f[3]
		}
	}
	t.Fatalf("state show lists no %s:\n%s", mapping, r.stdout)
	return ""
}

// firstSince returns the updated_since parameter of the first request
// ("<none>" when it was not sent).
func firstSince(t *testing.T, reqs []srcRequest) string {
	t.Helper()
	if len(reqs) == 0 {
		t.Fatal("the source API got no request")
	}
	if !reqs[0].query.Has("updated_since") {
		return "<none>"
	}
	return reqs[0].query.Get("updated_since")
}

func TestIncrementalCheckpointMovesOnlyAfterCompleteRuns(t *testing.T) {
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	api := newSourceAPI(t, groupRecords(1, 6))
	oro := newStandIn(t, sandbox.Options{})
	dir := t.TempDir()
	stateDir := filepath.Join(dir, "state")
	mapping := srcMapping("incremental.yaml")
	const name = "groups-inc"
	quoted := func(i int) string { return strconv.Quote(srcStamp(i)) }
	run := func(step string, wantCode int, extra ...string) srcReport {
		t.Helper()
		r, rep := runWithReport(t, dir, oro.runArgs(dir, append(extra, mapping)...)...)
		if r.code != wantCode {
			t.Fatalf("%s: exit %d, want %d\n%s", step, r.code, wantCode, r.stderr)
		}
		return rep
	}
	// expect checks the source's first updated_since, the checkpoint after
	// the step, the records read (-1: not checked) and the groups in Oro.
	expect := func(step string, since, checkpoint string, read, groups int, rep srcReport) {
		t.Helper()
		if got := firstSince(t, api.requests()); got != since {
			t.Errorf("%s: the source saw updated_since=%s, want %s", step, got, since)
		}
		if got := checkpointOf(t, stateDir, name); got != checkpoint {
			t.Errorf("%s: checkpoint %s, want %s", step, got, checkpoint)
		}
		if read >= 0 && rep.Total.Read != read {
			t.Errorf("%s: read %d records, want %d (%+v)", step, rep.Total.Read, read, rep.Total)
		}
		if got := len(groupNames(t, oro)); got != groups {
			t.Errorf("%s: Oro has %d groups, want %d", step, got, groups)
		}
	}

	// Run 1 reads everything; the checkpoint is the highest updated_at.
	rep := run("run 1", 0)
	expect("run 1", "<none>", quoted(6), 6, 6, rep)
	if string(rep.Mappings[0].Checkpoint) != quoted(6) {
		t.Errorf("run 1: report checkpoint %s, want %s", rep.Mappings[0].Checkpoint, quoted(6))
	}

	// Changes in the source: one new record, one changed.
	api.add(groupRecords(7, 1)...)
	api.update("G02", "Group 02 renamed", srcStamp(8))

	// A dry run reads from the checkpoint but does not move it.
	r := runCLI(t, "", "run", "--dry-run", "--state-dir", stateDir, "--api-url", oro.URL+sandbox.DefaultAPIPrefix, mapping)
	if r.code != 0 {
		t.Fatalf("dry run: exit %d\n%s", r.code, r.stderr)
	}
	if lines := strings.Count(strings.TrimSpace(r.stdout), "\n") + 1; lines != 2 {
		t.Errorf("dry run printed %d request lines, want 2 (one POST, one PATCH):\n%s", lines, r.stdout)
	}
	expect("dry run", srcStamp(6), quoted(6), -1, 6, srcReport{})

	// Run 2 gets only the newer records.
	rep = run("run 2", 0)
	expect("run 2", srcStamp(6), quoted(8), 2, 7, rep)
	if rep.Total.Created != 1 || rep.Total.Updated != 1 {
		t.Errorf("run 2: %+v, want 1 created and 1 updated", rep.Total)
	}
	if !groupNames(t, oro)["Group 02 renamed"] {
		t.Error("run 2 did not update G02")
	}

	// --full-refresh ignores the checkpoint: everything is read again.
	rep = run("full refresh", 0, "--full-refresh")
	expect("full refresh", "<none>", quoted(8), 7, 7, rep)
	if rep.Total.Unchanged != 7 {
		t.Errorf("full refresh: %+v, want 7 unchanged", rep.Total)
	}

	// Oro refuses the third write of this run with 403: the run stops (exit
	// 3) after two records were written and the checkpoint stays.
	api.add(groupRecords(9, 4)...)
	oro.InjectFault(sandbox.Fault{Method: "POST", Type: "customergroups", Delay: time.Microsecond, Times: 2})
	oro.InjectFault(sandbox.Fault{Method: "POST", Type: "customergroups", Status: http.StatusForbidden, Times: 1})
	rep = run("Oro 403", 3, "--concurrency", "1")
	expect("Oro 403", srcStamp(8), quoted(8), 4, 9, rep)
	if rep.Total.Created != 2 || rep.Mappings[0].Status != "fatal" || !strings.Contains(rep.Mappings[0].Error, "403") {
		t.Errorf("Oro 403: %+v, want 2 created and a fatal error naming 403", rep.Mappings[0])
	}

	// --limit reads one record and does not move the checkpoint.
	rep = run("limit", 0, "--limit", "1")
	expect("limit", srcStamp(8), quoted(8), 1, 9, rep)

	// The source fails on page 2 with a non-JSON 500, on every retry: exit 3,
	// the checkpoint stays although page 1 was written.
	api.setFault(func(_ int, r *http.Request) srcFault {
		if r.URL.Query().Get("page") == "2" {
			return htmlServerError
		}
		return nil
	})
	rep = run("source 500", 3)
	expect("source 500", srcStamp(8), quoted(8), 4, 11, rep)
	if e := rep.Mappings[0].Error; !strings.Contains(e, "500") || !strings.Contains(e, "after 4 attempts") {
		t.Errorf("source 500: error %q, want the status and the attempts", e)
	}
	api.setFault(nil)

	// The next complete run reads from the old checkpoint and moves it.
	rep = run("run after failures", 0)
	expect("run after failures", srcStamp(8), quoted(12), 4, 11, rep)

	// state reset rewinds the checkpoint: the next run reads everything.
	// (Flags go before the mapping name: urfave/cli v2 stops parsing flags at
	// the first argument.)
	r = runCLI(t, "", "state", "reset", "--state-dir", stateDir, "--api-url", oro.URL+sandbox.DefaultAPIPrefix, name)
	if r.code != 0 {
		t.Fatalf("state reset: exit %d\n%s", r.code, r.stderr)
	}
	if got := checkpointOf(t, stateDir, name); got != "-" {
		t.Errorf("after state reset: checkpoint %s, want -", got)
	}
	rep = run("after reset", 0)
	expect("after reset", "<none>", quoted(12), 11, 11, rep)
	if rep.Total.Unchanged != 11 {
		t.Errorf("after reset: %+v, want 11 unchanged", rep.Total)
	}

	// A record Oro rejects (400) does not stop the run (exit 1): the
	// checkpoint moves past it, and the record is in the dead-letter file.
	api.add(srcRecord{Code: "G13", Name: "", UpdatedAt: srcStamp(13)}, groupRecords(14, 1)[0])
	rep = run("one rejected", 1)
	expect("one rejected", srcStamp(12), quoted(14), 2, 12, rep)
	if dl := readLines(t, filepath.Join(dir, "dead.jsonl")); len(dl) == 0 || dl[len(dl)-1]["key"] != "G13" {
		t.Errorf("one rejected: the last dead letter is not G13: %v", dl)
	}
}

func TestHTTPSourceRetriesDeliverEveryRecordOnce(t *testing.T) {
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	api := newSourceAPI(t, groupRecords(1, 10))
	faults := map[int]srcFault{1: tooManyRequests, 3: srcUnavailable, 5: dropMidBody} // one per page
	api.setFault(func(n int, _ *http.Request) srcFault { return faults[n] })
	oro := newStandIn(t, sandbox.Options{})
	dir := t.TempDir()
	r, rep := runWithReport(t, dir, oro.runArgs(dir, srcMapping("next.yaml"))...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if names := groupNames(t, oro); len(names) != 10 {
		t.Errorf("Oro has %d groups, want 10", len(names))
	}
	if rep.Total.Read != 10 || rep.Total.Created != 10 {
		t.Errorf("totals %+v, want 10 read and created", rep.Total)
	}
	if got := len(api.requests()); got != 6 {
		t.Errorf("the source API got %d requests, want 6 (3 pages, 3 retries)", got)
	}
	for _, want := range []string{"→ 429, retrying in 0s (attempt 2 of 4)", "→ 503, retrying in", "unexpected EOF, retrying in"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

func TestDryRunReadsAndLogsEveryPageAndLimitStopsPaging(t *testing.T) {
	api := newSourceAPI(t, groupRecords(1, 10))
	dir := t.TempDir()
	dry := func(extra ...string) result {
		t.Helper()
		args := append([]string{"run", "--dry-run", "--state-dir", filepath.Join(dir, "state")}, extra...)
		r := runCLI(t, "", append(args, srcMapping("page.yaml"))...)
		if r.code != 0 {
			t.Fatalf("dry run %v: exit %d\n%s", extra, r.code, r.stderr)
		}
		return r
	}

	r := dry()
	lines := pageLines(r.stderr, api.URL)
	if len(lines) != 4 || len(api.requests()) != 4 {
		t.Errorf("want 4 requests, each logged once; stderr:\n%s", r.stderr)
	}
	for i, want := range []string{"page=1&per_page=4 → 200, 4 records", "page=2&per_page=4 → 200, 4 records",
		"page=3&per_page=4 → 200, 2 records", "page=4&per_page=4 → 200, 0 records (stop: empty page)"} {
		if i < len(lines) && !strings.HasSuffix(lines[i], want) {
			t.Errorf("page line %d = %q, want it to end in %q", i+1, lines[i], want)
		}
	}
	if got := strings.Count(r.stdout, "\n"); got != 10 {
		t.Errorf("dry run printed %d request lines, want 10:\n%s", got, r.stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "state")); !os.IsNotExist(err) {
		t.Errorf("a dry run created the state directory (%v)", err)
	}

	r = dry("--limit", "3")
	reqs := api.requests()
	if len(reqs) != 1 {
		t.Errorf("--limit 3: the source API got %d requests, want 1: %v", len(reqs), reqs)
	}
	lines = pageLines(r.stderr, api.URL)
	if len(lines) != 1 || !strings.HasSuffix(lines[0], "→ 200, 3 records (stop: limit reached)") {
		t.Errorf("--limit 3: page lines %q", lines)
	}
	if got := strings.Count(r.stdout, "\n"); got != 3 {
		t.Errorf("--limit 3: %d request lines, want 3:\n%s", got, r.stdout)
	}
}

func TestPagingLoopExits3NamingTheLoop(t *testing.T) {
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	for _, tc := range []struct{ file, want string }{
		// page 4 is page 3 again: the identical body is caught
		{"loop-page.yaml", "paging loop: page 4 repeats page 3 (an identical response body from "},
		// page 3 names itself as the next page: the repeated URL is caught
		{"loop-next.yaml", "paging loop: page 4 repeats page 3 (the same URL "},
	} {
		t.Run(strings.TrimSuffix(tc.file, ".yaml"), func(t *testing.T) {
			api := newSourceAPI(t, groupRecords(1, 10))
			oro := newStandIn(t, sandbox.Options{})
			dir := t.TempDir()
			r, rep := runWithReport(t, dir, oro.runArgs(dir, srcMapping(tc.file))...)
			if r.code != 3 {
				t.Fatalf("exit %d, want 3\n%s", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "add a stop rule") {
				t.Errorf("stderr does not name the loop (%q):\n%s", tc.want, r.stderr)
			}
			if names := groupNames(t, oro); len(names) != 10 {
				t.Errorf("Oro has %d groups, want the 10 records before the loop, once each", len(names))
			}
			if rep.Total.Read != 10 || rep.Mappings[0].Status != "fatal" {
				t.Errorf("report %+v, want 10 read and status fatal", rep.Mappings)
			}
			if n := len(api.requests()); n > 4 {
				t.Errorf("the source API got %d requests, want at most 4", n)
			}
		})
	}
}

func TestHTTPSourceAPIKeyOnEveryPageAndNeverInOutput(t *testing.T) {
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	const key = "src-Key-9f8e7d6c5b4a"
	t.Setenv("SRC_KEY", key)
	api := newSourceAPI(t, groupRecords(1, 10))
	oro := newStandIn(t, sandbox.Options{})
	dir := t.TempDir()
	r, rep := runWithReport(t, dir, oro.runArgs(dir, srcMapping("apikey-link.yaml"))...)
	if r.code != 0 || rep.Total.Created != 10 {
		t.Fatalf("exit %d, totals %+v\n%s", r.code, rep.Total, r.stderr)
	}
	reqs := api.requests()
	for i, req := range reqs {
		if got := req.query.Get("api_key"); got != key {
			t.Errorf("request %d (%v) has api_key %q, want the key", i+1, req.query, got)
		}
	}
	if len(reqs) != 3 || len(pageLines(r.stderr, api.URL)) != 3 {
		t.Errorf("%d requests, stderr:\n%s\nwant 3 pages, each logged once", len(reqs), r.stderr)
	}
	report, _ := os.ReadFile(filepath.Join(dir, "report.json"))
	for _, out := range []string{r.stdout, r.stderr, string(report)} {
		if strings.Contains(out, key) {
			t.Errorf("the source API key appears in output:\n%s", out)
		}
	}
}
