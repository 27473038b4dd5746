package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// Media types used by the stand-in.
const (
	mediaJSONAPI = "application/vnd.api+json"
	mediaJSON    = "application/json"
)

// Error titles used by Oro (lower-cased constraint or exception names).
const (
	titleNotBlank         = "not blank constraint"
	titleExtraFields      = "extra fields constraint"
	titleForm             = "form constraint"
	titleRequestData      = "request data constraint"
	titleBadRequest       = "bad request http exception"
	titleConflict         = "conflict constraint"
	titleNotFound         = "not found http exception"
	titleFilter           = "filter constraint"
	titleSort             = "sort constraint"
	titleValue            = "value constraint"
	titleLength           = "length constraint"
	titleEmail            = "email constraint"
	titleType             = "type constraint"
	titleUnique           = "unique entity constraint"
	titleEntityType       = "entity type constraint"
	titleNotAcceptable    = "not acceptable http exception"
	titleUnsupportedMT    = "unsupported media type http exception"
	titleChoice           = "choice constraint"
	titleRelationship     = "relationship constraint"
	titleEntity           = "entity constraint"
	titleEntityID         = "entity identifier constraint"
	titleCount            = "count constraint"
	titleActionNotAllowed = "action not allowed exception"
	titleAccessDenied     = "access denied exception"
	titleInjected         = "injected fault"
	detailNotBlank        = "This value should not be blank."
	detailNoEntity        = "The entity does not exist."
	detailNotFoundByID    = "An entity with the requested identifier does not exist."
	detailEmptyDocument   = "The request data should not be empty."
)

// apiError is one JSON:API error object.
type apiError struct {
	Status    int
	Title     string
	Detail    string
	Pointer   string // JSON pointer into the request body
	Parameter string // query parameter name
}

// MarshalJSON renders the error the way Oro does: status as a string and
// source holding either pointer or parameter.
func (e *apiError) MarshalJSON() ([]byte, error) {
	type source struct {
		Pointer   string `json:"pointer,omitempty"`
		Parameter string `json:"parameter,omitempty"`
	}
	out := struct {
		Status string  `json:"status"`
		Title  string  `json:"title"`
		Detail string  `json:"detail,omitempty"`
		Source *source `json:"source,omitempty"`
	}{Status: strconv.Itoa(e.Status), Title: e.Title, Detail: e.Detail}
	if e.Pointer != "" || e.Parameter != "" {
		out.Source = &source{Pointer: e.Pointer, Parameter: e.Parameter}
	}
	return json.Marshal(out)
}

func badPointer(title, detail, pointer string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Title: title, Detail: detail, Pointer: pointer}
}

func badParameter(title, detail, parameter string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Title: title, Detail: detail, Parameter: parameter}
}

// overallStatus picks the response status for several errors as Oro does:
// the highest class wins; within it one shared code is used, a mix that
// contains 409 gives 409, otherwise the plain class code.
func overallStatus(errs []*apiError) int {
	class := 0
	for _, e := range errs {
		class = max(class, e.Status/100)
	}
	code, mixed, has409 := 0, false, false
	for _, e := range errs {
		if e.Status/100 != class {
			continue
		}
		has409 = has409 || e.Status == http.StatusConflict
		if code != 0 && code != e.Status {
			mixed = true
		}
		code = e.Status
	}
	switch {
	case !mixed:
		return code
	case has409:
		return http.StatusConflict
	}
	return class * 100
}

// response is a finished answer, built before anything is written so that a
// fault can still drop it.
type response struct {
	status int
	header http.Header
	body   []byte
	// await, when set, computes the real answer after the server's lock
	// is released: a synchronous batch waits for its operation.
	await func() *response
}

func newResponse(status int) *response {
	return &response{status: status, header: http.Header{}}
}

// emptyResponse is an answer without a body (204, 401, 405).
func emptyResponse(status int) *response { return newResponse(status) }

// jsonResponse encodes v with the given content type. Encoding our own
// values cannot fail; if it ever does the answer is a 500.
func jsonResponse(status int, contentType string, v any) *response {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		resp := newResponse(http.StatusInternalServerError)
		resp.header.Set("Content-Type", "text/plain; charset=utf-8")
		resp.body = []byte("sandbox: encode response: " + err.Error() + "\n")
		return resp
	}
	resp := newResponse(status)
	resp.header.Set("Content-Type", contentType)
	resp.body = buf.Bytes()
	return resp
}

// errorResponse renders errs as a JSON:API error document, or for the plain
// format as a JSON array of the same error objects.
func errorResponse(f format, errs ...*apiError) *response {
	status := overallStatus(errs)
	if f == formatPlain {
		return jsonResponse(status, mediaJSON, errs)
	}
	return jsonResponse(status, mediaJSONAPI, map[string]any{"errors": errs})
}

// write sends the response.
func (resp *response) write(w http.ResponseWriter) {
	for k, v := range resp.header {
		w.Header()[k] = v
	}
	if resp.body != nil {
		w.Header().Set("Content-Length", strconv.Itoa(len(resp.body)))
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}
