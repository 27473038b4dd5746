package sandbox

import (
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/orosync/orosync/resources"
)

// upsertPointer is where Oro points meta.upsert errors (oro-api.md §7).
const upsertPointer = "/meta/upsert"

// readDocument reads and parses the request body, checks the primary
// data's type against the URL and reads its meta options.
func (c *call) readDocument() (*document, metaOps, *response) {
	body, err := c.readBody()
	if err != nil {
		return nil, metaOps{}, c.fail(err)
	}
	doc, errs := parseDocument(body)
	if len(errs) > 0 {
		return nil, metaOps{}, c.fail(errs...)
	}
	if doc.data.typ != c.sp.Type {
		return nil, metaOps{}, c.fail(&apiError{Status: http.StatusConflict, Title: titleConflict,
			Detail:  "The 'type' property of the primary data object should match the requested resource.",
			Pointer: "/data/type"})
	}
	ops, apiErr := parseMeta(doc.data, "/meta", metaMain)
	if apiErr != nil {
		return nil, metaOps{}, c.fail(apiErr)
	}
	return doc, ops, nil
}

func (c *call) create() *response {
	doc, ops, resp := c.readDocument()
	if resp != nil {
		return resp
	}
	old, err := c.createTarget(doc.data, ops)
	if err != nil {
		return c.fail(err)
	}
	return c.write(doc, old)
}

// createTarget returns the record a create of o updates instead: the one
// its meta.upsert matches; nil to create a record.
func (c *call) createTarget(o *object, ops metaOps) (*Resource, *apiError) {
	if ops.upsert == nil {
		return nil, nil
	}
	return c.findUpsertTarget(o, ops.upsert)
}

// findUpsertTarget finds the record a POST with meta.upsert updates; nil
// means create.
func (c *call) findUpsertTarget(o *object, fields []string) (*Resource, *apiError) {
	for _, f := range fields {
		if f == "id" && !o.hasID || f != "id" && !o.sent(f) {
			return nil, badPointer(titleValue, fmt.Sprintf("The %q field does not exist in the request data.", f), upsertPointer)
		}
		if f == "id" && !c.sp.CanUpsertBy(f) {
			return nil, badPointer(titleValue, "The upsert operation cannot use the entity identifier to find an entity.", upsertPointer)
		}
		if f != "id" && !c.sp.CanUpsertBy(f) {
			return nil, badPointer(titleValue, "The upsert operation cannot use this field to find an entity.", upsertPointer)
		}
	}
	var found []*Resource
	for _, r := range upsertCandidates(c.s.st, c.sp.Type, o, fields) {
		if upsertMatch(r, o, fields) {
			found = append(found, r)
		}
	}
	if len(found) > 1 {
		return nil, &apiError{Status: http.StatusConflict, Title: titleConflict,
			Detail: "The upsert operation founds more than one entity.", Pointer: upsertPointer}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	return nil, nil
}

// sent reports whether the request carried the attribute or relationship.
func (o *object) sent(name string) bool {
	_, a := o.attrs[name]
	_, r := o.rels[name]
	return a || r
}

// upsertCandidates returns the stored records of typ that may match o on
// fields, in no particular order; upsertMatch checks each. An upsert by id
// can only match the record with that id; otherwise an index on one of the
// fields offers the records with that value, unless the value compared is
// "<nil>", which a missing value matches too.
func upsertCandidates(st *store, typ string, o *object, fields []string) []*Resource {
	if slices.Contains(fields, "id") {
		if r := st.get(typ, o.id); r != nil {
			return []*Resource{r}
		}
		return nil
	}
	for _, f := range fields {
		want := fmt.Sprint(o.attrs[f])
		if _, indexed := st.tables[typ].attrs[f]; indexed && want != fmt.Sprint(nil) {
			return st.withAttr(typ, f, want)
		}
	}
	return st.all(typ)
}

func upsertMatch(r *Resource, o *object, fields []string) bool {
	for _, f := range fields {
		if f == "id" {
			if r.ID != o.id {
				return false
			}
		} else if fmt.Sprint(r.Attributes[f]) != fmt.Sprint(o.attrs[f]) {
			return false
		}
	}
	return true
}

func (c *call) update(id string) *response {
	doc, ops, resp := c.readDocument()
	if resp != nil {
		return resp
	}
	switch {
	case !doc.data.hasID:
		return c.fail(badPointer(titleRequestData, "The 'id' property is required", "/data/id"))
	case doc.data.id != id:
		return c.fail(&apiError{Status: http.StatusConflict, Title: titleConflict, Pointer: "/data/id",
			Detail: "The 'id' property of the primary data object should match 'id' parameter of the query string."})
	}
	old, err := c.updateTarget(doc.data, ops)
	if err != nil {
		return c.fail(err)
	}
	return c.write(doc, old)
}

// updateTarget returns the stored record an update of o changes, or nil
// when its meta.upsert creates the record; 404 when there is no record to
// update.
func (c *call) updateTarget(o *object, ops metaOps) (*Resource, *apiError) {
	fields := ops.upsert
	if fields != nil && (len(fields) != 1 || fields[0] != "id" || c.sp.IDs != resources.ClientID) {
		return nil, badPointer(titleValue,
			"The upsert operation is not supported for resources with auto-generated identifier value.", upsertPointer)
	}
	old := c.s.st.get(c.sp.Type, o.id)
	if old == nil && fields == nil {
		return nil, errNotFoundByID()
	}
	return old, nil
}

// write runs the transaction and answers 201 (+ Location) for a create or
// 200 for an update, with included records carrying meta.includeId.
func (c *call) write(doc *document, old *Resource) *response {
	if old == nil && !c.sp.Allows(resources.Create) {
		return c.notAllowed(true)
	}
	t, errs := c.runWrite(doc, old, nil)
	if len(errs) > 0 {
		return c.fail(errs...)
	}
	rd := c.renderer(nil)
	out := map[string]any{"data": rd.resource(t.writes[0].rec)}
	if len(t.writes) > 1 {
		var inc []any
		for _, w := range t.writes[1:] {
			if w.mergedInto != nil {
				continue // answered by the record it was merged into
			}
			item := rd.resource(w.rec)
			item["meta"] = map[string]any{"includeId": w.obj.id}
			inc = append(inc, item)
		}
		out["included"] = inc
	}
	if old != nil {
		return c.ok(http.StatusOK, out)
	}
	resp := c.ok(http.StatusCreated, out)
	resp.header.Set("Location", c.location(t.writes[0].rec))
	return resp
}

// runWrite validates and stores the writes of doc (old is the record the
// primary data updates, nil to create one) and returns the committed
// transaction. resolved maps temporary ids that were already turned into
// real ones, by earlier items of a batch.
func (c *call) runWrite(doc *document, old *Resource, resolved map[Ref]string) (*tx, []*apiError) {
	t := newTx(c.s.st, c.s.opts.Now(), false)
	maps.Copy(t.temp, resolved)
	if _, errs := t.run(c.sp, doc, old); len(errs) > 0 {
		return nil, errs
	}
	return t, nil
}
