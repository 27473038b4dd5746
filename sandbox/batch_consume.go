package sandbox

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"
)

// This file is the stand-in's message-queue consumer for batch operations
// (Batch/Async/UpdateList*MessageProcessor): it waits as busy or stopped
// consumers make operations wait, splits the stored file, processes the
// chunks and finishes the operation.

// enqueue hands a new operation to the consumers. The caller holds s.mu.
func (s *Server) enqueue(op *operation) {
	if s.consumersDown {
		s.pendingOps = append(s.pendingOps, op)
		return
	}
	time.AfterFunc(s.opts.Batch.StartDelay, func() { s.consume(op) })
}

// SetConsumersDown stops (true) or restarts (false) the message-queue
// consumers (test hook). While they are down every new operation stays
// "new" and a synchronous batch falls back to 202 after the wait timeout
// (oro-api.md §10.1, §13 pitfall 8); restarting them starts the waiting
// operations.
func (s *Server) SetConsumersDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.consumersDown = down
	if down {
		return
	}
	pending := s.pendingOps
	s.pendingOps = nil
	for _, op := range pending {
		s.enqueue(op)
	}
}

// consume processes one operation from start to end.
func (s *Server) consume(op *operation) {
	began := time.Now()
	s.mu.Lock()
	if s.ops[op.id] != op || op.status != opNew {
		s.mu.Unlock()
		return
	}
	fault := s.takeBatchFault()
	run, chunks := s.split(op)
	s.mu.Unlock()
	if run == nil {
		return
	}
	delay := s.opts.Batch.ChunkDelay + fault.Delay
	if op.sync {
		time.Sleep(delay)
		s.mu.Lock()
		s.processSync(op, run, fault.Crash)
	} else {
		// Chunks may run in any order (§10.1: several consumers take them
		// in parallel); the stand-in runs the last one first so that a
		// client relying on request order across chunks notices.
		for ci := chunks - 1; ci >= 0; ci-- {
			time.Sleep(delay)
			s.mu.Lock()
			s.processChunk(op, run, ci, chunks, fault.Crash)
			s.mu.Unlock()
		}
		s.mu.Lock()
		s.finishAsync(op, run)
	}
	op.summary.AggregateTime = int(time.Since(began) / time.Millisecond)
	s.mu.Unlock()
}

// split marks the operation running and parses its file
// (UpdateListMessageProcessor). It returns nil when the operation failed as
// a whole: the file cannot be parsed, or a synchronous operation exceeds
// its limits, which Oro detects as a chunk count above one
// (ChunkLimitExceededFileSplitterException). Oro reports whichever section
// overflows first in the file; the stand-in checks data first, the usual
// order. The caller holds s.mu.
func (s *Server) split(op *operation) (*batchRun, int) {
	now := s.opts.Now()
	op.status, op.updatedAt = opRunning, now
	file, detail := parseBatchFile(op.body)
	op.body = nil // Oro deletes the stored file once it is split
	switch {
	case detail != "":
	case op.sync && len(file.data) > s.opts.Batch.SyncLimit:
		detail = detailChunkLimit + "."
	case op.sync && len(file.included) > s.opts.Batch.SyncIncludedLimit:
		detail = detailChunkLimit + ` for the section "included".`
	}
	if detail != "" {
		op.fail(detail, now)
		return nil, 0
	}
	run := newBatchRun(&call{s: s, sp: s.st.spec(op.entityType)}, file)
	op.addErrors(operationFileIndex, file.incErrs)
	run.opErrors = len(file.incErrs)
	chunks := 1
	if !op.sync {
		chunks = max(1, (len(file.data)+s.opts.Batch.ChunkSize-1)/s.opts.Batch.ChunkSize)
	}
	// The root job has the splitting job plus one job per chunk, so one
	// chunk shows 0.5 and two 0.3333 once the file is split
	// (UpdateListTest::testSplitDataFileContains*).
	op.setProgress(1, chunks+1, now)
	return run, chunks
}

// detailChunkLimit is ChunkLimitExceededFileSplitterException's message.
const detailChunkLimit = "The limit for the maximum number of chunks exceeded"

// processChunk processes chunk ci of an asynchronous operation: each item
// as its own create or update, the clean ones stored and the failing ones
// reported. Oro validates the whole chunk, flushes only when every item is
// clean, and otherwise retries the clean items in smaller chunks
// (RetryHelper, UpdateListProcessChunkMessageProcessor): the end result is
// the same, the clean items stored and the errors saved with the chunk.
// One difference: here an item sees the items before it as stored, so a
// duplicate within a chunk (two products with one SKU) gets the error a
// second single request would get, where Oro validates the chunk against
// the database and fails at the flush instead. The caller holds s.mu.
func (s *Server) processChunk(op *operation, run *batchRun, ci, chunks int, crash bool) {
	size := s.opts.Batch.ChunkSize
	lo, hi := ci*size, min((ci+1)*size, len(run.file.data))
	sum := opSummary{ReadCount: hi - lo}
	if crash {
		run.link(lo, hi)
		op.addErrors(ci, []*apiError{errChunkCrash()})
		sum.ErrorCount = 1
		run.failed = true
	} else {
		var errs []*apiError
		for n := lo; n < hi; n++ {
			created, itemErrs := run.item(n)
			errs = append(errs, itemErrs...)
			sum.count(created, itemErrs)
		}
		op.addErrors(ci, errs)
	}
	run.summary.add(sum)
	done := chunks - ci // chunks run last first
	op.setProgress(1+done, chunks+1, s.opts.Now())
}

// count adds one processed item to a chunk summary.
func (sum *opSummary) count(created bool, errs []*apiError) {
	switch {
	case len(errs) > 0:
		sum.ErrorCount += len(errs)
	case created:
		sum.WriteCount++
		sum.CreateCount++
	default:
		sum.WriteCount++
		sum.UpdateCount++
	}
}

// errChunkCrash is the error of a chunk whose processing failed
// unexpectedly.
func errChunkCrash() *apiError {
	return &apiError{Status: http.StatusInternalServerError, Title: titleRuntime,
		Detail: "The sandbox failed this chunk because a test injected a batch fault."}
}

// finishAsync ends an asynchronous operation: included items no primary
// item reached are reported (UpdateListFinishMessageProcessor), the summary
// adds up the chunks and the errors of the whole operation
// (JobListener::getTotalSummary), and the status is success, even with
// errors, unless a chunk failed unexpectedly. The caller holds s.mu.
func (s *Server) finishAsync(op *operation, run *batchRun) {
	unlinked := run.unlinked()
	op.addErrors(operationFileIndex, unlinked)
	run.opErrors += len(unlinked)
	total := run.summary
	total.ErrorCount += run.opErrors
	op.summary = &total
	status := opSuccess
	if run.failed {
		status = opFailed // every job finished: the progress stays 1
	}
	op.end(status, s.opts.Now())
}

// processSync processes a synchronous operation: one chunk, all items or
// none (UpdateListProcessChunkMessageProcessor fails the job when any item
// of a synchronous chunk has errors). Included items that could not be
// indexed or that no item reached fail it too: Oro's SyncUpdateListTest
// answers a duplicated included item with an error; for unreached items the
// stand-in takes the same, stricter reading. The caller holds s.mu.
func (s *Server) processSync(op *operation, run *batchRun, crash bool) {
	sum := opSummary{ReadCount: len(run.file.data)}
	var errs []*apiError
	s.st.beginUndo()
	defer s.st.endUndo()
	if crash {
		run.link(0, len(run.file.data))
		errs = append(errs, errChunkCrash())
		sum.ErrorCount = 1
	} else {
		for n := range run.file.data {
			created, itemErrs := run.item(n)
			errs = append(errs, itemErrs...)
			sum.count(created, itemErrs)
		}
	}
	unlinked := run.unlinked()
	op.addErrors(operationFileIndex, unlinked)
	run.opErrors += len(unlinked)
	op.addErrors(0, errs)
	if len(errs) > 0 || run.opErrors > 0 {
		s.st.undoChanges()
		sum.WriteCount, sum.CreateCount, sum.UpdateCount = 0, 0, 0
		sum.ErrorCount += run.opErrors
		op.summary = &sum
		op.end(opFailed, s.opts.Now())
		return
	}
	op.summary = &sum
	op.result = &syncResult{data: run.results}
	for _, i := range slices.Sorted(maps.Keys(run.incResult)) {
		op.result.included = append(op.result.included, run.incResult[i])
	}
	op.end(opSuccess, s.opts.Now())
}

// unlinked reports the indexed included items no primary item reached.
func (b *batchRun) unlinked() []*apiError {
	var idx []int
	for key, i := range b.file.incIndex {
		if !b.linked[key] {
			idx = append(idx, i)
		}
	}
	slices.Sort(idx)
	var out []*apiError
	for _, i := range idx {
		out = append(out, badPointer(titleRequestData, "The entity should have a relationship with at least one "+
			"primary entity and this should be explicitly specified in the request", fmt.Sprintf("/included/%d", i)))
	}
	return out
}
