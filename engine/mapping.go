package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/orosync/orosync/engine/state"
)

// pendingRecord is a record that waits for a parent in the same source.
type pendingRecord struct{ it item }

// setup checks that the mapping can run with the given options.
func (run *mappingRun) setup() error {
	run.w = writer{run: run}
	run.collectionURL = run.apiURL(run.m.Target.Type) // every document has this type
	if !run.opts.DryRun && run.opts.Oro == nil {
		return errors.New("no Oro connection configured")
	}
	if run.m.Incremental != nil && run.opts.State == nil && !run.opts.DryRun {
		return errors.New("incremental: needs the state store to keep its checkpoint")
	}
	return nil
}

// startCursor returns the cursor the source starts from: the checkpoint of
// the last successful run, or incremental.start, or nil for a full read.
func (run *mappingRun) startCursor() (any, error) {
	inc := run.m.Incremental
	if inc == nil {
		return nil, nil
	}
	var start any
	if inc.Start != nil {
		start = inc.Start.String()
	}
	if run.opts.FullRefresh || run.opts.State == nil || run.instance == "" {
		return start, nil
	}
	raw, ok, err := run.opts.State.Checkpoint(run.instance, run.m.Name)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	if !ok {
		return start, nil
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w (reset it with `orosync state reset %s`)", err, run.m.Name)
	}
	fmt.Fprintf(run.opts.Log, "%s: incremental from checkpoint %s\n", run.m.Name, raw)
	return v, nil
}

// commitCursor stores the highest cursor value of this run as the new
// checkpoint. It runs only after every record was written, skipped or
// dead-lettered; a dry run computes it but stores nothing.
func (run *mappingRun) commitCursor() (json.RawMessage, error) {
	if run.m.Incremental == nil || run.cursor.max == nil {
		return nil, nil
	}
	if run.cursor.err != nil {
		return nil, fmt.Errorf("incremental cursor: %w; checkpoint not moved", run.cursor.err)
	}
	raw, err := json.Marshal(run.cursor.max)
	if err != nil {
		return nil, fmt.Errorf("encode checkpoint: %w", err)
	}
	if run.opts.DryRun || run.opts.State == nil || run.instance == "" {
		return raw, nil
	}
	if err := run.opts.State.SetCheckpoint(run.instance, run.m.Name, raw); err != nil {
		return nil, fmt.Errorf("save checkpoint: %w", err)
	}
	return raw, nil
}

// recordRun stores the run's counts for `orosync state show`.
func (run *mappingRun) recordRun(mr MappingReport, start time.Time) {
	if run.opts.DryRun || run.opts.State == nil || run.instance == "" {
		return
	}
	err := run.opts.State.RecordRun(run.instance, run.m.Name, state.RunInfo{
		Started: start, Finished: time.Now(), Read: mr.Read, Written: mr.Written(),
		Unchanged: mr.Unchanged, Skipped: mr.Skipped, Failed: mr.Failed,
	})
	if err != nil {
		fmt.Fprintf(run.opts.Log, "%s: warning: %v\n", run.m.Name, err)
	}
}

// retryPending handles the records that waited for a parent in the same
// source, pass after pass while some make progress; what is left then has
// no parent to wait for and follows target.on_missing.
func (run *mappingRun) retryPending() {
	run.pendingPass = true
	tc := run.watchdog.newContext()
	for len(run.pending) > 0 && run.fatal == nil && run.ctx.Err() == nil {
		batch := run.pending
		run.pending = nil
		progressed := false
		for _, p := range batch {
			o := run.handle(p.it, tc)
			if o.deferred {
				run.pending = append(run.pending, p)
				continue
			}
			progressed = true
			run.settle(p.it, o)
		}
		if !progressed {
			run.finalPass = true
		}
	}
	for _, p := range run.pending { // the run stopped: nothing read is lost silently
		value, _ := p.it.rec.Decode()
		rc := &recordCtx{mapping: run.m.Name, origin: p.it.rec.Origin, record: value}
		run.settle(p.it, rc.aborted(run.ctx))
	}
	run.pending = nil
}
