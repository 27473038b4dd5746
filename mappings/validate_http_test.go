package mappings

import (
	"strings"
	"testing"
)

// httpBase is a valid mapping with an HTTP source; tests append settings
// under source.http from line 8 on.
const httpBase = "version: 1\nname: x\ntarget: {type: c}\ntransform: .\nsource:\n  http:\n    url: https://erp.test/api\n"

// TestSourceSettingsPositioned covers the source settings that engine/source
// used to check again at run time, without positions: each is reported here,
// at its place in the file.
func TestSourceSettingsPositioned(t *testing.T) {
	for _, tc := range []struct {
		name      string
		src       string
		line, col int
		field     string
		msg       string
	}{
		{"empty_page false with page", httpBase + "    paginate: {page: {size: 10}, stop: {empty_page: false}}\n",
			8, 53, "source.http.paginate.stop.empty_page", "false is not possible with page or offset paging"},
		{"empty_page false with offset", httpBase + "    paginate:\n      offset: {limit: 10}\n      stop:\n        empty_page: false\n",
			11, 21, "source.http.paginate.stop.empty_page", "an empty page always ends them"},
		{"api_key without value", httpBase + "    auth:\n      api_key: {header: X-Key}\n",
			9, 7, "source.http.auth.api_key.value", "missing: the key"},
		{"oauth2 token_url not absolute", httpBase + "    auth:\n      oauth2: {token_url: /token, client_id: c, client_secret: s}\n",
			9, 27, "source.http.auth.oauth2.token_url", "not an absolute http:// or https:// URL"},
		{"cursor from and header", httpBase + "    paginate: {cursor: {from: .next, header: X-Next, param: c}}\n",
			8, 16, "source.http.paginate.cursor", "exactly one of from (jq over the body) and header"},
		{"negative max_pages", httpBase + "    paginate: {next: .next, stop: {max_pages: -1}}\n",
			8, 47, "source.http.paginate.stop.max_pages", "must not be negative"},
		{"url not absolute", strings.Replace(httpBase, "https://erp.test/api", "/api", 1),
			7, 10, "source.http.url", "not an absolute http:// or https:// URL"},
		{"csv delimiter", strings.Replace(valid, "  file: customers.json", "  file: c.csv\n  csv: {delimiter: ';;'}", 1),
			5, 20, "source.csv.delimiter", "not a valid delimiter"},
		{"empty file", strings.Replace(valid, "  file: customers.json", "  file: ''", 1),
			4, 9, "source.file", "empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list := parseErrors(t, tc.src, nil)
			e := list[0]
			if e.Line != tc.line || e.Col != tc.col || e.Field != tc.field || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("first problem = %d:%d %q %q, want %d:%d %q containing %q\nall:\n%v", e.Line, e.Col, e.Field, e.Msg, tc.line, tc.col, tc.field, tc.msg, list)
			}
		})
	}
}

func TestEmptyPageFalseWithoutCountedPaging(t *testing.T) {
	for _, add := range []string{
		"    paginate: {next: .next, stop: {empty_page: false}}\n",
		"    paginate: {link_header: true, stop: {empty_page: false}}\n",
		"    paginate: {cursor: {header: X-Next, param: c}, stop: {empty_page: false}}\n",
		"    paginate: {page: {size: 10}, stop: {empty_page: true}}\n",
	} {
		if _, err := Parse("m.yaml", []byte(httpBase+add), nil); err != nil {
			t.Errorf("Parse(%q) = %v, want no error", add, err)
		}
	}
}

func TestTokenURLErrorHidesEnvironmentValue(t *testing.T) {
	const secret = "s3cr3t-VALUE-42"
	env := func(k string) (string, bool) {
		if k == "TOKEN_URL" {
			return "token?client_secret=" + secret, true
		}
		return "", false
	}
	src := httpBase + "    auth:\n      oauth2: {token_url: '${TOKEN_URL}', client_id: c, client_secret: s}\n"
	list := parseErrors(t, src, env)
	if e := list[0]; e.Field != "source.http.auth.oauth2.token_url" || !strings.Contains(e.Msg, "${TOKEN_URL}") {
		t.Errorf("first problem = %v, want source.http.auth.oauth2.token_url naming ${TOKEN_URL}", e)
	}
	if strings.Contains(list.Error(), secret) {
		t.Errorf("errors show the value of TOKEN_URL: %v", list)
	}
}
