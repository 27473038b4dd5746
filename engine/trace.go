package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/orosync/orosync/mappings"
)

// Step is one thing that happened to a record on its way through the
// pipeline, for `orosync explain` (Options.Trace).
type Step struct {
	// Stage is where it happened: read, key, transform, resolve, decide
	// or write.
	Stage Stage
	// Origin is the record's origin, e.g. data/customers.jsonl:12.
	Origin string
	// What says what happened, in words.
	What string
	// Data is what the step is about when there is something to show: the
	// source record, a document (placeholders in their public form), a
	// request ({"method","url","body"}) or Oro's answer.
	Data any
}

// traceOn reports whether steps are traced.
func (mr *mappingRun) traceOn() bool { return mr.r.opts.Trace != nil }

// trace hands one step to Options.Trace.
func (mr *mappingRun) trace(stage Stage, origin, what string, data any) {
	if mr.r.opts.Trace != nil {
		mr.r.opts.Trace(Step{Stage: stage, Origin: origin, What: what, Data: data})
	}
}

// traceRequest traces the request of a write: method, URL and body.
func (mr *mappingRun) traceRequest(d *document, method, url string, body []byte) {
	if !mr.traceOn() {
		return
	}
	var b any
	if err := json.Unmarshal(body, &b); err != nil {
		b = string(body)
	}
	mr.trace(StageWrite, d.origin, fmt.Sprintf("request %s %s", method, url), map[string]any{"method": method, "url": url, "body": b})
}

// traceBatch traces, for each record in it, the Batch API request that
// carries the record: the collection PATCH with its header and body.
func (mr *mappingRun) traceBatch(items []*batchItem, sync bool, body []byte) {
	if !mr.traceOn() {
		return
	}
	var b any
	if err := json.Unmarshal(body, &b); err != nil {
		b = string(body)
	}
	header, mode := map[string]string{}, "asynchronous"
	if sync {
		header["X-Mode"], mode = "sync", "X-Mode: sync"
	}
	for i, it := range items {
		mr.trace(StageWrite, it.d.origin, fmt.Sprintf("request PATCH %s (Oro's Batch API, %s): item %d of a batch of %d; a run puts up to %d records in one",
			mr.collectionURL, mode, i+1, len(items), mr.r.opts.BatchSize),
			map[string]any{"method": http.MethodPatch, "url": mr.collectionURL, "header": header, "body": b})
	}
}

// traceResolve says how a placeholder was resolved, or why not.
func (mr *mappingRun) traceResolve(d *document, p mappings.Placeholder, id string, err error) {
	var how string
	switch {
	case err == nil && p.Kind == mappings.KindRef:
		how = fmt.Sprintf("→ %s (the id map of mapping %s)", id, p.Mapping)
	case err == nil:
		q, _, _ := filterQuery(p.Filter)
		how = fmt.Sprintf("→ %s (GET %s?%s, one record; answers are kept for the run)", id, mr.r.apiURL(p.Type), q.Encode())
	case errors.Is(err, errDryRunLookup):
		how = "not resolved: this dry run does not ask Oro (--read-oro asks)"
	case errors.Is(err, errDeferred):
		how = "waits: the parent is a record of this mapping not written yet"
	case mr.r.opts.DryRun && p.Kind == mappings.KindRef && errors.Is(err, errNotFound):
		how = fmt.Sprintf("not resolved: mapping %s has no id for it (a run would write it first, or it is missing)", p.Mapping)
	default:
		how = "failed: " + err.Error()
	}
	mr.trace(StageResolve, d.origin, p.String()+" "+how, nil)
}

// traceOutcome says how a record ended.
func (mr *mappingRun) traceOutcome(rec *record) {
	o := rec.out
	what := o.status.String()
	if mr.r.opts.DryRun && o.status != Unchanged && o.status != Skipped {
		what = "would be " + what + " (a dry run sends nothing)"
	}
	var data any
	if o.dead != nil {
		what = fmt.Sprintf("failed at stage %s: %s", o.dead.Error.Stage, o.dead.Error.Message)
		if o.dead.Error.Status != 0 {
			data = o.dead.Error
		}
	}
	mr.trace(StageOutcome, rec.origin, what, data)
}

// describeAction says what was decided and why.
func describeAction(typ string, a action) string {
	var what string
	switch a.kind {
	case actUnchanged:
		what = "unchanged: nothing to send"
	case actSkip:
		return "skip: " + a.reason
	case actPost:
		what = "POST: create a new " + typ + " record"
	case actUpsert:
		what = "POST with meta.upsert"
	case actPatch:
		what = fmt.Sprintf("PATCH %s %s", typ, a.id)
	case actGone:
		what = fmt.Sprintf("%s %s no longer exists in Oro: find it again by target.match or create it", typ, a.id)
	}
	if a.why != "" {
		what += " (" + a.why + ")"
	}
	if a.uncertain {
		what += "; a guess: it depends on what Oro holds, which this dry run does not ask (--read-oro asks)"
	}
	return what
}

// publicDocs are documents as explain shows them: placeholders in their
// public form ({"$lookup": …}, {"$ref": …}).
func publicDocs(docs []mappings.Document) []any {
	out := make([]any, len(docs))
	for i, d := range docs {
		out[i] = d.Public()
	}
	return out
}
