package mappings

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/itchyny/gojq"
)

// Placeholder is a value a transform leaves for the engine to resolve into an
// Oro id before writing. The jq helpers produce them:
//
//	lookup($type; $filter)  -> {"$lookup": {"type": $type, "filter": $filter}}
//	ref($mapping; $key)     -> {"$ref": {"mapping": $mapping, "key": ($key|tostring)}}
//
// lookup finds an existing Oro record of resource type Type by JSON:API
// filters (Filter, e.g. {"name": "Retail"}); ref finds the Oro id that
// another mapping wrote for the source key Key. Keeping them as values keeps
// mappings pure and lets the engine batch and cache the lookups.
//
// Placeholders cannot be forged by data. Inside the process the object also
// carries a member whose value is a random token made when the process
// starts; only lookup() and ref() know it, so a source record that holds
// {"$lookup": ...} and is passed through by a transform stays plain data.
// The token is never printed: JSON encoding (AppendJSON, Document's
// MarshalJSON) and test comparisons show the public form above.
type Placeholder struct {
	// Kind is "lookup" or "ref".
	Kind string
	// Type and Filter are set for lookups.
	Type   string
	Filter map[string]any
	// Mapping and Key are set for refs.
	Mapping, Key string
}

// Placeholder kinds.
const (
	KindLookup = "lookup"
	KindRef    = "ref"
)

// markMember is the member that marks a placeholder object; its value is
// markToken.
const markMember = "$orosync"

// markToken is the random token of this process.
var markToken = func() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}()

// String describes the placeholder like the jq call that made it.
func (p Placeholder) String() string {
	if p.Kind == KindRef {
		return fmt.Sprintf("ref(%q; %q)", p.Mapping, p.Key)
	}
	filter, _ := gojq.Marshal(p.Filter)
	return fmt.Sprintf("lookup(%q; %s)", p.Type, filter)
}

// Public returns the placeholder's public JSON form, {"$lookup": {...}} or
// {"$ref": {...}}, as dry runs, dead letters and tests show it.
func (p Placeholder) Public() map[string]any {
	if p.Kind == KindRef {
		return map[string]any{"$ref": map[string]any{"mapping": p.Mapping, "key": p.Key}}
	}
	return map[string]any{"$lookup": map[string]any{"type": p.Type, "filter": p.Filter}}
}

// funcLookup implements lookup($type; $filter).
func funcLookup(_ any, args []any) any {
	typ, ok := args[0].(string)
	if !ok || typ == "" {
		return fmt.Errorf("lookup/2: the resource type must be a non-empty string, got %s", gojq.Preview(args[0]))
	}
	filter, ok := args[1].(map[string]any)
	if !ok || len(filter) == 0 {
		return fmt.Errorf("lookup/2: the filter must be a non-empty object such as {name: .group}, got %s", gojq.Preview(args[1]))
	}
	return map[string]any{"$lookup": map[string]any{"type": typ, "filter": filter}, markMember: markToken}
}

// funcRef implements ref($mapping; $key).
func funcRef(_ any, args []any) any {
	name, ok := args[0].(string)
	if !ok || !validName(name) {
		return fmt.Errorf("ref/2: the mapping must be a mapping name, got %s", gojq.Preview(args[0]))
	}
	key, err := keyString(args[1])
	if err != nil {
		return fmt.Errorf("ref/2: %w", err)
	}
	return map[string]any{"$ref": map[string]any{"mapping": name, "key": key}, markMember: markToken}
}

// placeholderOf reports whether v is a placeholder made by lookup() or ref()
// in this process.
func placeholderOf(v any) (Placeholder, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 2 || m[markMember] != markToken {
		return Placeholder{}, false
	}
	if in, ok := m["$lookup"].(map[string]any); ok && len(in) == 2 {
		typ, ok1 := in["type"].(string)
		filter, ok2 := in["filter"].(map[string]any)
		return Placeholder{Kind: KindLookup, Type: typ, Filter: filter}, ok1 && ok2
	}
	if in, ok := m["$ref"].(map[string]any); ok && len(in) == 2 {
		name, ok1 := in["mapping"].(string)
		key, ok2 := in["key"].(string)
		return Placeholder{Kind: KindRef, Mapping: name, Key: key}, ok1 && ok2
	}
	return Placeholder{}, false
}

// Placeholders returns every placeholder in doc (data first, then included),
// in a stable order (object members by key), duplicates included.
func Placeholders(doc Document) []Placeholder {
	var out []Placeholder
	out = collectPlaceholders(doc.Data, out)
	for _, v := range doc.Included {
		out = collectPlaceholders(v, out)
	}
	return out
}

func collectPlaceholders(v any, out []Placeholder) []Placeholder {
	switch v := v.(type) {
	case map[string]any:
		if p, ok := placeholderOf(v); ok {
			return append(out, p)
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			out = collectPlaceholders(v[k], out)
		}
	case []any:
		for _, e := range v {
			out = collectPlaceholders(e, out)
		}
	}
	return out
}

// Resolve returns a copy of d with every placeholder replaced by fn's answer
// (usually the Oro id as a string; nil leaves a JSON null). d is not
// modified. The first error of fn is returned, wrapped with the placeholder.
func (d Document) Resolve(fn func(Placeholder) (any, error)) (Document, error) {
	data, err := resolveValue(d.Data, fn)
	if err != nil {
		return Document{}, err
	}
	out := Document{}
	out.Data, _ = data.(map[string]any)
	if d.Included != nil {
		inc, err := resolveValue(d.Included, fn)
		if err != nil {
			return Document{}, err
		}
		out.Included, _ = inc.([]any)
	}
	return out, nil
}

// Public returns a copy of d with every placeholder in its public form
// (Placeholder.Public), for output that people read or compare.
func (d Document) Public() Document {
	out, _ := d.Resolve(func(p Placeholder) (any, error) { return p.Public(), nil })
	return out
}

func resolveValue(v any, fn func(Placeholder) (any, error)) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		if p, ok := placeholderOf(v); ok {
			r, err := fn(p)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			return r, nil
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			r, err := resolveValue(e, fn)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			r, err := resolveValue(e, fn)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	default:
		return v, nil
	}
}

// leakedPlaceholder reports whether v holds a string that contains the
// placeholder token: a lookup() or ref() result turned into text (with
// tostring or string interpolation), which the engine could not resolve.
func leakedPlaceholder(v any) bool {
	switch v := v.(type) {
	case string:
		return len(v) >= len(markToken) && containsToken(v)
	case map[string]any:
		if _, ok := placeholderOf(v); ok {
			return false
		}
		for k, e := range v {
			if containsToken(k) || leakedPlaceholder(e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if leakedPlaceholder(e) {
				return true
			}
		}
	}
	return false
}

func containsToken(s string) bool { return strings.Contains(s, markToken) }
