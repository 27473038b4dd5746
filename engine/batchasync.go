package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/orosync/orosync/engine/httpkit"
	"github.com/orosync/orosync/engine/oro"
)

// This file follows an asynchronous batch operation to its end (oro-api.md
// §10.1): Oro accepted the batch (202) and processes it through its message
// queue; the client polls asyncoperations/{id}, reads every page of its
// errors, and finds the ids of the records it created by their natural
// key, since the operation does not tell them.

// unknownOutcome is a write whose outcome orosync could not learn (an
// operation that did not finish in time): it may have been written.
type unknownOutcome struct{ err error }

func (e *unknownOutcome) Error() string        { return e.err.Error() }
func (e *unknownOutcome) Unwrap() error        { return e.err }
func (e *unknownOutcome) MayHaveWritten() bool { return true }

// awaitOperation waits for operation id, which holds items (owner as
// batchBody gave it), and gives each item its outcome.
func (mr *mappingRun) awaitOperation(ctx context.Context, items []*batchItem, owner []int, id string) {
	op, err := mr.pollOperation(ctx, id)
	if err != nil {
		err = &unknownOutcome{err: err}
		mr.fail(err) // the next records would wait as long: stop, keep the checkpoint
		finishAll(items, writeResult{status: Failed, err: err, stage: StageWrite})
		return
	}
	var errs []oro.ErrorObject
	if op.ErrorCount > 0 || op.Status != "success" {
		if errs, err = mr.oro.AsyncOperationErrors(ctx, id); err != nil {
			err = &unknownOutcome{err: fmt.Errorf("read the errors of asynchronous operation %s: %w", id, err)}
			finishAll(items, writeResult{status: Failed, err: err, stage: StageWrite})
			return
		}
	}
	byItem, whole := errorsByItem(errs, len(items), owner)
	opErr := func(errs []oro.ErrorObject) error {
		return &oro.Error{Method: "PATCH", URL: mr.collectionURL, Status: errorStatus(errs), Errors: errs}
	}
	updated := func(it *batchItem) bool { return op.Status == "success" && len(whole) == 0 && it.kind == actPatch }
	fresh := false
	for i, it := range items {
		if len(byItem[i]) == 0 && !updated(it) {
			fresh = mr.catchUpKeys(ctx) // some records must be found by natural key
			break
		}
	}
	eachAtOnce(items, func(i int, it *batchItem) {
		switch {
		case len(byItem[i]) > 0:
			it.res <- writeResult{status: Failed, err: opErr(byItem[i]), stage: StageWrite}
		case updated(it):
			it.res <- mr.itemWritten(ctx, it, it.id)
		default:
			it.res <- mr.confirmByKey(ctx, it, op, whole, opErr, fresh)
		}
	})
}

// confirmByKey finds an item of a finished operation by its natural key:
// the asynchronous Batch API does not tell the ids of the records it
// created, and an operation that failed as a whole may have written some.
func (mr *mappingRun) confirmByKey(ctx context.Context, it *batchItem, op *oro.AsyncOperation, whole []oro.ErrorObject, opErr func([]oro.ErrorObject) error, fresh bool) writeResult {
	why := fmt.Errorf("asynchronous operation %s ended %s", op.ID, op.Status)
	if len(whole) > 0 {
		why = fmt.Errorf("asynchronous operation %s ended %s: %w", op.ID, op.Status, opErr(whole))
	}
	if len(mr.m.Target.Match) == 0 {
		return writeResult{status: Failed, err: &unknownOutcome{err: fmt.Errorf("%w; without target.match orosync cannot find the record", why)}, stage: StageWrite}
	}
	found, err := mr.matchAfterLoss(ctx, it.d, fresh)
	switch {
	case err != nil:
		return failure(stageOfLookup(err), fmt.Errorf("%v; finding the record by target.match failed: %w", why, err))
	case found == "" && op.Status == "success" && len(whole) == 0:
		return failure(StageWrite, fmt.Errorf("%v, but no %s has the record's natural key: check target.match", why, mr.m.Target.Type))
	case found == "":
		return writeResult{status: Failed, err: why, stage: StageWrite}
	}
	return mr.itemWritten(ctx, it, found)
}

// errorStatus is the status of a set of errors, as Oro picks it: the
// highest class wins; within a class one shared code, else the class
// (oro-api.md §4).
func errorStatus(errs []oro.ErrorObject) int {
	status := 0
	for _, e := range errs {
		var s int
		fmt.Sscan(e.Status, &s)
		switch {
		case status == 0:
			status = s
		case s/100 > status/100:
			status = s
		case s/100 == status/100 && s != status:
			status = s / 100 * 100
		}
	}
	if status == 0 {
		status = 500
	}
	return status
}

// pollOperation waits until the operation finishes, with a backoff from
// Options.BatchPoll to 10 s, for at most Options.BatchDeadline. A poll
// that fails (not fatally) is tried again; its error is logged once and
// named in the error of the deadline.
func (mr *mappingRun) pollOperation(ctx context.Context, id string) (*oro.AsyncOperation, error) {
	deadline := time.Now().Add(mr.r.opts.BatchDeadline)
	wait := mr.r.opts.BatchPoll
	var last *oro.AsyncOperation
	var lastErr error // the last poll that failed
	for {
		op, err := mr.oro.AsyncOperation(ctx, id)
		if err != nil && !errors.Is(err, context.Canceled) && oro.IsFatal(err) {
			return nil, fmt.Errorf("follow asynchronous operation %s: %w", id, err)
		}
		switch {
		case err == nil && op.Finished():
			return op, nil
		case err == nil:
			last, lastErr = op, nil
		case lastErr == nil || lastErr.Error() != err.Error():
			mr.log.Warn(fmt.Sprintf("reading asynchronous operation %s failed, asking again until %s: %v", id, deadline.Format(time.TimeOnly), err))
			lastErr = err
		}
		if time.Now().Add(wait).After(deadline) {
			status := "unknown"
			if last != nil {
				status = last.Status
			}
			hint := ""
			if status == "new" {
				hint = "; it never started: are Oro's message queue consumers (oro:message-queue:consume) running?"
			}
			if lastErr != nil {
				hint += fmt.Sprintf("; reading it last failed: %v", lastErr)
			}
			return nil, fmt.Errorf("asynchronous operation %s did not finish within %s (status %s)%s; its records are in the dead-letter file, and the next run finds those Oro wrote by their natural key",
				id, mr.r.opts.BatchDeadline, status, hint)
		}
		if httpkit.Sleep(ctx, wait) != nil {
			return nil, fmt.Errorf("follow asynchronous operation %s: %w", id, context.Cause(ctx))
		}
		wait = min(wait*2, 10*time.Second)
	}
}
