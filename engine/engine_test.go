package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orosync/orosync/engine/oro"
	"github.com/orosync/orosync/engine/source"
	"github.com/orosync/orosync/engine/state"
	"github.com/orosync/orosync/mappings"
)

// fakeOro is an in-memory Oro for engine tests: records per type, filters
// on attributes by equality.
type fakeOro struct {
	mu      sync.Mutex
	next    int
	records map[string]map[string]map[string]any // type → id → data
	calls   []string
	// failCreate, when it returns an error, fails a Create.
	failCreate func(typ string, data map[string]any) error
	// loseCreate stores the record but answers with a lost response.
	loseCreate int
}

func newFakeOro() *fakeOro {
	return &fakeOro{records: map[string]map[string]map[string]any{}}
}

func (f *fakeOro) Create(ctx context.Context, typ string, body []byte) (*oro.Resource, error) {
	var doc mappings.Document
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "POST "+typ)
	if f.failCreate != nil {
		if err := f.failCreate(typ, doc.Data); err != nil {
			return nil, err
		}
	}
	f.next++
	id := strconv.Itoa(f.next)
	if f.records[typ] == nil {
		f.records[typ] = map[string]map[string]any{}
	}
	doc.Data["id"] = id
	f.records[typ][id] = doc.Data
	if f.loseCreate > 0 {
		f.loseCreate--
		return nil, &oro.NetError{Method: "POST", URL: "fake/" + typ, Err: io.ErrUnexpectedEOF, Sent: true}
	}
	return &oro.Resource{Type: typ, ID: id}, nil
}

func (f *fakeOro) Update(ctx context.Context, typ, id string, body []byte) (*oro.Resource, error) {
	var doc mappings.Document
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "PATCH "+typ+"/"+id)
	if _, ok := f.records[typ][id]; !ok {
		return nil, &oro.Error{Method: "PATCH", Status: 404}
	}
	f.records[typ][id] = doc.Data
	return &oro.Resource{Type: typ, ID: id}, nil
}

func (f *fakeOro) List(ctx context.Context, typ string, q url.Values, limit int) ([]oro.Resource, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "GET "+typ+"?"+q.Encode())
	var out []oro.Resource
	for id, data := range f.records[typ] {
		attrs, _ := data["attributes"].(map[string]any)
		ok := true
		for k, v := range q {
			if !strings.HasPrefix(k, "filter[") {
				continue // fields[...], page[...]
			}
			name := strings.TrimSuffix(strings.TrimPrefix(k, "filter["), "]")
			got := fmt.Sprint(attrs[name])
			if name == "id" {
				got = id
			}
			if !slices.Contains(strings.Split(v[0], ","), got) {
				ok = false
			}
		}
		if ok {
			out = append(out, oro.Resource{Type: typ, ID: id, Attributes: attrs})
		}
	}
	return out, nil
}

func (f *fakeOro) GetWith(ctx context.Context, typ, id string, q url.Values) (*oro.Resource, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "GET "+typ+"/"+id)
	data, ok := f.records[typ][id]
	if !ok {
		return nil, &oro.Error{Method: "GET", Status: 404}
	}
	attrs, _ := data["attributes"].(map[string]any)
	rels, _ := data["relationships"].(map[string]any)
	return &oro.Resource{Type: typ, ID: id, Attributes: attrs, Relationships: rels}, nil
}

func (f *fakeOro) count(typ string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.records[typ])
}

func (f *fakeOro) callCount(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

// sliceSource yields fixed records.
type sliceSource struct {
	recs []any
	i    int
	err  error // returned after the records instead of io.EOF
}

func (s *sliceSource) Next(ctx context.Context) (source.Record, error) {
	if s.i >= len(s.recs) {
		if s.err != nil {
			return source.Record{}, s.err
		}
		return source.Record{}, io.EOF
	}
	s.i++
	if re, ok := s.recs[s.i-1].(*source.RecordError); ok {
		return source.Record{}, re
	}
	return source.Record{Value: s.recs[s.i-1], Origin: "test #" + strconv.Itoa(s.i)}, nil
}

func (s *sliceSource) Close() error { return nil }

func parseMapping(t *testing.T, yml string) *mappings.Mapping {
	t.Helper()
	m, err := mappings.Parse("test.yaml", []byte(yml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

func records(t *testing.T, jsonl string) []any {
	t.Helper()
	var out []any
	for _, line := range strings.Split(strings.TrimSpace(jsonl), "\n") {
		v, err := decodeJSON([]byte(line))
		if err != nil {
			t.Fatalf("bad test record %q: %v", line, err)
		}
		out = append(out, v)
	}
	return out
}

type testRun struct {
	t     *testing.T
	oro   *fakeOro
	store *state.Store
	dl    string
	srcs  map[string][]any
}

func newTestRun(t *testing.T) *testRun {
	t.Helper()
	st, err := state.Open(t.TempDir(), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &testRun{t: t, oro: newFakeOro(), store: st, dl: filepath.Join(t.TempDir(), "dead.jsonl"), srcs: map[string][]any{}}
}

func (tr *testRun) run(dryRun bool, ms ...*mappings.Mapping) (*Report, string, string) {
	tr.t.Helper()
	var out bytes.Buffer
	var log syncBuffer
	opts := Options{
		DryRun: dryRun, APIURL: "https://oro.test/admin/api", State: tr.store, Out: &out, Logger: testLogger(&log),
		OpenSource: func(ctx context.Context, m *mappings.Mapping, cursor any, limit int) (Source, error) {
			return &sliceSource{recs: tr.srcs[m.Name]}, nil
		},
	}
	if !dryRun {
		opts.Oro = tr.oro
		opts.DeadLetter = NewDeadLetterFile(tr.dl)
		defer opts.DeadLetter.Close()
	}
	rep, err := Run(context.Background(), ms, opts)
	if err != nil {
		tr.t.Fatalf("Run: %v", err)
	}
	for _, m := range rep.Mappings {
		c := m.Counts
		if c.Read != c.Created+c.Updated+c.Unchanged+c.Skipped+c.Failed {
			tr.t.Errorf("%s: counts do not add up: %+v", m.Mapping, c)
		}
	}
	return rep, out.String(), log.String()
}

func (tr *testRun) deadLetters() []DeadLetter {
	tr.t.Helper()
	b, err := os.ReadFile(tr.dl)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		tr.t.Fatal(err)
	}
	var out []DeadLetter
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var d DeadLetter
		if err := json.Unmarshal(line, &d); err != nil {
			tr.t.Fatalf("dead letter %q: %v", line, err)
		}
		out = append(out, d)
	}
	return out
}

const groupsYAML = `version: 1
name: groups
source: {file: groups.json}
target: {type: customergroups, key: .code, write: upsert, match: {name: .attributes.name}}
transform: '{type: "customergroups", attributes: {name: .name}}'
`

const customersYAML = `version: 1
name: customers
after: [groups]
source: {file: customers.json}
target: {type: customers, key: .id, write: upsert}
transform: |
  select(.active) | {type: "customers", attributes: {name: .name},
   relationships: ({group: {data: {type: "customergroups", id: ref("groups"; .group)}}}
     + if .parent then {parent: {data: {type: "customers", id: ref("customers"; .parent)}}} else {} end)}
`

func TestRunIsIdempotent(t *testing.T) {
	tr := newTestRun(t)
	groups, customers := parseMapping(t, groupsYAML), parseMapping(t, customersYAML)
	tr.srcs["groups"] = records(t, `{"code":"W","name":"Wholesale"}
{"code":"R","name":"Retail"}`)
	tr.srcs["customers"] = records(t, `{"id":1,"name":"Child","active":true,"group":"W","parent":2}
{"id":2,"name":"Parent","active":true,"group":"W"}
{"id":3,"name":"Gone","active":false,"group":"R"}`)

	rep, _, log := tr.run(false, customers, groups)
	if rep.ExitCode != ExitOK {
		t.Fatalf("first run exit %d, log:\n%s", rep.ExitCode, log)
	}
	if got := rep.Mappings[0].Mapping; got != "groups" {
		t.Errorf("first mapping run = %s, want groups (after: order)", got)
	}
	want := Counts{Read: 3, Created: 2, Skipped: 1, Documents: 2}
	if got := rep.Mappings[1].Counts; got != want {
		t.Errorf("customers first run = %+v, want %+v", got, want)
	}
	// The child was written after its parent, with the parent's id.
	for _, rec := range tr.oro.records["customers"] {
		if rec["attributes"].(map[string]any)["name"] == "Child" {
			parent := rec["relationships"].(map[string]any)["parent"].(map[string]any)["data"].(map[string]any)["id"]
			if p := tr.oro.records["customers"][parent.(string)]; p == nil {
				t.Errorf("child's parent id %v is not a customer", parent)
			}
		}
	}

	rep, _, _ = tr.run(false, groups, customers)
	if rep.Total.Written() != 0 || rep.Total.Unchanged != 4 {
		t.Errorf("second run = %+v, want nothing written and 4 unchanged", rep.Total)
	}
	calls := tr.oro.callCount("POST") + tr.oro.callCount("PATCH")
	tr.srcs["customers"][2] = records(t, `{"id":3,"name":"Back","active":true,"group":"R"}`)[0]
	tr.srcs["customers"][1] = records(t, `{"id":2,"name":"Parent Renamed","active":true,"group":"W"}`)[0]
	rep, _, _ = tr.run(false, groups, customers)
	if c := rep.Mappings[1].Counts; c.Created != 1 || c.Updated != 1 || c.Unchanged != 1 {
		t.Errorf("third run customers = %+v, want 1 created, 1 updated, 1 unchanged", c)
	}
	if got := tr.oro.callCount("POST") + tr.oro.callCount("PATCH") - calls; got != 2 {
		t.Errorf("third run sent %d writes, want 2", got)
	}
	if n := tr.oro.count("customers"); n != 3 {
		t.Errorf("Oro has %d customers, want 3", n)
	}
}

func TestNaturalKeyFindsExistingAndConflicts(t *testing.T) {
	tr := newTestRun(t)
	tr.oro.records["customergroups"] = map[string]map[string]any{
		"70": {"type": "customergroups", "id": "70", "attributes": map[string]any{"name": "Wholesale"}},
		"71": {"type": "customergroups", "id": "71", "attributes": map[string]any{"name": "Twice"}},
		"72": {"type": "customergroups", "id": "72", "attributes": map[string]any{"name": "Twice"}},
	}
	tr.srcs["groups"] = records(t, `{"code":"W","name":"Wholesale"}
{"code":"T","name":"Twice"}`)
	rep, _, _ := tr.run(false, parseMapping(t, groupsYAML))
	if rep.ExitCode != ExitSomeFailed {
		t.Errorf("exit = %d, want %d", rep.ExitCode, ExitSomeFailed)
	}
	if tr.oro.callCount("PATCH customergroups/70") != 1 || tr.oro.callCount("POST") != 0 {
		t.Errorf("calls = %v, want one PATCH of 70 and no POST", tr.oro.calls)
	}
	dl := tr.deadLetters()
	if len(dl) != 1 || dl[0].Error.Stage != "conflict" || !strings.Contains(dl[0].Error.Message, "71") {
		t.Fatalf("dead letters = %+v, want one conflict naming the matches", dl)
	}
	if dl[0].Key != "T" || dl[0].Record == nil {
		t.Errorf("dead letter lacks key or record: %+v", dl[0])
	}
}

func TestLostPostIsLookedUpNotRepeated(t *testing.T) {
	tr := newTestRun(t)
	tr.oro.loseCreate = 1
	tr.srcs["groups"] = records(t, `{"code":"W","name":"Wholesale"}`)
	rep, _, log := tr.run(false, parseMapping(t, groupsYAML))
	if rep.ExitCode != ExitOK || rep.Total.Created != 1 {
		t.Fatalf("report %+v, log:\n%s", rep.Total, log)
	}
	if n := tr.oro.count("customergroups"); n != 1 {
		t.Errorf("Oro has %d groups after a lost POST response, want 1", n)
	}
	// The id map knows the record: the rerun writes nothing.
	rep, _, _ = tr.run(false, parseMapping(t, groupsYAML))
	if rep.Total.Unchanged != 1 {
		t.Errorf("rerun = %+v, want 1 unchanged", rep.Total)
	}
}

func TestOroRejectionIsDeadLetteredAndOthersWritten(t *testing.T) {
	tr := newTestRun(t)
	tr.oro.failCreate = func(typ string, data map[string]any) error {
		if data["attributes"].(map[string]any)["name"] == "" {
			return &oro.Error{Method: "POST", URL: "https://oro.test/admin/api/customergroups", Status: 400,
				Errors: []oro.ErrorObject{{Status: "400", Title: "not blank constraint", Detail: "This value should not be blank.", Pointer: "/data/attributes/name"}}}
		}
		return nil
	}
	tr.srcs["groups"] = records(t, `{"code":"A","name":"A"}
{"code":"B","name":""}
{"code":"C","name":"C"}`)
	rep, _, _ := tr.run(false, parseMapping(t, groupsYAML))
	if rep.ExitCode != ExitSomeFailed || rep.Total.Created != 2 || rep.Total.Failed != 1 {
		t.Fatalf("report %+v exit %d", rep.Total, rep.ExitCode)
	}
	dl := tr.deadLetters()
	if len(dl) != 1 {
		t.Fatalf("dead letters = %d, want 1", len(dl))
	}
	e := dl[0].Error
	if e.Status != 400 || len(e.Errors) != 1 || e.Errors[0].Title != "not blank constraint" || e.Errors[0].Pointer != "/data/attributes/name" {
		t.Errorf("dead letter error = %+v", e)
	}
	if dl[0].Document == nil || dl[0].Request == nil || dl[0].Request.Method != "POST" {
		t.Errorf("dead letter lacks document or request: %+v", dl[0])
	}
}

func TestFatalErrorStopsMappingAndDependents(t *testing.T) {
	tr := newTestRun(t)
	tr.oro.failCreate = func(string, map[string]any) error {
		return &oro.Error{Method: "POST", Status: 403, Errors: []oro.ErrorObject{{Title: "access denied exception"}}}
	}
	tr.srcs["groups"] = records(t, `{"code":"A","name":"A"}`)
	tr.srcs["customers"] = records(t, `{"id":1,"name":"x","active":true,"group":"A"}`)
	rep, _, _ := tr.run(false, parseMapping(t, groupsYAML), parseMapping(t, customersYAML))
	if rep.ExitCode != ExitCannotProceed {
		t.Errorf("exit = %d, want %d", rep.ExitCode, ExitCannotProceed)
	}
	if rep.Mappings[0].Status != "fatal" || rep.Mappings[1].Status != "not-run" {
		t.Errorf("statuses = %s, %s; want fatal, not-run", rep.Mappings[0].Status, rep.Mappings[1].Status)
	}
}

func TestDryRunSendsNothingAndChangesNoState(t *testing.T) {
	tr := newTestRun(t)
	tr.srcs["groups"] = records(t, `{"code":"W","name":"Wholesale"}`)
	tr.srcs["customers"] = records(t, `{"id":1,"name":"Child","active":true,"group":"W","parent":2}
{"id":2,"name":"Parent","active":true,"group":"W"}`)
	rep, out, _ := tr.run(true, parseMapping(t, groupsYAML), parseMapping(t, customersYAML))
	if rep.ExitCode != ExitOK {
		t.Fatalf("exit %d", rep.ExitCode)
	}
	if len(tr.oro.calls) != 0 {
		t.Errorf("dry run called Oro: %v", tr.oro.calls)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("dry run printed %d lines, want 3:\n%s", len(lines), out)
	}
	var first RequestLine
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first.Method != "POST" || first.URL != "https://oro.test/admin/api/customergroups" {
		t.Errorf("first line = %s (%v)", lines[0], err)
	}
	if !strings.Contains(out, `"id":"<new customers 2>"`) || !strings.Contains(out, `"id":"<new customergroups W>"`) {
		t.Errorf("dry run does not show pending ids:\n%s", out)
	}
	if sum, _ := tr.store.Summary(); len(sum) != 0 {
		t.Errorf("dry run changed state: %+v", sum)
	}
}

func TestMissingParentFollowsOnMissing(t *testing.T) {
	for _, tc := range []struct {
		policy string
		want   Counts
	}{
		{"fail", Counts{Read: 1, Failed: 1, Documents: 1}},
		{"skip", Counts{Read: 1, Skipped: 1, Documents: 1}},
		{"empty", Counts{Read: 1, Created: 1, Documents: 1}},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			tr := newTestRun(t)
			yml := strings.Replace(customersYAML, "write: upsert}", "write: upsert, on_missing: "+tc.policy+"}", 1)
			yml = strings.Replace(yml, "after: [groups]\n", "", 1)
			tr.srcs["customers"] = records(t, `{"id":1,"name":"Orphan","active":true,"group":"NOPE"}`)
			rep, _, _ := tr.run(false, parseMapping(t, yml))
			if got := rep.Mappings[0].Counts; got != tc.want {
				t.Errorf("counts = %+v, want %+v", got, tc.want)
			}
			if tc.policy == "empty" {
				for _, rec := range tr.oro.records["customers"] {
					if g := rec["relationships"].(map[string]any)["group"].(map[string]any)["data"]; g != nil {
						t.Errorf("group = %v, want null", g)
					}
				}
			}
		})
	}
}

func TestReadErrorsAreDeadLetteredAndFatalSourceStops(t *testing.T) {
	tr := newTestRun(t)
	tr.srcs["groups"] = []any{
		&source.RecordError{Origin: "groups.jsonl:2", Raw: []byte("{bad"), Err: errors.New("invalid JSON")},
	}
	tr.srcs["groups"] = append(tr.srcs["groups"], records(t, `{"code":"A","name":"A"}`)...)
	rep, _, _ := tr.run(false, parseMapping(t, groupsYAML))
	if rep.Total.Failed != 1 || rep.Total.Created != 1 {
		t.Errorf("report %+v", rep.Total)
	}
	if dl := tr.deadLetters(); len(dl) != 1 || dl[0].Raw != "{bad" || dl[0].Error.Stage != "read" {
		t.Errorf("dead letters %+v", dl)
	}
}

func TestCompareCursor(t *testing.T) {
	for _, tc := range []struct {
		a, b any
		want int
	}{
		{json.Number("12345678901234567891"), json.Number("12345678901234567890"), 1},
		{json.Number("1.5"), json.Number("10"), -1},
		{"2024-01-02T00:00:00Z", "2024-01-01T23:59:59Z", 1},
		{"a", "a", 0},
	} {
		got, err := compareCursor(tc.a, tc.b)
		if err != nil || got != tc.want {
			t.Errorf("compareCursor(%v, %v) = %d, %v; want %d", tc.a, tc.b, got, err, tc.want)
		}
	}
	if _, err := compareCursor("1", json.Number("1")); err == nil {
		t.Error("compareCursor(string, number) succeeded, want an error")
	}
}

func TestOrderedMapKeepsOrder(t *testing.T) {
	n := 0
	next := func() (int, bool) { n++; return n, n <= 1000 }
	var got []int
	double := func() func(int) int { return func(i int) int { return i * 2 } }
	orderedMap(context.Background(), pipeline{workers: 8, window: 16, batch: 7}, next, double, func(is, rs []int) {
		for j, i := range is {
			if rs[j] != i*2 {
				t.Errorf("result of %d = %d", i, rs[j])
			}
			got = append(got, i)
		}
	})
	for i, v := range got {
		if v != i+1 {
			t.Fatalf("item %d emitted at position %d", v, i)
		}
	}
	if len(got) != 1000 {
		t.Errorf("emitted %d items, want 1000", len(got))
	}
}

func TestLookupsAreBatchedAndCached(t *testing.T) {
	defer func(w time.Duration) { lookupWindow = w }(lookupWindow)
	lookupWindow = 200 * time.Millisecond // deterministic batches: every in-flight record joins
	tr := newTestRun(t)
	tr.oro.records["products"] = map[string]map[string]any{}
	for i := 0; i < 10; i++ {
		id := strconv.Itoa(100 + i)
		tr.oro.records["products"][id] = map[string]any{"type": "products", "id": id, "attributes": map[string]any{"sku": fmt.Sprintf("P%d", i)}}
	}
	for _, id := range []string{"200", "201"} {
		tr.oro.records["products"][id] = map[string]any{"type": "products", "id": id, "attributes": map[string]any{"sku": "DUP"}}
	}
	var lines []string
	for i := 0; i < 30; i++ {
		lines = append(lines, fmt.Sprintf(`{"n":%d,"sku":"P%d"}`, i, i%10))
	}
	lines = append(lines, `{"n":98,"sku":"NOPE"}`, `{"n":99,"sku":"DUP"}`)
	tr.srcs["prices"] = records(t, strings.Join(lines, "\n"))
	m := parseMapping(t, `version: 1
name: prices
source: {file: x.json}
target: {type: productprices, key: .n}
transform: '{type: "productprices", attributes: {value: "1"}, relationships: {product: {data: {type: "products", id: lookup("products"; {sku: .sku})}}}}'
`)
	rep, _, log := tr.run(false, m)
	if c := rep.Mappings[0].Counts; c.Created != 30 || c.Failed != 2 {
		t.Fatalf("counts = %+v, want 30 created and 2 failed\n%s\n%+v", c, log, tr.deadLetters()[0].Error)
	}
	if n := tr.oro.callCount("GET products"); n > 4 {
		t.Errorf("%d product lookups were sent for 12 distinct SKUs, want them batched into at most 4", n)
	}
	for _, rec := range tr.oro.records["productprices"] {
		id := rec["relationships"].(map[string]any)["product"].(map[string]any)["data"].(map[string]any)["id"].(string)
		if !strings.HasPrefix(id, "10") {
			t.Errorf("price linked to product %s, want one of 100..109", id)
		}
	}
	var stages []string
	for _, d := range tr.deadLetters() {
		stages = append(stages, d.Key+":"+d.Error.Message)
	}
	joined := strings.Join(stages, "\n")
	if !strings.Contains(joined, "98:") || !strings.Contains(joined, "no Oro record found") || !strings.Contains(joined, "several Oro records match") {
		t.Errorf("dead letters = %s, want the missing and the ambiguous SKU", joined)
	}
}

func TestRunawayTransformFailsOnlyItsRecord(t *testing.T) {
	tr := newTestRun(t)
	tr.srcs["slow"] = records(t, `{"n":1}
{"n":2,"spin":true}
{"n":3}
{"n":4,"spin":true}
{"n":5}`)
	m := parseMapping(t, `version: 1
name: slow
source: {file: x.json}
target: {type: customergroups, key: .n}
transform: 'if .spin then last(range(1e18)) else {type: "customergroups", attributes: {name: (.n|tostring)}} end'
`)
	var log syncBuffer
	start := time.Now()
	rep, err := Run(context.Background(), []*mappings.Mapping{m}, Options{
		APIURL: "https://oro.test/admin/api", Oro: tr.oro, State: tr.store, Logger: testLogger(&log), Concurrency: 1,
		RecordTimeout: 100 * time.Millisecond, DeadLetter: NewDeadLetterFile(tr.dl),
		OpenSource: func(ctx context.Context, m *mappings.Mapping, cursor any, limit int) (Source, error) {
			return &sliceSource{recs: tr.srcs["slow"]}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Mappings[0].Counts; c.Created != 3 || c.Failed != 2 {
		t.Errorf("counts = %+v, want 3 created, 2 failed", c)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the run took %s: the time limit did not stop the runaway transforms", d)
	}
	for _, d := range tr.deadLetters() {
		if d.Error.Stage != "transform" || !strings.Contains(d.Error.Message, "longer than the 100ms limit") {
			t.Errorf("dead letter %+v, want a transform time-limit failure", d.Error)
		}
	}
}

func TestInterruptedRunReportsEveryMapping(t *testing.T) {
	tr := newTestRun(t)
	ctx, cancel := context.WithCancel(context.Background())
	tr.oro.failCreate = func(string, map[string]any) error { cancel(); return nil }
	tr.srcs["groups"] = records(t, `{"code":"A","name":"A"}
{"code":"B","name":"B"}`)
	tr.srcs["customers"] = records(t, `{"id":1,"name":"x","active":true,"group":"A"}`)
	rep, err := Run(ctx, []*mappings.Mapping{parseMapping(t, groupsYAML), parseMapping(t, customersYAML)}, Options{
		APIURL: "https://oro.test/admin/api", Oro: tr.oro, State: tr.store, Concurrency: 1, DeadLetter: NewDeadLetterFile(tr.dl),
		OpenSource: func(ctx context.Context, m *mappings.Mapping, cursor any, limit int) (Source, error) {
			return &sliceSource{recs: tr.srcs[m.Name]}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Mappings) != 2 || rep.Mappings[0].Status != "fatal" || rep.Mappings[1].Status != "not-run" || rep.ExitCode != ExitCannotProceed {
		t.Fatalf("report = %+v", rep)
	}
	if c := rep.Mappings[0].Counts; c.Read != c.Created+c.Failed || c.Read == 0 {
		t.Errorf("interrupted mapping counts = %+v: every record read must be written or dead-lettered", c)
	}
}

// syncBuffer is a bytes.Buffer safe for the engine's concurrent log writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestMixedCursorTypesKeepTheCheckpoint(t *testing.T) {
	tr := newTestRun(t)
	m := parseMapping(t, strings.Replace(groupsYAML, "target:", "incremental: {cursor: .v}\ntarget:", 1))
	tr.srcs["groups"] = records(t, `{"code":"A","name":"A","v":"2024-01-01"}
{"code":"B","name":"B","v":5}`)
	rep, _, _ := tr.run(false, m)
	if rep.Mappings[0].Status != "fatal" || !strings.Contains(rep.Mappings[0].Error, "only strings or only numbers") {
		t.Errorf("report = %+v, want a fatal cursor error", rep.Mappings[0])
	}
	if _, ok, _ := tr.store.Checkpoint("https://oro.test/admin/api", "groups"); ok {
		t.Error("a checkpoint was stored from incomparable cursor values")
	}
}

func TestSourceThatCannotOpenIsFatal(t *testing.T) {
	tr := newTestRun(t)
	rep, err := Run(context.Background(), []*mappings.Mapping{parseMapping(t, groupsYAML)}, Options{
		APIURL: "https://oro.test/admin/api", Oro: tr.oro, State: tr.store, DeadLetter: NewDeadLetterFile(tr.dl),
		OpenSource: func(context.Context, *mappings.Mapping, any, int) (Source, error) {
			return nil, errors.New("groups.json: no such file")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ExitCode != ExitCannotProceed || !strings.Contains(rep.Mappings[0].Error, "groups.json: no such file") {
		t.Errorf("report = %+v, want exit 3 naming the file", rep.Mappings[0])
	}
}

// testLogger logs to w as text, from the info level.
func testLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, nil))
}
