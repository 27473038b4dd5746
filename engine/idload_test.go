package engine

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/orosync/orosync/engine/state"
)

// gatedBulk is a bulkLookup whose reads wait for a gate and are logged.
type gatedBulk struct {
	gate    chan struct{}
	entries map[string]state.Entry
	fail    error

	mu    sync.Mutex
	calls [][]string
}

func (g *gatedBulk) LookupMany(instance, mapping string, keys []string) (map[string]state.Entry, error) {
	g.mu.Lock()
	g.calls = append(g.calls, slices.Clone(keys))
	g.mu.Unlock()
	<-g.gate
	if g.fail != nil {
		return nil, g.fail
	}
	out := map[string]state.Entry{}
	for _, k := range keys {
		if e, ok := g.entries[k]; ok {
			out[k] = e
		}
	}
	return out, nil
}

func (g *gatedBulk) callCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.calls)
}

// TestEntryLoaderGathersReadsWhileBusy: reads start at once while a slot is
// free; keys asked while every slot is busy go together in one read, and
// every caller gets its own key's entry.
func TestEntryLoaderGathersReadsWhileBusy(t *testing.T) {
	g := &gatedBulk{gate: make(chan struct{}), entries: map[string]state.Entry{}}
	for i := range 50 {
		g.entries[fmt.Sprint("k", i)] = state.Entry{ID: fmt.Sprint(100 + i)}
	}
	l := &entryLoader{store: g, instance: "i", mapping: "m"}
	type answer struct {
		key string
		e   state.Entry
		ok  bool
		err error
	}
	answers := make(chan answer, 60)
	ask := func(key string) {
		go func() {
			e, ok, err := l.lookup(key)
			answers <- answer{key, e, ok, err}
		}()
	}
	// The first entryReadsInFlight reads start alone and hold the slots.
	for i := range entryReadsInFlight {
		ask(fmt.Sprint("k", i))
	}
	waitFor(t, func() bool { return g.callCount() == entryReadsInFlight })
	for i := entryReadsInFlight; i < 50; i++ {
		ask(fmt.Sprint("k", i))
	}
	ask("missing")
	waitFor(t, func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.next != nil && len(l.next.keys) == 50-entryReadsInFlight+1
	})
	if n := g.callCount(); n != entryReadsInFlight {
		t.Fatalf("%d reads started while every slot was busy, want %d", n, entryReadsInFlight)
	}
	close(g.gate)
	for range 51 {
		a := <-answers
		switch {
		case a.err != nil:
			t.Errorf("%s: %v", a.key, a.err)
		case a.key == "missing" && a.ok:
			t.Errorf("missing key found: %+v", a.e)
		case a.key != "missing" && (!a.ok || a.e.ID != g.entries[a.key].ID):
			t.Errorf("%s = %+v, %v; want %+v", a.key, a.e, a.ok, g.entries[a.key])
		}
	}
	if n := g.callCount(); n != entryReadsInFlight+1 {
		t.Errorf("%d reads, want %d: the keys asked while busy in one", n, entryReadsInFlight+1)
	}
	// Idle again: the next read starts at once, alone.
	if _, ok, err := l.lookup("k7"); !ok || err != nil {
		t.Errorf("lookup after the burst = %v, %v", ok, err)
	}
	if got := g.calls[len(g.calls)-1]; !slices.Equal(got, []string{"k7"}) {
		t.Errorf("last read = %v, want [k7]", got)
	}
}

func TestEntryLoaderPassesErrorsToEveryCaller(t *testing.T) {
	gate := make(chan struct{})
	close(gate)
	g := &gatedBulk{gate: gate, fail: errors.New("connection refused")}
	l := &entryLoader{store: g, instance: "i", mapping: "m"}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if _, _, err := l.lookup(fmt.Sprint("k", i)); err == nil || err.Error() != "connection refused" {
				t.Errorf("k%d: err = %v, want the store's error", i, err)
			}
		})
	}
	wg.Wait()
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}
