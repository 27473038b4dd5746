package sandbox

import (
	"math"
	"net/http"
	"net/url"
	"strings"

	"github.com/orosync/orosync/resources"
)

// selectRecords returns the records matching every filter, sorted.
func (c *call) selectRecords(lq *listQuery) []*Resource {
	rows := c.s.st.tables[c.sp.Type].find(lq.conds, -1)
	sortRecords(c.sp, rows, lq.sort)
	return rows
}

// selectPage returns the page of matching records lq asks for, whether
// more follow, and their total count. In id order it reads no more records
// than the page needs: without filters the page is taken from the table's
// order; with filters, unless the total is asked for (counted), the search
// stops after the first record past the page.
func (c *call) selectPage(lq *listQuery, counted bool) (page []*Resource, total int, more bool) {
	t := c.s.st.tables[c.sp.Type]
	n, size := lq.pageNumber, lq.pageSize
	if !idOrdered(lq.sort) || size < 0 || n > math.MaxInt/size-1 {
		rows := c.selectRecords(lq)
		page, more = paginate(rows, n, size)
		return page, len(rows), more
	}
	if len(lq.conds) == 0 {
		total = t.order.len()
		start := min((n-1)*size, total)
		end := min(start+size, total)
		return t.page(start, end), total, end < total
	}
	limit := n*size + 1
	if counted {
		limit = -1
	}
	rows := t.find(lq.conds, limit)
	page, more = paginate(rows, n, size)
	return page, len(rows), more
}

// idOrdered reports whether sort keys leave records in id order: none, or
// the id ascending (a stable sort of records in id order by id).
func idOrdered(keys []string) bool {
	return len(keys) == 0 || len(keys) == 1 && keys[0] == "id"
}

func (c *call) list() *response {
	lq, errs := c.listQuery()
	if len(errs) > 0 {
		return c.fail(errs...)
	}
	counted := c.xinc["totalCount"]
	page, total, more := c.selectPage(lq, counted)
	rd := c.renderer(lq.fields)
	var resp *response
	if c.f == formatPlain {
		items := []any{}
		for _, r := range page {
			items = append(items, rd.plain(r))
		}
		resp = c.ok(http.StatusOK, items)
	} else {
		resp = c.ok(http.StatusOK, c.listDocument(rd, lq, page, more))
	}
	if counted {
		resp.header.Set("X-Include-Total-Count", itoa(total))
	}
	return resp
}

func (c *call) listDocument(rd *renderer, lq *listQuery, page []*Resource, more bool) map[string]any {
	data := []any{}
	for _, r := range page {
		data = append(data, rd.resource(r))
	}
	doc := map[string]any{"data": data}
	if len(lq.include) > 0 {
		doc["included"] = rd.related(page, lq.include)
	}
	if rd.links {
		doc["links"] = c.pageLinks(lq.pageNumber, more)
	}
	return doc
}

// listQuery parses the collection query and runs the resource's own checks
// of it (a price list filter must name an existing price list).
func (c *call) listQuery() (*listQuery, []*apiError) {
	lq, errs := parseListQuery(c.sp, c.r.URL.Query())
	if h := c.sp.hooks.checkList; h != nil && len(errs) == 0 {
		errs = h(c.s.st, lq)
	}
	return lq, errs
}

// hasFilterParam reports whether the query has a filter[...] parameter.
func hasFilterParam(q url.Values) bool {
	for k := range q {
		if strings.HasPrefix(k, "filter[") {
			return true
		}
	}
	return false
}

// paginate returns page number n of size size (-1: everything) and whether
// more records follow.
func paginate(rows []*Resource, n, size int) ([]*Resource, bool) {
	if size < 0 {
		return rows, false
	}
	start := min((n-1)*size, len(rows))
	end := min(start+size, len(rows))
	return rows[start:end], end < len(rows)
}

// pageLinks builds self, first, prev and next links (no last, as Oro).
func (c *call) pageLinks(n int, more bool) map[string]string {
	links := map[string]string{"self": c.pageURL(0)}
	if n > 1 {
		links["first"] = c.pageURL(1)
		links["prev"] = c.pageURL(n - 1)
	}
	if more {
		links["next"] = c.pageURL(n + 1)
	}
	return links
}

// pageURL is the request URL with page[number]=n (n 0: unchanged).
func (c *call) pageURL(n int) string {
	q := c.r.URL.Query()
	if n > 0 {
		q.Set("page[number]", itoa(n))
	}
	// Oro leaves the brackets of page[number] and filter[x] unescaped.
	query := strings.NewReplacer("%5B", "[", "%5D", "]").Replace(q.Encode())
	u := url.URL{Path: c.r.URL.Path, RawQuery: query}
	return c.origin + u.String()
}

func (c *call) deleteList() *response {
	if !hasFilterParam(c.r.URL.Query()) {
		return c.fail(badParameter(titleFilter, "At least one filter must be provided.", "filter"))
	}
	lq, errs := c.listQuery()
	if len(errs) > 0 {
		return c.fail(errs...)
	}
	rows := c.selectRecords(lq)
	deleted := rows[:min(len(rows), maxDeleteEntities)]
	for _, r := range deleted {
		c.s.st.remove(r)
	}
	resp := emptyResponse(http.StatusNoContent)
	if c.xinc["totalCount"] {
		resp.header.Set("X-Include-Total-Count", itoa(len(rows)))
	}
	if c.xinc["deletedCount"] {
		resp.header.Set("X-Include-Deleted-Count", itoa(len(deleted)))
	}
	return resp
}

// subresource serves GET {type}/{id}/{association} (the related records)
// and GET {type}/{id}/relationships/{association} (their identifiers).
// An unknown association, or one of a resource whose api.yml disables
// get_subresource and get_relationship, is 404 "relationship constraint",
// "Unsupported subresource." (orocommerce VisibilityBundle
// ProductVisibilityTest::testTryToGetSubresourceForProduct).
func (c *call) subresource(id, name string, identifiers bool) *response {
	rs := c.sp.Rel(name)
	if rs == nil || c.sp.NoSubresources {
		return c.fail(&apiError{Status: http.StatusNotFound, Title: titleRelationship, Detail: "Unsupported subresource."})
	}
	if c.r.Method != http.MethodGet {
		resp := emptyResponse(http.StatusMethodNotAllowed)
		resp.header.Set("Allow", http.MethodGet)
		return resp
	}
	rec := c.s.st.get(c.sp.Type, id)
	if rec == nil || !c.sp.Allows(resources.Get) {
		return c.notFound()
	}
	if rs.ToMany {
		return c.toManySubresource(rs, rec.Relationships[name], identifiers)
	}
	if identifiers {
		return c.ok(http.StatusOK, map[string]any{"data": relData(rs, rec.Relationships[name])})
	}
	rd := c.renderer(nil)
	var items []any
	for _, ref := range rec.Relationships[name] {
		if r := c.s.st.get(ref.Type, ref.ID); r != nil {
			items = append(items, rd.resource(r))
		}
	}
	if len(items) == 0 {
		return c.ok(http.StatusOK, map[string]any{"data": nil})
	}
	return c.ok(http.StatusOK, map[string]any{"data": items[0]})
}

// toManySubresource answers a to-many subresource or relationship as a list
// of the related resource: for a collection, platform ApiBundle
// Resources/config/processors.get_subresource.yml runs the list processors
// (RegisterFilters, JsonApi SetDefaultSorting and SetDefaultPaging,
// NormalizeFilterValues, ValidateSorting, NormalizePaging,
// SetTotalCountHeader), so filters, sort, page[number] and page[size] (10
// by default) apply and are validated as for the related resource's own
// list, and a page is in id order unless sorted. (get_relationship is
// taken to do the same.)
func (c *call) toManySubresource(rs *resources.Rel, refs []Ref, identifiers bool) *response {
	sub := *c
	sub.sp = c.s.st.spec(rs.Target)
	lq, errs := parseListQuery(sub.sp, c.r.URL.Query())
	if len(errs) > 0 {
		return c.fail(errs...)
	}
	ids := make([]string, 0, len(refs))
	for _, r := range refs {
		ids = append(ids, r.ID)
	}
	var page []*Resource
	var total int
	more := false
	if len(ids) > 0 {
		lq.conds = append(lq.conds, cond{field: "id", op: "eq", values: ids})
		page, total, more = sub.selectPage(lq, true)
	}
	var resp *response
	if identifiers {
		data := []any{}
		for _, r := range page {
			data = append(data, r.ref())
		}
		resp = c.ok(http.StatusOK, map[string]any{"data": data})
	} else {
		resp = c.ok(http.StatusOK, sub.listDocument(sub.renderer(lq.fields), lq, page, more))
	}
	if c.xinc["totalCount"] {
		resp.header.Set("X-Include-Total-Count", itoa(total))
	}
	return resp
}
