package state

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ResetWhat selects what Reset clears. Values combine with |.
type ResetWhat uint8

const (
	// ResetCheckpoint clears the incremental cursor: the next run fetches
	// everything again.
	ResetCheckpoint ResetWhat = 1 << iota
	// ResetIDs clears the id map: the next run looks records up again.
	ResetIDs
	// ResetAll clears checkpoint, id map and last-run record.
	ResetAll = ResetCheckpoint | ResetIDs
)

// String names the selection, e.g. "checkpoint", "ids", "all".
func (w ResetWhat) String() string {
	switch w {
	case ResetCheckpoint:
		return "checkpoint"
	case ResetIDs:
		return "ids"
	case ResetAll:
		return "all"
	}
	return fmt.Sprintf("ResetWhat(%d)", uint8(w))
}

// Check validates a reset selection of an instance, as every state store
// does.
func (w ResetWhat) Check(instance string) error {
	if w == 0 || w&^ResetAll != 0 {
		return fmt.Errorf("reset state of %s: invalid selection %s; use ResetCheckpoint, ResetIDs or ResetAll", instance, w)
	}
	return nil
}

// Reset clears state of one mapping of an instance, or of every mapping of
// the instance when mapping is "". Clearing what does not exist is no error.
func (s *Store) Reset(instance, mapping string, what ResetWhat) error {
	if err := CheckScope(instance, mapping, true); err != nil {
		return fmt.Errorf("reset state: %w", err)
	}
	if err := what.Check(instance); err != nil {
		return err
	}
	scope := "all mappings"
	if mapping != "" {
		scope = "mapping " + mapping
	}
	return s.update("reset "+what.String()+" of "+scope+" on "+instance, func(root *bolt.Bucket) error {
		inst := root.Bucket([]byte(instance))
		if inst == nil {
			return nil
		}
		if mapping != "" {
			return resetMapping(inst, []byte(mapping), what)
		}
		if what == ResetAll {
			return root.DeleteBucket([]byte(instance))
		}
		for _, name := range bucketNames(inst) {
			if err := resetMapping(inst, name, what); err != nil {
				return err
			}
		}
		return nil
	})
}

// resetMapping clears what from the mapping bucket name inside inst.
func resetMapping(inst *bolt.Bucket, name []byte, what ResetWhat) error {
	if what == ResetAll {
		return ignoreNotFound(inst.DeleteBucket(name))
	}
	m := inst.Bucket(name)
	if m == nil {
		return nil
	}
	if what&ResetIDs != 0 {
		for _, b := range [][]byte{idsBucket, revBucket} {
			if err := ignoreNotFound(m.DeleteBucket(b)); err != nil {
				return fmt.Errorf("mapping %s: %w", name, err)
			}
		}
	}
	if what&ResetCheckpoint != 0 {
		if meta := m.Bucket(metaBucket); meta != nil {
			if err := meta.Delete(checkpointKey); err != nil {
				return fmt.Errorf("mapping %s: %w", name, err)
			}
		}
	}
	return nil
}

// bucketNames lists the names of b's sub-buckets (copied out of the tx).
func bucketNames(b *bolt.Bucket) [][]byte {
	var names [][]byte
	_ = b.ForEachBucket(func(k []byte) error {
		names = append(names, clone(k))
		return nil
	})
	return names
}

// ignoreNotFound treats deleting an absent bucket as success.
func ignoreNotFound(err error) error {
	if errors.Is(err, berrors.ErrBucketNotFound) {
		return nil
	}
	return err
}
