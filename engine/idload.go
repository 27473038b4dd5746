package engine

import (
	"sync"

	"github.com/orosync/orosync/engine/state"
)

// bulkLookup is implemented by state stores that read many id-map entries
// at once (both stores do: one read transaction in bbolt, one query in
// PostgreSQL).
type bulkLookup interface {
	LookupMany(instance, mapping string, keys []string) (map[string]state.Entry, error)
}

// entryReadsInFlight bounds the id-map reads of one mapping in flight; the
// records that ask meanwhile are read together in the next one.
const entryReadsInFlight = 2

// entryLoader merges the id-map reads of one mapping that records make at
// the same time into LookupMany calls. A read starts at once while fewer
// than entryReadsInFlight are running; otherwise its key joins the next
// read, which starts as soon as one finishes. So a read never waits for
// company, and a read always starts after it was asked for: it sees every
// entry committed before.
//
// BenchmarkStateBackends: on PostgreSQL, where every read is a round trip,
// a rerun of 3,000 unchanged records read each key in its own query.
type entryLoader struct {
	store    bulkLookup
	instance string
	mapping  string

	mu   sync.Mutex
	busy int
	next *entryRead // gathering while every slot is busy
}

// entryRead is one LookupMany call and the keys it serves.
type entryRead struct {
	keys    []string
	done    chan struct{}
	entries map[string]state.Entry
	err     error
}

func (l *entryLoader) lookup(key string) (state.Entry, bool, error) {
	l.mu.Lock()
	var r *entryRead
	if l.busy < entryReadsInFlight {
		l.busy++
		r = &entryRead{keys: []string{key}, done: make(chan struct{})}
		l.mu.Unlock()
		l.read(r)
	} else {
		if l.next == nil {
			l.next = &entryRead{done: make(chan struct{})}
		}
		r = l.next
		r.keys = append(r.keys, key)
		l.mu.Unlock()
	}
	<-r.done
	if r.err != nil {
		return state.Entry{}, false, r.err
	}
	e, ok := r.entries[key]
	return e, ok, nil
}

// read runs r and then, in the same slot, the reads that gathered while it
// ran, until none is waiting.
func (l *entryLoader) read(r *entryRead) {
	go func() {
		for r != nil {
			r.entries, r.err = l.store.LookupMany(l.instance, l.mapping, r.keys)
			close(r.done)
			l.mu.Lock()
			r, l.next = l.next, nil
			if r == nil {
				l.busy--
			}
			l.mu.Unlock()
		}
	}()
}
