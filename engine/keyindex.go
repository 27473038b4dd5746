package engine

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
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

	mu     sync.Mutex
	asked  int           // per-record lookups so far
	cost   int           // requests reading the collection costs; 0 unknown
	ready  bool          // ids holds the whole collection
	failed bool          // counting or reading it failed: per-record lookups for good
	busy   chan struct{} // closed when the count or read under way ends
	// building is set while the collection is read; the run's writes
	// meanwhile wait in pending, as the pages may have been read before.
	building bool
	pending  [][2]string // id, value
	keys     *keySet     // the values and their records' ids
	// maxID is the highest id the index holds.
	maxID int64
	// catching serialises catchUp.
	catching sync.Mutex
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
	if len(match) != 1 {
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
// the index answered; otherwise the caller asks Oro for this record. While
// the collection is counted or read, lookups wait for it: its answer is
// worth the wait, and asking Oro meanwhile would cost what the index
// saves.
func (x *keyIndex) lookup(ctx context.Context, c OroCounter, value string) (ids []string, ok bool) {
	counted := false
	for {
		x.mu.Lock()
		if x.ready {
			ids = x.find(value)
			x.mu.Unlock()
			return ids, true
		}
		if x.failed {
			x.mu.Unlock()
			return nil, false
		}
		if busy := x.busy; busy != nil {
			x.mu.Unlock()
			select {
			case <-busy:
				continue
			case <-ctx.Done():
				return nil, false
			}
		}
		if !counted {
			x.asked++
			counted = true
		}
		var work func()
		switch {
		case x.cost == 0 && x.asked >= countAfter:
			work = func() { x.price(ctx, c) }
		case x.cost > 0 && x.asked >= x.cost:
			work = func() { x.build(ctx, c) }
		default:
			x.mu.Unlock()
			return nil, false
		}
		busy := make(chan struct{})
		x.busy = busy
		x.mu.Unlock()
		work()
		x.mu.Lock()
		x.busy = nil
		close(busy)
		x.mu.Unlock()
	}
}

// find answers from the index: exact matches, else matches without case
// (Oro may compare without it, as a batched lookup does).
func (x *keyIndex) find(value string) []string {
	var ids []string
	for _, id := range x.keys.find(value) {
		ids = append(ids, strconv.FormatInt(id, 10))
	}
	return ids
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
	x.mu.Lock()
	x.building = true
	x.mu.Unlock()
	q := url.Values{"fields[" + x.typ + "]": {x.field}, "page[size]": {fmt.Sprint(keyIndexPage)}}
	res, err := c.List(ctx, x.typ, q, 0)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.building = false
	pending := x.pending
	x.pending = nil
	if err != nil {
		x.failed = true
		return
	}
	x.keys, x.ready = newKeySet(), true
	for _, r := range res {
		x.setLocked(r.ID, filterFieldValue(r, x.field))
	}
	for _, p := range pending {
		x.setLocked(p[0], p[1])
	}
}

// set records that the run wrote record id with field value.
func (x *keyIndex) set(id, value string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	switch {
	case x.building:
		x.pending = append(x.pending, [2]string{id, value})
	case x.ready:
		x.setLocked(id, value)
	}
}

// setLocked records id's value. The index holds integer ids, which every
// Oro entity with a key index has (customers, customer users); a record
// with another id turns the index off, and natural keys are then looked up
// per record.
func (x *keyIndex) setLocked(id, value string) {
	if !x.ready {
		return
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		x.ready, x.failed, x.keys = false, true, nil
		return
	}
	x.keys.set(n, value)
	x.maxID = max(x.maxID, n)
}

// catchUp adds the records Oro created after the highest id the index
// holds (filter[id][gt], oro-api.md §8), when the run cannot know their
// ids: an asynchronous batch operation's, or those of a batch whose answer
// was lost. It reports whether the index is ready to answer. Ids from a
// sequence are not committed in order, so a record may still be missing:
// callers look a natural key the index does not know up in Oro.
func (x *keyIndex) catchUp(ctx context.Context, c OroCounter) bool {
	x.catching.Lock()
	defer x.catching.Unlock()
	x.mu.Lock()
	ok, after := x.ready, x.maxID
	x.mu.Unlock()
	if !ok {
		return false
	}
	q := url.Values{"fields[" + x.typ + "]": {x.field}, "filter[id][gt]": {strconv.FormatInt(after, 10)},
		"sort": {"id"}, "page[size]": {fmt.Sprint(keyIndexPage)}}
	res, err := c.List(ctx, x.typ, q, 0)
	if err != nil {
		return false
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, r := range res {
		x.setLocked(r.ID, filterFieldValue(r, x.field))
	}
	return x.ready
}

// OroCounter is what a key index needs from Oro (implemented by
// *oro.Client); without it natural keys are looked up per record.
type OroCounter interface {
	List(ctx context.Context, typ string, query url.Values, limit int) ([]oro.Resource, error)
	Count(ctx context.Context, typ string, query url.Values) (int, error)
}
