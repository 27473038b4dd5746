package engine

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orosync/orosync/engine/oro"
	"github.com/orosync/orosync/mappings"
	"github.com/orosync/orosync/resources"
)

// This file sends the writes of a mapping through Oro's Batch API (PATCH
// on the collection, oro-api.md §10) instead of one request per record:
// up to 100 records per request. The records still go through the
// pipeline one by one; the write stage hands each document to the
// mapping's batcher and waits for its own result.

// BatchClient is what batch writes need from an Oro connection
// (implemented by *oro.Client). An OroClient that does not implement it
// writes one record per request.
type BatchClient interface {
	// UpdateList sends one Batch API request: PATCH /{typ} with a list
	// document; sync asks for X-Mode: sync.
	UpdateList(ctx context.Context, typ string, doc []byte, sync bool) (*oro.BatchAnswer, error)
	// AsyncOperation reads the state of an asynchronous operation.
	AsyncOperation(ctx context.Context, id string) (*oro.AsyncOperation, error)
	// AsyncOperationErrors reads every page of an operation's errors.
	AsyncOperationErrors(ctx context.Context, id string) ([]oro.ErrorObject, error)
}

// batchMode returns how the mapping's writes are sent: "" for one request
// per record, else mappings.BatchSync or BatchAsync. auto takes the
// synchronous Batch API where the resource has update_list (in the known
// version) and the mapping has a natural key: a synchronous batch may
// turn asynchronous (Oro waits 25 s at most), and then only the natural
// key tells the ids of created records.
func (mr *mappingRun) batchMode() string {
	t := mr.m.Target
	if _, ok := mr.r.opts.Oro.(BatchClient); !ok && !mr.r.opts.DryRun {
		return ""
	}
	if mr.r.opts.BatchOff {
		return ""
	}
	switch t.Batch {
	case mappings.BatchSync, mappings.BatchAsync:
		return t.Batch
	case mappings.BatchOff:
		return ""
	}
	r, known := resources.Lookup(t.Type)
	if !known || !r.AllowsIn(resources.UpdateList, mr.r.opts.OroVersion) {
		return ""
	}
	if len(t.Match) == 0 && t.Write != "update" {
		return ""
	}
	if !resources.SyncBatch.In(mr.r.opts.OroVersion) {
		return mappings.BatchAsync
	}
	return mappings.BatchSync
}

// batchItem is one document waiting for its batch.
type batchItem struct {
	// uncertain: a dry run's guess (action.uncertain).
	uncertain bool
	d         *document
	kind      actionKind // actPost, actUpsert or actPatch
	id        string     // the Oro id to update (actPatch)
	doc       mappings.Document
	res       chan writeResult
}

// batcher collects a mapping's documents into batches and sends each when
// it is full or when no document came for a moment.
type batcher struct {
	mr          *mappingRun
	sync        bool
	maxData     int
	maxIncluded int
	idle        time.Duration

	mu       sync.Mutex
	items    []*batchItem
	included int
	opened   time.Time // when the first item of the open batch came
	timer    *time.Timer
	sent     sync.WaitGroup
	// perRecord is set once Oro refused a batch (405, 403): the remaining
	// documents are written one per request.
	perRecord bool
	// inFlight counts batches sent and not answered yet (Progress).
	inFlight atomic.Int64
}

func newBatcher(mr *mappingRun, mode string) *batcher {
	return &batcher{mr: mr, sync: mode == mappings.BatchSync, maxData: mr.r.opts.BatchSize,
		maxIncluded: mr.r.opts.BatchIncluded, idle: 10 * time.Millisecond}
}

// write hands a document to its batch and waits for the result. ctx is the
// write context.
func (b *batcher) write(ctx context.Context, d *document, a action) writeResult {
	// A synchronous batch holds at most maxIncluded included records (Oro
	// refuses more without a pointer), so a bigger record goes alone, in a
	// dry run too.
	if b.sync && len(d.doc.Included) > b.maxIncluded {
		return b.mr.writeOne(ctx, d, a)
	}
	if b.mr.r.opts.DryRun {
		return b.dryWrite(ctx, d, a)
	}
	// Checked before itemDoc, whose reads writeOne would make again.
	if b.refused() {
		return b.mr.writeOne(ctx, d, a)
	}
	doc, err := b.itemDoc(ctx, d, a)
	if err != nil {
		if isNotFound(err) && d.key != "" {
			return b.mr.gone(ctx, d, a.id)
		}
		return writeResult{status: Failed, err: err, stage: StageLookup}
	}
	it := &batchItem{d: d, kind: a.kind, id: a.id, doc: doc, res: make(chan writeResult, 1)}
	if !b.add(ctx, it) {
		return b.mr.writeOne(ctx, d, a)
	}
	return <-it.res
}

// itemDoc is the document as a batch item: an update carries the record's
// id and meta.update (its to-many relationships reconciled like a PATCH),
// a native upsert meta.upsert. The item is only read (batchBody copies
// what it changes), so it shares what it does not change with d.doc.
func (b *batcher) itemDoc(ctx context.Context, d *document, a action) (mappings.Document, error) {
	switch a.kind {
	case actPatch:
		doc, err := b.mr.forUpdate(ctx, d, a.id)
		if err != nil {
			return doc, err
		}
		doc.Data = withMeta(doc.Data, "update", true)
		doc.Data["id"] = a.id
		return doc, nil
	case actUpsert:
		return mappings.Document{Data: withMeta(d.doc.Data, "upsert", upsertValue(b.mr.m.Target.NativeUpsert)), Included: d.doc.Included}, nil
	}
	return d.doc, nil
}

// add puts an item into the open batch, sending the batch when it is full.
// It reports false when batches are off for the mapping.
func (b *batcher) add(ctx context.Context, it *batchItem) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.perRecord {
		return false
	}
	inc := len(it.doc.Included)
	if len(b.items) > 0 && (len(b.items)+1 > b.maxData || b.included+inc > b.maxIncluded) {
		b.flushLocked(ctx)
	}
	if len(b.items) == 0 {
		b.opened = time.Now()
	}
	b.items = append(b.items, it)
	b.included += inc
	if len(b.items) >= b.maxData {
		b.flushLocked(ctx)
		return true
	}
	if b.timer == nil {
		b.timer = time.AfterFunc(b.idle, func() { b.idleFlush(ctx) })
	} else {
		b.timer.Reset(b.idle)
	}
	return true
}

// batchMaxWait bounds how long a batch that is not full waits for more
// records while requests queue for a slot.
const batchMaxWait = 250 * time.Millisecond

// idleFlush sends the open batch when no record came for a moment, unless
// requests queue for a slot: sent now, the batch would only queue too,
// half full, while the records behind it could have filled it.
func (b *batcher) idleFlush(ctx context.Context) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.timer == nil || len(b.items) == 0 {
		return
	}
	if b.mr.r.slots.busy() && time.Since(b.opened) < batchMaxWait {
		b.timer.Reset(b.idle)
		return
	}
	b.flushLocked(ctx)
}

// flush sends the open batch, if any.
func (b *batcher) flush(ctx context.Context) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked(ctx)
}

func (b *batcher) flushLocked(ctx context.Context) {
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	if len(b.items) == 0 {
		return
	}
	items := b.items
	b.items, b.included = nil, 0
	b.sent.Add(1)
	b.inFlight.Add(1)
	go func() {
		defer b.sent.Done()
		defer b.inFlight.Add(-1)
		b.mr.sendBatch(ctx, b, items)
	}()
}

// close sends what is open and waits until every batch was answered; a
// dry run prints its last batch.
func (b *batcher) close(ctx context.Context) {
	if b.mr.r.opts.DryRun {
		if line := b.dryTake(0); line != nil {
			if err := b.mr.r.out.Write(line); err != nil {
				b.mr.fail(fmt.Errorf("write output: %w", err))
			}
		}
		return
	}
	b.flush(ctx)
	b.sent.Wait()
}

// dryWrite is write in a dry run: the document joins the batch at once,
// as the record it is will be written (or its new id remembered, for a
// ref()), and the batch's request line goes with the record that fills it.
func (b *batcher) dryWrite(ctx context.Context, d *document, a action) writeResult {
	doc, err := b.itemDoc(ctx, d, a)
	if err != nil {
		return writeResult{status: Failed, err: err, stage: StageLookup}
	}
	st, id := Created, b.mr.newID(d)
	if a.kind == actPatch {
		st, id = Updated, a.id
	}
	b.mr.dryRemember(d, id)
	// A child waits for its parent's batch in a real run: the open batch
	// is sent before the child joins one.
	var before []byte
	if b.holdsParentOf(d) {
		before = b.dryTake(0)
	}
	b.mu.Lock()
	b.items = append(b.items, &batchItem{d: d, kind: a.kind, id: a.id, doc: doc, uncertain: a.uncertain})
	b.included += len(doc.Included)
	b.mu.Unlock()
	return writeResult{status: st, line: append(before, b.dryTake(b.maxData)...)}
}

// holdsParentOf reports whether the open batch holds a record of this
// mapping that d's document refers to with ref().
func (b *batcher) holdsParentOf(d *document) bool {
	refs := d.parents
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, it := range b.items {
		for _, k := range refs {
			if it.d.key == k {
				return true
			}
		}
	}
	return false
}

// dryTake returns the request line of the open batch and empties it when
// it holds at least full items or more than the included limit (0: any).
func (b *batcher) dryTake(full int) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.items) == 0 || len(b.items) < full && b.included <= b.maxIncluded {
		return nil
	}
	items := b.items
	b.items, b.included = nil, 0
	body, _, err := batchBody(items)
	if err != nil {
		return nil
	}
	b.mr.traceBatch(items, b.sync, body)
	var header map[string]string
	if b.sync {
		header = map[string]string{"X-Mode": "sync"}
	}
	line := requestLineWith(http.MethodPatch, b.mr.collectionURL, header, body)
	for _, it := range items {
		if it.uncertain {
			return markDependsOnOro(line)
		}
	}
	return line
}

// refused reports whether Oro refused a batch of the mapping.
func (b *batcher) refused() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.perRecord
}

// refuse turns batches off for the rest of the mapping (Oro refused one).
func (b *batcher) refuse() {
	b.mu.Lock()
	b.perRecord = true
	b.mu.Unlock()
}

// upsertValue is meta.upsert: true for [id], else the field list.
func upsertValue(fields []string) any {
	if len(fields) == 1 && fields[0] == "id" {
		return true
	}
	list := make([]any, len(fields))
	for i, f := range fields {
		list[i] = f
	}
	return list
}

// batchBody builds the request document of a batch: every item's primary
// data in order, and the included records of all items, whose temporary
// ids are made unique per item ("3.name-default" for item 3's
// "name-default"). owner maps an included index to its item.
func batchBody(items []*batchItem) (body []byte, owner []int, err error) {
	data := make([]any, len(items))
	var included []any
	for i, it := range items {
		doc := cloneDoc(it.doc)
		for _, v := range doc.Included {
			inc, _ := v.(map[string]any)
			r, ok := refOf(inc)
			if ok && inc["meta"] == nil { // a new record: its id is temporary
				renameRef(&doc, r, strconv.Itoa(i)+"."+r.ID)
				inc["id"] = strconv.Itoa(i) + "." + r.ID
			}
		}
		data[i] = doc.Data
		for _, v := range doc.Included {
			included = append(included, v)
			owner = append(owner, i)
		}
	}
	list := map[string]any{"data": data}
	if len(included) > 0 {
		list["included"] = included
	}
	body, err = mappings.AppendJSON(make([]byte, 0, 4096), list)
	if err != nil {
		return nil, nil, fmt.Errorf("encode batch: %w", err)
	}
	return body, owner, nil
}
