package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/orosync/orosync/engine/oro"
	"github.com/orosync/orosync/resources"
)

// lookups resolves lookup() placeholders against Oro. Every distinct query
// is asked once per run (its answer is cached), and lookups by one filter
// that accepts comma lists (filter[sku]=a,b,c) that arrive together are
// sent as one request.
type lookups struct {
	oro OroClient
	// window is how long a batchable lookup waits for others to join its
	// request; maxBatch caps the values per request.
	window   time.Duration
	maxBatch int

	group   singleflight.Group
	mu      sync.Mutex
	cache   map[string]lookupResult
	batches map[string]*lookupBatch // open batch per type and filter
}

type lookupResult struct {
	id  string
	err error
}

// lookupWindow is how long a batchable lookup waits for others.
var lookupWindow = 5 * time.Millisecond

func newLookups(c OroClient) *lookups {
	return &lookups{oro: c, window: lookupWindow, maxBatch: 100,
		cache: map[string]lookupResult{}, batches: map[string]*lookupBatch{}}
}

// find returns the id of the one record of typ matching filter.
func (l *lookups) find(ctx context.Context, typ string, filter map[string]any) (string, error) {
	q, desc, err := filterQuery(filter)
	if err != nil {
		return "", err
	}
	cacheKey := typ + "?" + q.Encode()
	l.mu.Lock()
	r, ok := l.cache[cacheKey]
	l.mu.Unlock()
	if ok {
		return r.id, r.err
	}
	if field, value, ok := batchable(typ, q); ok {
		return l.findBatched(ctx, typ, field, value, desc)
	}
	v, err, _ := l.group.Do(cacheKey, func() (any, error) {
		res, err := l.oro.List(ctx, typ, q, 2)
		if err != nil {
			return nil, err // not cached: it may be transient
		}
		r := resultOf(res, typ, desc)
		l.store(cacheKey, r)
		return r, nil
	})
	if err != nil {
		return "", err
	}
	r = v.(lookupResult)
	return r.id, r.err
}

// resultOf turns the records matching one lookup into its answer.
func resultOf(res []oro.Resource, typ, desc string) lookupResult {
	switch len(res) {
	case 0:
		return lookupResult{err: &missingError{what: fmt.Sprintf("lookup(%q; %s)", typ, desc)}}
	case 1:
		return lookupResult{id: res[0].ID}
	}
	return lookupResult{err: fmt.Errorf("several Oro records match (%s, %s, …): make the filter unique", res[0].ID, res[1].ID)}
}

func (l *lookups) store(cacheKey string, r lookupResult) {
	l.mu.Lock()
	l.cache[cacheKey] = r
	l.mu.Unlock()
}

// batchable reports whether a lookup is by one filter that accepts comma
// lists (the resources table's AllowArray), with a value that contains no
// comma.
func batchable(typ string, q url.Values) (field, value string, ok bool) {
	if len(q) != 1 {
		return "", "", false
	}
	for k, v := range q {
		field = strings.TrimSuffix(strings.TrimPrefix(k, "filter["), "]")
		value = v[0]
	}
	if strings.Contains(value, ",") {
		return "", "", false
	}
	f := resources.LookupOrGeneric(typ).Filter(field)
	return field, value, f != nil && f.AllowArray
}

// lookupBatch is one request for several values of one filter.
type lookupBatch struct {
	typ, field string
	values     []string
	full       chan struct{} // closed when values reached the batch size
	done       chan struct{} // closed when results (or err) are set
	results    map[string]lookupResult
	err        error
}

// findBatched joins (or opens) the batch for typ and field and waits for
// its answer. The caller that opens a batch waits for others to join it
// (up to the window, or until it is full) and then sends it.
func (l *lookups) findBatched(ctx context.Context, typ, field, value, desc string) (string, error) {
	b, opened := l.join(typ, field, value)
	if opened {
		select {
		case <-time.After(l.window):
		case <-b.full:
		case <-ctx.Done():
		}
		l.flush(ctx, b)
	}
	select {
	case <-b.done:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	if b.err != nil {
		return "", b.err
	}
	r, ok := b.results[value]
	if !ok {
		r = lookupResult{err: &missingError{what: fmt.Sprintf("lookup(%q; %s)", typ, desc)}}
	}
	return r.id, r.err
}

// join adds value to the open batch of typ and field, opening one when
// there is none; a batch that reaches the size limit is closed to others.
func (l *lookups) join(typ, field, value string) (b *lookupBatch, opened bool) {
	k := typ + "\x00" + field
	l.mu.Lock()
	defer l.mu.Unlock()
	b = l.batches[k]
	if b == nil {
		b = &lookupBatch{typ: typ, field: field, full: make(chan struct{}), done: make(chan struct{})}
		l.batches[k] = b
		opened = true
	}
	if !slices.Contains(b.values, value) {
		b.values = append(b.values, value)
	}
	if len(b.values) >= l.maxBatch {
		delete(l.batches, k)
		close(b.full)
	}
	return b, opened
}

// flush sends the batch's request and caches every value's answer.
func (l *lookups) flush(ctx context.Context, b *lookupBatch) {
	l.mu.Lock()
	if l.batches[b.typ+"\x00"+b.field] == b {
		delete(l.batches, b.typ+"\x00"+b.field)
	}
	values := slices.Clone(b.values)
	l.mu.Unlock()
	defer close(b.done)

	q := url.Values{"filter[" + b.field + "]": {strings.Join(values, ",")}}
	if b.field != "id" {
		// Only the field is needed to tell the answers apart. By id the
		// records come whole: whether Oro accepts fields[type]=id on every
		// version is not confirmed, so the safe form is none.
		q.Set("fields["+b.typ+"]", b.field)
	}
	res, err := l.oro.List(ctx, b.typ, q, 0)
	if err != nil {
		b.err = err // not cached: it may be transient
		return
	}
	byValue := map[string][]oro.Resource{}
	byFolded := map[string][]oro.Resource{} // Oro may compare without case
	for _, r := range res {
		v := filterFieldValue(r, b.field)
		byValue[v] = append(byValue[v], r)
		byFolded[strings.ToLower(v)] = append(byFolded[strings.ToLower(v)], r)
	}
	b.results = make(map[string]lookupResult, len(values))
	for _, v := range values {
		single := url.Values{"filter[" + b.field + "]": {v}}
		matches, ok := byValue[v]
		if !ok {
			matches = byFolded[strings.ToLower(v)]
		}
		r := resultOf(matches, b.typ, "{"+b.field+"="+v+"}")
		b.results[v] = r
		l.store(b.typ+"?"+single.Encode(), r)
	}
}

// filterFieldValue returns the value a record has for a filter: its id, an
// attribute, or the id of a to-one relationship.
func filterFieldValue(r oro.Resource, field string) string {
	if field == "id" {
		return r.ID
	}
	if v, ok := r.Attributes[field]; ok {
		switch v := v.(type) {
		case string:
			return v
		case json.Number:
			return v.String()
		}
		return fmt.Sprint(v)
	}
	if rel, ok := r.Relationships[field].(map[string]any); ok {
		if data, ok := rel["data"].(map[string]any); ok {
			if id, ok := data["id"].(string); ok {
				return id
			}
		}
	}
	return ""
}
