package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/orosync/orosync/engine/state"
	"github.com/orosync/orosync/mappings"
)

// StateStore is the persistent id map and checkpoint store the engine uses
// (implemented by *state.Store, the embedded store, and *pgstate.Store,
// PostgreSQL shared by several machines, which is also a Locker).
type StateStore interface {
	Lookup(instance, mapping, key string) (state.Entry, bool, error)
	Remember(instance, mapping string, entries map[string]state.Entry) error
	Forget(instance, mapping string, keys ...string) error
	KeyOf(instance, mapping, id string) (string, bool, error)
	Checkpoint(instance, mapping string) (json.RawMessage, bool, error)
	SetCheckpoint(instance, mapping string, cursor json.RawMessage) error
	RecordRun(instance, mapping string, r state.RunInfo) error
	// Known reports whether a mapping has any state on the instance (it
	// ran against it).
	Known(instance, mapping string) (bool, error)
}

// Locker is implemented by state stores that several machines share (the
// PostgreSQL store): Lock takes the run lock of one mapping on one Oro
// instance for the mapping's run, without waiting, and fails with an error
// naming the run that holds it. When the store can no longer vouch for a
// held lock (its database session ended), it calls lost once with the
// reason, and the mapping stops. The engine checks for it with a type
// assertion; a store without it (the embedded store, whose file lock
// already admits one process) needs no lock.
type Locker interface {
	Lock(ctx context.Context, instance, mapping string, lost func(error)) (unlock func(), err error)
}

// idMap is the run's view of the id maps of every mapping (source key →
// Oro id and the hash of the last document written). In a real run it reads
// and writes the state store directly, an entry right after Oro
// acknowledged its write, so an interrupted run loses nothing it was told,
// and it keeps nothing in memory. A dry run writes nothing: it keeps the
// ids it would create in memory, but only for mappings a ref() may point at.
type idMap struct {
	store    StateStore // nil: no persistent state
	instance string
	dryRun   bool
	// referenced says which mappings a ref() may point at ("*": any).
	referenced map[string]bool

	commits *committer // a real run's writes, committed in groups

	mu      sync.Mutex
	pending map[string]map[string]state.Entry // dry run: mapping → key → entry
	loaders map[string]*entryLoader           // by mapping, for stores that read in bulk
}

// newIDMap returns the run's id map; close it when the run ends.
func newIDMap(store StateStore, instance string, dryRun bool, ms []*mappings.Mapping) *idMap {
	c := &idMap{store: store, instance: instance, dryRun: dryRun, referenced: referencedMappings(ms),
		pending: map[string]map[string]state.Entry{}}
	if !dryRun && c.persistent() {
		c.commits = newCommitter(store, instance)
	}
	return c
}

// close ends the group commits.
func (c *idMap) close() {
	if c.commits != nil {
		c.commits.close()
	}
}

// referencedMappings returns the mappings whose ids a ref() in some
// transform may ask for, as read from the parsed jq programs ("*" when a
// ref() computes the mapping name).
func referencedMappings(ms []*mappings.Mapping) map[string]bool {
	out := map[string]bool{}
	for _, m := range ms {
		names, computed := m.Transform.RefMappings()
		for _, n := range names {
			out[n] = true
		}
		if computed {
			out["*"] = true
		}
	}
	return out
}

func (c *idMap) persistent() bool { return c.store != nil && c.instance != "" }

// lookup returns the entry for a mapping's source key.
func (c *idMap) lookup(mapping, key string) (state.Entry, bool, error) {
	if c.dryRun {
		c.mu.Lock()
		e, ok := c.pending[mapping][key]
		c.mu.Unlock()
		if ok {
			return e, true, nil
		}
	}
	if !c.persistent() {
		return state.Entry{}, false, nil
	}
	var e state.Entry
	var ok bool
	var err error
	if l := c.loader(mapping); l != nil {
		e, ok, err = l.lookup(key)
	} else {
		e, ok, err = c.store.Lookup(c.instance, mapping, key)
	}
	if err != nil {
		return state.Entry{}, false, fmt.Errorf("read id map of %s: %w", mapping, err)
	}
	return e, ok, nil
}

// loader returns the mapping's entry loader, nil when the store cannot
// read in bulk.
func (c *idMap) loader(mapping string) *entryLoader {
	bulk, ok := c.store.(bulkLookup)
	if !ok {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.loaders[mapping]
	if l == nil {
		if c.loaders == nil {
			c.loaders = map[string]*entryLoader{}
		}
		l = &entryLoader{store: bulk, instance: c.instance, mapping: mapping}
		c.loaders[mapping] = l
	}
	return l
}

// keyOf returns the source key the id map assigns Oro record id to.
func (c *idMap) keyOf(mapping, id string) (string, bool, error) {
	if !c.persistent() {
		return "", false, nil
	}
	k, ok, err := c.store.KeyOf(c.instance, mapping, id)
	if err != nil {
		return "", false, fmt.Errorf("read id map of %s: %w", mapping, err)
	}
	return k, ok, nil
}

// keeps reports whether remember keeps entries of mapping: always in a real
// run, and in a dry run only for mappings a ref() may point at.
func (c *idMap) keeps(mapping string) bool {
	return !c.dryRun || c.referenced["*"] || c.referenced[mapping]
}

// remember records that Oro acknowledged key as id with the document hash.
// A dry run only remembers in memory what a ref() may need.
func (c *idMap) remember(mapping, key, id, hash string) error {
	now := time.Now().UTC()
	e := state.Entry{ID: id, Hash: hash, Updated: now, Verified: now}
	if c.dryRun {
		if c.keeps(mapping) {
			c.mu.Lock()
			m := c.pending[mapping]
			if m == nil {
				m = map[string]state.Entry{}
				c.pending[mapping] = m
			}
			m[key] = e
			c.mu.Unlock()
		}
		return nil
	}
	if !c.persistent() {
		return nil
	}
	return c.commits.put(mapping, key, e)
}

// touch stores an entry again as it is (after Oro confirmed the record).
func (c *idMap) touch(mapping, key string, e state.Entry) error {
	if c.dryRun || !c.persistent() {
		return nil
	}
	return c.commits.put(mapping, key, e)
}

// forget drops a stale entry (its Oro record was deleted).
func (c *idMap) forget(mapping, key string) error {
	if c.dryRun || !c.persistent() {
		return nil
	}
	if err := c.store.Forget(c.instance, mapping, key); err != nil {
		return fmt.Errorf("update id map of %s: %w", mapping, err)
	}
	return nil
}

// hashDoc returns the hash that detects unchanged documents.
func hashDoc(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:16])
}
