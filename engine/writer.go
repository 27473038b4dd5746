package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/orosync/orosync/engine/oro"
	"github.com/orosync/orosync/mappings"
)

// writer decides, per document, between POST, PATCH, skip and "unchanged",
// sends the request (or prints it in a dry run) and keeps the id map.
type writer struct {
	run *mappingRun
}

// write handles document i of n of one record.
func (w writer) write(ctx context.Context, rc *recordCtx, i, n int, doc mappings.Document) writeResult {
	run := w.run
	typ, _ := doc.Data["type"].(string) // Apply guarantees it equals target.type
	doc, err := run.resolve(ctx, doc)
	var skip *skipError
	switch {
	case errors.Is(err, errDeferred):
		return writeResult{deferred: true}
	case errors.As(err, &skip):
		run.logSkip(rc, skip.reason)
		return writeResult{status: Skipped}
	case err != nil:
		return writeResult{status: Failed, err: err, stage: "resolve", doc: doc}
	}
	body, err := marshalDoc(doc)
	if err != nil {
		return writeResult{status: Failed, err: err, stage: "transform", doc: doc}
	}
	key := rc.key
	if key != "" && n > 1 {
		key += "#" + strconv.Itoa(i)
	}
	if key != "" && !run.opts.DryRun { // a dry run writes nothing that could race
		unlock := run.keys.lock(key)
		defer unlock()
	}
	d := &docWrite{w: w, rc: rc, typ: typ, key: key, doc: doc, body: body}
	return d.write(ctx)
}

// docWrite is one document on its way to Oro.
type docWrite struct {
	w    writer
	rc   *recordCtx
	typ  string
	key  string
	doc  mappings.Document
	body []byte
	hash string // computed on first use by docHash
}

// docHash returns the hash of the document that detects unchanged records.
func (d *docWrite) docHash() string {
	if d.hash == "" {
		d.hash = hashDoc(d.body)
	}
	return d.hash
}

func (d *docWrite) write(ctx context.Context) writeResult {
	run := d.w.run
	mode := run.m.Target.Write
	if d.key != "" {
		e, ok, err := run.ids.lookup(run.m.Name, d.key)
		if err != nil {
			return d.fail("state", err)
		}
		if ok {
			if e.Hash == d.docHash() {
				return writeResult{status: Unchanged}
			}
			if mode == "create" {
				run.logSkip(d.rc, fmt.Sprintf("already created as %s %s and write is create, which never updates", d.typ, e.ID))
				return writeResult{status: Skipped}
			}
			return d.patch(ctx, e.ID)
		}
	}
	if len(run.m.Target.NativeUpsert) > 0 {
		return d.post(ctx, true)
	}
	if len(run.m.Target.Match) > 0 && !run.opts.DryRun {
		id, err := d.match(ctx)
		if err != nil {
			return d.fail("lookup", err)
		}
		if id != "" {
			if mode == "create" {
				if err := run.ids.remember(run.m.Name, d.key, id, d.docHash()); err != nil {
					return d.fail("state", err)
				}
				run.logSkip(d.rc, fmt.Sprintf("%s %s already exists (found by target.match) and write is create, which never updates", d.typ, id))
				return writeResult{status: Skipped}
			}
			return d.patch(ctx, id)
		}
	}
	if mode == "update" {
		if run.opts.DryRun && len(run.m.Target.Match) > 0 {
			return d.dryRunMatchedPatch(ctx)
		}
		run.logSkip(d.rc, "no Oro record found for it and write is update, which never creates")
		return writeResult{status: Skipped}
	}
	return d.post(ctx, false)
}

// match looks the document up in Oro by its natural key (target.match). It
// returns "" when nothing matches, and an error on several matches.
func (d *docWrite) match(ctx context.Context) (string, error) {
	run := d.w.run
	filter, err := d.matchFilter(ctx)
	if err != nil || filter == nil {
		return "", err
	}
	q, desc, err := filterQuery(filter)
	if err != nil {
		return "", fmt.Errorf("target.match: %w", err)
	}
	res, err := run.opts.Oro.List(ctx, d.typ, q, 2)
	if err != nil {
		return "", fmt.Errorf("find %s by %s: %w", d.typ, desc, err)
	}
	switch len(res) {
	case 0:
		return "", nil
	case 1:
		return res[0].ID, nil
	}
	return "", &conflictError{msg: fmt.Sprintf("conflict: several %s match %s (ids %s and %s at least); orosync never guesses: make the records unique in Oro or fix target.match", d.typ, desc, res[0].ID, res[1].ID)}
}

// dryRunMatchedPatch shows the PATCH an update would send to the record
// target.match finds; a dry run does not look it up, so the id is shown as
// <match type {filter}>.
func (d *docWrite) dryRunMatchedPatch(ctx context.Context) writeResult {
	filter, err := d.matchFilter(ctx)
	if err != nil {
		return d.fail("lookup", err)
	}
	desc := "{}"
	if filter != nil {
		if _, desc, err = filterQuery(filter); err != nil {
			return d.fail("lookup", fmt.Errorf("target.match: %w", err))
		}
	}
	return d.patch(ctx, fmt.Sprintf("<match %s %s>", d.typ, desc))
}

// conflictError is a natural key matching several Oro records.
type conflictError struct{ msg string }

func (e *conflictError) Error() string { return e.msg }

func (d *docWrite) matchFilter(ctx context.Context) (map[string]any, error) {
	m := d.w.run.m
	names := make([]string, 0, len(m.Target.Match))
	for k := range m.Target.Match {
		names = append(names, k)
	}
	sort.Strings(names)
	filter := make(map[string]any, len(names))
	for _, name := range names {
		v, ok, err := m.Target.Match[name].First(ctx, d.doc.Data)
		if err != nil {
			return nil, fmt.Errorf("target.match.%s: %w", name, err)
		}
		if !ok || v == nil || v == "" {
			return nil, nil // no natural key: nothing to find; Oro validates the document
		}
		filter[name] = v
	}
	return filter, nil
}

// patch updates Oro record id with the document.
func (d *docWrite) patch(ctx context.Context, id string) writeResult {
	run := d.w.run
	body, err := withID(d.doc, id)
	if err != nil {
		return d.fail("transform", err)
	}
	req := &RequestLine{Method: "PATCH", URL: run.apiURL(d.typ, id)}
	if run.opts.DryRun {
		if d.key != "" && run.ids.keeps(run.m.Name) {
			run.ids.remember(run.m.Name, d.key, id, d.docHash()) //nolint:errcheck // in memory only
		}
		return writeResult{status: Updated, line: requestLine(req.Method, req.URL, body)}
	}
	_, err = run.opts.Oro.Update(ctx, d.typ, id, body)
	var oe *oro.Error
	if errors.As(err, &oe) && oe.Status == 404 && d.key != "" {
		// The id map is stale: the record was deleted in Oro.
		if err := run.ids.forget(run.m.Name, d.key); err != nil {
			return d.fail("state", err)
		}
		fmt.Fprintf(run.opts.Log, "%s: %s %s no longer exists in Oro; creating it again\n", run.m.Name, d.typ, id)
		if run.m.Target.Write == "update" {
			return writeResult{status: Skipped}
		}
		return d.post(ctx, false)
	}
	if err != nil {
		return d.failReq("write", err, req)
	}
	if d.key != "" {
		if err := run.ids.remember(run.m.Name, d.key, id, d.docHash()); err != nil {
			return d.fail("state", err)
		}
	}
	return writeResult{status: Updated}
}

// post creates the record (or upserts it natively when upsert is set).
func (d *docWrite) post(ctx context.Context, upsert bool) writeResult {
	run := d.w.run
	body := d.body
	if upsert {
		var err error
		if body, err = withUpsert(d.doc, run.m.Target.NativeUpsert); err != nil {
			return d.fail("transform", err)
		}
	}
	req := &RequestLine{Method: "POST", URL: run.collectionURL}
	if run.opts.DryRun {
		if d.key != "" && run.ids.keeps(run.m.Name) {
			run.ids.remember(run.m.Name, d.key, fmt.Sprintf("<new %s %s>", d.typ, d.key), d.docHash()) //nolint:errcheck // in memory only
		}
		return writeResult{status: Created, line: requestLine(req.Method, req.URL, body)}
	}
	res, status, err := d.create(ctx, body)
	if err != nil {
		return d.failReq("write", err, req)
	}
	if d.key != "" {
		if err := run.ids.remember(run.m.Name, d.key, res, d.docHash()); err != nil {
			return d.fail("state", err)
		}
	}
	return writeResult{status: status}
}

// create POSTs body. A POST whose answer was lost may have created the
// record: it is never repeated blindly, but looked up by its natural key
// first; without target.match it is reported, not retried.
func (d *docWrite) create(ctx context.Context, body []byte) (id string, st Status, err error) {
	run := d.w.run
	res, err := run.opts.Oro.Create(ctx, d.typ, body)
	if err == nil {
		return res.ID, statusOfCreate(res), nil
	}
	if !oro.MayHaveWritten(err) || len(run.m.Target.Match) == 0 || ctx.Err() != nil {
		return "", Failed, err
	}
	fmt.Fprintf(run.opts.Log, "%s: record %s: %v; checking by target.match whether Oro stored it before retrying\n", run.m.Name, d.rc.origin, err)
	found, lerr := d.match(ctx)
	if lerr != nil {
		return "", Failed, fmt.Errorf("%w; looking it up by target.match failed too: %v", err, lerr)
	}
	if found != "" {
		return found, Created, nil
	}
	res, err = run.opts.Oro.Create(ctx, d.typ, body)
	if err != nil {
		return "", Failed, err
	}
	return res.ID, statusOfCreate(res), nil
}

// statusOfCreate tells a created record from one a native upsert updated.
func statusOfCreate(res *oro.Resource) Status {
	if res != nil && res.Status == 200 {
		return Updated
	}
	return Created
}

func (d *docWrite) fail(stage string, err error) writeResult {
	var ce *conflictError
	if errors.As(err, &ce) {
		stage = "conflict"
	}
	return writeResult{status: Failed, err: err, stage: stage, doc: d.doc}
}

func (d *docWrite) failReq(stage string, err error, req *RequestLine) writeResult {
	r := d.fail(stage, err)
	r.req = req
	return r
}

// logSkip says on stderr why a record was skipped by the engine (records a
// transform skips are counted only).
func (run *mappingRun) logSkip(rc *recordCtx, reason string) {
	fmt.Fprintf(run.opts.Log, "%s: record %s skipped: %s\n", run.m.Name, rc.origin, reason)
}

// withID returns the document's JSON with data.id set, as PATCH requires.
func withID(doc mappings.Document, id string) ([]byte, error) {
	data := make(map[string]any, len(doc.Data)+1)
	for k, v := range doc.Data {
		data[k] = v
	}
	data["id"] = id
	return marshalDoc(mappings.Document{Data: data, Included: doc.Included})
}

// withUpsert returns the document's JSON with data.meta.upsert set.
func withUpsert(doc mappings.Document, fields []string) ([]byte, error) {
	data := make(map[string]any, len(doc.Data)+1)
	for k, v := range doc.Data {
		data[k] = v
	}
	meta := map[string]any{}
	if old, ok := data["meta"].(map[string]any); ok {
		for k, v := range old {
			meta[k] = v
		}
	}
	if len(fields) == 1 && fields[0] == "id" {
		meta["upsert"] = true
	} else {
		list := make([]any, len(fields))
		for i, f := range fields {
			list[i] = f
		}
		meta["upsert"] = list
	}
	data["meta"] = meta
	return marshalDoc(mappings.Document{Data: data, Included: doc.Included})
}
