package mappings

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Value is any YAML value converted to a JSON-compatible Go value:
// map[string]any, []any, string, bool, nil, or json.Number for numbers (the
// literal text is kept, so 12345678901234567890 and 19.990 stay exact).
type Value struct {
	// V is the converted value.
	V any
	// Line and Col locate the value in the mapping file (1-based); Line is 0
	// when the key was absent.
	Line, Col int
}

// UnmarshalYAML converts the node. Values JSON cannot represent (.inf, .nan,
// a non-scalar mapping key) are reported as a *yaml.TypeError.
func (v *Value) UnmarshalYAML(n *yaml.Node) error {
	budget := maxValueNodes
	val, err := (&converter{budget: &budget}).value(n, 0)
	if errors.Is(err, errTooLarge) {
		return typeError(n, "value too large: aliases expand it to more than %d nodes", maxValueNodes)
	}
	if err != nil {
		return err
	}
	v.V, v.Line, v.Col = val, n.Line, n.Column
	return nil
}

// Limits of a Value: nesting depth, and nodes after alias expansion (a
// "billion laughs" document must not exhaust memory).
const (
	maxValueDepth = 1000
	maxValueNodes = 1_000_000
)

var errTooLarge = errors.New("value too large")

// converter turns nodes into values within a node budget.
type converter struct {
	budget *int
}

func (c *converter) value(n *yaml.Node, depth int) (any, error) {
	if depth > maxValueDepth {
		return nil, typeError(n, "value nested too deeply")
	}
	if *c.budget--; *c.budget < 0 {
		return nil, errTooLarge
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.value(n.Content[0], depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, typeError(n, "unknown alias")
		}
		return c.value(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, item := range n.Content {
			v, err := c.value(item, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		return out, c.mapValue(n, out, depth)
	default:
		return scalarValue(n)
	}
}

// mapValue fills out with the entries of a mapping node, applying YAML merge
// keys ("<<: *base") before the node's own entries.
func (c *converter) mapValue(n *yaml.Node, out map[string]any, depth int) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return typeError(k, "mapping keys must be strings, got %s", kindName(k))
		}
		if k.ShortTag() == "!!merge" {
			if err := c.mergeValue(val, out, depth); err != nil {
				return err
			}
			continue
		}
		v, err := c.value(val, depth+1)
		if err != nil {
			return err
		}
		out[k.Value] = v
	}
	return nil
}

func (c *converter) mergeValue(n *yaml.Node, out map[string]any, depth int) error {
	for n.Kind == yaml.AliasNode && n.Alias != nil && depth < maxValueDepth {
		n, depth = n.Alias, depth+1
	}
	switch n.Kind {
	case yaml.MappingNode:
		return c.mapValue(n, out, depth+1)
	case yaml.SequenceNode:
		for _, item := range n.Content {
			if err := c.mergeValue(item, out, depth+1); err != nil {
				return err
			}
		}
		return nil
	default:
		return typeError(n, "a merge key (<<) needs a mapping or a list of mappings")
	}
}

func scalarValue(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, typeError(n, "invalid boolean %q", n.Value)
		}
		return b, nil
	case "!!int":
		return intValue(n)
	case "!!float":
		return floatValue(n)
	default:
		return n.Value, nil
	}
}

func intValue(n *yaml.Node) (any, error) {
	s := strings.ReplaceAll(strings.TrimPrefix(n.Value, "+"), "_", "")
	if isJSONNumber(s) {
		return json.Number(s), nil
	}
	var i big.Int
	if _, ok := i.SetString(s, 0); ok {
		return json.Number(i.String()), nil
	}
	return nil, typeError(n, "invalid integer %q", n.Value)
}

func floatValue(n *yaml.Node) (any, error) {
	s := strings.ReplaceAll(strings.TrimPrefix(n.Value, "+"), "_", "")
	if isJSONNumber(s) {
		return json.Number(s), nil
	}
	neg := strings.HasPrefix(s, "-")
	t := strings.TrimPrefix(s, "-")
	if strings.HasPrefix(t, ".") {
		t = "0" + t
	}
	t = strings.Replace(t, ".e", ".0e", 1)
	t = strings.Replace(t, ".E", ".0E", 1)
	t = strings.TrimSuffix(t, ".")
	if neg {
		t = "-" + t
	}
	if isJSONNumber(t) {
		return json.Number(t), nil
	}
	return nil, typeError(n, "number %q cannot be represented in JSON", n.Value)
}

// isJSONNumber reports whether s is a number literal in JSON syntax.
func isJSONNumber(s string) bool {
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return false
	}
	return json.Valid([]byte(s))
}

// Duration is a positive duration written like "30s", "2m" or "1h30m".
type Duration struct {
	// D is the parsed duration.
	D time.Duration
	// Line and Col locate the value in the mapping file (1-based).
	Line, Col int
}

// UnmarshalYAML parses the duration; problems are reported as a
// *yaml.TypeError with the value's position.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return typeError(n, `expected a duration such as "30s" or "2m", got %s`, kindName(n))
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return typeError(n, `invalid duration %q: write e.g. "500ms", "30s", "2m" or "1h30m"`, n.Value)
	}
	if v <= 0 {
		return typeError(n, "duration %q must be positive", n.Value)
	}
	d.D, d.Line, d.Col = v, n.Line, n.Column
	return nil
}

// Value returns the duration, or 0 for a nil *Duration (setting absent).
func (d *Duration) Value() time.Duration {
	if d == nil {
		return 0
	}
	return d.D
}

// String returns the duration in Go notation ("1m30s").
func (d *Duration) String() string {
	if d == nil {
		return "0s"
	}
	return d.D.String()
}

// typeError reports a problem of a leaf value as a *yaml.TypeError, which
// lets the decoder continue, with the node's exact position encoded in the
// message ("line L:C: msg"); Parse decodes it again.
func typeError(n *yaml.Node, format string, args ...any) *yaml.TypeError {
	msg := "line " + strconv.Itoa(n.Line) + ":" + strconv.Itoa(n.Column) + ": " + fmt.Sprintf(format, args...)
	return &yaml.TypeError{Errors: []string{msg}}
}

// kindName describes a node for messages: "a list", "a mapping", "null",
// "string "x"".
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	switch n.ShortTag() {
	case "!!null":
		return "null"
	case "!!bool":
		return "boolean " + n.Value
	case "!!int", "!!float":
		return "number " + n.Value
	}
	return "string " + strconv.Quote(truncate(n.Value, 40))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "..."
}
