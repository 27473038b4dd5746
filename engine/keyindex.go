package engine

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/orosync/orosync/engine/oro"
	"github.com/orosync/orosync/resources"
)

// keyIndex holds the natural keys of a whole collection, read once, for a
// target.match on one field whose filter takes no comma list (a customer's
// name, a customer user's email): then every record would cost a GET of
// its own. The index is built when the per-record lookups already sent
// cost as many requests as reading the collection would (a count, then
// pages of 500), so a small run never reads a large collection and a large
// run costs about collection size / 500 requests. The run's own writes
// keep it current.
type keyIndex struct {
	typ, field string

	mu      sync.Mutex
	asked   int           // per-record lookups so far
	cost    int           // requests reading the collection costs; 0 unknown
	ready   bool          // ids holds the whole collection
	failed  bool          // reading it failed once: per-record lookups for good
	built   chan struct{} // closed when a build ended (nil: none started)
	ids     map[string][]string
	valueOf map[string]string // id → value, to move an id when its value changes
}

// keyIndexPage is the page size of reading a collection's keys.
const keyIndexPage = 500

// countAfter is how many per-record lookups come before the collection is
// counted (one request) to price the index.
const countAfter = 20

// newKeyIndex returns the mapping's key index, or nil when its natural
// key is not one field, or its filter takes comma lists (batched lookups
// serve it), or the client cannot count.
func (mr *mappingRun) newKeyIndex() *keyIndex {
	match := mr.m.Target.Match
	if len(match) != 1 || mr.r.opts.DryRun {
		return nil
	}
	if _, ok := mr.r.opts.Oro.(OroCounter); !ok {
		return nil
	}
	for field := range match {
		if f := resources.LookupOrGeneric(mr.m.Target.Type).Filter(field); f != nil && f.AllowArray {
			return nil
		}
		return &keyIndex{typ: mr.m.Target.Type, field: field}
	}
	return nil
}

// lookup returns the ids of the records whose field is value, and ok when
// the index answered; otherwise the caller asks Oro for this record, and
// the index may have started to build.
func (x *keyIndex) lookup(ctx context.Context, c OroCounter, value string) (ids []string, ok bool) {
	x.mu.Lock()
	if x.ready {
		ids = x.find(value)
		x.mu.Unlock()
		return ids, true
	}
	if x.failed || x.built != nil {
		built := x.built
		x.mu.Unlock()
		if built == nil {
			return nil, false
		}
		<-built // a build is under way: its answer is worth the wait
		return x.lookupReady(value)
	}
	x.asked++
	start := x.cost > 0 && x.asked >= x.cost
	count := x.cost == 0 && x.asked == countAfter
	if start {
		x.built = make(chan struct{})
	}
	x.mu.Unlock()
	switch {
	case count:
		x.price(ctx, c)
	case start:
		x.build(ctx, c)
		return x.lookupReady(value)
	}
	return nil, false
}

func (x *keyIndex) lookupReady(value string) ([]string, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.ready {
		return nil, false
	}
	return x.find(value), true
}

// find answers from the index: exact matches, else matches without case
// (Oro may compare without it, as a batched lookup does).
func (x *keyIndex) find(value string) []string {
	if ids := x.ids[value]; len(ids) > 0 {
		return append([]string(nil), ids...)
	}
	var out []string
	for v, ids := range x.ids {
		if strings.EqualFold(v, value) {
			out = append(out, ids...)
		}
	}
	return out
}

// price counts the collection and sets what reading it would cost.
func (x *keyIndex) price(ctx context.Context, c OroCounter) {
	n, err := c.Count(ctx, x.typ, nil)
	x.mu.Lock()
	defer x.mu.Unlock()
	if err != nil {
		x.failed = true
		return
	}
	x.cost = 1 + (n+keyIndexPage-1)/keyIndexPage
}

// build reads the field of every record of the collection.
func (x *keyIndex) build(ctx context.Context, c OroCounter) {
	q := url.Values{"fields[" + x.typ + "]": {x.field}, "page[size]": {fmt.Sprint(keyIndexPage)}}
	res, err := c.List(ctx, x.typ, q, 0)
	x.mu.Lock()
	defer func() {
		close(x.built)
		x.mu.Unlock()
	}()
	if err != nil {
		x.failed = true
		return
	}
	x.ids, x.valueOf = map[string][]string{}, map[string]string{}
	for _, r := range res {
		v := filterFieldValue(r, x.field)
		x.ids[v] = append(x.ids[v], r.ID)
		x.valueOf[r.ID] = v
	}
	x.ready = true
}

// set records that the run wrote record id with field value.
func (x *keyIndex) set(id, value string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.ready {
		return
	}
	if old, ok := x.valueOf[id]; ok {
		if old == value {
			return
		}
		ids := x.ids[old]
		for i, other := range ids {
			if other == id {
				x.ids[old] = append(ids[:i:i], ids[i+1:]...)
				break
			}
		}
	}
	x.ids[value] = append(x.ids[value], id)
	x.valueOf[id] = value
}

// OroCounter is what a key index needs from Oro (implemented by
// *oro.Client); without it natural keys are looked up per record.
type OroCounter interface {
	List(ctx context.Context, typ string, query url.Values, limit int) ([]oro.Resource, error)
	Count(ctx context.Context, typ string, query url.Values) (int, error)
}
