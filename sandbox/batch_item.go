package sandbox

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/orosync/orosync/resources"
)

// This file processes one primary item of a batch: Oro runs the create or
// update action for it, with the included items it reaches, exactly as for
// a single request (Batch/Processor/UpdateItem/*), then rewrites the error
// pointers to the item's place in the request (CompleteItemErrorPaths).

// batchRun is the processing of one operation: the resource the URL names,
// the parsed file, and what the include index has learned so far.
type batchRun struct {
	c         *call // the URL's resource; no HTTP request behind it
	file      *batchFile
	processed map[Ref]string // included items already written -> real id
	linked    map[Ref]bool   // included items some primary item reached
	results   []resultItem   // written primary items, for a synchronous answer
	incResult map[int]resultItem
	summary   opSummary // of the chunks
	opErrors  int       // errors of the whole operation
	failed    bool      // a chunk failed unexpectedly
}

func newBatchRun(c *call, f *batchFile) *batchRun {
	return &batchRun{c: c, file: f, processed: map[Ref]string{}, linked: map[Ref]bool{},
		incResult: map[int]resultItem{}}
}

// item processes primary item n and returns its errors, with pointers into
// the original request.
func (b *batchRun) item(n int) (created bool, errs []*apiError) {
	raw, ok := b.file.data[n].(map[string]any)
	if !ok {
		// Oro's include accessor words a non-object included item this way;
		// for a primary item the wording is unconfirmed.
		return false, []*apiError{badPointer(titleRequestData, "The item should be an object", "/data/"+strconv.Itoa(n))}
	}
	doc, local, errs := b.subDocument(raw)
	if len(errs) == 0 {
		created, errs = b.write(doc, local)
	}
	for _, e := range errs {
		completeItemPath(e, n, local)
	}
	return created, errs
}

// link marks the included items that primary items lo to hi-1 reach as
// linked, as Oro does when it loads a chunk, before anything can fail.
func (b *batchRun) link(lo, hi int) {
	for n := lo; n < hi; n++ {
		if raw, ok := b.file.data[n].(map[string]any); ok {
			b.subDocument(raw)
		}
	}
}

// subDocument builds the single request item n stands for: its data and
// the unprocessed included items it reaches through relationships, directly
// or through other included items (IncludeMapManager::getIncludedItems),
// which are marked linked. It returns the original index of each included
// object and the structural errors of the objects.
func (b *batchRun) subDocument(raw map[string]any) (*document, []int, []*apiError) {
	data, errs := parseObject(raw, "/data", false)
	var local []int
	var walk func(item map[string]any)
	walk = func(item map[string]any) {
		for _, key := range relatedKeys(item) {
			if _, done := b.processed[key]; done {
				continue // already written: the relationship resolves to the real id
			}
			i, ok := b.file.incIndex[key]
			if !ok || slices.Contains(local, i) {
				continue
			}
			b.linked[key] = true
			local = append(local, i)
			walk(b.file.included[i].(map[string]any))
		}
	}
	walk(raw)
	slices.Sort(local)
	doc := &document{data: data}
	for k, i := range local {
		o, oErrs := parseObject(b.file.included[i].(map[string]any), "/included/"+strconv.Itoa(k), true)
		doc.included = append(doc.included, o)
		errs = append(errs, oErrs...)
	}
	return doc, local, errs
}

// write runs the create or update action of an item (local: the original
// indexes of its included objects): the one meta.update or
// meta.upsert: true asks for, create otherwise (Batch/Processor/UpdateItem/
// JsonApi/SetTargetAction).
func (b *batchRun) write(doc *document, local []int) (bool, []*apiError) {
	c, o := b.c, doc.data
	if err := b.checkType(o); err != nil {
		return false, []*apiError{err}
	}
	ops, err := parseMeta(o, "/meta", metaBatchItem)
	if err != nil {
		return false, []*apiError{err}
	}
	update := ops.update || ops.upsertByID()
	var old *Resource
	switch {
	case update && !c.sp.Allows(resources.Update):
		return false, []*apiError{errActionNotAllowed()}
	case update && !o.hasID:
		return false, []*apiError{badPointer(titleRequestData, "The 'id' property is required", "/data/id")}
	case update:
		old, err = c.updateTarget(o, ops)
	default:
		old, err = c.createTarget(o, ops)
		if err == nil && old == nil && !c.sp.Allows(resources.Create) {
			err = errActionNotAllowed()
		}
	}
	if err != nil {
		return false, []*apiError{err}
	}
	t, errs := c.runWrite(doc, old, b.processed)
	if len(errs) > 0 {
		return false, errs
	}
	b.results = append(b.results, resultItem{ref: t.writes[0].rec.ref(), sentID: o.id, hasID: o.hasID})
	b.recordIncluded(t, doc, local)
	return old == nil, nil
}

// checkType refuses an item of another type than the URL's
// (Batch/Processor/UpdateItem/NormalizeEntityClass and
// ValidateEntityTypeSupported); neither error has a source, so it points
// at the item.
func (b *batchRun) checkType(o *object) *apiError {
	switch {
	case b.c.s.st.spec(o.typ) == nil:
		return &apiError{Status: http.StatusBadRequest, Title: titleEntityType,
			Detail: fmt.Sprintf("Unknown entity type: %s.", o.typ)}
	case o.typ != b.c.sp.Type:
		return &apiError{Status: http.StatusBadRequest, Title: titleEntityType,
			Detail: fmt.Sprintf("The entity type %q is not supported by this batch operation.", o.typ)}
	}
	return nil
}

// recordIncluded remembers the real ids of the included items a written
// item created or updated, so that later items refer to them
// (IncludeMapManager::moveToProcessed), and what a synchronous answer lists.
func (b *batchRun) recordIncluded(t *tx, doc *document, local []int) {
	for k, inc := range doc.included {
		i := slices.IndexFunc(t.writes, func(w *write) bool { return w.obj == inc })
		if i < 0 {
			continue
		}
		w := t.writes[i]
		if w.mergedInto != nil {
			w = w.mergedInto
		}
		b.processed[Ref{Type: inc.typ, ID: inc.id}] = w.rec.ID
		b.incResult[local[k]] = resultItem{ref: w.rec.ref(), sentID: inc.id, hasID: true}
	}
}

// errActionNotAllowed is a batch item asking for an action its resource
// disables; unlike a single request, the answer carries the error
// (oro-api.md §9; CreateWithIncludedTest words it).
func errActionNotAllowed() *apiError {
	return &apiError{Status: http.StatusMethodNotAllowed, Title: titleActionNotAllowed, Detail: "The action is not allowed."}
}

// completeItemPath rewrites the pointer of an error of primary item n, whose
// included objects came from the original indexes local, as Oro's
// Batch/Processor/Update/JsonApi/CompleteItemErrorPaths does: "/data..."
// becomes "/data/n...", "/included/k..." the original included index, no
// pointer "/data/n", any other pointer (such as "/meta/upsert") is put
// under "/data/n"; "/included" alone stays.
func completeItemPath(e *apiError, n int, local []int) {
	if e.Parameter != "" {
		return
	}
	item := "/data/" + strconv.Itoa(n)
	p := e.Pointer
	switch {
	case p == "":
		e.Pointer = item
	case strings.HasPrefix(p, "/data"):
		e.Pointer = item + p[len("/data"):]
	case p == "/included":
	case strings.HasPrefix(p, "/included/"):
		rest := p[len("/included/"):]
		idx, tail, _ := strings.Cut(rest, "/")
		k, err := strconv.Atoi(idx)
		if err != nil || k < 0 || k >= len(local) {
			e.Pointer = item
			return
		}
		if tail != "" {
			tail = "/" + tail
		}
		e.Pointer = "/included/" + strconv.Itoa(local[k]) + tail
	default:
		e.Pointer = item + p
	}
}
