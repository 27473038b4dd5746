package mappings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
)

// Apply runs the transform on one source record and returns its documents:
// none when the record is skipped (the program had no output), one per
// output otherwise. An output that is a resource object (it has "type") is
// wrapped into {"data": ...}; an output with "data" is a full document and
// may carry "included".
//
// The caller bounds the work with ctx (a per-record deadline); running past
// it fails the record with an error matching ErrTimeout. A record may give
// at most target.max_documents documents. Every failure is a
// *RecordError and concerns this record only. Apply does not modify record
// and is safe for concurrent use.
func (m *Mapping) Apply(ctx context.Context, record any) ([]Document, error) {
	if m.Transform == nil || m.Transform.code == nil {
		return nil, &RecordError{Mapping: m.Name, Msg: "transform is not compiled", Err: errNotCompiled}
	}
	iter := m.Transform.code.RunWithContext(ctx, record)
	limit := m.Target.MaxDocuments
	if limit <= 0 {
		limit = DefaultMaxDocuments
	}
	var docs []Document
	for n := 1; ; n++ {
		v, ok := iter.Next()
		if !ok {
			return docs, nil
		}
		if n > limit {
			return nil, &RecordError{Mapping: m.Name, Msg: fmt.Sprintf("the transform produced more than %d documents for one record (target.max_documents)", limit)}
		}
		if err, isErr := v.(error); isErr {
			if err = m.Transform.runError(ctx, err); err != nil {
				return nil, &RecordError{Mapping: m.Name, Msg: err.Error(), Err: err}
			}
			return docs, nil
		}
		doc, msg := toDocument(v)
		if msg == "" {
			msg = m.checkType(doc)
		}
		if msg == "" && m.Transform.calls.placeholders() && leakedPlaceholder(v) {
			msg = "a lookup() or ref() result was turned into text (tostring or \\(...)): use it only as a whole value, e.g. id: ref(\"customers\"; .account)"
		}
		if msg != "" {
			return nil, &RecordError{Mapping: m.Name, Output: n, Msg: msg}
		}
		docs = append(docs, doc)
	}
}

// checkType verifies that the primary resource has the target's type.
func (m *Mapping) checkType(doc Document) string {
	if t := doc.Data["type"].(string); m.Target.Type != "" && t != m.Target.Type {
		return fmt.Sprintf("data.type is %q but target.type is %q: the engine writes to /%s", t, m.Target.Type, m.Target.Type)
	}
	return ""
}

// Key evaluates target.key on a source record and returns the record's
// identity in the source system as a string. Numbers keep their literal text
// (12345678901234567890 stays exact). A null or missing key, an empty string,
// several outputs or another type of value is an error.
func (m *Mapping) Key(ctx context.Context, record any) (string, error) {
	if m.Target.Key == nil {
		return "", fmt.Errorf("mapping %s: target.key is not set", m.Name)
	}
	vs, err := m.Target.Key.Eval(ctx, record)
	if err != nil {
		return "", fmt.Errorf("mapping %s: %w", m.Name, err)
	}
	if len(vs) > 1 {
		return "", fmt.Errorf("mapping %s: target.key: the key expression yielded %d values, want one", m.Name, len(vs))
	}
	var v any
	if len(vs) == 1 {
		v = vs[0]
	}
	key, err := keyString(v)
	if err != nil {
		return "", fmt.Errorf("mapping %s: target.key: %w", m.Name, err)
	}
	return key, nil
}

var errEmptyKey = errors.New("key is empty: the key expression gave null, nothing or \"\"")

// keyString renders a key value: strings as they are, numbers by their
// literal text.
func keyString(v any) (string, error) {
	switch v := v.(type) {
	case string:
		if v == "" {
			return "", errEmptyKey
		}
		return v, nil
	case json.Number:
		return string(v), nil
	case int:
		return strconv.Itoa(v), nil
	case *big.Int:
		return v.String(), nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "", fmt.Errorf("key must be a finite number, got %v", v)
		}
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case nil:
		return "", errEmptyKey
	default:
		return "", fmt.Errorf("key must be a string or a number, got %s", describe(v))
	}
}
