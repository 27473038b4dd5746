package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// parseObject checks the structure of one resource object.
func parseObject(m map[string]any, ptr string, idRequired bool) (*object, []*apiError) {
	o := &object{pointer: ptr}
	var errs []*apiError
	fail := func(detail, where string) { errs = append(errs, badPointer(titleRequestData, detail, ptr+where)) }
	switch t := m["type"].(type) {
	case nil:
		fail("The 'type' property is required", "/type")
	case string:
		o.typ = t
	default:
		fail("The 'type' property should be a string", "/type")
	}
	switch id := m["id"].(type) {
	case nil:
		if idRequired {
			fail("The 'id' property is required", "/id")
		}
	case string:
		o.id, o.hasID = id, true
	default:
		fail("The 'id' property should be a string", "/id")
	}
	var ok bool
	if o.attrs, ok = objectMember(m, "attributes"); !ok {
		fail("The 'attributes' property should be an object", "/attributes")
	}
	if o.rels, ok = objectMember(m, "relationships"); !ok {
		fail("The 'relationships' property should be an object", "/relationships")
	}
	if o.meta, ok = objectMember(m, "meta"); !ok {
		fail("The 'meta' property should be an object", "/meta")
	}
	return o, errs
}

// objectMember returns m[key] as an object; a missing or null member is an
// empty object. ok is false when the member is not an object.
func objectMember(m map[string]any, key string) (map[string]any, bool) {
	switch v := m[key].(type) {
	case nil:
		return map[string]any{}, true
	case map[string]any:
		return v, true
	}
	return map[string]any{}, false
}
