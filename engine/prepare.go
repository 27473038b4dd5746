package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/orosync/orosync/engine/source"
	"github.com/orosync/orosync/mappings"
)

// This file is the prepare part of the pipeline: key, cursor and transform.
// It needs nothing but CPU, so it runs on every core (see run.go).

// prepare decodes a record and evaluates its key, its incremental cursor
// and the transform. It returns false when the record failed (its outcome
// is then set). Together they are bounded by Options.RecordTimeout.
func (mr *mappingRun) prepare(parent context.Context, rec *record) bool {
	if rec.readErr != nil {
		rec.finish(readFailed(mr.m.Name, rec.readErr))
		return false
	}
	rec.origin = rec.src.Origin
	value, err := rec.src.Decode()
	var re *source.RecordError
	if errors.As(err, &re) {
		rec.finish(readFailed(mr.m.Name, re))
		return false
	}
	rec.value, rec.src = value, source.Record{}
	ctx, cancel := context.WithTimeout(parent, mr.r.opts.RecordTimeout)
	defer cancel()
	stage, err := mr.keyAndCursor(ctx, rec)
	var docs []mappings.Document
	if err == nil {
		stage = StageTransform
		docs, err = mr.transform(ctx, rec.value)
	}
	switch {
	case err != nil && parent.Err() != nil: // the run stopped meanwhile
		rec.finish(rec.aborted(parent, mr.m.Name))
		return false
	case err != nil:
		rec.finish(rec.failed(mr.m.Name, stage, err))
		return false
	}
	if mr.traceOn() {
		mr.trace(StageRead, rec.origin, "read from "+rec.origin, rec.value)
		if mr.m.Target.Key != nil {
			mr.trace(StageKey, rec.origin, fmt.Sprintf("target.key %s → %q", mr.m.Target.Key.Src, rec.key), nil)
		}
		mr.trace(StageTransform, rec.origin, fmt.Sprintf("the transform made %d document(s)", len(docs)), publicDocs(docs))
	}
	for i, d := range docs {
		doc := &document{doc: d, key: rec.key, origin: rec.origin, parents: mr.parentsOf(d)}
		if rec.key != "" && len(docs) > 1 {
			doc.key += "#" + strconv.Itoa(i)
		}
		if !mr.placeholders {
			if err := doc.encode(); err != nil { // nothing to resolve: encode on this core
				rec.finish(rec.failed(mr.m.Name, StageTransform, err))
				return false
			}
		}
		if len(mr.m.Target.Match) > 0 {
			_, _ = mr.matchFilter(parent, doc) // kept for the planner and decide, evaluated on this core
		}
		rec.docs = append(rec.docs, doc)
	}
	return true
}

// keyAndCursor evaluates target.key and incremental.cursor. The cursor is
// taken even when the record fails later: a dead-lettered record is
// settled as much as a written one.
func (mr *mappingRun) keyAndCursor(ctx context.Context, rec *record) (Stage, error) {
	if mr.m.Target.Key != nil {
		var err error
		if rec.key, err = mr.m.Key(ctx, rec.value); err != nil {
			return StageKey, mr.timeLimit(ctx, "target.key", err)
		}
	}
	if inc := mr.m.Incremental; inc != nil && inc.Cursor != nil {
		v, ok, err := inc.Cursor.First(ctx, rec.value)
		if err != nil {
			return StageCursor, fmt.Errorf("incremental cursor %s: %w", inc.Cursor.Src, mr.timeLimit(ctx, "incremental.cursor", err))
		}
		if ok {
			rec.cursor = v
		}
	}
	return "", nil
}

// transform runs the mapping's transform on one record.
func (mr *mappingRun) transform(ctx context.Context, value any) ([]mappings.Document, error) {
	docs, err := mr.m.Apply(ctx, value)
	if err != nil {
		return nil, mr.timeLimit(ctx, "transform", err)
	}
	return docs, nil
}

// timeLimit says so when a jq evaluation failed because the per-record
// time limit of ctx passed (a runaway program fails its record, not the
// run), and returns err unchanged otherwise.
//
// The limit is a plain context.WithTimeout, one per record for key, cursor
// and transform and one per natural-key match: it costs about a
// microsecond, a few percent of BenchmarkDryRun100k (cli/bench_test.go),
// so no cheaper mechanism is needed.
func (mr *mappingRun) timeLimit(ctx context.Context, what string, err error) error {
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) || !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%s took longer than the %s limit per record (runaway jq program? raise --record-timeout): %w",
		what, mr.r.opts.RecordTimeout, err)
}

// encode encodes the (resolved) document.
func (d *document) encode() error {
	b, err := d.doc.AppendJSON(make([]byte, 0, 512))
	if err != nil {
		return fmt.Errorf("encode document: %w", err)
	}
	d.body, d.hash = b, ""
	return nil
}

// hashOf returns the hash that detects an unchanged document, computed on
// first use.
func (d *document) hashOf() string {
	if d.hash == "" {
		d.hash = hashDoc(d.body)
	}
	return d.hash
}
