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
	// Verified is when Oro last confirmed that the record exists (a write
	// or a check by `orosync run --verify`); zero means "when Updated".
	Verified time.Time `json:"verified,omitzero"`
}

// LastSeen is when Oro last confirmed the record: Verified, or Updated for
// entries that were never verified.
func (e Entry) LastSeen() time.Time {
	if e.Verified.After(e.Updated) {
		return e.Verified
	}
	return e.Updated
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
	if err := CheckScope(instance, mapping, false); err != nil {
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
	if err := CheckScope(instance, mapping, false); err != nil {
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
		rev, err := reverseIndex(mappingBucket(root, instance, mapping))
		if err != nil {
			return err
		}
		for i, k := range keys {
			if old := ids.Get([]byte(k)); old != nil {
				if err := unlinkReverse(rev, k, old); err != nil {
					return err
				}
			}
			if err := ids.Put([]byte(k), vals[i]); err != nil {
				return fmt.Errorf("put key %q: %w", k, err)
			}
			if err := rev.Put([]byte(entries[k].ID), []byte(k)); err != nil {
				return fmt.Errorf("put id %q: %w", entries[k].ID, err)
			}
		}
		return nil
	})
}

// KeyOf returns the source key the id map assigns Oro record id to, if any:
// one Oro record belongs to one source key.
func (s *Store) KeyOf(instance, mapping, id string) (string, bool, error) {
	if err := CheckScope(instance, mapping, false); err != nil {
		return "", false, fmt.Errorf("look up the key of id %s: %w", id, err)
	}
	var key string
	var found bool
	err := s.view(func(root *bolt.Bucket) error {
		mb := mappingBucket(root, instance, mapping)
		if rev := child(mb, revBucket); rev != nil {
			if v := rev.Get([]byte(id)); v != nil {
				key, found = string(v), true
			}
			return nil
		}
		// A store written before the reverse index existed: scan.
		ids := child(mb, idsBucket)
		if ids == nil {
			return nil
		}
		return ids.ForEach(func(k, v []byte) error {
			var e Entry
			if json.Unmarshal(v, &e) == nil && e.ID == id {
				key, found = string(k), true
			}
			return nil
		})
	})
	if err != nil {
		return "", false, fmt.Errorf("look up the key of id %s of mapping %s on %s in %s: %w", id, mapping, instance, s.path, err)
	}
	return key, found, nil
}

// reverseIndex returns the mapping's Oro id → source key bucket, creating
// it, and filling it from the id map when the store predates it.
func reverseIndex(mb *bolt.Bucket) (*bolt.Bucket, error) {
	if rev := mb.Bucket(revBucket); rev != nil {
		return rev, nil
	}
	rev, err := mb.CreateBucket(revBucket)
	if err != nil {
		return nil, fmt.Errorf("create reverse index: %w", err)
	}
	ids := mb.Bucket(idsBucket)
	if ids == nil {
		return rev, nil
	}
	err = ids.ForEach(func(k, v []byte) error {
		var e Entry
		if json.Unmarshal(v, &e) != nil || e.ID == "" {
			return nil
		}
		return rev.Put([]byte(e.ID), clone(k))
	})
	if err != nil {
		return nil, fmt.Errorf("fill reverse index: %w", err)
	}
	return rev, nil
}

// unlinkReverse removes the reverse entry of key's old entry, if it still
// points at key.
func unlinkReverse(rev *bolt.Bucket, key string, old []byte) error {
	var e Entry
	if json.Unmarshal(old, &e) != nil || e.ID == "" {
		return nil
	}
	if string(rev.Get([]byte(e.ID))) != key {
		return nil
	}
	if err := rev.Delete([]byte(e.ID)); err != nil {
		return fmt.Errorf("delete id %q: %w", e.ID, err)
	}
	return nil
}

// PrepareEntries validates the entries a store's Remember is given, as
// every state store does, and returns them in key order, a zero Updated
// set to now and times in UTC.
func PrepareEntries(instance, mapping string, entries map[string]Entry) ([]string, []Entry, error) {
	keys := make([]string, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	now := time.Now().UTC()
	out := make([]Entry, len(keys))
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
		if !e.Verified.IsZero() {
			e.Verified = e.Verified.UTC()
		}
		out[i] = e
	}
	return keys, out, nil
}

// encodeEntries validates and encodes entries outside the write transaction,
// in key order (sorted puts touch fewer pages).
func encodeEntries(instance, mapping string, entries map[string]Entry) ([]string, [][]byte, error) {
	keys, es, err := PrepareEntries(instance, mapping, entries)
	if err != nil {
		return nil, nil, err
	}
	vals := make([][]byte, len(keys))
	for i, k := range keys {
		v, err := json.Marshal(es[i])
		if err != nil {
			return nil, nil, fmt.Errorf("mapping %s on %s: encode entry for source key %q: %w", mapping, instance, k, err)
		}
		vals[i] = v
	}
	return keys, vals, nil
}

// Forget removes the entries of the given keys; missing keys are ignored.
func (s *Store) Forget(instance, mapping string, keys ...string) error {
	if err := CheckScope(instance, mapping, false); err != nil {
		return fmt.Errorf("forget ids: %w", err)
	}
	if len(keys) == 0 {
		return nil
	}
	return s.update("forget ids of mapping "+mapping+" on "+instance, func(root *bolt.Bucket) error {
		mb := mappingBucket(root, instance, mapping)
		ids := child(mb, idsBucket)
		if ids == nil {
			return nil
		}
		rev, err := reverseIndex(mb)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if k == "" {
				continue
			}
			if old := ids.Get([]byte(k)); old != nil {
				if err := unlinkReverse(rev, k, old); err != nil {
					return err
				}
			}
			if err := ids.Delete([]byte(k)); err != nil {
				return fmt.Errorf("delete key %q: %w", k, err)
			}
		}
		return nil
	})
}
