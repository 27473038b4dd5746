package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/orosync/orosync/engine/state"
)

// This file is the last stage of the record pipeline, which runs in source
// order (dead letters, counts, the incremental cursor, dry-run lines), and
// what happens around a mapping's run: opening its source from the
// checkpoint, committing the new checkpoint and reporting.

// settle records the final outcome of a record, in source order.
func (mr *mappingRun) settle(rec *record) {
	mr.untrack(rec)
	o := rec.out
	if o.deferred {
		mr.deferred = append(mr.deferred, rec)
		return
	}
	for _, l := range o.lines {
		if err := mr.r.out.Write(l); err != nil {
			mr.fail(fmt.Errorf("write output: %w", err))
		}
	}
	if o.dead != nil {
		o.dead.File = mr.m.File
	}
	if o.dead != nil && mr.r.opts.DeadLetter != nil {
		if err := mr.r.opts.DeadLetter.Write(*o.dead); err != nil {
			mr.fail(err)
		}
	}
	if o.dead != nil && mr.r.opts.DryRun {
		mr.log.Warn(fmt.Sprintf("record %s would fail: %s", o.dead.Origin, o.dead.Error.Message), "record", o.dead.Origin)
	}
	mr.countsMu.Lock()
	if o.uncertain && o.status != Failed {
		mr.uncertain++
	}
	mr.counts.add(o.status)
	mr.counts.Documents += len(rec.docs)
	mr.countsMu.Unlock()
	mr.cursor.observe(rec.cursor)
	if err := mr.guard.observe(o); err != nil {
		mr.fail(err)
	}
}

// open checks that the mapping can run and opens its source at the
// incremental checkpoint.
func (mr *mappingRun) open(ctx context.Context) (Source, error) {
	opts := mr.r.opts
	if !opts.DryRun && mr.oro == nil {
		return nil, errors.New("no Oro connection configured")
	}
	if mr.m.Incremental != nil && opts.State == nil && !opts.DryRun {
		return nil, errors.New("incremental: needs the state store to keep its checkpoint")
	}
	cursor, err := mr.startCursor()
	if err != nil {
		return nil, err
	}
	return opts.OpenSource(ctx, mr.m, cursor, opts.Limit)
}

// startCursor returns the cursor the source starts from: the checkpoint of
// the last successful run, or incremental.start, or nil for a full read.
func (mr *mappingRun) startCursor() (any, error) {
	inc := mr.m.Incremental
	if inc == nil {
		return nil, nil
	}
	var start any
	if inc.Start != nil {
		start = inc.Start.String()
	}
	if mr.r.opts.FullRefresh || mr.r.opts.State == nil || mr.r.instance == "" {
		return start, nil
	}
	raw, ok, err := mr.r.opts.State.Checkpoint(mr.r.instance, mr.m.Name)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	if !ok {
		return start, nil
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w (reset it with `orosync state reset %s`)", err, mr.m.Name)
	}
	mr.log.Info(fmt.Sprintf("incremental from checkpoint %s", raw))
	return v, nil
}

// report ends the mapping: it commits the checkpoint when the source was
// read to its end without a fatal error, records the run in the state
// store and returns the mapping's report.
func (mr *mappingRun) report(ctx context.Context, start time.Time, readAll bool) MappingReport {
	rep := MappingReport{Mapping: mr.m.Name, File: mr.m.File, Counts: mr.counts, FirstErrors: mr.guard.first, DependsOnOro: mr.uncertain}
	switch fatal := mr.fatalErr(); {
	case fatal != nil:
		rep.Status, rep.Error = StatusFatal, fatal.Error()
	case ctx.Err() != nil:
		rep.Status, rep.Error = StatusFatal, "interrupted: "+context.Cause(ctx).Error()
	case rep.Failed > 0:
		rep.Status = StatusFailed
	default:
		rep.Status = StatusOK
	}
	if rep.Status != StatusFatal && readAll {
		cp, err := mr.commitCursor()
		if err != nil {
			rep.Status, rep.Error = StatusFatal, err.Error()
		}
		rep.Checkpoint = cp
	}
	rep.Duration = Duration(time.Since(start))
	mr.recordRun(rep, start)
	if rep.Status == StatusFatal && rep.Read == 0 {
		mr.log.Error("cannot proceed: " + rep.Error)
	} else {
		mr.log.Info(fmt.Sprintf("%d read, %d created, %d updated, %d unchanged, %d skipped, %d failed (%s)",
			rep.Read, rep.Created, rep.Updated, rep.Unchanged, rep.Skipped, rep.Failed, time.Since(start).Round(time.Millisecond)))
	}
	return rep
}

// commitCursor stores the highest cursor value of this run as the new
// checkpoint. It runs only after every record was written, skipped or
// dead-lettered; a dry run computes it but stores nothing.
func (mr *mappingRun) commitCursor() (json.RawMessage, error) {
	if mr.m.Incremental == nil || mr.cursor.max == nil {
		return nil, nil
	}
	if mr.cursor.err != nil {
		return nil, fmt.Errorf("incremental cursor: %w; checkpoint not moved", mr.cursor.err)
	}
	raw, err := json.Marshal(mr.cursor.max)
	if err != nil {
		return nil, fmt.Errorf("encode checkpoint: %w", err)
	}
	if mr.r.opts.DryRun || mr.r.opts.State == nil || mr.r.instance == "" {
		return raw, nil
	}
	if err := mr.r.opts.State.SetCheckpoint(mr.r.instance, mr.m.Name, raw); err != nil {
		return nil, fmt.Errorf("save checkpoint: %w", err)
	}
	return raw, nil
}

// recordRun stores the run's counts for `orosync state show`.
func (mr *mappingRun) recordRun(rep MappingReport, start time.Time) {
	if mr.r.opts.DryRun || mr.r.opts.State == nil || mr.r.instance == "" {
		return
	}
	err := mr.r.opts.State.RecordRun(mr.r.instance, mr.m.Name, state.RunInfo{
		Started: start, Finished: time.Now(), Read: rep.Read, Written: rep.Written(),
		Unchanged: rep.Unchanged, Skipped: rep.Skipped, Failed: rep.Failed,
	})
	if err != nil {
		mr.log.Warn(err.Error())
	}
}
