package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/orosync/orosync/engine/source"
	"github.com/orosync/orosync/mappings"
)

// handle takes one record through key, transform and write. It runs on a
// worker goroutine.
func (run *mappingRun) handle(it item, tc *timedContext) outcome {
	if it.readErr != nil {
		return readFailure(run.m.Name, it.readErr)
	}
	value, err := it.rec.Decode()
	var re *source.RecordError
	if errors.As(err, &re) {
		return readFailure(run.m.Name, re)
	}
	rc := &recordCtx{mapping: run.m.Name, origin: it.rec.Origin, record: value}
	if err := run.ctx.Err(); err != nil {
		return rc.aborted(run.ctx)
	}
	// The cursor is taken first: a record that fails later is
	// dead-lettered, which settles it as much as a write does.
	var cursor any
	if inc := run.m.Incremental; inc != nil && inc.Cursor != nil {
		v, ok, err := inc.Cursor.First(run.ctx, rc.record)
		if err != nil {
			return rc.failed("cursor", fmt.Errorf("incremental cursor %s: %w", inc.Cursor.Src, err))
		}
		if ok {
			cursor = v
		}
	}
	o := run.keyTransformWrite(rc, tc)
	o.cursor = cursor
	return o
}

// keyTransformWrite computes the key, transforms and writes one record.
func (run *mappingRun) keyTransformWrite(rc *recordCtx, tc *timedContext) outcome {
	if run.m.Target.Key != nil {
		key, err := run.m.Key(run.ctx, rc.record)
		if err != nil {
			return rc.failed("key", err)
		}
		rc.key = key
	}
	docs, err := run.transform(tc, rc.record)
	if err != nil {
		if run.ctx.Err() != nil {
			return rc.aborted(run.ctx)
		}
		return rc.failed("transform", err)
	}
	return run.writeAll(rc, docs)
}

// readFailure dead-letters a record the source could not read or decode.
func readFailure(mapping string, re *source.RecordError) outcome {
	return outcome{status: Failed, dead: &DeadLetter{Time: time.Now().UTC(), Mapping: mapping, Origin: re.Origin,
		Raw: string(re.Raw), Error: FailInfo{Stage: "read", Message: re.Err.Error()}}}
}

// transform applies the mapping with the per-record time limit, enforced
// through the worker's reusable context.
func (run *mappingRun) transform(tc *timedContext, record any) ([]mappings.Document, error) {
	tc.arm(run.opts.RecordTimeout)
	docs, err := run.m.Apply(tc, record)
	tc.disarm()
	if err != nil && errors.Is(tc.Err(), context.DeadlineExceeded) && run.ctx.Err() == nil {
		return nil, fmt.Errorf("transform took longer than the %s limit per record (runaway jq program?): %w", run.opts.RecordTimeout, err)
	}
	return docs, err
}

// writeAll writes every document of one record. The record takes the most
// severe outcome of its documents.
func (run *mappingRun) writeAll(rc *recordCtx, docs []mappings.Document) outcome {
	if len(docs) == 0 {
		return outcome{status: Skipped}
	}
	o := outcome{status: Unchanged, docs: len(docs)}
	for i, doc := range docs {
		res := run.w.write(run.ctx, rc, i, len(docs), doc)
		if res.deferred {
			return outcome{deferred: true}
		}
		if res.line != nil {
			o.lines = append(o.lines, res.line)
		}
		if res.err != nil {
			if isFatal(res.err) {
				run.fail(fmt.Errorf("record %s: %w", rc.origin, res.err))
			}
			fo := rc.failedWrite(res)
			fo.lines, fo.docs = o.lines, len(docs)
			return fo
		}
		if res.status > o.status {
			o.status = res.status
		}
	}
	return o
}

// recordCtx carries what is known about a record for error reports.
type recordCtx struct {
	mapping string
	origin  string
	key     string
	record  any
}

func (rc *recordCtx) deadLetter(stage, msg string) *DeadLetter {
	return &DeadLetter{Time: time.Now().UTC(), Mapping: rc.mapping, Origin: rc.origin, Key: rc.key, Record: rc.record,
		Error: FailInfo{Stage: stage, Message: msg}}
}

func (rc *recordCtx) failed(stage string, err error) outcome {
	return outcome{status: Failed, dead: rc.deadLetter(stage, err.Error())}
}

// aborted reports a record that was read but not written because the run
// stopped; it is dead-lettered so that nothing read is lost silently.
func (rc *recordCtx) aborted(ctx context.Context) outcome {
	return rc.failed("aborted", fmt.Errorf("not written: the run stopped (%v)", context.Cause(ctx)))
}

func (rc *recordCtx) failedWrite(res writeResult) outcome {
	d := rc.deadLetter(res.stage, res.err.Error())
	d.Document = res.doc
	d.Request = res.req
	fillOroError(&d.Error, res.err)
	return outcome{status: Failed, dead: d}
}
