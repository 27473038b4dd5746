package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/orosync/orosync/engine/httpkit"
	"github.com/orosync/orosync/engine/oro"
	"github.com/orosync/orosync/mappings"
)

// batchOro is fakeOro with the synchronous Batch API: each item of a
// batch is created or updated, and answer, when set, replaces Oro's
// answer after the batch was stored.
type batchOro struct {
	*fakeOro
	sizes []int // items per UpdateList call
	// before, when it returns an error, answers call n before anything
	// is stored.
	before func(n int) error
	answer func(n int, ans *oro.BatchAnswer) (*oro.BatchAnswer, error)
	// op answers AsyncOperation.
	op func(id string) (*oro.AsyncOperation, error)
}

func (b *batchOro) UpdateList(ctx context.Context, typ string, body []byte, sync bool) (*oro.BatchAnswer, error) {
	var list struct {
		Data []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.sizes = append(b.sizes, len(list.Data))
	n := len(b.sizes)
	b.mu.Unlock()
	if b.before != nil {
		if err := b.before(n); err != nil {
			return nil, err
		}
	}
	ans := &oro.BatchAnswer{Status: 200}
	for _, data := range list.Data {
		delete(data, "meta")
		one, _ := json.Marshal(mappings.Document{Data: data})
		var res *oro.Resource
		var err error
		if id, ok := data["id"].(string); ok {
			res, err = b.Update(ctx, typ, id, one)
		} else {
			res, err = b.Create(ctx, typ, one)
		}
		if err != nil {
			return nil, err
		}
		ans.Data = append(ans.Data, *res)
	}
	if b.answer != nil {
		return b.answer(n, ans)
	}
	return ans, nil
}

func (b *batchOro) AsyncOperation(_ context.Context, id string) (*oro.AsyncOperation, error) {
	if b.op != nil {
		return b.op(id)
	}
	return nil, fmt.Errorf("no asynchronous operations")
}

func (b *batchOro) AsyncOperationErrors(context.Context, string) ([]oro.ErrorObject, error) {
	return nil, fmt.Errorf("no asynchronous operations")
}

func (b *batchOro) batchSizes() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int(nil), b.sizes...)
}

const batchCustomersYAML = `version: 1
name: customers
source: {file: customers.json}
target: {type: customers, key: .id, write: upsert, match: {name: .attributes.name}, batch: sync}
transform: '{type: "customers", attributes: {name: .name}}'
`

// customerRecords returns n source records for batchCustomersYAML.
func customerRecords(t *testing.T, n int) []any {
	var lines []string
	for i := range n {
		lines = append(lines, fmt.Sprintf(`{"id":%d,"name":"Customer %03d"}`, i, i))
	}
	return records(t, strings.Join(lines, "\n"))
}

// TestConcurrencyOneSendsFullBatches: with --concurrency 1 a batching
// mapping still gathers full batches (a synchronous batch is processed in
// order), instead of one record per batch.
func TestConcurrencyOneSendsFullBatches(t *testing.T) {
	tr := newTestRun(t)
	bo := &batchOro{fakeOro: tr.oro}
	tr.srcs["customers"] = customerRecords(t, 30)
	rep, out := tr.runWith(func(o *Options) { o.Oro, o.Concurrency, o.BatchSize = bo, 1, 10 }, parseMapping(t, batchCustomersYAML))
	if rep.ExitCode != ExitOK || rep.Total.Created != 30 {
		t.Fatalf("exit %d, %+v; want 30 created\n%s", rep.ExitCode, rep.Total, out)
	}
	// A batch that is not full goes when no record comes for a moment,
	// so a slow machine may cut one: 30 batches of one is the bug.
	if sizes := bo.batchSizes(); len(sizes) > 6 {
		t.Errorf("batches of %v; want about 3 batches of 10", sizes)
	}
}

// TestLostBatchAnswerAfterTheStopMayHaveWritten: when the answer to a
// batch is lost after the mapping stopped, the batch is not split and
// resent (the gate refuses it): its records are dead-lettered as
// may_have_written, since Oro may have stored them.
func TestLostBatchAnswerAfterTheStopMayHaveWritten(t *testing.T) {
	tr := newTestRun(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bo := &batchOro{fakeOro: tr.oro, answer: func(int, *oro.BatchAnswer) (*oro.BatchAnswer, error) {
		cancel() // Ctrl-C while the batch was on its way
		return nil, &oro.NetError{Method: "PATCH", URL: "fake/customers", Err: io.ErrUnexpectedEOF, Sent: true}
	}}
	tr.srcs["customers"] = customerRecords(t, 4)
	rep, out := tr.runCtx(ctx, func(o *Options) { o.Oro, o.Concurrency, o.BatchSize = bo, 1, 4 }, parseMapping(t, batchCustomersYAML))
	if rep.Total.Failed != 4 {
		t.Fatalf("%+v; want the 4 records failed\n%s", rep.Total, out)
	}
	// Timing may cut the batch short; the records it did not hold are
	// aborted, not written.
	sizes, mayHave := bo.batchSizes(), 0
	for _, d := range tr.deadLetters() {
		if d.Error.MayHaveWritten {
			mayHave++
		}
	}
	if len(sizes) != 1 || mayHave != sizes[0] {
		t.Errorf("batches of %v, %d dead letters may_have_written; want the one batch's records", sizes, mayHave)
	}
}

// TestBatchAnswerOfAnotherSizeMayHaveWritten: a processed synchronous
// batch whose answer holds another number of records was stored: its
// records are dead-lettered as may_have_written, not as plain failures.
func TestBatchAnswerOfAnotherSizeMayHaveWritten(t *testing.T) {
	tr := newTestRun(t)
	bo := &batchOro{fakeOro: tr.oro, answer: func(_ int, ans *oro.BatchAnswer) (*oro.BatchAnswer, error) {
		ans.Data = ans.Data[1:]
		return ans, nil
	}}
	tr.srcs["customers"] = customerRecords(t, 3)
	rep, out := tr.runWith(func(o *Options) { o.Oro, o.Concurrency, o.BatchSize = bo, 1, 3 }, parseMapping(t, batchCustomersYAML))
	dls := tr.deadLetters()
	if rep.Total.Failed != 3 || len(dls) != 3 {
		t.Fatalf("%+v, %d dead letters; want the 3 records failed\n%s", rep.Total, len(dls), out)
	}
	for _, d := range dls {
		if !d.Error.MayHaveWritten || !strings.Contains(d.Error.Message, "target.match") {
			t.Errorf("dead letter %s: %+v; want may_have_written and how to find the records", d.Origin, d.Error)
		}
	}
}

// TestOroDownDuringABatchNamesARecord: when Oro stays unavailable for a
// batch, the mapping stops with the error of one of its records, not of
// a record called "batch".
func TestOroDownDuringABatchNamesARecord(t *testing.T) {
	tr := newTestRun(t)
	bo := &batchOro{fakeOro: tr.oro, before: func(int) error {
		return &oro.Error{Method: "PATCH", URL: "fake/customers", Status: 503}
	}}
	tr.srcs["customers"] = customerRecords(t, 3)
	rep, out := tr.runWith(func(o *Options) {
		o.Oro, o.Concurrency, o.BatchSize = bo, 1, 3
		o.Retry = httpkit.Policy{MaxAttempts: 2, Backoff: time.Millisecond, MaxBackoff: time.Millisecond}
	}, parseMapping(t, batchCustomersYAML))
	if rep.ExitCode != ExitCannotProceed || !strings.HasPrefix(rep.Mappings[0].Error, "record test #") {
		t.Errorf("exit %d, error %q; want exit 3 naming a record\n%s", rep.ExitCode, rep.Mappings[0].Error, out)
	}
}

// TestBatchItemKeepsTheDocumentsMeta: meta.upsert joins the meta the
// transform gave, as in a single POST, and the record's own document is
// not changed.
func TestBatchItemKeepsTheDocumentsMeta(t *testing.T) {
	m := parseMapping(t, strings.Replace(batchCustomersYAML, "batch: sync}", "batch: sync, native_upsert: [id]}", 1))
	b := &batcher{mr: &mappingRun{m: m}}
	d := &document{doc: mappings.Document{Data: map[string]any{"type": "customers", "meta": map[string]any{"validate": false}}}}
	doc, err := b.itemDoc(context.Background(), d, action{kind: actUpsert})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"validate": false, "upsert": true}
	if got := doc.Data["meta"]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("meta = %v, want %v", got, want)
	}
	if got := d.doc.Data["meta"]; fmt.Sprint(got) != fmt.Sprint(map[string]any{"validate": false}) {
		t.Errorf("the record's document changed: meta = %v", got)
	}
}

// TestRefusedBatchesReadEachRecordOnce: once Oro refused batches (405),
// an update reads its record's to-many relationships once, for its own
// PATCH, not also for a batch item it no longer joins.
func TestRefusedBatchesReadEachRecordOnce(t *testing.T) {
	tr := newTestRun(t)
	bo := &batchOro{fakeOro: tr.oro}
	m := parseMapping(t, strings.Replace(batchCustomersYAML, "attributes: {name: .name}", "attributes: {name: .name, v: .v}, relationships: {users: {data: []}}", 1))
	set := func(o *Options) { o.Oro, o.Concurrency, o.BatchSize = bo, 1, 2 }
	var lines []string
	for i := range 40 {
		lines = append(lines, fmt.Sprintf(`{"id":%d,"name":"Customer %03d","v":1}`, i, i))
	}
	tr.srcs["customers"] = records(t, strings.Join(lines, "\n"))
	if rep, out := tr.runWith(set, m); rep.Total.Created != 40 {
		t.Fatalf("first run %+v\n%s", rep.Total, out)
	}
	bo.before = func(int) error { return &oro.Error{Method: "PATCH", URL: "fake/customers", Status: 405} }
	tr.srcs["customers"] = records(t, strings.ReplaceAll(strings.Join(lines, "\n"), `"v":1`, `"v":2`))
	rep, out := tr.runWith(set, m)
	if rep.Total.Updated != 40 {
		t.Fatalf("second run %+v\n%s", rep.Total, out)
	}
	// The records read before Oro refused a batch are read twice.
	if gets := tr.oro.callCount("GET customers/"); gets > 50 {
		t.Errorf("%d reads of 40 records; want one each once batches were refused", gets)
	}
}

// TestUnreadableOperationSaysWhy: when an asynchronous operation cannot be
// read until the deadline, the error says why, and the log says it once.
func TestUnreadableOperationSaysWhy(t *testing.T) {
	tr := newTestRun(t)
	bo := &batchOro{fakeOro: tr.oro,
		answer: func(int, *oro.BatchAnswer) (*oro.BatchAnswer, error) {
			return &oro.BatchAnswer{Status: 202, Operation: "7"}, nil
		},
		op: func(string) (*oro.AsyncOperation, error) {
			return nil, errors.New("GET asyncoperations/7: 404 not found")
		}}
	tr.srcs["customers"] = customerRecords(t, 1)
	rep, out := tr.runWith(func(o *Options) {
		o.Oro, o.Concurrency = bo, 1
		o.BatchDeadline, o.BatchPoll = 100*time.Millisecond, time.Millisecond
	}, parseMapping(t, strings.Replace(batchCustomersYAML, "batch: sync", "batch: async", 1)))
	if !strings.Contains(rep.Mappings[0].Error, "reading it last failed: GET asyncoperations/7: 404 not found") {
		t.Errorf("error %q; want the poll's error", rep.Mappings[0].Error)
	}
	if n := strings.Count(out, "reading asynchronous operation 7 failed"); n != 1 {
		t.Errorf("the poll's error is logged %d times, want once:\n%s", n, out)
	}
}

// TestRecordWithTooManyIncludedGoesAlone: a record with more included
// records than a synchronous batch admits is written with its own
// request: Oro would refuse it in any batch.
func TestRecordWithTooManyIncludedGoesAlone(t *testing.T) {
	tr := newTestRun(t)
	bo := &batchOro{fakeOro: tr.oro}
	m := parseMapping(t, strings.Replace(batchCustomersYAML, `'{type: "customers", attributes: {name: .name}}'`,
		`'{data: {type: "customers", attributes: {name: .name}, relationships: {addresses: {data: [{type: "customeraddresses", id: "a1"}, {type: "customeraddresses", id: "a2"}]}}},
  included: [{type: "customeraddresses", id: "a1", attributes: {label: "A1"}}, {type: "customeraddresses", id: "a2", attributes: {label: "A2"}}]}'`, 1))
	tr.srcs["customers"] = customerRecords(t, 1)
	rep, out := tr.runWith(func(o *Options) { o.Oro, o.Concurrency, o.BatchIncluded = bo, 1, 1 }, m)
	if rep.Total.Created != 1 {
		t.Fatalf("%+v; want the record created\n%s", rep.Total, out)
	}
	if sizes := bo.batchSizes(); len(sizes) != 0 || tr.oro.callCount("POST customers") != 1 {
		t.Errorf("batches of %v, calls %v; want one POST", sizes, tr.oro.calls)
	}

	// The dry run predicts the same request.
	tr = newTestRun(t)
	tr.srcs["customers"] = customerRecords(t, 1)
	var dry strings.Builder
	tr.runWith(func(o *Options) { o.Oro, o.DryRun, o.Out, o.BatchIncluded = nil, true, &dry, 1 }, m)
	if line := dry.String(); !strings.Contains(line, `"method":"POST"`) || strings.Contains(line, "X-Mode") {
		t.Errorf("dry run printed %s; want the record's own POST", line)
	}
}
