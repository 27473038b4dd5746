package sandbox

import (
	"bytes"
	"net/http"
	"time"

	"github.com/orosync/orosync/resources"
)

// This file answers PATCH on a collection: Oro's update_list action, the
// Batch API (oro-api.md §10; platform ApiBundle Processor/UpdateList/*).

// updateListEnabled reports whether the resource takes a batch in the
// emulated version: update_list enabled for it (and existing yet, Since)
// and the Batch API itself present (4.1.3+).
func (c *call) updateListEnabled() bool {
	v := c.s.opts.OroVersion
	return resources.AsyncBatch.In(v) && c.sp.AllowsIn(resources.UpdateList, v)
}

// syncBatchSupported reports whether the emulated Oro honours X-Mode
// (6.0.4+, §10.2; CheckProcessingMode came with BAP-22589).
func (s *Server) syncBatchSupported() bool { return resources.SyncBatch.In(s.opts.OroVersion) }

// updateList answers a batch request, in this order:
//   - 405 with Allow when the resource has no update_list (the route then
//     lacks PATCH, §10);
//   - 400 "invalid header value exception" for an X-Mode other than sync
//     or async, 6.0.4+ only (CheckProcessingMode; before it the header is
//     ignored);
//   - 400 "request data constraint" "The request data should not be
//     empty." for an empty body (StoreRequestData; UpdateListTest::
//     testUpdateListRequestWithEmptyData), and, the stricter reading, for a
//     well-formed body whose data is missing or an empty list, which Oro
//     would store and process as nothing; no operation is created;
//   - 403 "access denied exception" without CREATE and VIEW on
//     asynchronous operations (CreateAsyncOperation, UpdateListTest::
//     testTryToSendUpdateListRequestWithout*PermissionForAsyncOperationEntity);
//   - otherwise an operation is created and the body stored as sent (a
//     syntax error surfaces only when a consumer parses it), then 202 with
//     the operation, or for X-Mode: sync the wait for it (syncAnswer).
func (c *call) updateList() *response {
	if !c.updateListEnabled() {
		return c.notAllowed(true)
	}
	sync, resp := c.processingMode()
	if resp != nil {
		return resp
	}
	body, err := c.readBody()
	if err != nil {
		return c.fail(err)
	}
	if emptyBatch(body) {
		return c.fail(&apiError{Status: http.StatusBadRequest, Title: titleRequestData, Detail: detailEmptyDocument})
	}
	if c.s.denyCreate || c.s.denyView {
		return c.fail(&apiError{Status: http.StatusForbidden, Title: titleAccessDenied,
			Detail: "No access to create the asynchronous operation."})
	}
	op := c.s.newOperation(c.sp.Type, body, sync)
	c.s.enqueue(op)
	if !sync {
		c.s.stats.Batch.AsyncRequests++
		return c.accepted(op)
	}
	c.s.stats.Batch.SyncRequests++
	resp = newResponse(0)
	resp.await = func() *response { return c.awaitSync(op) }
	return resp
}

// processingMode reads X-Mode. It reports a synchronous request, or the
// 400 answer for a value other than "sync" or "async"
// (CheckProcessingMode throws InvalidHeaderValueException, a validation
// exception: 400, its title the humanized class name,
// ExceptionTextExtractor).
func (c *call) processingMode() (bool, *response) {
	if !c.s.syncBatchSupported() {
		return false, nil
	}
	switch mode := c.r.Header.Get("X-Mode"); mode {
	case "", "async":
		return false, nil
	case "sync":
		return true, nil
	}
	return false, c.fail(&apiError{Status: http.StatusBadRequest, Title: "invalid header value exception",
		Detail: `The accepted values for the "X-Mode" are "sync" or "async".`})
}

// emptyBatch reports a body without primary items: empty, or well-formed
// with data missing or an empty list. A malformed body is not empty: it
// fails later, asynchronously.
func emptyBatch(body []byte) bool {
	if len(bytes.TrimSpace(body)) == 0 {
		return true
	}
	top, err := decodeJSON(body)
	if err != nil {
		return false
	}
	m, ok := top.(map[string]any)
	if !ok {
		return false
	}
	data, present := m["data"]
	list, isList := data.([]any)
	return !present || isList && len(list) == 0
}

// newOperation creates and keeps an operation. The caller holds s.mu.
func (s *Server) newOperation(entityType string, body []byte, sync bool) *operation {
	s.lastOpID++
	op := newOperation(s.lastOpID, entityType, body, sync, s.opts.Now())
	s.ops[op.id] = op
	s.stats.Batch.Operations++
	return op
}

// accepted is the 202 of an asynchronous batch: the operation, and
// Content-Location pointing at it (UpdateListTest::testUpdateListRequest).
func (c *call) accepted(op *operation) *response {
	resp := c.ok(http.StatusAccepted, map[string]any{"data": c.renderOperation(op)})
	resp.header.Set("Content-Location", c.operationURL(op))
	return resp
}

// awaitSync waits for a synchronous operation as
// ProcessSynchronousOperation does: up to SyncWaitTimeout, then the request
// falls back to 202 and an asynchronous operation (§10.2). An operation
// that finished in time is answered and deleted (DeleteAsyncOperationTopic).
// It runs without s.mu held.
func (c *call) awaitSync(op *operation) *response {
	timer := time.NewTimer(c.s.opts.Batch.SyncWaitTimeout)
	defer timer.Stop()
	select {
	case <-op.done:
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		delete(c.s.ops, op.id)
		return c.syncAnswer(op)
	case <-timer.C:
	case <-c.r.Context().Done():
		// The client is gone: the answer goes nowhere, the operation
		// goes on.
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		return c.accepted(op)
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.s.stats.Batch.SyncFallbacks++
	return c.accepted(op)
}

// syncAnswer is the answer of a synchronous operation that finished in
// time. Success: 200 with the primary records in request order, each with
// meta.dataId when the request gave it an id, and the included records
// with meta.includeId (SyncUpdateListTest); no Content-Location. Failure:
// the operation's errors as a JSON:API error document, whole-file errors
// renamed as ProcessSynchronousOperation::getErrorTitle and getErrorDetail
// do. The caller holds s.mu.
func (c *call) syncAnswer(op *operation) *response {
	if op.status != opSuccess {
		var errs []*apiError
		for _, e := range op.errorList() {
			errs = append(errs, c.syncError(e.apiError))
		}
		return c.fail(errs...)
	}
	rd := c.renderer(nil)
	render := func(items []resultItem, metaKey string) []any {
		out := []any{}
		for _, it := range items {
			rec := c.s.st.get(it.ref.Type, it.ref.ID)
			if rec == nil {
				continue // deleted since
			}
			obj := rd.resource(rec)
			if it.hasID {
				obj["meta"] = map[string]any{metaKey: it.sentID}
			}
			out = append(out, obj)
		}
		return out
	}
	doc := map[string]any{"data": render(op.result.data, "dataId")}
	if len(op.result.included) > 0 {
		doc["included"] = render(op.result.included, "includeId")
	}
	return c.ok(http.StatusOK, doc)
}

// syncError words a stored error for the synchronous answer: the chunk
// limit becomes 400 "request data constraint" "The data limit for the
// synchronous operation exceeded..." with the limit, "async operation
// exception" becomes "operation exception".
func (c *call) syncError(e *apiError) *apiError {
	out := *e
	b := c.s.opts.Batch
	switch e.Detail {
	case detailChunkLimit + ".":
		out.Title = titleRequestData
		out.Detail = "The data limit for the synchronous operation exceeded. The maximum number of records " +
			"that can be processed by the synchronous operation is " + itoa(b.SyncLimit) + "."
		return &out
	case detailChunkLimit + ` for the section "included".`:
		out.Title = titleRequestData
		out.Detail = `The data limit for the synchronous operation exceeded for the section "included". ` +
			"The maximum number of included records that can be processed by the synchronous operation is " +
			itoa(b.SyncIncludedLimit) + "."
		return &out
	}
	if out.Title == titleAsyncOperation {
		out.Title = titleSyncOperation
	}
	return &out
}
