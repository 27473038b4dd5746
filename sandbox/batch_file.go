package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// This file reads the body of a batch request the way Oro's consumer does
// when it splits the stored file (Batch/Async/UpdateListMessageProcessor,
// Batch/Splitter/JsonFileSplitter*, Batch/IncludeMapManager): a file that
// cannot be parsed fails the whole operation; included items that cannot be
// indexed are reported on their own and the primary items still run.

// batchFile is a parsed batch request body.
type batchFile struct {
	data     []any       // primary items as sent
	included []any       // included items as sent
	incIndex map[Ref]int // type and id of an indexable included item -> its index
	incErrs  []*apiError // included items that could not be indexed
}

// detailParseFailed starts the detail of a file that cannot be parsed
// (UpdateListMessageProcessor::handleSplitterException).
const detailParseFailed = "Failed to parse the data file."

// parseBatchFile parses body. It returns a non-empty detail when the whole
// file fails: "Failed to parse the data file. Parsing error in [L:C]. ..."
// as Oro words the failures of its streaming parser. The position is Go's
// (line and column of the offending byte) and the reason after it is Go's
// wording, not salsify/json-streaming-parser's: clients must treat the text
// as human-readable only.
func parseBatchFile(body []byte) (*batchFile, string) {
	top, err := decodeJSON(body)
	if err != nil {
		return nil, detailParseFailed + " " + parsingError(body, err)
	}
	// JsonFileSplitterListener::endObject refuses a document whose sections
	// are not arrays of objects with this message, raised as a
	// ParsingException at [0:0].
	const notSections = "Parsing error in [0:0]. Document must start with a named object that has an array as a value."
	m, ok := top.(map[string]any)
	if !ok {
		return nil, detailParseFailed + " " + notSections
	}
	f := &batchFile{incIndex: map[Ref]int{}}
	for name, dst := range map[string]*[]any{"data": &f.data, "included": &f.included} {
		v, present := m[name]
		if !present {
			continue
		}
		list, ok := v.([]any)
		if !ok {
			return nil, detailParseFailed + " " + notSections
		}
		*dst = list
	}
	f.indexIncluded()
	return f, ""
}

// parsingError words a JSON syntax error as "Parsing error in [L:C]. why".
func parsingError(body []byte, err error) string {
	var syn *json.SyntaxError
	offset := int64(len(body))
	if errors.As(err, &syn) {
		offset = syn.Offset
	}
	prefix := body[:min(int(offset), len(body))]
	line := bytes.Count(prefix, []byte("\n")) + 1
	col := len(prefix) - bytes.LastIndexByte(prefix, '\n') - 1
	why := strings.TrimPrefix(err.Error(), "decode: ")
	if syn != nil {
		why = syn.Error()
	}
	return fmt.Sprintf("Parsing error in [%d:%d]. %s.", line, col, why)
}

// indexIncluded builds the include index (IncludeMapManager::
// updateIncludedChunkIndex): every included item needs a non-blank string
// type and id, unique together; the others are reported as 400 "request
// data constraint" pointing at the item, with the messages of
// JsonApiIncludeAccessor::getItemIdentifier.
func (f *batchFile) indexIncluded() {
	for i, item := range f.included {
		ptr := fmt.Sprintf("/included/%d", i)
		fail := func(detail string) {
			f.incErrs = append(f.incErrs, &apiError{Status: http.StatusBadRequest, Title: titleRequestData,
				Detail: detail, Pointer: ptr})
		}
		m, ok := item.(map[string]any)
		if !ok {
			fail("The item should be an object")
			continue
		}
		key, detail := itemIdentifier(m)
		if detail != "" {
			fail(detail)
			continue
		}
		if first, dup := f.incIndex[key]; dup {
			fail(fmt.Sprintf("The item duplicates the item with the index %d", first))
			continue
		}
		f.incIndex[key] = i
	}
}

// itemIdentifier returns the type and id of an included item, or why it
// has none.
func itemIdentifier(m map[string]any) (Ref, string) {
	var parts [2]string
	for i, name := range []string{"type", "id"} {
		v, present := m[name]
		s, isString := v.(string)
		switch {
		case !present:
			return Ref{}, fmt.Sprintf("The '%s' property is required", name)
		case v == nil:
			return Ref{}, fmt.Sprintf("The '%s' property should not be null", name)
		case !isString:
			return Ref{}, fmt.Sprintf("The '%s' property should be a string", name)
		case s == "":
			return Ref{}, fmt.Sprintf("The '%s' property should not be blank", name)
		}
		parts[i] = s
	}
	return Ref{Type: parts[0], ID: parts[1]}, ""
}

// relatedKeys returns the type and id of every resource identifier in the
// relationships of a raw item, skipping malformed ones, as
// JsonApiIncludeAccessor::getRelationships does.
func relatedKeys(item map[string]any) []Ref {
	rels, _ := item["relationships"].(map[string]any)
	var out []Ref
	add := func(v any) {
		m, _ := v.(map[string]any)
		typ, _ := m["type"].(string)
		id, _ := m["id"].(string)
		if typ != "" && id != "" {
			out = append(out, Ref{Type: typ, ID: id})
		}
	}
	for _, rel := range rels {
		m, _ := rel.(map[string]any)
		switch data := m["data"].(type) {
		case map[string]any:
			add(data)
		case []any:
			for _, d := range data {
				add(d)
			}
		}
	}
	return out
}
