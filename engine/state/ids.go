package state

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Entry is what the id map holds for one source key.
type Entry struct {
	// ID is the Oro id of the record (JSON:API ids are strings).
	ID string `json:"id"`
	// Hash is the hash of the last document written for the key; the engine
	// compares it to skip unchanged records.
	Hash string `json:"hash,omitempty"`
	// Updated is when the entry was written. Remember fills a zero value.
	Updated time.Time `json:"updated"`
}

// Lookup returns the entry of one source key and whether it exists.
func (s *Store) Lookup(instance, mapping, key string) (Entry, bool, error) {
	m, err := s.LookupMany(instance, mapping, []string{key})
	if err != nil {
		return Entry{}, false, err
	}
	e, ok := m[key]
	return e, ok, nil
}

// LookupMany returns the entries of the given keys in one read transaction.
// Keys without an entry are absent from the result, which is never nil.
func (s *Store) LookupMany(instance, mapping string, keys []string) (map[string]Entry, error) {
	if err := checkScope(instance, mapping, false); err != nil {
		return nil, fmt.Errorf("look up ids: %w", err)
	}
	out := make(map[string]Entry, len(keys))
	err := s.view(func(root *bolt.Bucket) error {
		ids := child(mappingBucket(root, instance, mapping), idsBucket)
		if ids == nil {
			return nil
		}
		for _, k := range keys {
			v := ids.Get([]byte(k))
			if v == nil {
				continue
			}
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode id map entry %q: %w", k, err)
			}
			out[k] = e
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up ids of mapping %s on %s in %s: %w", mapping, instance, s.path, err)
	}
	return out, nil
}

// Remember stores entries (source key → entry) in one transaction. Entries
// with a zero Updated get the current time; times are stored in UTC. Call it only after Oro
// acknowledged the writes.
func (s *Store) Remember(instance, mapping string, entries map[string]Entry) error {
	if err := checkScope(instance, mapping, false); err != nil {
		return fmt.Errorf("remember ids: %w", err)
	}
	if len(entries) == 0 {
		return nil
	}
	keys, vals, err := encodeEntries(instance, mapping, entries)
	if err != nil {
		return err
	}
	return s.update("remember ids of mapping "+mapping+" on "+instance, func(root *bolt.Bucket) error {
		ids, err := createChild(root, instance, mapping, idsBucket)
		if err != nil {
			return err
		}
		for i, k := range keys {
			if err := ids.Put([]byte(k), vals[i]); err != nil {
				return fmt.Errorf("put key %q: %w", k, err)
			}
		}
		return nil
	})
}

// encodeEntries validates and encodes entries outside the write transaction,
// in key order (sorted puts touch fewer pages).
func encodeEntries(instance, mapping string, entries map[string]Entry) ([]string, [][]byte, error) {
	keys := make([]string, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	now := time.Now().UTC()
	vals := make([][]byte, len(keys))
	for i, k := range keys {
		if err := checkKey(instance, mapping, k); err != nil {
			return nil, nil, err
		}
		e := entries[k]
		if e.ID == "" {
			return nil, nil, fmt.Errorf("mapping %s on %s: entry for source key %q has no Oro id", mapping, instance, k)
		}
		if e.Updated.IsZero() {
			e.Updated = now
		}
		e.Updated = e.Updated.UTC()
		v, err := json.Marshal(e)
		if err != nil {
			return nil, nil, fmt.Errorf("mapping %s on %s: encode entry for source key %q: %w", mapping, instance, k, err)
		}
		vals[i] = v
	}
	return keys, vals, nil
}

// Forget removes the entries of the given keys; missing keys are ignored.
func (s *Store) Forget(instance, mapping string, keys ...string) error {
	if err := checkScope(instance, mapping, false); err != nil {
		return fmt.Errorf("forget ids: %w", err)
	}
	if len(keys) == 0 {
		return nil
	}
	return s.update("forget ids of mapping "+mapping+" on "+instance, func(root *bolt.Bucket) error {
		ids := child(mappingBucket(root, instance, mapping), idsBucket)
		if ids == nil {
			return nil
		}
		for _, k := range keys {
			if k == "" {
				continue
			}
			if err := ids.Delete([]byte(k)); err != nil {
				return fmt.Errorf("delete key %q: %w", k, err)
			}
		}
		return nil
	})
}
