package oro

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// Resource is one JSON:API resource object. Numbers inside Attributes,
// Relationships and Meta are json.Number, so ids, prices and quantities keep
// every digit.
type Resource struct {
	// Type is the resource type, e.g. "customers".
	Type string
	// ID is the resource id, always a string.
	ID string
	// Attributes, Relationships and Meta are the decoded JSON objects.
	Attributes    map[string]any
	Relationships map[string]any
	Meta          map[string]any
	// Included holds the document's "included" resources; it is set on the
	// primary resource returned by Create, Update and Get (their meta.includeId
	// maps temporary ids to Oro ids).
	Included []Resource
	// Status is the HTTP status of the answer that carried the resource on
	// Create, Update and Get: a POST with meta.upsert answers 200 when it
	// updated an existing record and 201 when it created one. It is 0 for
	// resources of List and Included.
	Status int
}

type wireResource struct {
	Type          string         `json:"type"`
	ID            any            `json:"id"`
	Attributes    map[string]any `json:"attributes"`
	Relationships map[string]any `json:"relationships"`
	Meta          map[string]any `json:"meta"`
}

type wireDocument struct {
	Data     json.RawMessage `json:"data"`
	Included []wireResource  `json:"included"`
}

func (w wireResource) resource() Resource {
	return Resource{Type: w.Type, ID: scalarText(w.ID), Attributes: w.Attributes, Relationships: w.Relationships, Meta: w.Meta}
}

// Create POSTs doc (a full JSON:API document) to {APIURL}/{typ} and returns
// the created resource.
func (c *Client) Create(ctx context.Context, typ string, doc []byte) (*Resource, error) {
	if err := checkType(typ); err != nil {
		return nil, err
	}
	res, err := c.Do(ctx, http.MethodPost, url.PathEscape(typ), nil, doc)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(res.Body)) == 0 {
		return c.fromLocation(http.MethodPost, typ, res)
	}
	return c.single(http.MethodPost, typ, res)
}

// Update PATCHes doc to {APIURL}/{typ}/{id} and returns the updated resource
// (just type and id when Oro answers 204).
func (c *Client) Update(ctx context.Context, typ, id string, doc []byte) (*Resource, error) {
	p, err := itemPath(typ, id)
	if err != nil {
		return nil, err
	}
	res, err := c.Do(ctx, http.MethodPatch, p, nil, doc)
	if err != nil {
		return nil, err
	}
	if res.Status == http.StatusNoContent || len(bytes.TrimSpace(res.Body)) == 0 {
		return &Resource{Type: typ, ID: id, Status: res.Status}, nil
	}
	return c.single(http.MethodPatch, p, res)
}

// Get reads {APIURL}/{typ}/{id}. A missing record is an *Error with
// Status 404 (not fatal).
func (c *Client) Get(ctx context.Context, typ, id string) (*Resource, error) {
	return c.GetWith(ctx, typ, id, nil)
}

// GetWith is Get with a query (include, fields[...]); the included
// resources are in the result's Included.
func (c *Client) GetWith(ctx context.Context, typ, id string, query url.Values) (*Resource, error) {
	p, err := itemPath(typ, id)
	if err != nil {
		return nil, err
	}
	res, err := c.Do(ctx, http.MethodGet, p, query, nil)
	if err != nil {
		return nil, err
	}
	return c.single(http.MethodGet, p, res)
}

// single decodes a document whose primary data is one resource.
func (c *Client) single(method, p string, res *Response) (*Resource, error) {
	var doc wireDocument
	var w wireResource
	err := decodeJSON(res.Body, &doc)
	if err == nil {
		err = decodeData(doc.Data, &w)
	}
	if err == nil && (w.Type == "" || scalarText(w.ID) == "") {
		err = errors.New("the answer's data has no type or id")
	}
	if err != nil {
		return nil, c.decodeError(method, p, res, err)
	}
	r := w.resource()
	r.Status = res.Status
	for _, inc := range doc.Included {
		r.Included = append(r.Included, inc.resource())
	}
	return &r, nil
}

// decodeData decodes the primary data of a document.
func decodeData(raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return errors.New(`the answer has no "data"`)
	}
	if err := decodeJSON(raw, v); err != nil {
		return fmt.Errorf(`cannot decode "data": %w`, err)
	}
	return nil
}

// fromLocation takes the id of a created resource from the Location header
// when Oro answered without a body.
func (c *Client) fromLocation(method, typ string, res *Response) (*Resource, error) {
	loc := res.Header.Get("Location")
	if loc == "" {
		return nil, c.decodeError(method, typ, res, errors.New("the answer has neither a body nor a Location header"))
	}
	u, err := url.Parse(loc)
	if err != nil || path.Base(u.Path) == "" || path.Base(u.Path) == "/" {
		return nil, c.decodeError(method, typ, res, fmt.Errorf("cannot take an id from Location %q", loc))
	}
	id, _ := url.PathUnescape(path.Base(u.Path))
	return &Resource{Type: typ, ID: id, Status: res.Status}, nil
}

// decodeError reports a 2xx answer that could not be used.
func (c *Client) decodeError(method, p string, res *Response, err error) *Error {
	u, _ := c.resolve(p, nil)
	e := c.newError(call{method: method, url: u, resType: strings.Split(p, "/")[0]}, res)
	e.Err = err
	return e
}

// defaultPageSize is the page size List asks for when query has none.
const defaultPageSize = 100

// List reads {APIURL}/{typ} with query (filters, sort, fields...), following
// pages with page[number] until a short page, and stops after limit
// resources (0 means all). An explicit page[size] in query is kept;
// page[size]=-1 reads everything in one request.
func (c *Client) List(ctx context.Context, typ string, query url.Values, limit int) ([]Resource, error) {
	if err := checkType(typ); err != nil {
		return nil, err
	}
	q, size, first, err := pageQuery(query, limit)
	if err != nil {
		return nil, err
	}
	var out []Resource
	var prevFirst string
	for page := first; ; page++ {
		if size > 0 {
			q.Set("page[number]", strconv.Itoa(page))
		}
		items, err := c.listPage(ctx, typ, q)
		if err != nil {
			return out, err
		}
		if page > first && len(items) > 0 && items[0].ID == prevFirst {
			return out, fmt.Errorf("GET %s/%s: page %d repeats page %d: the server ignores page[number]", c.base, typ, page, page-1)
		}
		out = append(out, items...)
		if limit > 0 && len(out) >= limit {
			return out[:limit], nil
		}
		if size <= 0 || len(items) < size {
			return out, nil
		}
		if len(items) > 0 {
			prevFirst = items[0].ID
		}
	}
}

// pageQuery copies query and decides the page size and first page.
func pageQuery(query url.Values, limit int) (url.Values, int, int, error) {
	q := url.Values{}
	for k, v := range query {
		q[k] = append([]string(nil), v...)
	}
	size := defaultPageSize
	if limit > 0 && limit < size {
		size = limit
	}
	if s := q.Get("page[size]"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n == 0 || n < -1 {
			return nil, 0, 0, fmt.Errorf("page[size]=%q: want a positive number or -1", s)
		}
		size = n
	}
	q.Set("page[size]", strconv.Itoa(size))
	first := 1
	if s := q.Get("page[number]"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, 0, 0, fmt.Errorf("page[number]=%q: want a positive number", s)
		}
		first = n
	}
	return q, size, first, nil
}

// listPage reads one page of a collection.
func (c *Client) listPage(ctx context.Context, typ string, q url.Values) ([]Resource, error) {
	p := url.PathEscape(typ)
	res, err := c.Do(ctx, http.MethodGet, p, q, nil)
	if err != nil {
		return nil, err
	}
	var doc wireDocument
	var ws []wireResource
	err = decodeJSON(res.Body, &doc)
	if err == nil {
		err = decodeData(doc.Data, &ws)
	}
	if err != nil {
		u, _ := c.resolve(p, q)
		e := c.newError(call{method: http.MethodGet, url: u, resType: typ, collection: true}, res)
		e.Err = err
		return nil, e
	}
	out := make([]Resource, len(ws))
	for i, w := range ws {
		out[i] = w.resource()
	}
	return out, nil
}

// checkType rejects resource types that cannot be a single path segment.
func checkType(typ string) error {
	if typ == "" || strings.ContainsAny(typ, "/?#% \t\r\n") {
		return fmt.Errorf("invalid Oro resource type %q: want a JSON:API type such as \"customers\"", typ)
	}
	return nil
}

// itemPath builds {typ}/{id} with the id escaped.
func itemPath(typ, id string) (string, error) {
	if err := checkType(typ); err != nil {
		return "", err
	}
	if id == "" {
		return "", fmt.Errorf("empty id for Oro resource type %q", typ)
	}
	return url.PathEscape(typ) + "/" + url.PathEscape(id), nil
}

// Ping checks the settings: one token request (unless a token is cached)
// and GET organizations?page[size]=1. A 403 counts as success: the token was
// accepted and the API is on, only this resource is not permitted.
func (c *Client) Ping(ctx context.Context) error {
	if _, err := c.token(ctx); err != nil {
		return err
	}
	q := url.Values{"page[size]": {"1"}}
	_, err := c.listPage(ctx, "organizations", q)
	var e *Error
	switch {
	case errors.As(err, &e) && e.Status == http.StatusForbidden:
		return nil
	case e != nil && e.Status >= 200 && e.Status < 300:
		return fmt.Errorf("%s does not answer like Oro's JSON:API (check ORO_API_URL): %w", c.base, err)
	}
	return err
}
