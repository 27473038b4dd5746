package mappings

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
)

// TestResult is the outcome of one test case of a mapping.
type TestResult struct {
	// Name is the case's name.
	Name string
	// Failure is nil when the case passed. Otherwise it says what went
	// wrong, located at the case in the mapping file.
	Failure *Error
	// Want and Got are the expected and the produced documents as indented
	// JSON (placeholders in their public form), set when they differ.
	Want, Got string
}

// Passed reports whether the case passed.
func (r TestResult) Passed() bool { return r.Failure == nil }

// RunTest runs test case i of the mapping: it applies the transform to the
// case's input and compares the documents with its want (numbers by value,
// so 1.0 equals 1), or checks that the error contains its want_error. ctx
// bounds the transform (pass a per-record time limit).
func (m *Mapping) RunTest(ctx context.Context, i int) TestResult {
	tc := m.Tests[i]
	at := fmt.Sprintf("tests[%d]", i)
	res := TestResult{Name: tc.Name}
	docs, err := m.Apply(ctx, tc.Input.V)
	switch {
	case tc.WantError != "" && err == nil:
		res.Failure = m.Errorf(at+".want_error", "want an error containing %q, got %d document(s)", tc.WantError, len(docs))
	case tc.WantError != "" && !strings.Contains(err.Error(), tc.WantError):
		res.Failure = m.Errorf(at+".want_error", "want an error containing %q, got: %v", tc.WantError, err)
	case tc.WantError != "":
	case err != nil:
		res.Failure = m.Errorf(at+".input", "the transform failed: %v", err)
	default:
		var want []any
		if tc.Want != nil {
			want, _ = tc.Want.V.([]any)
		}
		got := make([]any, len(docs))
		for i, d := range docs {
			got[i] = d.value()
		}
		if !jsonEqual(got, want) {
			res.Failure = m.Errorf(at+".want", "the documents differ from want")
			res.Want, res.Got = indentJSON(want), indentJSON(got)
		}
	}
	return res
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
	case nil:
		return b == nil
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

// indentJSON renders v as indented JSON with sorted keys, for diffs.
func indentJSON(v any) string {
	if v == nil {
		v = []any{}
	}
	b, err := AppendJSON(nil, v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return string(b)
	}
	return out.String()
}
