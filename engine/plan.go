package engine

import (
	"context"
	"errors"
	"fmt"
)

// This file runs the middle of the record pipeline: resolve, decide and
// write, per record, once the earlier records it depends on are done.

// plan starts the resolve, decide and write stages of a prepared record.
// It runs on the planner goroutine, in source order, so that it can tell
// which earlier records each record must wait for: the previous record with
// the same key (two copies of a record must not both be created) and the
// records of this mapping its ref()s point at that are still being written
// (a child needs its parent's id). In a real run each record then proceeds
// on its own goroutine, up to mr.active at once, so that lookups of many
// records are batched and requests overlap; a dry run, which waits on
// nothing, proceeds inline.
func (mr *mappingRun) plan(ctx, writeCtx context.Context, rec *record) {
	if !rec.prepared {
		return // failed earlier: its outcome is final
	}
	if ctx.Err() != nil {
		rec.finish(rec.aborted(ctx, mr.m.Name))
		return
	}
	if mr.r.opts.DryRun {
		mr.handle(ctx, writeCtx, rec) // everything before it is done
		return
	}
	rec.waitFor = mr.track(ctx, rec)
	mr.active <- struct{}{}
	go func() {
		defer func() { <-mr.active }()
		mr.handle(ctx, writeCtx, rec)
	}()
}

// activeRecords is how many records may be between plan and their last
// request at once: enough for lookups to be batched by the hundred, and
// one at a time (in source order) with --concurrency 1.
func activeRecords(concurrency int) int {
	if concurrency == 1 {
		return 1
	}
	return max(256, 32*concurrency)
}

// track registers rec as the latest record of its keys and returns the
// earlier records it must wait for. Besides its source keys, a record is
// tracked by its natural key (target.match) when that is known before
// resolving, so that two records with different source keys but one
// natural key are decided one after the other: the second then finds the
// first's Oro record, which is a conflict, instead of creating a second.
func (mr *mappingRun) track(ctx context.Context, rec *record) []*record {
	keys := mr.naturalKeys(ctx, rec)
	for _, d := range rec.docs {
		if d.key != "" {
			keys = append(keys, d.key)
		}
	}
	mr.mu.Lock()
	defer mr.mu.Unlock()
	var wait []*record
	for _, k := range selfRefs(rec) {
		if p := mr.lastByKey[k]; p != nil {
			wait = append(wait, p)
		}
	}
	for _, k := range keys {
		if p := mr.lastByKey[k]; p != nil && p != rec {
			wait = append(wait, p)
		}
		mr.lastByKey[k] = rec
	}
	rec.tracked = keys
	return wait
}

// naturalKeys returns the natural keys of a record's documents that
// target.match gives before placeholders are resolved.
func (mr *mappingRun) naturalKeys(ctx context.Context, rec *record) []string {
	if len(mr.m.Target.Match) == 0 {
		return nil
	}
	var out []string
	for _, d := range rec.docs {
		filter, err := mr.matchFilter(ctx, d)
		if err != nil || filter == nil {
			continue
		}
		if _, desc, err := filterQuery(filter); err == nil {
			out = append(out, "\x00match "+desc) // cannot collide with a source key
		}
	}
	return out
}

// untrack forgets rec once it is settled, unless a later record of the
// same key replaced it.
func (mr *mappingRun) untrack(rec *record) {
	mr.mu.Lock()
	defer mr.mu.Unlock()
	for _, k := range rec.tracked {
		if mr.lastByKey[k] == rec {
			delete(mr.lastByKey, k)
		}
	}
}

// handle waits for the records rec depends on, then resolves, decides and
// writes its documents and finishes it.
//
// The stages take two contexts: ctx ends when the mapping stops (a fatal
// error, Ctrl-C, SIGTERM); after that no new request to Oro starts (the
// gate refuses it) and records not yet written are dead-lettered as
// aborted. Requests run with writeCtx, which ends only Options.StopGrace
// after the stop, so that the answers of requests already sent are
// recorded.
func (mr *mappingRun) handle(ctx, writeCtx context.Context, rec *record) {
	for _, p := range rec.waitFor {
		p.wait()
	}
	rec.waitFor = nil
	rec.finish(mr.resolveDecideWrite(ctx, writeCtx, rec))
}

// resolveDecideWrite takes every document of a record through resolve,
// decide and write. The record takes the most severe outcome of its
// documents; the first failing document ends it.
func (mr *mappingRun) resolveDecideWrite(ctx, writeCtx context.Context, rec *record) outcome {
	if len(rec.docs) == 0 {
		return outcome{status: Skipped} // the transform skipped it
	}
	o := outcome{status: Unchanged}
	for _, d := range rec.docs {
		if ctx.Err() != nil {
			return rec.aborted(ctx, mr.m.Name)
		}
		res := mr.resolveDecideWriteDoc(ctx, writeCtx, rec, d)
		if res.deferred {
			return outcome{deferred: true}
		}
		if res.line != nil {
			o.lines = append(o.lines, res.line)
		}
		if errors.Is(res.err, errNotSent) { // the mapping stopped before this record's request
			f := rec.aborted(ctx, mr.m.Name)
			f.dead.Document, f.lines = d.doc, o.lines
			return f
		}
		if res.err != nil {
			mr.failIfFatal(rec, res.err)
			f := rec.failed(mr.m.Name, res.stage, res.err)
			f.dead.Document, f.dead.Request = d.doc, res.req
			fillOroError(&f.dead.Error, res.err)
			f.lines = o.lines
			return f
		}
		o.status = max(o.status, res.status)
		o.uncertain = o.uncertain || res.uncertain
	}
	return o
}

// docResult is writeResult plus the resolve stage's deferral.
type docResult struct {
	writeResult
	deferred bool
}

// resolveDecideWriteDoc runs one document through resolve, decide and
// write.
func (mr *mappingRun) resolveDecideWriteDoc(ctx, writeCtx context.Context, rec *record, d *document) docResult {
	err := mr.resolve(ctx, d)
	var skip *skipError
	switch {
	case errors.Is(err, errDeferred):
		return docResult{deferred: true}
	case errors.As(err, &skip):
		mr.logSkip(rec, skip.reason)
		return docResult{writeResult: writeResult{status: Skipped}}
	case err != nil:
		return docResult{writeResult: failure(StageResolve, err)}
	}
	a, stage, err := mr.decide(writeCtx, d)
	if err != nil {
		return docResult{writeResult: failure(stage, err)}
	}
	if a.kind == actSkip {
		mr.logSkip(rec, a.reason)
	}
	res := mr.write(writeCtx, d, a)
	res.uncertain = a.uncertain && res.err == nil
	if res.uncertain && mr.batch == nil && res.line != nil {
		res.line = markDependsOnOro(res.line)
	}
	return docResult{writeResult: res}
}

// logSkip says on stderr why a record was skipped by the engine (records a
// transform skips are counted only).
func (mr *mappingRun) logSkip(rec *record, reason string) {
	mr.log.Info(fmt.Sprintf("record %s skipped: %s", rec.origin, reason), "record", rec.origin)
}

// planDeferred plans the records that waited for a parent later in the
// same source, pass after pass while some make progress, one at a time in
// source order; what is left then has no parent to wait for and follows
// target.on_missing.
func (mr *mappingRun) planDeferred(ctx, writeCtx context.Context) {
	for len(mr.deferred) > 0 && mr.fatalErr() == nil && ctx.Err() == nil {
		pass := mr.deferred
		mr.deferred = nil
		progressed := false
		for _, rec := range pass {
			rec.done = nil // handled inline
			mr.handle(ctx, writeCtx, rec)
			if !rec.out.deferred {
				progressed = true
			}
			mr.settle(rec)
		}
		if !progressed {
			mr.finalPass = true
		}
	}
	left := mr.deferred
	mr.deferred = nil
	for _, rec := range left { // the run stopped: nothing read is lost silently
		rec.out = rec.aborted(ctx, mr.m.Name)
		mr.settle(rec)
	}
}
