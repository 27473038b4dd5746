package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Checkpoint returns the incremental cursor of a mapping: the raw JSON value
// of the last fully acknowledged position, and whether one is stored.
func (s *Store) Checkpoint(instance, mapping string) (json.RawMessage, bool, error) {
	if err := CheckScope(instance, mapping, false); err != nil {
		return nil, false, fmt.Errorf("read checkpoint: %w", err)
	}
	var cursor json.RawMessage
	err := s.view(func(root *bolt.Bucket) error {
		meta := child(mappingBucket(root, instance, mapping), metaBucket)
		if meta != nil {
			cursor = clone(meta.Get(checkpointKey))
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("read checkpoint of mapping %s on %s in %s: %w", mapping, instance, s.path, err)
	}
	return cursor, cursor != nil, nil
}

// SetCheckpoint stores the incremental cursor of a mapping. The cursor must
// be one valid JSON value (a number keeps its exact digits); it is stored
// compacted. Call it only after Oro acknowledged every write up to it.
func (s *Store) SetCheckpoint(instance, mapping string, cursor json.RawMessage) error {
	if err := CheckScope(instance, mapping, false); err != nil {
		return fmt.Errorf("set checkpoint: %w", err)
	}
	compact, err := CompactCursor(instance, mapping, cursor)
	if err != nil {
		return err
	}
	return s.update("set checkpoint of mapping "+mapping+" on "+instance, func(root *bolt.Bucket) error {
		meta, err := createChild(root, instance, mapping, metaBucket)
		if err != nil {
			return err
		}
		return meta.Put(checkpointKey, compact)
	})
}

// CompactCursor checks that an incremental cursor is one JSON value and
// returns it compacted, with a number's exact digits, as every state store
// keeps it.
func CompactCursor(instance, mapping string, cursor json.RawMessage) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, cursor); err != nil || buf.Len() == 0 {
		if err == nil {
			err = errors.New("empty value")
		}
		return nil, fmt.Errorf("set checkpoint of mapping %s on %s: cursor is not a JSON value (%v); check the mapping's incremental cursor expression",
			mapping, instance, err)
	}
	return buf.Bytes(), nil
}
