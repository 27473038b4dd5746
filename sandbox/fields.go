package sandbox

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/orosync/orosync/resources"
)

// timeLayout is how Oro renders datetimes: ISO-8601, UTC, seconds.
const timeLayout = "2006-01-02T15:04:05Z"

// numericString matches a plain decimal number sent as a string.
var numericString = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// coerce checks an attribute value against its kind and returns the value to
// store, or an error.
func coerce(as *resources.Attr, v any) (any, *apiError) {
	if v == nil {
		return nil, nil
	}
	typeErr := func(what string) *apiError {
		return &apiError{Status: 400, Title: titleType, Detail: "This value should be of type " + what + "."}
	}
	switch as.Kind {
	case resources.String:
		return want[string](v, typeErr("string"))
	case resources.Bool:
		return want[bool](v, typeErr("boolean"))
	case resources.Int:
		n, ok := v.(json.Number)
		if _, err := n.Int64(); !ok || err != nil {
			return nil, typeErr("integer")
		}
		return n, nil
	case resources.Number, resources.Decimal, resources.Money:
		return coerceNumber(as.Kind, v, typeErr("numeric"))
	case resources.DateTime:
		return coerceTime(v, typeErr("datetime"))
	case resources.Enum:
		s, ok := v.(string)
		if !ok || !slices.Contains(as.Enum, s) {
			return nil, &apiError{Status: 400, Title: titleChoice, Detail: "The value you selected is not a valid choice."}
		}
		return s, nil
	case resources.Strings:
		return coerceStrings(v, typeErr("array of strings"))
	}
	return cloneValue(v), nil
}

func want[T any](v any, typeErr *apiError) (any, *apiError) {
	if t, ok := v.(T); ok {
		return t, nil
	}
	return nil, typeErr
}

// coerceNumber accepts a JSON number or a numeric string; numbers never pass
// through float64.
func coerceNumber(k resources.Kind, v any, typeErr *apiError) (any, *apiError) {
	var text string
	switch v := v.(type) {
	case json.Number:
		text = v.String()
	case string:
		if !numericString.MatchString(strings.TrimSpace(v)) {
			return nil, typeErr
		}
		text = strings.TrimSpace(v)
	default:
		return nil, typeErr
	}
	switch k {
	case resources.Number:
		return json.Number(text), nil
	case resources.Money:
		r, ok := new(big.Rat).SetString(text)
		if !ok {
			return nil, typeErr
		}
		return r.FloatString(4), nil
	}
	return text, nil
}

func coerceTime(v any, typeErr *apiError) (any, *apiError) {
	s, ok := v.(string)
	if !ok {
		return nil, typeErr
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, typeErr
	}
	return t.UTC().Format(timeLayout), nil
}

func coerceStrings(v any, typeErr *apiError) (any, *apiError) {
	list, ok := v.([]any)
	if !ok {
		return nil, typeErr
	}
	for _, e := range list {
		if _, ok := e.(string); !ok {
			return nil, typeErr
		}
	}
	return cloneValue(list), nil
}

// blank reports whether a value counts as "not set" for a required field.
func blank(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(v) == ""
	case []any:
		return len(v) == 0
	}
	return false
}

// parseRelData checks the "data" member of a relationship and returns the
// identifiers it holds. ptr points at the relationship.
func parseRelData(rs *resources.Rel, raw any, ptr string) ([]Ref, *apiError) {
	m, ok := raw.(map[string]any)
	if _, has := m["data"]; !ok || !has {
		return nil, badPointer(titleRequestData, "The 'data' property is required", ptr)
	}
	data := m["data"]
	ptr += "/data"
	if rs.ToMany {
		list, ok := data.([]any)
		if !ok {
			return nil, badPointer(titleRequestData, "The 'data' property should be an array", ptr)
		}
		refs := make([]Ref, 0, len(list))
		for i, item := range list {
			ref, err := parseRef(item, fmt.Sprintf("%s/%d", ptr, i))
			if err != nil {
				return nil, err
			}
			refs = append(refs, ref)
		}
		return refs, nil
	}
	if data == nil {
		return nil, nil
	}
	ref, err := parseRef(data, ptr)
	if err != nil {
		return nil, err
	}
	return []Ref{ref}, nil
}

func parseRef(v any, ptr string) (Ref, *apiError) {
	m, ok := v.(map[string]any)
	if !ok {
		return Ref{}, badPointer(titleRequestData, "The 'data' property should be an object or null", ptr)
	}
	typ, okT := m["type"].(string)
	id, okI := m["id"].(string)
	switch {
	case !okT:
		return Ref{}, badPointer(titleRequestData, "The 'type' property is required and should be a string", ptr+"/type")
	case !okI:
		return Ref{}, badPointer(titleRequestData, "The 'id' property is required and should be a string", ptr+"/id")
	}
	return Ref{Type: typ, ID: id}, nil
}

// jsonNumber matches any JSON number (with fraction and exponent).
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)
