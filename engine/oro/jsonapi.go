package oro

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"regexp"
	"strconv"
	"strings"

	"github.com/orosync/orosync/engine/httpkit"
)

// MediaType is the JSON:API media type, sent without any parameter.
const MediaType = "application/vnd.api+json"

// bodyExcerptLen is how much of a non-JSON:API body an Error keeps.
const bodyExcerptLen = 512

// decodeJSON decodes b into v keeping numbers exact (json.Number) and
// rejecting trailing data.
func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return describeJSONError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the JSON document")
	}
	return nil
}

type wireErrorDoc struct {
	Errors []wireErrorObject `json:"errors"`
}

type wireErrorObject struct {
	Status any    `json:"status"`
	Code   any    `json:"code"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Source struct {
		Pointer   string `json:"pointer"`
		Parameter string `json:"parameter"`
	} `json:"source"`
}

// parseErrorDoc returns the error objects of a JSON:API error document, or
// nil when body is not one.
func parseErrorDoc(body []byte) []ErrorObject {
	var doc wireErrorDoc
	if decodeJSON(body, &doc) != nil || len(doc.Errors) == 0 {
		return nil
	}
	out := make([]ErrorObject, len(doc.Errors))
	for i, w := range doc.Errors {
		out[i] = ErrorObject{
			Status:    scalarText(w.Status),
			Code:      scalarText(w.Code),
			Title:     w.Title,
			Detail:    w.Detail,
			Pointer:   w.Source.Pointer,
			Parameter: w.Source.Parameter,
		}
	}
	return out
}

// scalarText renders a JSON string or number (json.Number) as text.
func scalarText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return fmt.Sprint(v)
}

// isHTML reports whether an answer is an HTML page (a login page, a proxy
// error page) rather than JSON.
func isHTML(contentType string, body []byte) bool {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil && (mt == "text/html" || mt == "application/xhtml+xml") {
		return true
	}
	return bytes.HasPrefix(bytes.TrimSpace(body), []byte("<"))
}

var (
	htmlTitle = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	htmlTag   = regexp.MustCompile(`(?s)<[^>]*>`)
)

// htmlText gives the readable gist of an HTML excerpt: its title, or its text.
func htmlText(s string) string {
	if m := htmlTitle.FindStringSubmatch(s); m != nil && strings.TrimSpace(m[1]) != "" {
		return httpkit.Compact(m[1], 200)
	}
	return httpkit.Compact(htmlTag.ReplaceAllString(s, " "), 200)
}

// describeJSONError rephrases decoding errors without Go type names.
func describeJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		where := "the document"
		if te.Field != "" {
			where = strconv.Quote(te.Field)
		}
		return fmt.Errorf("unexpected JSON %s for %s at byte %d", te.Value, where, te.Offset)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON at byte %d: %v", se.Offset, err)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errors.New("truncated or empty JSON")
	}
	return err
}
