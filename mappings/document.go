package mappings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"strconv"

	"github.com/itchyny/gojq"
)

// Document is one JSON:API request document: a primary resource object and
// optional related resources created or updated in the same request.
// Numbers are json.Number (or int, float64, *big.Int when jq computed them)
// and are written exactly as they were read.
type Document struct {
	// Data is the primary resource object: "type", optional "id",
	// "attributes", "relationships", "meta".
	Data map[string]any
	// Included holds related resource objects (each with "type").
	Included []any
}

// MarshalJSON writes {"data":...,"included":...}; "included" is omitted when
// empty, object keys are sorted and <, > and & are not escaped.
func (d Document) MarshalJSON() ([]byte, error) {
	return d.AppendJSON(nil)
}

// AppendJSON appends the document's JSON (as MarshalJSON writes it) to b.
func (d Document) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"data":`...)
	var err error
	if b, err = AppendJSON(b, d.Data); err != nil {
		return b, err
	}
	if len(d.Included) > 0 {
		b = append(b, `,"included":`...)
		if b, err = AppendJSON(b, d.Included); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads a document in the form MarshalJSON writes, keeping
// numbers as json.Number. Members other than "data" and "included" are
// rejected so that nothing is dropped silently.
func (d *Document) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("decode JSON:API document: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("decode JSON:API document: unexpected data after the document")
	}
	doc, msg := toDocument(v)
	if msg != "" {
		return fmt.Errorf("decode JSON:API document: %s", msg)
	}
	*d = doc
	return nil
}

// toDocument checks that v is a resource object (wrapped into a document) or
// a full document; msg explains what is wrong otherwise.
func toDocument(v any) (doc Document, msg string) {
	obj, ok := v.(map[string]any)
	if !ok {
		return Document{}, fmt.Sprintf("expected an object (a resource object or a document), got %s", describe(v))
	}
	data, isDoc := obj["data"]
	if !isDoc {
		if _, isRes := obj["type"]; !isRes {
			return Document{}, `expected a resource object (with "type") or a document (with "data"), got an object without either`
		}
		if msg := checkResource(obj, "data"); msg != "" {
			return Document{}, msg
		}
		return Document{Data: obj}, ""
	}
	return fullDocument(obj, data)
}

func fullDocument(obj map[string]any, data any) (Document, string) {
	for k := range obj {
		if k != "data" && k != "included" {
			return Document{}, fmt.Sprintf("document member %q is not supported: a document has only \"data\" and \"included\"", k)
		}
	}
	res, ok := data.(map[string]any)
	if !ok {
		if _, isArr := data.([]any); isArr {
			return Document{}, "data is an array: produce one document per resource (a jq program may have several outputs)"
		}
		return Document{}, fmt.Sprintf("data must be a resource object, got %s", describe(data))
	}
	if msg := checkResource(res, "data"); msg != "" {
		return Document{}, msg
	}
	doc := Document{Data: res}
	inc, has := obj["included"]
	if !has || inc == nil {
		return doc, ""
	}
	list, ok := inc.([]any)
	if !ok {
		return Document{}, fmt.Sprintf("included must be an array of resource objects, got %s", describe(inc))
	}
	for i, r := range list {
		where := "included[" + strconv.Itoa(i) + "]"
		ro, ok := r.(map[string]any)
		if !ok {
			return Document{}, fmt.Sprintf("%s must be a resource object, got %s", where, describe(r))
		}
		if msg := checkResource(ro, where); msg != "" {
			return Document{}, msg
		}
	}
	if len(list) > 0 {
		doc.Included = list
	}
	return doc, ""
}

// checkResource checks the members every resource object needs. It drops
// an empty "attributes" or "relationships" object, which means nothing to
// write: Oro refuses it with 400 "The 'attributes' property should not be
// empty" (platform ApiBundle Request/JsonApi/AbstractRequestDataValidator::
// validateAttributesAndRelationships), and a transform easily makes one
// (relationships: (if .parent then {...} else {} end)).
func checkResource(r map[string]any, where string) string {
	for _, k := range []string{"attributes", "relationships"} {
		if m, ok := r[k].(map[string]any); ok && len(m) == 0 {
			delete(r, k)
		}
	}
	t, has := r["type"]
	if !has {
		return where + `.type is missing: every resource object needs a "type" such as "customers"`
	}
	if s, ok := t.(string); !ok || s == "" {
		return fmt.Sprintf("%s.type must be a non-empty string, got %s", where, describe(t))
	}
	if id, has := r["id"]; has {
		if _, ok := id.(string); !ok && id != nil {
			if _, isPh := placeholderOf(id); !isPh {
				return fmt.Sprintf("%s.id must be a string (Oro ids are strings; use tostring), got %s", where, describe(id))
			}
		}
	}
	return ""
}

// describe names the JSON type of v and previews it: `number (12)`.
func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case json.Number, int, float64, *big.Int:
		return "number (" + gojq.Preview(v) + ")"
	}
	return gojq.TypeOf(v) + " (" + gojq.Preview(v) + ")"
}
