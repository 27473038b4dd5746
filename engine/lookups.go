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

// lookups finds Oro records by filters, for lookup() placeholders, for
// natural keys (target.match) and for --verify. Queries by one filter that
// accepts comma lists (filter[sku]=a,b,c; the resources table's
// AllowArray) that arrive together are sent as one request of up to 100
// values. lookup() answers are cached for the run (reference data does
// not change under a run); natural-key answers are not, since the run's
// own writes change them.
type lookups struct {
	// window is how long a batchable query waits for others to join its
	// request; maxBatch caps the values per request. While busy reports
	// that a full round of requests already waits for a slot, the query
	// keeps waiting, window after window, up to maxWait: sent now it
	// would only queue, and meanwhile more queries join it (records admitted
	// one by one as others finish would otherwise make requests of 2 or 3
	// values).
	window   time.Duration
	maxWait  time.Duration
	maxBatch int
	busy     func() bool

	group   singleflight.Group
	mu      sync.Mutex
	cache   map[string]lookupResult
	batches map[batchKey]*lookupBatch // open batch per type, filter and caching
}

type lookupResult struct {
	id  string
	err error
}

// batchKey names an open batch: queries of one type by one filter, and
// whether their answers go to the cache.
type batchKey struct {
	typ, field string
	cached     bool
}

// lookupWindow is how long a batchable query waits for others, and
// lookupMaxWait how long at most while requests queue for a slot.
var (
	lookupWindow  = 5 * time.Millisecond
	lookupMaxWait = 250 * time.Millisecond
)

// newLookups returns the run's lookups; busy tells whether requests queue
// for a slot (nil: never). Each query is sent through the client its
// caller gives: the caller's mapping gate, which stops sending when the
// mapping stops.
func newLookups(busy func() bool) *lookups {
	return &lookups{window: lookupWindow, maxWait: lookupMaxWait, maxBatch: 100, busy: busy,
		cache: map[string]lookupResult{}, batches: map[batchKey]*lookupBatch{}}
}

// find returns the id of the one record of typ matching filter, for
// lookup(): no record is a *missingError, several are an error.
func (l *lookups) find(ctx context.Context, c OroClient, typ string, filter map[string]any) (string, error) {
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
	var ids []string
	if field, value, ok := batchable(typ, q); ok {
		ids, err = l.batched(ctx, c, batchKey{typ, field, true}, value)
	} else {
		var v any
		v, err, _ = l.group.Do(cacheKey, func() (any, error) { return list(ctx, c, typ, q) })
		ids, _ = v.([]string)
	}
	if err != nil {
		return "", err // not cached: it may be transient
	}
	r = resultOf(ids, typ, desc)
	l.store(cacheKey, r)
	return r.id, r.err
}

// match returns the ids of up to two records of typ matching filter, asked
// afresh (a natural key).
func (l *lookups) match(ctx context.Context, c OroClient, typ string, filter map[string]any) ([]string, error) {
	q, _, err := filterQuery(filter)
	if err != nil {
		return nil, err
	}
	if field, value, ok := batchable(typ, q); ok {
		return l.batched(ctx, c, batchKey{typ, field, false}, value)
	}
	return list(ctx, c, typ, q)
}

// list reads the ids of up to two records matching q.
func list(ctx context.Context, c OroClient, typ string, q url.Values) ([]string, error) {
	res, err := c.List(ctx, typ, q, 2)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(res))
	for i, r := range res {
		ids[i] = r.ID
	}
	return ids, nil
}

// resultOf turns the records matching one lookup() into its answer.
func resultOf(ids []string, typ, desc string) lookupResult {
	switch len(ids) {
	case 0:
		return lookupResult{err: &missingError{what: fmt.Sprintf("lookup(%q; %s)", typ, desc)}}
	case 1:
		return lookupResult{id: ids[0]}
	}
	return lookupResult{err: fmt.Errorf("several Oro records match (%s, %s, …): make the filter unique", ids[0], ids[1])}
}

func (l *lookups) store(cacheKey string, r lookupResult) {
	l.mu.Lock()
	l.cache[cacheKey] = r
	l.mu.Unlock()
}

// batchable reports whether a query is by one filter that accepts comma
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
	key     batchKey
	values  []string
	full    chan struct{} // closed when values reached the batch size
	done    chan struct{} // closed when matches (or err) are set
	matches map[string][]string
	err     error
}

// batched joins (or opens) the batch of key and returns the ids of the
// records whose field has value. The caller that opens a batch waits for
// others to join it (up to the window, or until it is full) and sends it.
func (l *lookups) batched(ctx context.Context, c OroClient, key batchKey, value string) ([]string, error) {
	b, opened := l.join(key, value)
	if opened {
		l.gather(ctx, b)
		l.flush(ctx, c, b)
	}
	select {
	case <-b.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if b.err != nil {
		return nil, b.err
	}
	return b.matches[value], nil
}

// gather waits while other queries join batch b: until it is full, or a
// window passed and requests do not queue (or maxWait passed).
func (l *lookups) gather(ctx context.Context, b *lookupBatch) {
	deadline := time.Now().Add(l.maxWait)
	t := time.NewTimer(l.window)
	defer t.Stop()
	for {
		select {
		case <-b.full:
			return
		case <-ctx.Done():
			return
		case <-t.C:
			if l.busy == nil || !l.busy() || !time.Now().Before(deadline) {
				return
			}
			t.Reset(l.window)
		}
	}
}

// join adds value to the open batch of key, opening one when there is
// none; a batch that reaches the size limit is closed to others.
func (l *lookups) join(key batchKey, value string) (b *lookupBatch, opened bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b = l.batches[key]
	if b == nil {
		b = &lookupBatch{key: key, full: make(chan struct{}), done: make(chan struct{})}
		l.batches[key] = b
		opened = true
	}
	if !slices.Contains(b.values, value) {
		b.values = append(b.values, value)
	}
	if len(b.values) >= l.maxBatch {
		delete(l.batches, key)
		close(b.full)
	}
	return b, opened
}

// flush sends the batch's request and sorts the records found by value
// (caching lookup() answers).
func (l *lookups) flush(ctx context.Context, c OroClient, b *lookupBatch) {
	l.mu.Lock()
	if l.batches[b.key] == b {
		delete(l.batches, b.key)
	}
	values := slices.Clone(b.values)
	l.mu.Unlock()
	defer close(b.done)

	typ, field := b.key.typ, b.key.field
	// Only the field is needed to tell the answers apart. Oro keeps a
	// record's identifier whatever the fieldset names and does not check the
	// names it is given (FilterFieldsByExtra in oroinc/platform's
	// ApiBundle), so fields[type]=id answers with ids alone.
	q := url.Values{
		"filter[" + field + "]": {strings.Join(values, ",")},
		"fields[" + typ + "]":   {field},
	}
	res, err := c.List(ctx, typ, q, 0)
	if err != nil {
		b.err = err // not cached: it may be transient
		return
	}
	byValue := map[string][]string{}
	byFolded := map[string][]string{} // Oro may compare without case
	for _, r := range res {
		v := filterFieldValue(r, field)
		byValue[v] = append(byValue[v], r.ID)
		byFolded[strings.ToLower(v)] = append(byFolded[strings.ToLower(v)], r.ID)
	}
	b.matches = make(map[string][]string, len(values))
	for _, v := range values {
		ids, ok := byValue[v]
		if !ok {
			ids = byFolded[strings.ToLower(v)]
		}
		b.matches[v] = ids
		if b.key.cached {
			single := url.Values{"filter[" + field + "]": {v}}
			l.store(typ+"?"+single.Encode(), resultOf(ids, typ, "{"+field+"="+v+"}"))
		}
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
