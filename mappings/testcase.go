package mappings

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
)

// RunTest runs one fixture case of the mapping: it applies the transform to
// tc.Input and compares the documents with tc.Want (numbers by value, so 1.0
// equals 1), or checks that the error contains tc.WantError. It returns nil
// when the case passes, or an error saying what differs.
func (m *Mapping) RunTest(ctx context.Context, tc TestCase) error {
	docs, err := m.Apply(ctx, tc.Input.V)
	if tc.WantError != "" {
		switch {
		case err == nil:
			return fmt.Errorf("test %q: want an error containing %q, got %d document(s)", tc.Name, tc.WantError, len(docs))
		case !strings.Contains(err.Error(), tc.WantError):
			return fmt.Errorf("test %q: want an error containing %q, got: %w", tc.Name, tc.WantError, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("test %q: %w", tc.Name, err)
	}
	var want []any
	if tc.Want != nil {
		want, _ = tc.Want.V.([]any)
	}
	got := make([]any, len(docs))
	for i, d := range docs {
		got[i] = d.value()
	}
	if !jsonEqual(got, want) {
		return fmt.Errorf("test %q: documents differ\n want: %s\n  got: %s", tc.Name, compactJSON(want), compactJSON(got))
	}
	return nil
}

// value returns the document as a JSON-compatible value, placeholders in
// their public form.
func (d Document) value() any {
	p := d.Public()
	v := map[string]any{"data": p.Data}
	if len(p.Included) > 0 {
		v["included"] = p.Included
	}
	return v
}

// jsonEqual compares two JSON-compatible values; numbers compare by value.
func jsonEqual(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, v := range a {
			w, ok := bm[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		bs, ok := b.([]any)
		if !ok || len(a) != len(bs) {
			return false
		}
		for i := range a {
			if !jsonEqual(a[i], bs[i]) {
				return false
			}
		}
		return true
	}
	if x, ok := toRat(a); ok {
		y, ok := toRat(b)
		return ok && x.Cmp(y) == 0
	}
	return a == b
}

func toRat(v any) (*big.Rat, bool) {
	var s string
	switch v := v.(type) {
	case json.Number:
		s = string(v)
	case int:
		return new(big.Rat).SetInt64(int64(v)), true
	case float64:
		r := new(big.Rat)
		return r, r.SetFloat64(v) != nil
	case *big.Int:
		return new(big.Rat).SetInt(v), true
	default:
		return nil, false
	}
	return new(big.Rat).SetString(s)
}

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}
