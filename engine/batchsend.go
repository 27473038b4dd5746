package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/orosync/orosync/engine/oro"
)

// This file sends one batch and gives every item its own outcome.

// sendBatch sends items as Batch API requests until each has an outcome:
//
//   - 200 (a synchronous batch, processed in order and atomically): every
//     item gets its id;
//   - 202 (an asynchronous operation, or a synchronous batch Oro turned
//     asynchronous): see awaitOperation;
//   - an error document whose pointers name items (/data/N, /included/M):
//     those items failed with their own errors, and since a synchronous
//     batch is all or nothing, the others are sent again without them; an
//     error without a pointer splits the batch in halves, so one bad record
//     never costs its neighbours;
//   - a lost answer: the batch may have been stored, so its new records are
//     looked up by their natural key before the rest is sent again (once
//     the mapping stopped, they fail as may have written);
//   - 405 or 403 (no Batch API for the resource or version, no permission
//     on asynchronous operations): the mapping goes on one request per
//     record.
func (mr *mappingRun) sendBatch(ctx context.Context, b *batcher, items []*batchItem) {
	retry := mr.newRetrier()
	for len(items) > 0 {
		body, owner, err := batchBody(items)
		if err != nil {
			finishAll(items, failure(StageTransform, err))
			return
		}
		req := &RequestLine{Method: http.MethodPatch, URL: mr.collectionURL}
		mr.traceBatch(items, b.sync, body)
		ans, err := mr.oro.UpdateList(ctx, mr.m.Target.Type, body, b.sync)
		switch {
		case err == nil && ans.Status == http.StatusAccepted:
			mr.awaitOperation(ctx, items, owner, ans.Operation)
			return
		case err == nil:
			mr.batchWritten(ctx, items, ans)
			return
		case batchRefused(err):
			b.refuse()
			mr.log.Warn(fmt.Sprintf("Oro refused a batch (%v); writing one record per request", err))
			mr.writeEachOne(ctx, items)
			return
		case errors.Is(err, errNotSent):
			for _, it := range items {
				it.res <- writeResult{status: Failed, err: err, stage: StageWrite, req: req}
			}
			return
		}
		if failed, rest, ok := itemErrors(err, items, owner); ok {
			for i, e := range failed {
				items[i].res <- writeResult{status: Failed, err: e, stage: StageWrite, req: req}
			}
			items = rest
			continue
		}
		if oro.AnswerLost(err) && !oro.IsFatal(err) && mr.oro.refused() == nil {
			if werr := retry.Wait(ctx, err); werr != nil {
				finishAll(items, writeResult{status: Failed, err: werr, stage: StageWrite, req: req})
				return
			}
			items = mr.afterLostBatch(ctx, items, err)
			continue
		}
		// A lost answer after the mapping stopped: Oro may have stored the
		// batch, and the halves would not be sent.
		if len(items) > 1 && !oro.IsFatal(err) && !oro.AnswerLost(err) {
			half := len(items) / 2
			mr.sendBatch(ctx, b, items[:half])
			mr.sendBatch(ctx, b, items[half:])
			return
		}
		finishAll(items, writeResult{status: Failed, err: err, stage: StageWrite, req: req})
		return
	}
}

// finishAll gives every item the same result.
func finishAll(items []*batchItem, res writeResult) {
	for _, it := range items {
		it.res <- res
	}
}

// writeEachOne writes the items one request each.
func (mr *mappingRun) writeEachOne(ctx context.Context, items []*batchItem) {
	for _, it := range items {
		it.res <- mr.writeOne(ctx, it.d, action{kind: it.kind, id: it.id})
	}
}

// batchRefused reports an answer that means "no Batch API here": 405 (the
// resource has no update_list, or the version not yet) or 403 (the
// integration user may not create or view asynchronous operations).
func batchRefused(err error) bool {
	var oe *oro.Error
	return errors.As(err, &oe) && (oe.Status == http.StatusMethodNotAllowed || oe.Status == http.StatusForbidden)
}

// batchWritten records the ids of a processed synchronous batch: its data
// comes back in request order.
func (mr *mappingRun) batchWritten(ctx context.Context, items []*batchItem, ans *oro.BatchAnswer) {
	if len(ans.Data) != len(items) {
		err := &unknownOutcome{err: fmt.Errorf("PATCH %s: Oro answered %d records to a batch of %d, so orosync cannot tell which is which; "+
			"Oro stored the batch: look its records up by target.match, or run again (the next run finds them by target.match)",
			mr.collectionURL, len(ans.Data), len(items))}
		finishAll(items, writeResult{status: Failed, err: err, stage: StageWrite})
		return
	}
	for i, it := range items {
		it.res <- mr.itemWritten(ctx, it, ans.Data[i].ID)
	}
}

// itemWritten records one item Oro stored with id.
func (mr *mappingRun) itemWritten(ctx context.Context, it *batchItem, id string) writeResult {
	st := Created
	if it.kind == actPatch {
		st = Updated
	}
	if err := mr.written(ctx, it.d, id, st); err != nil {
		return mr.unsaved(id, st, err)
	}
	return writeResult{status: st}
}

// itemErrors splits a refused batch by the pointers of Oro's errors: the
// items they name, each with its errors, and the rest. ok is false when
// some error names no item.
func itemErrors(err error, items []*batchItem, owner []int) (failed map[int]error, rest []*batchItem, ok bool) {
	var oe *oro.Error
	if !errors.As(err, &oe) || len(oe.Errors) == 0 || oe.Status >= 500 {
		return nil, nil, false
	}
	byItem, whole := errorsByItem(oe.Errors, len(items), owner)
	if len(whole) > 0 {
		return nil, nil, false
	}
	failed = map[int]error{}
	for i, errs := range byItem {
		failed[i] = &oro.Error{Method: oe.Method, URL: oe.URL, Status: oe.Status, Header: oe.Header, Errors: errs}
	}
	for i, it := range items {
		if _, bad := failed[i]; !bad {
			rest = append(rest, it)
		}
	}
	return failed, rest, true
}

// errorsByItem groups the errors of a batch of n items by the item their
// pointers name, each pointer rewritten as the item's own (itemPointer);
// whole holds the errors that name no item.
func errorsByItem(errs []oro.ErrorObject, n int, owner []int) (byItem map[int][]oro.ErrorObject, whole []oro.ErrorObject) {
	byItem = map[int][]oro.ErrorObject{}
	for _, e := range errs {
		if i, ok := pointerItem(e.Pointer, n, owner); ok {
			e.Pointer = itemPointer(e.Pointer, i, owner)
			byItem[i] = append(byItem[i], e)
		} else {
			whole = append(whole, e)
		}
	}
	return byItem, whole
}

// pointerItem returns the item a JSON pointer of a batch names:
// /data/N/... is item N, /included/M/... the item that included M.
func pointerItem(p string, n int, owner []int) (int, bool) {
	parts := strings.SplitN(strings.TrimPrefix(p, "/"), "/", 3)
	if len(parts) < 2 {
		return 0, false
	}
	k, err := strconv.Atoi(parts[1])
	if err != nil || k < 0 {
		return 0, false
	}
	switch parts[0] {
	case "data":
		return k, k < n
	case "included":
		if k < len(owner) {
			return owner[k], true
		}
	}
	return 0, false
}

// itemPointer rewrites a batch pointer as the pointer of the item's own
// document (/data/3/attributes/name → /data/attributes/name), as the
// dead-letter file shows a record's document.
func itemPointer(p string, item int, owner []int) string {
	parts := strings.SplitN(strings.TrimPrefix(p, "/"), "/", 3)
	rest := ""
	if len(parts) == 3 {
		rest = "/" + parts[2]
	}
	if parts[0] == "data" {
		return "/data" + rest
	}
	k, _ := strconv.Atoi(parts[1])
	pos := 0
	for j := 0; j < k; j++ {
		if owner[j] == item {
			pos++
		}
	}
	return "/included/" + strconv.Itoa(pos) + rest
}

// afterLostBatch handles a batch whose answer was lost: a synchronous
// batch is stored whole or not at all, an asynchronous one may be stored
// in part. Updates can be sent again as they are; new records are looked
// up by their natural key and finish when Oro has them. It returns the
// items to send again.
func (mr *mappingRun) afterLostBatch(ctx context.Context, items []*batchItem, lost error) []*batchItem {
	resend := make([]bool, len(items))
	fresh := mr.catchUpKeys(ctx)
	eachAtOnce(items, func(i int, it *batchItem) {
		if it.kind == actPatch {
			resend[i] = true
			return
		}
		if len(mr.m.Target.Match) == 0 {
			it.res <- writeResult{status: Failed, err: lost, stage: StageWrite}
			return
		}
		found, err := mr.matchAfterLoss(ctx, it.d, fresh)
		switch {
		case err != nil:
			it.res <- failure(stageOfLookup(err), fmt.Errorf("%w; looking it up by target.match failed too: %v", lost, err))
		case found != "":
			it.res <- mr.itemWritten(ctx, it, found)
		default:
			resend[i] = true
		}
	})
	var again []*batchItem
	for i, it := range items {
		if resend[i] {
			again = append(again, it)
		}
	}
	if len(again) > 0 {
		mr.log.Warn(fmt.Sprintf("the answer to a batch was lost (%v); %d of its records are not in Oro and are sent again", lost, len(again)))
	}
	return again
}

// eachAtOnce runs fn for every item concurrently and waits for all: the
// natural-key lookups of a batch's items then join batched requests
// (lookups.match) instead of going one after another. A batch is at most
// Options.BatchSize items, and the client bounds the requests in flight.
func eachAtOnce(items []*batchItem, fn func(i int, it *batchItem)) {
	var wg sync.WaitGroup
	for i, it := range items {
		wg.Go(func() { fn(i, it) })
	}
	wg.Wait()
}
