package engine

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orosync/orosync/engine/httpkit"
	"github.com/orosync/orosync/engine/oro"
	"github.com/orosync/orosync/engine/state"
	"github.com/orosync/orosync/mappings"
)

// runWith runs ms once against the test run's fake Oro with extra options.
func (tr *testRun) runWith(set func(*Options), ms ...*mappings.Mapping) (*Report, string) {
	tr.t.Helper()
	return tr.runCtx(context.Background(), set, ms...)
}

// runCtx is runWith with the run's context.
func (tr *testRun) runCtx(ctx context.Context, set func(*Options), ms ...*mappings.Mapping) (*Report, string) {
	tr.t.Helper()
	var log syncBuffer
	opts := Options{APIURL: "https://oro.test/admin/api", State: tr.store, Logger: testLogger(&log), Oro: tr.oro,
		DeadLetter: NewDeadLetterFile(tr.dl),
		OpenSource: func(ctx context.Context, m *mappings.Mapping, cursor any, limit int) (Source, error) {
			return &sliceSource{recs: tr.srcs[m.Name]}, nil
		}}
	defer opts.DeadLetter.Close()
	if set != nil {
		set(&opts)
	}
	rep, err := Run(ctx, ms, opts)
	if err != nil {
		tr.t.Fatal(err)
	}
	var summary strings.Builder
	rep.WriteSummary(&summary)
	return rep, log.String() + summary.String()
}

// TestVerifyRecreatesWhatWasDeletedInOro: records deleted in Oro stay
// "unchanged" on a plain rerun (the summary says how to find drift); with
// --verify exactly those are written again, and --force resends all.
func TestVerifyRecreatesWhatWasDeletedInOro(t *testing.T) {
	tr := newTestRun(t)
	m := parseMapping(t, groupsYAML)
	var lines []string
	for i := range 25 {
		lines = append(lines, fmt.Sprintf(`{"code":"G%02d","name":"Group %02d"}`, i, i))
	}
	tr.srcs["groups"] = records(t, strings.Join(lines, "\n"))
	if rep, _ := tr.runWith(nil, m); rep.Total.Created != 25 {
		t.Fatalf("first run: %+v", rep.Total)
	}
	deleted := 0
	for id := range tr.oro.records["customergroups"] {
		if deleted == 10 {
			break
		}
		delete(tr.oro.records["customergroups"], id)
		deleted++
	}
	rep, out := tr.runWith(nil, m)
	if rep.Total.Unchanged != 25 || rep.Total.Written() != 0 || !strings.Contains(out, "orosync run --verify") {
		t.Fatalf("rerun without --verify: %+v, want 25 unchanged and a hint:\n%s", rep.Total, out)
	}
	posts := tr.oro.callCount("POST")
	rep, _ = tr.runWith(func(o *Options) { o.Verify = true }, m)
	if rep.Total.Created != 10 || rep.Total.Unchanged != 15 || tr.oro.callCount("POST")-posts != 10 {
		t.Errorf("--verify: %+v, %d POSTs; want exactly the 10 deleted records created again", rep.Total, tr.oro.callCount("POST")-posts)
	}
	if n := tr.oro.count("customergroups"); n != 25 {
		t.Errorf("Oro has %d groups, want 25", n)
	}
	if gets := tr.oro.callCount("GET customergroups?filter%5Bid%5D="); gets > 1 {
		t.Errorf("--verify sent %d id checks, want them batched into one", gets)
	}
	rep, _ = tr.runWith(func(o *Options) { o.Force = true }, m)
	if rep.Total.Updated != 25 {
		t.Errorf("--force: %+v, want 25 updated", rep.Total)
	}
}

// TestTwoSourceKeysOneNaturalKeyIsAConflict: a natural-key match that finds
// the Oro record of another source key is a conflict naming both keys,
// never a silent overwrite.
func TestTwoSourceKeysOneNaturalKeyIsAConflict(t *testing.T) {
	tr := newTestRun(t)
	m := parseMapping(t, `version: 1
name: products
source: {file: p.json}
target: {type: products, key: .id, write: upsert, match: {sku: .attributes.sku}}
transform: '{type: "products", attributes: {sku: .sku, name: .name}}'
`)
	tr.srcs["products"] = records(t, `{"id":"ERP-1","sku":"A-1","name":"First"}
{"id":"ERP-2","sku":"A-1","name":"Second"}`)
	rep, _ := tr.runWith(nil, m)
	if rep.Total.Created != 1 || rep.Total.Failed != 1 || tr.oro.count("products") != 1 {
		t.Fatalf("counts %+v, %d products in Oro; want 1 created, 1 conflict", rep.Total, tr.oro.count("products"))
	}
	dl := tr.deadLetters()
	if len(dl) != 1 || dl[0].Error.Stage != StageConflict || !strings.Contains(dl[0].Error.Message, `"ERP-1"`) || !strings.Contains(dl[0].Error.Message, `"ERP-2"`) {
		t.Errorf("dead letters = %+v, want a conflict naming ERP-1 and ERP-2", dl)
	}
	for _, rec := range tr.oro.records["products"] {
		if rec["attributes"].(map[string]any)["name"] != "First" {
			t.Errorf("the first record was overwritten: %v", rec)
		}
	}
}

// refusingOro answers every list with Oro's 400 for an unsupported filter.
type refusingOro struct{ *fakeOro }

func (r refusingOro) List(ctx context.Context, typ string, q url.Values, limit int) ([]oro.Resource, error) {
	r.fakeOro.mu.Lock()
	r.fakeOro.calls = append(r.fakeOro.calls, "GET "+typ)
	r.fakeOro.mu.Unlock()
	return nil, &oro.Error{Method: "GET", Status: 400, Errors: []oro.ErrorObject{{Status: "400", Title: "filter constraint",
		Detail: `Filter "filter[code]" is not supported.`, Parameter: "filter[code]"}}}
}

// TestConfigurationErrorsStopTheMapping: a query Oro refuses stops the
// mapping at once, and the same refusal of the first N records stops it
// after N, instead of dead-lettering every record.
func TestConfigurationErrorsStopTheMapping(t *testing.T) {
	var lines []string
	for i := range 2000 {
		lines = append(lines, fmt.Sprintf(`{"code":"G%04d","name":"Group %04d"}`, i, i))
	}
	t.Run("unsupported filter", func(t *testing.T) {
		tr := newTestRun(t)
		tr.srcs["groups"] = records(t, strings.Join(lines, "\n"))
		m := parseMapping(t, strings.Replace(groupsYAML, "match: {name: .attributes.name}", "match: {code: .attributes.name}", 1))
		rep, out := tr.runWith(func(o *Options) { o.Oro = refusingOro{tr.oro} }, m)
		if rep.ExitCode != ExitCannotProceed || !strings.Contains(rep.Mappings[0].Error, "Oro refuses the query parameter filter[code]") {
			t.Errorf("exit %d, error %q; want exit 3 naming the parameter", rep.ExitCode, rep.Mappings[0].Error)
		}
		if n := tr.oro.callCount("GET"); n > 8 {
			t.Errorf("%d requests were sent, want the mapping stopped after the first answers:\n%s", n, out)
		}
	})
	t.Run("same answer on the first records", func(t *testing.T) {
		tr := newTestRun(t)
		tr.srcs["groups"] = records(t, strings.Join(lines, "\n"))
		tr.oro.failCreate = func(string, map[string]any) error {
			return &oro.Error{Method: "POST", Status: 400, Errors: []oro.ErrorObject{{Status: "400", Title: "extra fields constraint",
				Detail: `This form should not contain extra fields: "nmae".`, Pointer: "/data/attributes/nmae"}}}
		}
		rep, out := tr.runWith(func(o *Options) { o.StopAfterSameErrors = 5 }, parseMapping(t, groupsYAML))
		if rep.ExitCode != ExitCannotProceed || !strings.Contains(rep.Mappings[0].Error, "the first 5 records all failed with the same answer") {
			t.Errorf("exit %d, error %q; want exit 3 after 5 records", rep.ExitCode, rep.Mappings[0].Error)
		}
		if posts := tr.oro.callCount("POST"); posts > activeRecords(4)+5 {
			t.Errorf("%d POSTs; want the mapping stopped early", posts)
		}
		if !strings.Contains(out, "groups: failed record: write: POST") || !strings.Contains(out, "extra fields constraint") {
			t.Errorf("the summary does not show the first error:\n%s", out)
		}
		if c := rep.Mappings[0].Counts; c.Read != c.Failed || c.Read == 2000 {
			t.Errorf("counts %+v: want every record read so far dead-lettered, and reading stopped", c)
		}
	})
	t.Run("a success before keeps going", func(t *testing.T) {
		tr := newTestRun(t)
		tr.srcs["groups"] = records(t, strings.Join(lines[:30], "\n"))
		n := 0
		tr.oro.failCreate = func(string, map[string]any) error {
			n++
			if n == 1 {
				return nil
			}
			return &oro.Error{Method: "POST", Status: 400, Errors: []oro.ErrorObject{{Title: "not blank constraint", Pointer: "/data/attributes/name"}}}
		}
		rep, _ := tr.runWith(func(o *Options) { o.StopAfterSameErrors = 5; o.Concurrency = 1 }, parseMapping(t, groupsYAML))
		if rep.ExitCode != ExitSomeFailed || rep.Total.Read != 30 {
			t.Errorf("exit %d, %+v; want every record tried (exit 1) once one succeeded", rep.ExitCode, rep.Total)
		}
	})
}

// TestLostPostIsRetriedAfterTheLookup: a POST answered 503 (a proxy) may
// have reached Oro; the record is looked up by its natural key, and sent
// again after a backoff only when Oro does not have it: one record, no
// duplicate. Without a natural key it is dead-lettered as may_have_written.
func TestLostPostIsRetriedAfterTheLookup(t *testing.T) {
	unavailable := func(n *int) func(string, map[string]any) error {
		return func(string, map[string]any) error {
			if *n++; *n <= 2 {
				return &oro.Error{Method: "POST", Status: 503}
			}
			return nil
		}
	}
	fast := func(o *Options) {
		o.Retry = httpkit.Policy{MaxAttempts: 5, Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
	}

	tr := newTestRun(t)
	tr.srcs["groups"] = records(t, `{"code":"W","name":"Wholesale"}`)
	var n int
	tr.oro.failCreate = unavailable(&n)
	rep, _ := tr.runWith(fast, parseMapping(t, groupsYAML))
	if rep.Total.Created != 1 || tr.oro.count("customergroups") != 1 || tr.oro.callCount("POST") != 3 || tr.oro.callCount("GET customergroups") != 3 {
		t.Errorf("%+v, calls %v; want one record after 3 POSTs, the decision lookup and 2 after lost answers", rep.Total, tr.oro.calls)
	}

	tr = newTestRun(t)
	tr.srcs["groups"] = records(t, `{"code":"W","name":"Wholesale"}`)
	n = 0
	tr.oro.failCreate = unavailable(&n)
	rep, _ = tr.runWith(fast, parseMapping(t, strings.Replace(groupsYAML, ", match: {name: .attributes.name}", "", 1)))
	dl := tr.deadLetters()
	if rep.Total.Failed != 1 || tr.oro.callCount("POST") != 1 || len(dl) != 1 || !dl[0].Error.MayHaveWritten {
		t.Errorf("%+v, dead letters %+v; want the record dead-lettered with may_have_written after one POST", rep.Total, dl)
	}

	// A 500 is Oro's exception for this record, not a lost answer: the
	// record fails once, and the run goes on (it is no outage).
	tr = newTestRun(t)
	tr.srcs["groups"] = records(t, `{"code":"W","name":"Wholesale"}`+"\n"+`{"code":"R","name":"Retail"}`)
	tr.oro.failCreate = func(_ string, data map[string]any) error {
		if data["attributes"].(map[string]any)["name"] == "Wholesale" {
			return &oro.Error{Method: "POST", Status: 500, Errors: []oro.ErrorObject{{Status: "500", Title: "runtime exception"}}}
		}
		return nil
	}
	rep, _ = tr.runWith(fast, parseMapping(t, groupsYAML))
	if rep.ExitCode != ExitSomeFailed || rep.Total.Failed != 1 || rep.Total.Created != 1 || tr.oro.callCount("POST") != 2 {
		t.Errorf("exit %d, %+v, calls %v; want the 500 record failed after one POST and the other written", rep.ExitCode, rep.Total, tr.oro.calls)
	}
}

// failingState is a state store whose saves fail (a full disk,
// PostgreSQL down).
type failingState struct {
	StateStore
	err error
}

func (s failingState) Remember(string, string, map[string]state.Entry) error { return s.err }

// TestStateFailureAfterAWriteStopsTheMapping: when the id map cannot be
// saved after Oro stored a record, the mapping stops instead of writing
// every later record to Oro and forgetting it, and the record's dead
// letter says which Oro record it is.
func TestStateFailureAfterAWriteStopsTheMapping(t *testing.T) {
	tr := newTestRun(t)
	tr.srcs["groups"] = records(t, `{"code":"A","name":"Group A"}
{"code":"B","name":"Group B"}
{"code":"C","name":"Group C"}`)
	disk := errors.New("no space left on device")
	rep, out := tr.runWith(func(o *Options) {
		o.State = failingState{StateStore: tr.store, err: disk}
		o.Concurrency = 1
	}, parseMapping(t, groupsYAML))
	if rep.ExitCode != ExitCannotProceed || !strings.Contains(rep.Mappings[0].Error, "no space left on device") {
		t.Errorf("exit %d, error %q; want exit 3 with the state's error", rep.ExitCode, rep.Mappings[0].Error)
	}
	if n := tr.oro.count("customergroups"); n != 1 {
		t.Errorf("%d records written to Oro, want 1: the mapping goes on after the state failed\n%s", n, out)
	}
	dls := tr.deadLetters()
	if len(dls) == 0 {
		t.Fatal("no dead letters")
	}
	if d := dls[0]; !d.Error.MayHaveWritten || !strings.Contains(d.Error.Message, "the record is in Oro as customergroups 1") {
		t.Errorf("dead letter %+v: want may_have_written and the Oro id", d.Error)
	}
}

// TestMatchReadsResolvedIDs: target.match is evaluated once per document,
// but again after resolve replaced the ref()s it may read.
func TestMatchReadsResolvedIDs(t *testing.T) {
	tr := newTestRun(t)
	tr.srcs["groups"] = records(t, `{"code":"W","name":"Wholesale"}`)
	tr.srcs["customers"] = records(t, `{"id":1,"name":"Acme","group":"W"}`)
	customers := parseMapping(t, `version: 1
name: customers
after: [groups]
source: {file: customers.json}
target: {type: customers, key: .id, write: upsert, match: {name: .attributes.name, groupId: .attributes.groupId}}
transform: '{type: "customers", attributes: {name: .name, groupId: ref("groups"; .group)}}'
`)
	rep, out := tr.runWith(nil, parseMapping(t, groupsYAML), customers)
	if rep.ExitCode != ExitOK || rep.Total.Created != 2 {
		t.Fatalf("exit %d, %+v; want both records created\n%s", rep.ExitCode, rep.Total, out)
	}
	if n := tr.oro.callCount("GET customers?filter%5BgroupId%5D=1"); n != 1 {
		t.Errorf("calls %v; want the customer looked up by the group's id", tr.oro.calls)
	}
}
