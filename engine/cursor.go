package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
)

// cursorTracker keeps the highest incremental cursor value seen among the
// records that reached a final outcome.
type cursorTracker struct {
	max any
	err error
}

// observe takes one record's cursor value (nil: the record has none).
func (t *cursorTracker) observe(v any) {
	if v == nil || t.err != nil {
		return
	}
	if t.max == nil {
		t.max = v
		return
	}
	c, err := compareCursor(v, t.max)
	if err != nil {
		t.err = err
		return
	}
	if c > 0 {
		t.max = v
	}
}

// compareCursor orders two cursor values: numbers numerically (exactly, at
// any size), strings lexically (ISO-8601 timestamps in one format sort
// correctly).
func compareCursor(a, b any) (int, error) {
	switch a := a.(type) {
	case string:
		if b, ok := b.(string); ok {
			switch {
			case a < b:
				return -1, nil
			case a > b:
				return 1, nil
			}
			return 0, nil
		}
	default:
		x, okA := toBig(a)
		y, okB := toBig(b)
		if okA && okB {
			return x.Cmp(y), nil
		}
	}
	return 0, fmt.Errorf("cursor values %v (%T) and %v (%T) cannot be compared: the cursor expression must give only strings or only numbers", a, a, b, b)
}

func toBig(v any) (*big.Float, bool) {
	var s string
	switch v := v.(type) {
	case json.Number:
		s = v.String()
	case int, int64, float64, *big.Int:
		s = fmt.Sprint(v)
	default:
		return nil, false
	}
	f, _, err := big.ParseFloat(s, 10, 256, big.ToNearestEven)
	return f, err == nil
}

// decodeJSON decodes a JSON value keeping numbers exact.
func decodeJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}
