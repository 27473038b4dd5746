package sandbox

import (
	"mime"
	"net/http"
	"strings"
)

// format is the API flavour a request is answered in.
type format int

const (
	formatJSONAPI format = iota // JSON:API documents
	formatPlain                 // Oro's "plain" REST API: flat JSON objects
)

// acceptInfo summarises an Accept header.
type acceptInfo struct {
	present     bool // the header was sent
	jsonAPI     bool // a usable application/vnd.api+json (no params but q)
	jsonAPIBad  bool // application/vnd.api+json only with other params
	acceptsJSON bool // application/json, application/* or */*
}

func parseAccept(r *http.Request) acceptInfo {
	var a acceptInfo
	for _, v := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(v, ",") {
			if strings.TrimSpace(part) == "" {
				continue
			}
			a.present = true
			a.add(part)
		}
	}
	if a.jsonAPI {
		a.jsonAPIBad = false
	}
	return a
}

func (a *acceptInfo) add(part string) {
	mt, params, err := mime.ParseMediaType(part)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		params = map[string]string{"invalid": ""}
	}
	switch mt {
	case mediaJSONAPI:
		delete(params, "q")
		if len(params) == 0 {
			a.jsonAPI = true
		} else {
			a.jsonAPIBad = true
		}
	case mediaJSON, "application/*", "*/*":
		a.acceptsJSON = true
	}
}

// negotiate decides between JSON:API and the plain format, or answers 406 or
// 415 as Oro does (see oro-api.md §3).
func negotiate(r *http.Request) (format, *response) {
	accept := parseAccept(r)
	ct := r.Header.Get("Content-Type")
	ctType, ctParams, _ := mime.ParseMediaType(ct)
	ctJSONAPI := ctType == mediaJSONAPI
	hasBody := r.Method == http.MethodPost || r.Method == http.MethodPatch

	if accept.jsonAPIBad {
		return formatJSONAPI, errorResponse(formatJSONAPI, &apiError{Status: http.StatusNotAcceptable,
			Title:  titleNotAcceptable,
			Detail: `The "Accept" request header should contain JSON:API media type without any parameters except "q".`})
	}
	if accept.jsonAPI || ctJSONAPI {
		return formatJSONAPI, checkJSONAPI(accept, hasBody, ctJSONAPI, len(ctParams) > 0)
	}
	return formatPlain, checkPlain(accept, hasBody, ct, ctType)
}

func checkJSONAPI(accept acceptInfo, hasBody, ctJSONAPI, ctParams bool) *response {
	switch {
	case hasBody && !ctJSONAPI:
		return errorResponse(formatJSONAPI, &apiError{Status: http.StatusUnsupportedMediaType,
			Title: titleUnsupportedMT, Detail: `The "Content-Type" request header should contain JSON:API media type.`})
	case hasBody && ctParams:
		return errorResponse(formatJSONAPI, &apiError{Status: http.StatusUnsupportedMediaType,
			Title:  titleUnsupportedMT,
			Detail: `The "Content-Type" request header should contain JSON:API media type without any parameters.`})
	case accept.present && !accept.jsonAPI && !accept.acceptsJSON:
		return errorResponse(formatJSONAPI, &apiError{Status: http.StatusNotAcceptable,
			Title: titleNotAcceptable, Detail: `The "Accept" request header does not accept JSON:API content type.`})
	}
	return nil
}

func checkPlain(accept acceptInfo, hasBody bool, ct, ctType string) *response {
	switch {
	case accept.present && !accept.acceptsJSON:
		return errorResponse(formatPlain, &apiError{Status: http.StatusNotAcceptable,
			Title: titleNotAcceptable, Detail: `The "Accept" request header does not accept JSON content type.`})
	case ct != "" && ctType != mediaJSON:
		return errorResponse(formatPlain, &apiError{Status: http.StatusNotAcceptable,
			Title: titleNotAcceptable, Detail: `The "Content-Type" request header must be "application/json" if specified.`})
	case hasBody:
		return errorResponse(formatPlain, &apiError{Status: http.StatusUnsupportedMediaType,
			Title: titleUnsupportedMT,
			Detail: `This request was treated as Oro's plain REST API because neither Content-Type nor Accept ` +
				`is "application/vnd.api+json"; the sandbox does not emulate plain REST writes. ` +
				`Send "Content-Type: application/vnd.api+json" exactly.`})
	}
	return nil
}
