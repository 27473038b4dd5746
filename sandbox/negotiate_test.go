package sandbox

import (
	"strings"
	"testing"
)

func TestContentNegotiation(t *testing.T) {
	body := `{"data":{"type":"customergroups","attributes":{"name":"G"}}}`
	tests := []struct {
		name         string
		method, body string
		hdr          []string
		status       int
		detail       string
	}{
		{name: "charset on content type", method: "POST", body: body,
			hdr: []string{"Content-Type", "application/vnd.api+json; charset=utf-8"}, status: 415,
			detail: "without any parameters"},
		{name: "json content type with jsonapi accept", method: "POST", body: body,
			hdr: []string{"Content-Type", "application/json"}, status: 415, detail: "JSON:API media type"},
		{name: "accept with ext parameter only", method: "GET",
			hdr: []string{"Accept", `application/vnd.api+json; ext="bulk"`}, status: 406, detail: "Accept"},
		{name: "accept html on jsonapi write", method: "POST", body: body, hdr: []string{"Accept", "text/html"},
			status: 406, detail: "does not accept JSON:API"},
		{name: "accept html on get", method: "GET", hdr: []string{"Accept", "text/html"}, status: 406},
		{name: "accept with q is fine", method: "GET",
			hdr: []string{"Accept", "text/html, application/vnd.api+json;q=0.9"}, status: 200},
		{name: "one clean jsonapi among several", method: "GET",
			hdr: []string{"Accept", `application/vnd.api+json;ext=x, application/vnd.api+json`}, status: 200},
		{name: "plain write is refused", method: "POST", body: `{"name":"G"}`,
			hdr: []string{"Accept", "application/json", "Content-Type", "application/json"}, status: 415},
		{name: "plain path with other content type", method: "GET",
			hdr: []string{"Accept", "", "Content-Type", "text/plain"}, status: 406},
	}
	e := newEnv(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rp := e.req(tc.method, "/customergroups", tc.body, tc.hdr...).must(t, tc.status)
			if tc.status >= 400 && !strings.Contains(rp.raw, tc.detail) {
				t.Errorf("body = %s, want detail containing %q", rp.raw, tc.detail)
			}
		})
	}
	if n := len(e.s.Records("customergroups")); n != 0 {
		t.Errorf("refused writes stored %d records", n)
	}
}

func TestJSONAPIResponseContentType(t *testing.T) {
	e := newEnv(t)
	rp := e.req("GET", "/organizations/1", "").must(t, 200)
	if ct := rp.header.Get("Content-Type"); ct != mediaJSONAPI {
		t.Errorf("Content-Type = %q, want %q", ct, mediaJSONAPI)
	}
	if rp.str("data", "id") != "1" || rp.str("data", "type") != "organizations" {
		t.Errorf("data = %s", rp.raw)
	}
}

func TestPlainFormatWithoutJSONAPIAccept(t *testing.T) {
	e := newEnv(t)
	for _, accept := range []string{"", "application/json", "*/*"} {
		rp := e.req("GET", "/organizations", "", "Accept", accept).must(t, 200)
		if ct := rp.header.Get("Content-Type"); ct != mediaJSON {
			t.Errorf("Accept %q: Content-Type = %q, want %q", accept, ct, mediaJSON)
		}
		if rp.doc != nil || !strings.HasPrefix(rp.raw, `[{"id":1,`) {
			t.Errorf("Accept %q: body = %s, want a flat array with numeric ids", accept, rp.raw)
		}
	}
	rp := e.req("GET", "/regions/US-NY", "", "Accept", "").must(t, 200)
	if rp.str("country") != "US" || rp.get("data") != nil {
		t.Errorf("plain region = %s", rp.raw)
	}
}
