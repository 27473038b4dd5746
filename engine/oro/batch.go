package oro

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// BatchAnswer is Oro's answer to a Batch API request (PATCH on a
// collection, oro-api.md §10).
type BatchAnswer struct {
	// Status is 200 for a synchronous batch that was processed, or 202
	// when Oro accepted it as an asynchronous operation (asked for, or a
	// synchronous batch that took longer than Oro waits, or an Oro before
	// 6.0.4, which ignores X-Mode).
	Status int
	// Data holds the primary records of a processed synchronous batch, in
	// request order (Meta["dataId"] is the id the request gave, if any).
	Data []Resource
	// Included holds its included records (Meta["includeId"] is the
	// temporary id the request gave).
	Included []Resource
	// Operation is the id of the asynchronous operation (202).
	Operation string
}

// AsyncOperation is the state of an asynchronous batch operation
// (asyncoperations/{id}).
type AsyncOperation struct {
	ID string
	// Status is new, running, success, failed or cancelled. success can
	// come with ErrorCount > 0: the good records were written.
	Status string
	// Progress is the fraction done, 0..1 (-1 while Oro says null).
	Progress float64
	// The counts of the summary, filled when the operation ends.
	ReadCount, WriteCount, ErrorCount, CreateCount, UpdateCount int
}

// Finished reports whether the operation ended (success, failed or
// cancelled).
func (o AsyncOperation) Finished() bool {
	switch o.Status {
	case "success", "failed", "cancelled":
		return true
	}
	return false
}

// UpdateList sends one Batch API request: PATCH {APIURL}/{typ} with a list
// document ({"data": [...], "included": [...]}); sync adds X-Mode: sync
// (Oro 6.0.4+; older versions ignore it and answer 202). The request
// creates records, so a lost answer is not retried: the error is one
// MayHaveWritten reports, and the caller looks the records up first.
func (c *Client) UpdateList(ctx context.Context, typ string, doc []byte, sync bool) (*BatchAnswer, error) {
	if err := checkType(typ); err != nil {
		return nil, err
	}
	u, err := c.resolve(url.PathEscape(typ), nil)
	if err != nil {
		return nil, err
	}
	cl := call{method: http.MethodPatch, url: u, body: doc, resType: typ, collection: true, creates: true}
	if sync {
		cl.header = map[string]string{"X-Mode": "sync"}
	}
	res, err := c.roundTrip(ctx, cl)
	if err != nil {
		return nil, err
	}
	ans := &BatchAnswer{Status: res.Status}
	var wd wireListDocument
	if err := decodeJSON(res.Body, &wd); err != nil {
		return nil, c.decodeError(http.MethodPatch, typ, res, err)
	}
	if res.Status == http.StatusAccepted {
		var op wireResource
		if err := decodeData(wd.Data, &op); err != nil || scalarText(op.ID) == "" {
			return nil, c.decodeError(http.MethodPatch, typ, res, errors.New("the 202 answer names no asynchronous operation"))
		}
		ans.Operation = scalarText(op.ID)
		return ans, nil
	}
	var data []wireResource
	if err := decodeData(wd.Data, &data); err != nil {
		return nil, c.decodeError(http.MethodPatch, typ, res, err)
	}
	for _, w := range data {
		ans.Data = append(ans.Data, w.resource())
	}
	for _, w := range wd.Included {
		ans.Included = append(ans.Included, w.resource())
	}
	return ans, nil
}

// wireListDocument is a document whose data may be a list.
type wireListDocument struct {
	Data     json.RawMessage `json:"data"`
	Included []wireResource  `json:"included"`
	// Links are the pagination links; nil when Oro sent none (X-Include:
	// noHateoas, or the plain format).
	Links map[string]json.RawMessage `json:"links"`
}

// hasNext reports whether the document links a next page.
func (d *wireListDocument) hasNext() bool {
	next, ok := d.Links["next"]
	return ok && string(next) != "null" && string(next) != `""`
}

// AsyncOperation reads asyncoperations/{id}.
func (c *Client) AsyncOperation(ctx context.Context, id string) (*AsyncOperation, error) {
	r, err := c.Get(ctx, "asyncoperations", id)
	if err != nil {
		return nil, err
	}
	op := &AsyncOperation{ID: r.ID, Progress: -1}
	op.Status, _ = r.Attributes["status"].(string)
	if p, ok := r.Attributes["progress"].(json.Number); ok {
		op.Progress, _ = p.Float64()
	}
	if sum, ok := r.Attributes["summary"].(map[string]any); ok {
		count := func(k string) int {
			n, _ := strconv.Atoi(scalarText(sum[k]))
			return n
		}
		op.ReadCount, op.WriteCount, op.ErrorCount = count("readCount"), count("writeCount"), count("errorCount")
		op.CreateCount, op.UpdateCount = count("createCount"), count("updateCount")
	}
	return op, nil
}

// operationErrorPage is how many errors one page of
// asyncoperations/{id}/errors asks for (a variable for tests that read
// several pages of a few errors).
var operationErrorPage = 100

// AsyncOperationErrors reads every page of asyncoperations/{id}/errors
// (oro-api.md §10.1: paginated, 10 per page by default). Pointers keep the
// index of the original request.
func (c *Client) AsyncOperationErrors(ctx context.Context, id string) ([]ErrorObject, error) {
	var out []ErrorObject
	var prevFirst string
	for page := 1; ; page++ {
		q := url.Values{"page[size]": {strconv.Itoa(operationErrorPage)}, "page[number]": {strconv.Itoa(page)}}
		p := "asyncoperations/" + url.PathEscape(id) + "/errors"
		u, err := c.resolve(p, q)
		if err != nil {
			return out, err
		}
		// totalCount says when every error is read, whatever page size
		// the server really serves (links say it too when it omits the
		// count).
		res, err := c.roundTrip(ctx, call{method: http.MethodGet, url: u, resType: "asyncoperations",
			header: map[string]string{"X-Include": "totalCount"}})
		if err != nil {
			return out, err
		}
		total, countErr := strconv.Atoi(res.Header.Get("X-Include-Total-Count"))
		var wd wireListDocument
		var items []struct {
			ID         any `json:"id"`
			Attributes struct {
				Status any    `json:"status"`
				Code   any    `json:"code"`
				Title  string `json:"title"`
				Detail string `json:"detail"`
				Source *struct {
					Pointer      string `json:"pointer"`
					Parameter    string `json:"parameter"`
					PropertyPath string `json:"propertyPath"`
				} `json:"source"`
			} `json:"attributes"`
		}
		err = decodeJSON(res.Body, &wd)
		if err == nil {
			err = decodeData(wd.Data, &items)
		}
		if err != nil {
			return out, c.decodeError(http.MethodGet, p, res, err)
		}
		if len(items) > 0 {
			first, _ := json.Marshal(items[0])
			if page > 1 && string(first) == prevFirst {
				return out, fmt.Errorf("GET %s/%s: page %d repeats page %d: the server ignores page[number]", c.base, p, page, page-1)
			}
			prevFirst = string(first)
		}
		for _, it := range items {
			a := it.Attributes
			e := ErrorObject{Status: scalarText(a.Status), Code: scalarText(a.Code), Title: a.Title, Detail: a.Detail}
			if a.Source != nil {
				e.Pointer, e.Parameter = a.Source.Pointer, a.Source.Parameter
				if e.Pointer == "" && a.Source.PropertyPath != "" {
					e.Detail = strings.TrimSpace(e.Detail + " (" + a.Source.PropertyPath + ")")
				}
			}
			out = append(out, e)
		}
		var more bool
		switch {
		case countErr == nil:
			more = len(out) < total
		case wd.Links != nil:
			more = wd.hasNext()
		default:
			more = len(items) >= operationErrorPage
		}
		if !more || len(items) == 0 {
			return out, nil
		}
	}
}

// Count returns how many records of typ match query (filters), as Oro's
// X-Include-Total-Count answer header says, with one GET of one record.
func (c *Client) Count(ctx context.Context, typ string, query url.Values) (int, error) {
	if err := checkType(typ); err != nil {
		return 0, err
	}
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("page[size]", "1")
	u, err := c.resolve(url.PathEscape(typ), q)
	if err != nil {
		return 0, err
	}
	res, err := c.roundTrip(ctx, call{method: http.MethodGet, url: u, resType: typ, collection: true,
		header: map[string]string{"X-Include": "noHateoas;totalCount"}})
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(res.Header.Get("X-Include-Total-Count"))
	if err != nil {
		return 0, c.decodeError(http.MethodGet, typ, res, errors.New("the answer has no X-Include-Total-Count header"))
	}
	return n, nil
}
