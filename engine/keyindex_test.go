package engine

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orosync/orosync/engine/oro"
)

// countingOro is an OroCounter over a fixed collection of names, counting
// its requests; listing may be held until release is closed.
type countingOro struct {
	names   []string // id i+1 has names[i]
	counts  atomic.Int32
	lists   atomic.Int32
	listing chan struct{} // closed when a List started (optional)
	release chan struct{} // List waits for it (optional)
	fail    error
}

func (c *countingOro) Count(ctx context.Context, typ string, q url.Values) (int, error) {
	c.counts.Add(1)
	return len(c.names), c.fail
}

func (c *countingOro) List(ctx context.Context, typ string, q url.Values, limit int) ([]oro.Resource, error) {
	c.lists.Add(1)
	if c.listing != nil {
		close(c.listing)
	}
	if c.release != nil {
		<-c.release
	}
	if q.Get("fields["+typ+"]") != "name" {
		return nil, fmt.Errorf("List %v: want only the key field", q)
	}
	after := -1
	if v := q.Get("filter[id][gt]"); v != "" {
		fmt.Sscan(v, &after)
		if q.Get("sort") != "id" {
			return nil, fmt.Errorf("List %v: a catch-up reads in id order", q)
		}
	}
	var out []oro.Resource
	for i, n := range c.names {
		if i+1 <= after {
			continue
		}
		out = append(out, oro.Resource{Type: typ, ID: fmt.Sprint(i + 1), Attributes: map[string]any{"name": n}})
	}
	return out, c.fail
}

func names(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("Customer %d", i))
	}
	return out
}

func TestKeyIndexIsBuiltWhenLookupsWouldCostMore(t *testing.T) {
	c := &countingOro{names: names(1200)} // 3 pages of 500 + the count: 4 requests
	x := &keyIndex{typ: "customers", field: "name"}
	ctx := context.Background()
	for i := range countAfter - 1 {
		if _, ok := x.lookup(ctx, c, fmt.Sprint("New ", i)); ok {
			t.Fatalf("lookup %d answered from an index before any was read", i)
		}
	}
	if c.counts.Load() != 0 {
		t.Fatalf("counted after %d lookups, want after %d", countAfter-1, countAfter)
	}
	// The 20th lookup prices the index (cost 4 ≤ 20 lookups): it is read
	// at once and answers.
	ids, ok := x.lookup(ctx, c, "Customer 1099")
	if !ok || len(ids) != 1 || ids[0] != "1100" {
		t.Fatalf("lookup = %v, %v; want id 1100 from the index", ids, ok)
	}
	if c.counts.Load() != 1 || c.lists.Load() != 1 {
		t.Errorf("%d counts and %d reads, want one each", c.counts.Load(), c.lists.Load())
	}
	if ids, ok := x.lookup(ctx, c, "customer 7"); !ok || len(ids) != 1 || ids[0] != "8" {
		t.Errorf("lookup without case = %v, %v; want id 8 (Oro compares names without case)", ids, ok)
	}
	if ids, ok := x.lookup(ctx, c, "Nobody"); !ok || len(ids) != 0 {
		t.Errorf("lookup of a new name = %v, %v; want no id, answered", ids, ok)
	}
}

func TestKeyIndexWaitsUntilLookupsPayForIt(t *testing.T) {
	c := &countingOro{names: names(30 * keyIndexPage)} // 31 requests to read
	x := &keyIndex{typ: "customers", field: "name"}
	ctx := context.Background()
	for i := range 30 {
		if _, ok := x.lookup(ctx, c, fmt.Sprint("New ", i)); ok {
			t.Fatalf("lookup %d answered before the index paid off", i)
		}
	}
	if c.counts.Load() != 1 || c.lists.Load() != 0 {
		t.Fatalf("%d counts, %d reads after 30 lookups; want the count only", c.counts.Load(), c.lists.Load())
	}
	if _, ok := x.lookup(ctx, c, "Customer 1"); !ok || c.lists.Load() != 1 {
		t.Errorf("the 31st lookup did not read the collection (reads: %d)", c.lists.Load())
	}
}

// TestKeyIndexKeepsWritesMadeWhileItIsRead: a record the run writes while
// the collection is read may be missing from the pages already read; the
// index must still know it, or a later record with the same natural key
// would create a duplicate instead of finding it.
func TestKeyIndexKeepsWritesMadeWhileItIsRead(t *testing.T) {
	c := &countingOro{names: names(10), listing: make(chan struct{}), release: make(chan struct{})}
	x := &keyIndex{typ: "customers", field: "name"}
	ctx := context.Background()
	for i := range countAfter - 1 {
		x.lookup(ctx, c, fmt.Sprint("New ", i))
	}
	var wg sync.WaitGroup
	wg.Go(func() { x.lookup(ctx, c, "Customer 1") })
	<-c.listing
	x.set("500", "Written Meanwhile")
	x.set("3", "Customer 2 renamed")
	close(c.release)
	wg.Wait()
	if ids, ok := x.lookup(ctx, c, "Written Meanwhile"); !ok || len(ids) != 1 || ids[0] != "500" {
		t.Errorf("lookup of a record written during the read = %v, %v; want id 500", ids, ok)
	}
	if ids, _ := x.lookup(ctx, c, "Customer 2"); len(ids) != 0 {
		t.Errorf("the renamed record is still found by its old name: %v", ids)
	}
	x.set("501", "Written After")
	if ids, ok := x.lookup(ctx, c, "Written After"); !ok || len(ids) != 1 || ids[0] != "501" {
		t.Errorf("lookup of a record written after the read = %v, %v; want id 501", ids, ok)
	}
}

func TestKeyIndexConcurrentLookupsShareOneRead(t *testing.T) {
	c := &countingOro{names: names(100)}
	x := &keyIndex{typ: "customers", field: "name"}
	ctx := context.Background()
	var wg sync.WaitGroup
	var answered atomic.Int32
	for i := range 200 {
		wg.Go(func() {
			if _, ok := x.lookup(ctx, c, fmt.Sprint("Customer ", i%100)); ok {
				answered.Add(1)
			}
		})
	}
	wg.Wait()
	if c.counts.Load() != 1 || c.lists.Load() != 1 {
		t.Errorf("%d counts and %d reads for 200 concurrent lookups; want one of each", c.counts.Load(), c.lists.Load())
	}
	if answered.Load() < 200-countAfter {
		t.Errorf("%d of 200 lookups answered by the index; the others should have waited for it", answered.Load())
	}
}

func TestKeyIndexFailureFallsBackToLookups(t *testing.T) {
	c := &countingOro{names: names(10), fail: errors.New("Oro is down")}
	x := &keyIndex{typ: "customers", field: "name"}
	ctx := context.Background()
	for i := range 3 * countAfter {
		if _, ok := x.lookup(ctx, c, fmt.Sprint("New ", i)); ok {
			t.Fatal("an index that could not be counted answered")
		}
	}
	if c.counts.Load() != 1 {
		t.Errorf("%d counts; a failed count is not retried for every record", c.counts.Load())
	}
}

// TestLookupsGatherWhileRequestsQueue: a batchable query waits for others
// beyond its window while requests queue for a slot (sending it would only
// queue it too), up to maxWait; with free slots it goes after its window.
func TestLookupsGatherWhileRequestsQueue(t *testing.T) {
	for _, tc := range []struct {
		name      string
		busy      bool
		wantLists int
	}{
		{"free slots: two requests", false, 2},
		{"requests queue: one request", true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var busy atomic.Bool
			busy.Store(tc.busy)
			l := newLookups(busy.Load)
			l.window, l.maxWait = 5*time.Millisecond, 5*time.Second
			o := newFakeOro()
			o.records["products"] = map[string]map[string]any{
				"1": {"type": "products", "id": "1", "attributes": map[string]any{"sku": "A"}},
				"2": {"type": "products", "id": "2", "attributes": map[string]any{"sku": "B"}},
			}
			ctx := context.Background()
			var wg sync.WaitGroup
			var got [2][]string
			wg.Go(func() { got[0], _ = l.match(ctx, o, "products", map[string]any{"sku": "A"}) })
			time.Sleep(50 * time.Millisecond) // ten windows later
			wg.Go(func() { got[1], _ = l.match(ctx, o, "products", map[string]any{"sku": "B"}) })
			time.Sleep(20 * time.Millisecond)
			busy.Store(false) // the queue drained: send
			wg.Wait()
			if n := o.callCount("GET products"); n != tc.wantLists {
				t.Errorf("%d requests, want %d", n, tc.wantLists)
			}
			if len(got[0]) != 1 || got[0][0] != "1" || len(got[1]) != 1 || got[1][0] != "2" {
				t.Errorf("answers %v, want [1] and [2]", got)
			}
		})
	}
}

func TestKeyIndexPrefersExactMatches(t *testing.T) {
	c := &countingOro{names: []string{"ACME", "Acme"}}
	x := &keyIndex{typ: "customers", field: "name"}
	ctx := context.Background()
	for range countAfter {
		x.lookup(ctx, c, "x")
	}
	if ids, ok := x.lookup(ctx, c, "Acme"); !ok || len(ids) != 1 || ids[0] != "2" {
		t.Errorf("Acme = %v, %v; want the exact match, id 2", ids, ok)
	}
	if ids, _ := x.lookup(ctx, c, "acme"); len(ids) != 2 {
		t.Errorf("acme = %v; want both records that match without case (a conflict)", ids)
	}
}

// TestKeyIndexCatchesUpWithRecordsOroCreated: after an asynchronous
// operation the index reads only the records with a higher id than it
// holds, in one paged request, and then knows their natural keys.
func TestKeyIndexCatchesUpWithRecordsOroCreated(t *testing.T) {
	c := &countingOro{names: names(10)}
	x := &keyIndex{typ: "customers", field: "name"}
	ctx := context.Background()
	if x.catchUp(ctx, c) {
		t.Fatal("an index that was never read caught up")
	}
	for range countAfter {
		x.lookup(ctx, c, "x")
	}
	x.set("11", "Customer 10") // the run's own write
	c.names = append(names(11), "Made by an operation", "Made too")
	reads := c.lists.Load()
	if !x.catchUp(ctx, c) {
		t.Fatal("catchUp failed")
	}
	if c.lists.Load() != reads+1 {
		t.Errorf("%d reads for a catch-up, want 1", c.lists.Load()-reads)
	}
	for name, want := range map[string]string{"Made by an operation": "12", "Made too": "13", "Customer 3": "4"} {
		if ids, ok := x.lookup(ctx, c, name); !ok || len(ids) != 1 || ids[0] != want {
			t.Errorf("lookup %q = %v, %v; want id %s", name, ids, ok, want)
		}
	}
	x.set("ABC", "Odd id")
	if x.catchUp(ctx, c) {
		t.Error("caught up by id although an id is not a number")
	}
}
