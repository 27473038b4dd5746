package sandbox

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/orosync/orosync/resources"
)

// call is one authenticated, negotiated API request.
type call struct {
	s      *Server
	r      *http.Request
	f      format
	sp     *resourceSpec
	origin string          // scheme://host of the request
	base   string          // absolute API base URL (origin + prefix)
	xinc   map[string]bool // X-Include keys
}

// handleAPI serves {APIPrefix}/... The caller holds s.mu.
func (s *Server) handleAPI(r *http.Request, segs []string) *response {
	if resp := s.authenticate(r); resp != nil {
		return resp
	}
	f, resp := negotiate(r)
	if resp != nil {
		return resp
	}
	origin := requestOrigin(r)
	c := &call{s: s, r: r, f: f, origin: origin, base: origin + s.opts.APIPrefix, xinc: xInclude(r)}
	if segs[0] == operationsType {
		return c.operations(segs)
	}
	if c.sp = s.st.spec(segs[0]); c.sp == nil {
		return errorResponse(f, &apiError{Status: http.StatusNotFound, Title: titleEntityType,
			Detail: fmt.Sprintf("Unknown entity type: %s.", segs[0])})
	}
	switch {
	case len(segs) == 1:
		return c.collection()
	case len(segs) == 2:
		return c.item(segs[1])
	case len(segs) == 3:
		return c.subresource(segs[1], segs[2], false)
	case len(segs) == 4 && segs[2] == "relationships":
		return c.subresource(segs[1], segs[3], true)
	}
	return errorResponse(f, &apiError{Status: http.StatusNotFound, Title: titleNotFound, Detail: "No route found."})
}

func requestOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func xInclude(r *http.Request) map[string]bool {
	out := map[string]bool{}
	for _, v := range r.Header.Values("X-Include") {
		for k := range strings.SplitSeq(v, ";") {
			out[strings.TrimSpace(k)] = true
		}
	}
	return out
}

func (c *call) collection() *response {
	switch c.r.Method {
	case http.MethodGet, http.MethodHead:
		return c.allowed(resources.List, true, c.list)
	case http.MethodPost:
		return c.allowed(resources.Create, true, c.create)
	case http.MethodDelete:
		return c.allowed(resources.DeleteList, true, c.deleteList)
	case http.MethodPatch:
		return c.updateList()
	case http.MethodOptions:
		return c.options(true)
	}
	return c.notAllowed(true)
}

func (c *call) item(id string) *response {
	switch c.r.Method {
	case http.MethodGet, http.MethodHead:
		return c.allowed(resources.Get, false, func() *response { return c.get(id) })
	case http.MethodPatch:
		return c.allowed(resources.Update, false, func() *response { return c.update(id) })
	case http.MethodDelete:
		return c.allowed(resources.Delete, false, func() *response { return c.delete(id) })
	case http.MethodOptions:
		return c.options(false)
	}
	return c.notAllowed(false)
}

func (c *call) allowed(a resources.Action, collection bool, handle func() *response) *response {
	if !c.sp.Allows(a) {
		return c.notAllowed(collection)
	}
	return handle()
}

// allow lists the methods enabled on the collection or item route the way
// Oro's Allow header does: OPTIONS first, then GET, PATCH, POST, DELETE in
// that order, and "" when nothing but OPTIONS is left (platform ApiBundle
// Processor/Shared/SetHttpAllowHeader::getAllowedHttpMethods;
// SetHttpAllowHeaderForSingleItemTest expects "OPTIONS, GET, PATCH",
// UpdateListTest "OPTIONS, GET, DELETE" for a collection).
func (c *call) allow(collection bool) string {
	var m []string
	add := func(a resources.Action, method string) {
		if c.sp.Allows(a) {
			m = append(m, method)
		}
	}
	if collection {
		add(resources.List, http.MethodGet)
		if c.updateListEnabled() {
			m = append(m, http.MethodPatch)
		}
		add(resources.Create, http.MethodPost)
		add(resources.DeleteList, http.MethodDelete)
	} else {
		add(resources.Get, http.MethodGet)
		add(resources.Update, http.MethodPatch)
		add(resources.Delete, http.MethodDelete)
	}
	if len(m) == 0 {
		return ""
	}
	return strings.Join(append([]string{http.MethodOptions}, m...), ", ")
}

// notAllowed is Oro's 405: an Allow header and no body
// (ErrorStatusCodesWithoutContentTrait). A route where nothing but OPTIONS
// is allowed answers 404 instead (SetHttpAllowHeader sets 404 when no
// method is left; the body of that 404 is unconfirmed, the stand-in sends
// Oro's usual not-found document).
func (c *call) notAllowed(collection bool) *response {
	allow := c.allow(collection)
	if allow == "" {
		return c.fail(&apiError{Status: http.StatusNotFound, Title: titleNotFound, Detail: "No route found."})
	}
	resp := emptyResponse(http.StatusMethodNotAllowed)
	resp.header.Set("Allow", allow)
	return resp
}

func (c *call) options(collection bool) *response {
	allow := c.allow(collection)
	if allow == "" {
		return c.notAllowed(collection)
	}
	resp := emptyResponse(http.StatusOK)
	resp.header.Set("Allow", allow)
	return resp
}

func (c *call) renderer(fields map[string][]string) *renderer {
	return &renderer{st: c.s.st, base: c.base, links: !c.xinc["noHateoas"], fields: fields}
}

func (c *call) ok(status int, doc any) *response {
	if c.f == formatPlain {
		return jsonResponse(status, mediaJSON, doc)
	}
	return jsonResponse(status, mediaJSONAPI, doc)
}

func (c *call) fail(errs ...*apiError) *response { return errorResponse(c.f, errs...) }

func (c *call) notFound() *response { return c.fail(errNotFoundByID()) }

// errNotFoundByID is Oro's 404 for a record id that does not exist.
func errNotFoundByID() *apiError {
	return &apiError{Status: http.StatusNotFound, Title: titleNotFound, Detail: detailNotFoundByID}
}

func (c *call) get(id string) *response {
	rec := c.s.st.get(c.sp.Type, id)
	if rec == nil {
		return c.notFound()
	}
	lq, errs := parseListQuery(&resourceSpec{Resource: &resources.Resource{Type: c.sp.Type, Rels: c.sp.Rels}}, readParams(c.r.URL.Query()))
	if len(errs) > 0 {
		return c.fail(errs...)
	}
	rd := c.renderer(lq.fields)
	if c.f == formatPlain {
		return c.ok(http.StatusOK, rd.plain(rec))
	}
	doc := map[string]any{"data": rd.resource(rec)}
	if len(lq.include) > 0 {
		doc["included"] = rd.related([]*Resource{rec}, lq.include)
	}
	return c.ok(http.StatusOK, doc)
}

// readParams keeps the query parameters that apply to a single record.
func readParams(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		if k == "include" || k == "fields" || strings.HasPrefix(k, "fields[") {
			out[k] = v
		}
	}
	return out
}

func (c *call) delete(id string) *response {
	rec := c.s.st.get(c.sp.Type, id)
	if rec == nil {
		return c.notFound()
	}
	c.s.st.remove(rec)
	return emptyResponse(http.StatusNoContent)
}

// readBody reads the request body, capped at maxBody.
func (c *call) readBody() ([]byte, *apiError) {
	body, err := io.ReadAll(io.LimitReader(c.r.Body, maxBody))
	if err != nil {
		return nil, badPointer(titleBadRequest, "The request body could not be read.", "")
	}
	return body, nil
}

func (c *call) location(r *Resource) string {
	return c.base + "/" + r.Type + "/" + url.PathEscape(r.ID)
}

func itoa(n int) string { return strconv.Itoa(n) }
