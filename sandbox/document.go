package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// object is one resource object of a request document.
type object struct {
	pointer string // "/data" or "/included/N"
	typ     string
	id      string
	hasID   bool
	attrs   map[string]any
	rels    map[string]any
	meta    map[string]any
}

// document is a parsed request document.
type document struct {
	data     *object
	included []*object
}

// parseDocument decodes a JSON:API request body, keeping numbers exact.
func parseDocument(body []byte) (*document, []*apiError) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, []*apiError{badPointer(titleRequestData, detailEmptyDocument, "")}
	}
	top, err := decodeJSON(body)
	if err != nil {
		return nil, []*apiError{badPointer(titleBadRequest, "Invalid json message received.", "")}
	}
	m, ok := top.(map[string]any)
	if !ok {
		return nil, []*apiError{badPointer(titleRequestData, "The request data should be an object.", "")}
	}
	raw, ok := m["data"].(map[string]any)
	if !ok {
		// A list of objects is a batch, which only PATCH on the collection
		// takes (batch_request.go); Oro's wording here is unconfirmed.
		detail := "The primary data object should exist."
		if _, isList := m["data"].([]any); isList {
			detail = "The primary data object should be an object."
		}
		return nil, []*apiError{badPointer(titleRequestData, detail, "/data")}
	}
	doc := &document{}
	var errs []*apiError
	doc.data, errs = parseObject(raw, "/data", false)
	inc, incErrs := parseIncluded(m["included"])
	doc.included = inc
	return doc, append(errs, incErrs...)
}

// decodeJSON decodes exactly one JSON value with json.Number numbers.
func decodeJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("decode: trailing data after the JSON value")
	}
	return v, nil
}

func parseIncluded(v any) ([]*object, []*apiError) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, []*apiError{badPointer(titleRequestData, "The 'included' property should be an array.", "/included")}
	}
	var out []*object
	var errs []*apiError
	for i, item := range list {
		ptr := fmt.Sprintf("/included/%d", i)
		m, ok := item.(map[string]any)
		if !ok {
			errs = append(errs, badPointer(titleRequestData, "The related object should be an object.", ptr))
			continue
		}
		o, oErrs := parseObject(m, ptr, true)
		out = append(out, o)
		errs = append(errs, oErrs...)
	}
	return out, errs
}

// resourceObjectMembers are the members a resource object may have
// (platform ApiBundle Request/JsonApi/AbstractRequestDataValidator::
// getResourceObjectProperties).
var resourceObjectMembers = []string{"type", "id", "meta", "attributes", "relationships", "links"}

// parseObject checks the structure of one resource object as Oro's
// Request/JsonApi/TypedRequestDataValidator and AbstractRequestDataValidator
// do, with their wording (400 "request data constraint"):
//   - a member other than type, id, meta, attributes, relationships and
//     links: "The 'foo' property is not allowed for a resource object", at
//     the object (validateResourceObjectStructure);
//   - type and id, when present, must be non-blank strings ("should not be
//     null", "should be a string", "should not be blank";
//     AbstractBaseRequestDataValidator::validateNotBlankString); type is
//     always required, id where idRequired;
//   - attributes and relationships, when present, must be non-empty
//     objects ("should be an array", "should not be empty", "should be an
//     associative array": validateAttributesAndRelationships);
//   - meta and links, when present, must be objects, possibly empty
//     (validateMetaSection, validateLinksSection): "meta": null is refused.
func parseObject(m map[string]any, ptr string, idRequired bool) (*object, []*apiError) {
	o := &object{pointer: ptr, attrs: map[string]any{}, rels: map[string]any{}, meta: map[string]any{}}
	var errs []*apiError
	fail := func(detail, where string) { errs = append(errs, badPointer(titleRequestData, detail, ptr+where)) }
	for _, k := range sortedKeys(m) {
		if !slices.Contains(resourceObjectMembers, k) {
			fail(fmt.Sprintf("The '%s' property is not allowed for a resource object", k), "")
		}
	}
	str := func(name string, required bool) (string, bool) {
		v, ok := m[name]
		switch s, isStr := v.(string); {
		case !ok:
			if required {
				fail(fmt.Sprintf("The '%s' property is required", name), "/"+name)
			}
		case v == nil:
			fail(fmt.Sprintf("The '%s' property should not be null", name), "/"+name)
		case !isStr:
			fail(fmt.Sprintf("The '%s' property should be a string", name), "/"+name)
		case strings.TrimSpace(s) == "":
			fail(fmt.Sprintf("The '%s' property should not be blank", name), "/"+name)
		default:
			return s, true
		}
		return "", false
	}
	o.typ, _ = str("type", true)
	o.id, o.hasID = str("id", idRequired)
	member := func(name string, notEmpty bool) map[string]any {
		v, ok := m[name]
		if !ok {
			return map[string]any{}
		}
		switch v := v.(type) {
		case map[string]any:
			if notEmpty && len(v) == 0 {
				fail(fmt.Sprintf("The '%s' property should not be empty", name), "/"+name)
			}
			return v
		case []any:
			// PHP decodes [] as the empty array an empty object also is.
			if len(v) > 0 {
				fail(fmt.Sprintf("The '%s' property should be an associative array", name), "/"+name)
			} else if notEmpty {
				fail(fmt.Sprintf("The '%s' property should not be empty", name), "/"+name)
			}
		default:
			fail(fmt.Sprintf("The '%s' property should be an array", name), "/"+name)
		}
		return map[string]any{}
	}
	o.attrs = member("attributes", true)
	o.rels = member("relationships", true)
	o.meta = member("meta", false)
	member("links", false)
	return o, errs
}

// sortedKeys returns the keys of m in order, for a stable error order.
func sortedKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}
