package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/orosync/orosync/engine/oro"
	"github.com/orosync/orosync/mappings"
)

// This file is the write stage: the POST or PATCH of one document (in a dry
// run, the request line it would be), and the id-map entry once Oro
// acknowledged it.

// writeResult is the result of writing one document.
type writeResult struct {
	status Status
	line   []byte // dry-run request line
	err    error  // the document failed
	stage  Stage
	req    *RequestLine
	// uncertain marks a dry run's guess (action.uncertain).
	uncertain bool
}

// failure is the result of a document that failed at stage.
func failure(stage Stage, err error) writeResult {
	return writeResult{status: Failed, err: err, stage: stage}
}

// write carries out the decision for one document: in a batch when the
// mapping's writes go through the Batch API, else with its own request.
func (mr *mappingRun) write(ctx context.Context, d *document, a action) writeResult {
	if mr.batch != nil && (a.kind == actPost || a.kind == actUpsert || a.kind == actPatch) {
		return mr.batch.write(ctx, d, a)
	}
	return mr.writeOne(ctx, d, a)
}

// writeOne carries out the decision for one document with its own request.
func (mr *mappingRun) writeOne(ctx context.Context, d *document, a action) writeResult {
	switch a.kind {
	case actUnchanged:
		return writeResult{status: Unchanged}
	case actSkip:
		return writeResult{status: Skipped}
	case actPatch:
		return mr.patch(ctx, d, a.id)
	case actUpsert:
		return mr.post(ctx, d, true)
	case actGone:
		return mr.gone(ctx, d, a.id)
	}
	return mr.post(ctx, d, false)
}

// patch updates Oro record id with the document. A 404 means the id map
// is stale (the record was deleted in Oro): see gone.
func (mr *mappingRun) patch(ctx context.Context, d *document, id string) writeResult {
	return mr.patchOnce(ctx, d, id, true)
}

// patchOnce is patch; a 404 goes to gone only when goneOK is set, so that
// a natural key leading to another missing record cannot loop.
func (mr *mappingRun) patchOnce(ctx context.Context, d *document, id string, goneOK bool) writeResult {
	typ := mr.m.Target.Type
	req := &RequestLine{Method: "PATCH", URL: mr.r.apiURL(typ, id)}
	doc, err := mr.forUpdate(ctx, d, id)
	if isNotFound(err) && d.key != "" && goneOK {
		return mr.gone(ctx, d, id)
	}
	if err != nil {
		return writeResult{status: Failed, err: err, stage: StageLookup, req: req}
	}
	body, err := withID(doc, id)
	if err != nil {
		return failure(StageTransform, err)
	}
	mr.traceRequest(d, req.Method, req.URL, body)
	if mr.r.opts.DryRun {
		mr.dryRemember(d, id)
		return writeResult{status: Updated, line: requestLine(req.Method, req.URL, body)}
	}
	_, err = mr.oro.Update(ctx, typ, id, body)
	if isNotFound(err) && d.key != "" && goneOK {
		return mr.gone(ctx, d, id)
	}
	if err != nil {
		return writeResult{status: Failed, err: err, stage: StageWrite, req: req}
	}
	if err := mr.written(ctx, d, id, Updated); err != nil {
		return mr.unsaved(id, Updated, err)
	}
	return writeResult{status: Updated}
}

// gone handles a record the id map knows but Oro answers 404 for (deleted
// in Oro, or an Oro restored from an older backup): the stale entry is
// dropped, and the record is found again by its natural key and PATCHed,
// or created again (write: update skips it).
func (mr *mappingRun) gone(ctx context.Context, d *document, id string) writeResult {
	typ := mr.m.Target.Type
	if err := mr.r.ids.forget(mr.m.Name, d.key); err != nil {
		return failure(StageState, &stateFailure{err: err})
	}
	if len(mr.m.Target.Match) > 0 {
		found, err := mr.match(ctx, d)
		if err != nil {
			return failure(stageOfLookup(err), err)
		}
		if found != "" && found != id {
			mr.log.Info(fmt.Sprintf("%s %s no longer exists in Oro; its natural key finds %s %s, which is updated", typ, id, typ, found))
			return mr.patchOnce(ctx, d, found, false)
		}
	}
	if mr.m.Target.Write == "update" {
		mr.log.Info(fmt.Sprintf("%s %s no longer exists in Oro; write is update, so it is not created again", typ, id))
		return writeResult{status: Skipped}
	}
	mr.log.Info(fmt.Sprintf("%s %s no longer exists in Oro; creating it again", typ, id))
	return mr.post(ctx, d, false)
}

// stateFailure is a failure of the state store (a full disk, PostgreSQL
// down) while saving what Oro did: every later record would be written to
// Oro and forgotten, so the mapping stops (failIfFatal).
type stateFailure struct {
	stored string // what Oro confirmed ("customers 12"), "" when nothing
	err    error
}

func (e *stateFailure) Error() string { return e.err.Error() }
func (e *stateFailure) Unwrap() error { return e.err }

// MayHaveWritten reports that Oro has the record although the state does
// not know it (fillOroError).
func (e *stateFailure) MayHaveWritten() bool { return e.stored != "" }

// unsaved is the result of a document Oro stored as id (st: created or
// updated) whose id-map entry could not be saved.
func (mr *mappingRun) unsaved(id string, st Status, err error) writeResult {
	stored := mr.m.Target.Type + " " + id
	next := "the next run updates it"
	if st == Created {
		next = "the next run finds it by target.match"
		if len(mr.m.Target.Match) == 0 {
			next = fmt.Sprintf("without target.match the next run creates it again: delete %s in Oro first", stored)
		}
	}
	return failure(StageState, &stateFailure{stored: stored,
		err: fmt.Errorf("the record is in Oro as %s, but saving that in the state failed: %w; the mapping stopped: fix the state store and run again (%s)", stored, err, next)})
}

// isNotFound reports whether err is Oro's 404 for a record.
func isNotFound(err error) bool {
	var oe *oro.Error
	return errors.As(err, &oe) && oe.Status == 404
}

// post creates the record, or upserts it natively when upsert is set.
func (mr *mappingRun) post(ctx context.Context, d *document, upsert bool) writeResult {
	body := d.body
	if upsert {
		var err error
		if body, err = withUpsert(d.doc, mr.m.Target.NativeUpsert); err != nil {
			return failure(StageTransform, err)
		}
	}
	req := &RequestLine{Method: "POST", URL: mr.collectionURL}
	mr.traceRequest(d, req.Method, req.URL, body)
	if mr.r.opts.DryRun {
		mr.dryRemember(d, mr.newID(d))
		return writeResult{status: Created, line: requestLine(req.Method, req.URL, body)}
	}
	id, status, err := mr.create(ctx, d, body)
	if err != nil {
		return writeResult{status: Failed, err: err, stage: StageWrite, req: req}
	}
	if err := mr.written(ctx, d, id, status); err != nil {
		return mr.unsaved(id, status, err)
	}
	return writeResult{status: status}
}

// dryRemember remembers in a dry run the id a document's record would
// have, for the ref()s of later records. keeps spares hashing documents
// no ref() may ask for.
func (mr *mappingRun) dryRemember(d *document, id string) {
	if d.key != "" && mr.r.ids.keeps(mr.m.Name) {
		mr.r.ids.remember(mr.m.Name, d.key, id, d.hashOf()) //nolint:errcheck // in memory only
	}
}

// newID stands for the id Oro would give a record a dry run creates.
func (mr *mappingRun) newID(d *document) string {
	return fmt.Sprintf("<new %s %s>", mr.m.Target.Type, d.key)
}

// create POSTs body. A POST whose answer was lost (a timeout, a dropped
// connection, a 502/503/504 from a proxy) may have created the record: it
// is never repeated blindly. With a natural key (target.match) orosync
// waits like the client's own retries, looks the record up, and sends it
// again only if Oro does not have it, within the client's retry budget
// (whose end is fatal: Oro is down); without one the record is
// dead-lettered with may_have_written.
func (mr *mappingRun) create(ctx context.Context, d *document, body []byte) (id string, st Status, err error) {
	typ := mr.m.Target.Type
	res, err := mr.oro.Create(ctx, typ, body)
	retry := mr.newRetrier()
	for err != nil && oro.AnswerLost(err) && !oro.IsFatal(err) && len(mr.m.Target.Match) > 0 && mr.oro.refused() == nil {
		if err = retry.Wait(ctx, err); err != nil {
			break
		}
		mr.log.Warn(fmt.Sprintf("%s: checking by target.match whether Oro stored the record before sending it again", d.key))
		found, lerr := mr.matchAfterLoss(ctx, d, false)
		if lerr != nil {
			return "", Failed, fmt.Errorf("the answer to the POST was lost; looking the record up by target.match failed: %w", lerr)
		}
		if found != "" {
			return found, Created, nil
		}
		res, err = mr.oro.Create(ctx, typ, body)
	}
	if err != nil {
		return "", Failed, err
	}
	return res.ID, statusOfCreate(res), nil
}

// newRetrier paces one operation that spans several requests (a lost
// POST, a lost batch): the client's policy and budget, or Options.Retry
// for a client that has none.
func (mr *mappingRun) newRetrier() *oro.Retrier {
	if c, ok := mr.r.opts.Oro.(interface{ NewRetrier() *oro.Retrier }); ok {
		return c.NewRetrier()
	}
	return oro.NewRetrier(mr.r.opts.Retry)
}

// statusOfCreate tells a created record from one a native upsert updated.
func statusOfCreate(res *oro.Resource) Status {
	if res != nil && res.Status == 200 {
		return Updated
	}
	return Created
}

// withID returns the document's JSON with data.id set, as PATCH requires.
func withID(doc mappings.Document, id string) ([]byte, error) {
	data := make(map[string]any, len(doc.Data)+1)
	for k, v := range doc.Data {
		data[k] = v
	}
	data["id"] = id
	return encodeDoc(mappings.Document{Data: data, Included: doc.Included})
}

// withUpsert returns the document's JSON with data.meta.upsert set.
func withUpsert(doc mappings.Document, fields []string) ([]byte, error) {
	return encodeDoc(mappings.Document{Data: withMeta(doc.Data, "upsert", upsertValue(fields)), Included: doc.Included})
}

// withMeta returns a shallow copy of a document's data with meta[key] set,
// the document's own meta kept.
func withMeta(data map[string]any, key string, value any) map[string]any {
	out := make(map[string]any, len(data)+1)
	maps.Copy(out, data)
	meta := map[string]any{}
	if old, ok := data["meta"].(map[string]any); ok {
		maps.Copy(meta, old)
	}
	meta[key] = value
	out["meta"] = meta
	return out
}

// encodeDoc encodes a document without HTML escaping.
func encodeDoc(doc mappings.Document) ([]byte, error) {
	b, err := doc.AppendJSON(make([]byte, 0, 512))
	if err != nil {
		return nil, fmt.Errorf("encode document: %w", err)
	}
	return b, nil
}
