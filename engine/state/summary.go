package state

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// RunInfo records the last run of a mapping, for `orosync state show`.
type RunInfo struct {
	Started   time.Time `json:"started"`
	Finished  time.Time `json:"finished"`
	Read      int       `json:"read"`      // source records read
	Written   int       `json:"written"`   // documents Oro acknowledged
	Unchanged int       `json:"unchanged"` // skipped because the document hash matched
	Skipped   int       `json:"skipped"`   // deliberately skipped by the mapping
	Failed    int       `json:"failed"`    // dead-lettered
}

// MappingState summarises the state of one mapping of one instance.
type MappingState struct {
	Instance   string
	Mapping    string
	IDs        int             // number of entries in the id map
	Checkpoint json.RawMessage // nil if none
	LastRun    *RunInfo        // nil if no run was recorded
}

// UTC returns r with its times in UTC, as every state store keeps them.
func (r RunInfo) UTC() RunInfo {
	r.Started, r.Finished = r.Started.UTC(), r.Finished.UTC()
	return r
}

// RecordRun stores r as the last run of a mapping (times in UTC).
func (s *Store) RecordRun(instance, mapping string, r RunInfo) error {
	if err := CheckScope(instance, mapping, false); err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	v, err := json.Marshal(r.UTC())
	if err != nil {
		return fmt.Errorf("record run of mapping %s on %s: %w", mapping, instance, err)
	}
	return s.update("record run of mapping "+mapping+" on "+instance, func(root *bolt.Bucket) error {
		meta, err := createChild(root, instance, mapping, metaBucket)
		if err != nil {
			return err
		}
		return meta.Put(runKey, v)
	})
}

// Summary lists the state of every mapping of every instance, sorted by
// instance, then mapping (bbolt's byte order). Counting an id map walks it,
// so the cost grows with the number of entries.
func (s *Store) Summary() ([]MappingState, error) {
	var out []MappingState
	err := s.view(func(root *bolt.Bucket) error {
		if root == nil {
			return nil
		}
		return root.ForEachBucket(func(inst []byte) error {
			ib := root.Bucket(inst)
			return ib.ForEachBucket(func(m []byte) error {
				ms, err := mappingState(ib.Bucket(m))
				if err != nil {
					return fmt.Errorf("mapping %s on %s: %w", m, inst, err)
				}
				ms.Instance, ms.Mapping = string(inst), string(m)
				out = append(out, ms)
				return nil
			})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("summarise state store %s: %w", s.path, err)
	}
	return out, nil
}

// mappingState reads the summary of one mapping bucket.
func mappingState(m *bolt.Bucket) (MappingState, error) {
	var ms MappingState
	if ids := m.Bucket(idsBucket); ids != nil {
		ms.IDs = ids.Stats().KeyN
	}
	meta := m.Bucket(metaBucket)
	if meta == nil {
		return ms, nil
	}
	ms.Checkpoint = clone(meta.Get(checkpointKey))
	if v := meta.Get(runKey); v != nil {
		ms.LastRun = new(RunInfo)
		if err := json.Unmarshal(v, ms.LastRun); err != nil {
			return ms, fmt.Errorf("decode last run: %w", err)
		}
	}
	return ms, nil
}

// Known reports whether the store holds anything of a mapping on an
// instance: id-map entries, a checkpoint or a recorded run. A mapping that
// is not known has never run against that Oro.
func (s *Store) Known(instance, mapping string) (bool, error) {
	if err := CheckScope(instance, mapping, false); err != nil {
		return false, fmt.Errorf("known: %w", err)
	}
	known := false
	err := s.view(func(root *bolt.Bucket) error {
		mb := mappingBucket(root, instance, mapping)
		if mb == nil {
			return nil
		}
		if k, _ := mb.Cursor().First(); k == nil {
			return nil // an empty bucket (state reset --all)
		}
		return mb.ForEachBucket(func(name []byte) error {
			if k, _ := mb.Bucket(name).Cursor().First(); k != nil {
				known = true
			}
			return nil
		})
	})
	return known, err
}
