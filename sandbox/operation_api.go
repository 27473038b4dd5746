package sandbox

import (
	"net/http"
	"net/url"
	"strconv"
)

// This file serves the asyncoperations resource and its errors
// subresource (oro-api.md §10.1; platform ApiBundle
// Resources/doc/api/async_operation.md, Tests/Functional/RestJsonApiBatch/
// AsyncOperationTest and AsyncOperationErrorsTest). The resource is not in
// the shared resources table: it is the Batch API's own, not something a
// mapping writes.

// operationsType is the resource type of asynchronous operations.
const operationsType = "asyncoperations"

// operationAllow is the Allow header of an operation and of its errors:
// only get and get_subresource are enabled.
const operationAllow = "OPTIONS, GET"

// operations serves {prefix}/asyncoperations/... The caller holds s.mu.
//   - The collection has no action at all (get_list, create, delete_list
//     and update_list are disabled): 404, as AsyncOperationTest::
//     testTryToGetList, testTryToCreate and testTryToDeleteList expect.
//   - An operation answers GET; PATCH and DELETE get 405 "OPTIONS, GET".
//   - Its errors answer GET; other methods get 405 "OPTIONS, GET".
func (c *call) operations(segs []string) *response {
	switch {
	case len(segs) == 1:
		return c.fail(&apiError{Status: http.StatusNotFound, Title: titleNotFound, Detail: "No route found."})
	case len(segs) == 2:
		return c.operationRoute(func() *response { return c.getOperation(segs[1]) })
	case len(segs) == 3 && segs[2] == "errors":
		return c.operationRoute(func() *response { return c.operationErrors(segs[1]) })
	}
	return c.fail(&apiError{Status: http.StatusNotFound, Title: titleRelationship, Detail: "Unsupported subresource."})
}

// operationRoute answers the methods of a route that only allows GET.
func (c *call) operationRoute(get func() *response) *response {
	switch c.r.Method {
	case http.MethodGet, http.MethodHead:
		return get()
	case http.MethodOptions:
		resp := emptyResponse(http.StatusOK)
		resp.header.Set("Allow", operationAllow)
		return resp
	}
	resp := emptyResponse(http.StatusMethodNotAllowed)
	resp.header.Set("Allow", operationAllow)
	return resp
}

// lookupOperation finds an operation by id; 404 when there is none (also
// for one a synchronous request already deleted), with the detail the
// action words it in (notFound: "An entity with the requested identifier
// does not exist." for the operation itself).
func (c *call) lookupOperation(id string, notFound *apiError) (*operation, *response) {
	n, err := strconv.Atoi(id)
	op := c.s.ops[n]
	if err != nil || op == nil {
		return nil, c.fail(notFound)
	}
	return op, nil
}

// getOperation answers GET asyncoperations/{id}: 404 when it does not
// exist, 403 "No access to the entity." without VIEW permission.
func (c *call) getOperation(id string) *response {
	op, resp := c.lookupOperation(id, errNotFoundByID())
	if resp != nil {
		return resp
	}
	if c.s.denyView {
		return c.fail(&apiError{Status: http.StatusForbidden, Title: titleAccessDenied, Detail: "No access to the entity."})
	}
	if c.f == formatPlain {
		return c.ok(http.StatusOK, c.plainOperation(op))
	}
	return c.ok(http.StatusOK, map[string]any{"data": c.renderOperation(op)})
}

// operationURL is the operation's address (the Content-Location of a 202).
func (c *call) operationURL(op *operation) string {
	return c.base + "/" + operationsType + "/" + strconv.Itoa(op.id)
}

// renderOperation renders an operation as a JSON:API resource object, with
// its owner and organization: the API user and its organization.
func (c *call) renderOperation(op *operation) map[string]any {
	out := map[string]any{"type": operationsType, "id": strconv.Itoa(op.id), "attributes": op.attributes(),
		"relationships": map[string]any{
			"owner":        map[string]any{"data": Ref{Type: "users", ID: "1"}},
			"organization": map[string]any{"data": Ref{Type: "organizations", ID: "1"}},
		}}
	if !c.xinc["noHateoas"] {
		out["links"] = map[string]string{"self": c.operationURL(op)}
	}
	return out
}

// plainOperation renders an operation in the plain format.
func (c *call) plainOperation(op *operation) map[string]any {
	out := op.attributes()
	out["id"] = op.id
	out["owner"], out["organization"] = 1, 1
	return out
}

// operationErrors answers GET asyncoperations/{id}/errors (LoadErrors):
// 404 "The asynchronous operation does not exist.", 403 "No access to the
// asynchronous operation." without VIEW, otherwise a page of errors (10 by
// default; page[size]=-1 for all) with links as AsyncOperationErrorsTest
// shows them and X-Include: totalCount.
func (c *call) operationErrors(id string) *response {
	op, missing := c.lookupOperation(id, &apiError{Status: http.StatusNotFound, Title: titleNotFound,
		Detail: "The asynchronous operation does not exist."})
	if missing != nil {
		return missing
	}
	if c.s.denyView {
		return c.fail(&apiError{Status: http.StatusForbidden, Title: titleAccessDenied,
			Detail: "No access to the asynchronous operation."})
	}
	number, size, perr := c.errorsPage()
	if perr != nil {
		return c.fail(perr)
	}
	all := op.errorList()
	page := all
	more := false
	if size > 0 {
		start := min((number-1)*size, len(all))
		end := min(start+size, len(all))
		page, more = all[start:end], end < len(all)
	}
	var resp *response
	if c.f == formatPlain {
		items := []any{}
		for _, e := range page {
			item := errorAttributes(e)
			item["id"] = e.id
			items = append(items, item)
		}
		resp = c.ok(http.StatusOK, items)
	} else {
		data := []any{}
		for _, e := range page {
			data = append(data, map[string]any{"type": "asyncoperationerrors", "id": e.id, "attributes": errorAttributes(e)})
		}
		doc := map[string]any{"data": data}
		if !c.xinc["noHateoas"] {
			doc["links"] = c.errorsLinks(op, number, more)
		}
		resp = c.ok(http.StatusOK, doc)
	}
	if c.xinc["totalCount"] {
		resp.header.Set("X-Include-Total-Count", itoa(len(all)))
	}
	return resp
}

// errorsPage reads page[number] and page[size] (defaults 1 and 10).
func (c *call) errorsPage() (number, size int, err *apiError) {
	q := c.r.URL.Query()
	number, size = 1, defaultPageSize
	if v := q.Get("page[number]"); v != "" {
		if number, err = parsePageParam("page[number]", v, false); err != nil {
			return 0, 0, err
		}
	}
	if v := q.Get("page[size]"); v != "" {
		if size, err = parsePageParam("page[size]", v, true); err != nil {
			return 0, 0, err
		}
	}
	return number, size, nil
}

// errorAttributes renders a stored error as an asyncoperationerrors
// resource's attributes: status a number, as Oro's examples show it,
// source null or the pointer (propertyPath where Oro had no pointer).
func errorAttributes(e opError) map[string]any {
	var source any
	if e.Pointer != "" {
		source = map[string]string{"pointer": e.Pointer}
	}
	var detail any
	if e.Detail != "" {
		detail = e.Detail
	}
	return map[string]any{"status": e.Status, "title": e.Title, "detail": detail, "source": source}
}

// errorsLinks are the pagination links of the errors: self without a
// query, first and prev without page[number] for the first page, next
// when more errors follow (AsyncOperationErrorsTest::testPaginationLinks*,
// brackets percent-encoded there).
func (c *call) errorsLinks(op *operation, number int, more bool) map[string]string {
	self := c.operationURL(op) + "/errors"
	withPage := func(n int) string {
		q := url.Values{}
		if size := c.r.URL.Query().Get("page[size]"); size != "" {
			q.Set("page[size]", size)
		}
		if n > 1 {
			q.Set("page[number]", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return self
		}
		return self + "?" + q.Encode()
	}
	links := map[string]string{"self": self}
	if number > 1 {
		links["first"] = withPage(1)
		links["prev"] = withPage(number - 1)
	}
	if more {
		links["next"] = withPage(number + 1)
	}
	return links
}
