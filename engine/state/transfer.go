package state

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	bolt "go.etcd.io/bbolt"
)

// ExportFormat names the JSON Lines format of Export in its first line.
const ExportFormat = "orosync-state"

// Exporter is a state store whose whole content can be read (*Store and
// the PostgreSQL store).
type Exporter interface {
	Summary() ([]MappingState, error)
	ForEachEntry(instance, mapping string, fn func(key string, e Entry) error) error
}

// Importer is a state store that can be written (*Store and the
// PostgreSQL store).
type Importer interface {
	Remember(instance, mapping string, entries map[string]Entry) error
	SetCheckpoint(instance, mapping string, cursor json.RawMessage) error
	RecordRun(instance, mapping string, r RunInfo) error
}

// exportLine is one line of the export format. Kind is "header" (first
// line: Format and Version), "checkpoint", "run" or "id".
type exportLine struct {
	Kind       string          `json:"kind"`
	Format     string          `json:"format,omitempty"`
	Version    int             `json:"version,omitempty"`
	Instance   string          `json:"instance,omitempty"`
	Mapping    string          `json:"mapping,omitempty"`
	Checkpoint json.RawMessage `json:"checkpoint,omitempty"`
	Run        *RunInfo        `json:"run,omitempty"`
	Key        string          `json:"key,omitempty"`
	Entry      *Entry          `json:"entry,omitempty"`
}

// ForEachEntry calls fn with every id-map entry of a mapping, in key order,
// until fn returns an error (which it returns).
func (s *Store) ForEachEntry(instance, mapping string, fn func(key string, e Entry) error) error {
	return s.view(func(root *bolt.Bucket) error {
		ids := child(mappingBucket(root, instance, mapping), idsBucket)
		if ids == nil {
			return nil
		}
		return ids.ForEach(func(k, v []byte) error {
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode id map entry %q of mapping %s on %s: %w", k, mapping, instance, err)
			}
			return fn(string(k), e)
		})
	})
}

// Export writes the whole content of src to w as JSON Lines: a header line,
// then per mapping its checkpoint, its last run and every id-map entry. It
// returns the number of id-map entries written.
func Export(w io.Writer, src Exporter) (int, error) {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(exportLine{Kind: "header", Format: ExportFormat, Version: 1}); err != nil {
		return 0, fmt.Errorf("export state: %w", err)
	}
	rows, err := src.Summary()
	if err != nil {
		return 0, fmt.Errorf("export state: %w", err)
	}
	n := 0
	for _, r := range rows {
		if r.Checkpoint != nil {
			if err := enc.Encode(exportLine{Kind: "checkpoint", Instance: r.Instance, Mapping: r.Mapping, Checkpoint: r.Checkpoint}); err != nil {
				return n, fmt.Errorf("export state: %w", err)
			}
		}
		if r.LastRun != nil {
			if err := enc.Encode(exportLine{Kind: "run", Instance: r.Instance, Mapping: r.Mapping, Run: r.LastRun}); err != nil {
				return n, fmt.Errorf("export state: %w", err)
			}
		}
		err := src.ForEachEntry(r.Instance, r.Mapping, func(key string, e Entry) error {
			n++
			return enc.Encode(exportLine{Kind: "id", Instance: r.Instance, Mapping: r.Mapping, Key: key, Entry: &e})
		})
		if err != nil {
			return n, fmt.Errorf("export state of mapping %s on %s: %w", r.Mapping, r.Instance, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("export state: %w", err)
	}
	return n, nil
}

// importBatch is how many id-map entries Import writes per transaction.
const importBatch = 1000

// Import reads what Export wrote and stores it in dst, over what dst holds
// (entries of the same keys, checkpoints and runs are replaced; nothing is
// deleted). It returns the number of id-map entries stored.
func Import(r io.Reader, dst Importer) (int, error) {
	dec := json.NewDecoder(bufio.NewReader(r))
	var head exportLine
	if err := dec.Decode(&head); err != nil || head.Kind != "header" || head.Format != ExportFormat {
		return 0, errors.New("import state: the input does not start with an orosync state export header; create it with `orosync state export`")
	}
	if head.Version != 1 {
		return 0, fmt.Errorf("import state: export format version %d is not supported by this orosync (1); upgrade orosync", head.Version)
	}
	n, line := 0, 1
	var pendInst, pendMap string
	pending := map[string]Entry{}
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		if err := dst.Remember(pendInst, pendMap, pending); err != nil {
			return err
		}
		n += len(pending)
		pending = map[string]Entry{}
		return nil
	}
	for {
		var l exportLine
		err := dec.Decode(&l)
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			return n, fmt.Errorf("import state: line %d: %w", line, err)
		}
		if l.Instance == "" || l.Mapping == "" {
			return n, fmt.Errorf("import state: line %d: no instance or mapping", line)
		}
		if l.Kind == "id" && (pendInst != l.Instance || pendMap != l.Mapping || len(pending) >= importBatch) || l.Kind != "id" {
			if err := flush(); err != nil {
				return n, fmt.Errorf("import state: line %d: %w", line, err)
			}
			pendInst, pendMap = l.Instance, l.Mapping
		}
		switch l.Kind {
		case "id":
			if l.Entry == nil {
				return n, fmt.Errorf("import state: line %d: id line without entry", line)
			}
			pending[l.Key] = *l.Entry
			continue
		case "checkpoint":
			err = dst.SetCheckpoint(l.Instance, l.Mapping, l.Checkpoint)
		case "run":
			if l.Run == nil {
				return n, fmt.Errorf("import state: line %d: run line without run", line)
			}
			err = dst.RecordRun(l.Instance, l.Mapping, *l.Run)
		default:
			return n, fmt.Errorf("import state: line %d: unknown kind %q", line, l.Kind)
		}
		if err != nil {
			return n, fmt.Errorf("import state: line %d: %w", line, err)
		}
	}
	if err := flush(); err != nil {
		return n, fmt.Errorf("import state: %w", err)
	}
	return n, nil
}
