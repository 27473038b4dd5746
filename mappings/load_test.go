package mappings

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// parseErrors parses src and returns its problems; it fails the test when
// there are none or when the error is not an ErrorList.
func parseErrors(t *testing.T, src string, env func(string) (string, bool)) ErrorList {
	t.Helper()
	_, err := Parse("m.yaml", []byte(src), env)
	if err == nil {
		t.Fatalf("Parse succeeded, want errors")
	}
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Parse error is %T, want ErrorList: %v", err, err)
	}
	return list
}

const valid = `version: 1
name: customers
source:
  file: customers.json
target:
  type: customers
transform: '{type: "customers"}'
`

func TestErrorPositions(t *testing.T) {
	for _, tc := range []struct {
		name      string
		src       string
		line, col int
		field     string
		msg       string
	}{
		{"yaml syntax", "version: 1\nname: x\nsource: [a\n", 3, 1, "", "YAML: "},
		{"yaml bad indentation", "version: 1\nname: x\n  source: 1\n", 3, 3, "", "mapping values are not allowed"},
		{"unknown key with hint", strings.Replace(valid, "name:", "naem:", 1), 2, 1, "naem", `unknown field "naem"; did you mean "name"?`},
		{"misspelled nested key", strings.Replace(valid, "  type: customers", "  type: customers\n  wirte: create", 1), 7, 3, "target.wirte", `did you mean "write"?`},
		{"unknown key without hint", strings.Replace(valid, "  type: customers", "  type: customers\n  zzzzzz: 1", 1), 7, 3, "target.zzzzzz", "known fields: type, key, write"},
		{"jq syntax plain", strings.Replace(valid, `'{type: "customers"}'`, ".a | )", 1), 7, 17, "transform", `jq: unexpected token ")"`},
		{"jq syntax double-quoted", strings.Replace(valid, `'{type: "customers"}'`, `"{a: .b | )}"`, 1), 7, 22, "transform", `jq: unexpected token ")"`},
		{"jq syntax single-quoted escapes", strings.Replace(valid, `'{type: "customers"}'`, `'{"it''s": .b | )}'`, 1), 7, 28, "transform", `jq: unexpected token ")"`},
		{"jq syntax literal block", strings.Replace(valid, `'{type: "customers"}'`, "|\n  {\n    a: .b,\n    c: (.d | ))\n  }", 1), 10, 14, "transform", `jq: unexpected token ")"`},
		{"jq syntax literal block with indent indicator", strings.Replace(valid, `'{type: "customers"}'`, "|2-\n    .a\n    | )", 1), 9, 7, "transform", `jq: unexpected token ")"`},
		{"jq syntax folded block", strings.Replace(valid, `'{type: "customers"}'`, ">\n  .a |\n  .b | )", 1), 9, 8, "transform", `jq: unexpected token ")"`},
		{"jq unexpected EOF", strings.Replace(valid, `'{type: "customers"}'`, `'{a: .b'`, 1), 7, 19, "transform", "jq: unexpected EOF"},
		{"jq unknown function", strings.Replace(valid, `'{type: "customers"}'`, "  .name | upcase", 1), 7, 14, "transform", "jq: function not defined: upcase/0"},
		{"jq unknown function in block", strings.Replace(valid, `'{type: "customers"}'`, "|\n    .name | upcase", 1), 8, 5, "transform", "jq: function not defined: upcase/0"},
		{"jq unknown variable", strings.Replace(valid, `'{type: "customers"}'`, "$nope | .a", 1), 7, 12, "transform", "jq: variable not defined: $nope"},
		{"jq not a string", strings.Replace(valid, `'{type: "customers"}'`, "[1]", 1), 7, 12, "transform", "expected a jq expression (a string), got a list"},
		{"empty jq", strings.Replace(valid, `'{type: "customers"}'`, `""`, 1), 7, 12, "transform", "jq: empty expression"},
		{"unset env", strings.Replace(valid, "customers.json", "data/${DIR}/c.json", 1), 4, 14, "source.file", "environment variable DIR is not set"},
		{"bad env name", strings.Replace(valid, "customers.json", "${1X}", 1), 4, 9, "source.file", "invalid environment variable reference"},
		{"wrong version", strings.Replace(valid, "version: 1", "version: 2", 1), 1, 10, "version", `unsupported version "2"`},
		{"missing version", strings.Replace(valid, "version: 1\n", "", 1), 1, 1, "version", `missing: add "version: 1"`},
		{"missing name", strings.Replace(valid, "name: customers\n", "", 1), 1, 1, "name", "missing"},
		{"invalid name", strings.Replace(valid, "name: customers", "name: Customers", 1), 2, 7, "name", "not a valid name"},
		{"file and http", strings.Replace(valid, "  file: customers.json", "  file: customers.json\n  http: {url: 'https://x.test'}", 1), 5, 3, "source.http", "exactly one of source.file and source.http"},
		{"no source", strings.Replace(valid, "  file: customers.json", "  format: json", 1), 3, 1, "source", "exactly one of"},
		{"bad format", strings.Replace(valid, "  file: customers.json", "  file: c.json\n  format: xml", 1), 5, 11, "source.format", `"xml" is not one of`},
		{"missing type", strings.Replace(valid, "  type: customers", "  write: create", 1), 5, 1, "target.type", "missing"},
		{"bad write", strings.Replace(valid, "  type: customers", "  type: customers\n  write: upsrt", 1), 7, 10, "target.write", `"upsrt" is not one of create, update, upsert`},
		{"upsert without key", strings.Replace(valid, "  type: customers", "  type: customers\n  write: upsert", 1), 5, 1, "target.key", "write: upsert needs a key"},
		{"native_upsert with update", strings.Replace(valid, "  type: customers", "  type: customers\n  key: .id\n  write: update\n  native_upsert: [email]", 1), 9, 3, "target.native_upsert", "needs write: create or upsert"},
		{"bad on_missing", strings.Replace(valid, "  type: customers", "  type: customers\n  on_missing: ignore", 1), 7, 15, "target.on_missing", "not one of fail, skip, empty"},
		{"missing transform", strings.Replace(valid, "transform: '{type: \"customers\"}'\n", "", 1), 1, 1, "transform", "missing"},
		{"type error int", strings.Replace(valid, "name: customers", "name: customers\nafter: nope", 1), 3, 8, "after", "expected a list of strings, got string"},
		{"duplicate key", valid + "name: again\n", 8, 1, "name", `duplicate key "name" (first defined on line 2)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list := parseErrors(t, tc.src, nil)
			var e *Error
			if !errors.As(list, &e) {
				t.Fatalf("errors.As(*Error) failed on %v", list)
			}
			for _, other := range list { // the problem under test, if not the first
				if other.Field == tc.field && e.Field != tc.field {
					e = other
				}
			}
			if e.Line != tc.line || e.Col != tc.col || e.Field != tc.field || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("first problem = %d:%d %q %q, want %d:%d %q containing %q\nall:\n%v", e.Line, e.Col, e.Field, e.Msg, tc.line, tc.col, tc.field, tc.msg, list)
			}
			if e.File != "m.yaml" {
				t.Errorf("File = %q, want m.yaml", e.File)
			}
		})
	}
}

func TestHTTPErrorPositions(t *testing.T) {
	base := "version: 1\nname: x\ntarget: {type: c}\ntransform: .\nsource:\n  http:\n    url: https://erp.test/api\n"
	for _, tc := range []struct {
		name, add string
		line, col int
		field     string
		msg       string
	}{
		{"empty auth", "    auth: {bearer: }\n", 8, 5, "source.http.auth", "set one authentication method"},
		{"header without value", "    headers: {X-A: }\n", 8, 15, "source.http.headers.X-A", "has no value"},
		{"bad header name", "    headers: {'X A': b}\n", 8, 15, "source.http.headers.X A", "not a valid HTTP header name"},
		{"method", "    method: PUT\n", 8, 13, "source.http.method", "use GET or POST"},
		{"body with GET", "    body: '{}'\n", 8, 5, "source.http.body", "needs method: POST"},
		{"two auth methods", "    auth:\n      bearer: t\n      basic: {username: u, password: p}\n", 10, 7, "source.http.auth.basic", "choose one authentication method, not bearer and basic"},
		{"api key both", "    auth:\n      api_key: {header: X-Key, query: key, value: v}\n", 9, 32, "source.http.auth.api_key.query", "exactly one of header and query, not both"},
		{"api key neither", "    auth:\n      api_key: {value: v}\n", 9, 7, "source.http.auth.api_key", "exactly one of header and query"},
		{"oauth2 missing secret", "    auth:\n      oauth2: {token_url: 'https://erp.test/token', client_id: c}\n", 9, 7, "source.http.auth.oauth2.client_secret", "missing: the client secret"},
		{"two paging styles", "    paginate: {next: .next, link_header: true}\n", 8, 29, "source.http.paginate.link_header", "choose one paging style, not next and link_header"},
		{"no paging style", "    paginate: {stop: {max_pages: 2}}\n", 8, 5, "source.http.paginate", "choose one paging style"},
		{"offset limit", "    paginate: {offset: {limit: 0}}\n", 8, 32, "source.http.paginate.offset.limit", "must be a positive"},
		{"cursor param", "    paginate: {cursor: {from: .next}}\n", 8, 16, "source.http.paginate.cursor.param", "missing"},
		{"short page without size", "    paginate: {next: .next, stop: {short_page: true}}\n", 8, 48, "source.http.paginate.stop.short_page", "page size"},
		{"bad duration", "    timeout: 30\n", 8, 14, "source.http.timeout", "invalid duration"},
		{"negative duration", "    timeout: -1s\n", 8, 14, "source.http.timeout", "must be positive"},
		{"records in source with http", "  records: .items[]\n", 8, 3, "source.records", "applies to source.file only"},
		{"jq in query_jq", "    query_jq: {since: '.cursor |'}\n", 8, 33, "source.http.query_jq.since", "jq: unexpected EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list := parseErrors(t, base+tc.add, nil)
			e := list[0]
			if e.Line != tc.line || e.Col != tc.col || e.Field != tc.field || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("first problem = %d:%d %q %q, want %d:%d %q containing %q\nall:\n%v", e.Line, e.Col, e.Field, e.Msg, tc.line, tc.col, tc.field, tc.msg, list)
			}
		})
	}
}

func TestManyProblemsSorted(t *testing.T) {
	src := `version: 1
name: Bad Name
sorce: {}
source:
  file: ${MISSING}
target:
  type: customers
  write: upsrt
transform: |
  {a: upcase}
tests:
  - input: {}
    want: {}
`
	list := parseErrors(t, src, nil)
	want := [][2]int{{2, 7}, {3, 1}, {5, 9}, {8, 10}, {10, 3}, {12, 5}, {13, 11}}
	if len(list) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(list), len(want), list)
	}
	for i, e := range list {
		if e.Line != want[i][0] || e.Col != want[i][1] {
			t.Errorf("problem %d at %d:%d, want %d:%d (%v)", i, e.Line, e.Col, want[i][0], want[i][1], e)
		}
	}
	if got := list.Error(); strings.Count(got, "\n") != len(want)-1 || !strings.HasPrefix(got, "m.yaml:2:7: name: ") {
		t.Errorf("ErrorList.Error() = %q", got)
	}
}

func TestErrorFormat(t *testing.T) {
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{File: "a.yaml", Line: 3, Col: 5, Field: "target.write", Msg: "bad"}, "a.yaml:3:5: target.write: bad"},
		{Error{File: "a.yaml", Line: 1, Col: 1, Msg: "YAML: oops"}, "a.yaml:1:1: YAML: oops"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestExpandText(t *testing.T) {
	env := mapEnv(map[string]string{"HOST": "erp.test", "EMPTY": "", "TOKEN": "s3cret"})
	for _, tc := range []struct {
		raw, want string
		fromEnv   bool
		err       string
	}{
		{"plain", "plain", false, ""},
		{"https://${HOST}/api", "https://erp.test/api", true, ""},
		{"${NOPE:-fallback}", "fallback", false, ""},
		{"${NOPE:-}", "", false, ""},
		{"${EMPTY:-fallback}", "fallback", false, ""},
		{"${EMPTY}", "", true, ""},
		{"$${HOST}", "${HOST}", false, ""},
		{"a$b $ {x}", "a$b $ {x}", false, ""},
		{"$$${HOST}", "$${HOST}", false, ""}, // leftmost match: "$", then the escape "$${"
		{"${HOST}-${NOPE:-x}", "erp.test-x", true, ""},
		{"${NOPE}", "", false, "environment variable NOPE is not set"},
		{"${HOST", "", false, "unterminated"},
		{"${}", "", false, "invalid environment variable reference"},
		{"${A-B}", "", false, "invalid environment variable reference"},
	} {
		t.Run(tc.raw, func(t *testing.T) {
			txt := &Text{Raw: tc.raw}
			errs := txt.expand(env)
			if tc.err != "" {
				if len(errs) != 1 || !strings.Contains(errs[0].Msg, tc.err) {
					t.Errorf("expand(%q) errors = %v, want %q", tc.raw, errs, tc.err)
				}
				return
			}
			if len(errs) > 0 || txt.String() != tc.want || txt.FromEnv != tc.fromEnv {
				t.Errorf("expand(%q) = %q fromEnv=%v errs=%v, want %q fromEnv=%v", tc.raw, txt.String(), txt.FromEnv, errs, tc.want, tc.fromEnv)
			}
		})
	}
}

func TestNoExpansionInJQ(t *testing.T) {
	m := mustParse(t, strings.Replace(valid, `'{type: "customers"}'`, `'{type: "customers", attributes: {x: "${HOME}"}}'`, 1))
	if m.Transform.Src != `{type: "customers", attributes: {x: "${HOME}"}}` {
		t.Errorf("transform was expanded: %q", m.Transform.Src)
	}
}

func TestSecretsNotInErrors(t *testing.T) {
	const secret = "s3cret-value"
	src := `version: 1
name: x
source:
  http:
    url: ${ERP_URL}
    auth:
      bearer: ${ERP_TOKEN}
      basic: {username: ${ERP_USER}, password: ${ERP_TOKEN}}
    timeout: ${ERP_TOKEN}
target: {type: c}
transform: .
`
	env := mapEnv(map[string]string{"ERP_URL": "ftp://" + secret, "ERP_TOKEN": secret, "ERP_USER": ""})
	list := parseErrors(t, src, env)
	if strings.Contains(list.Error(), secret) {
		t.Errorf("errors reveal a secret:\n%v", list)
	}
	txt := &Text{Raw: "Bearer ${TOKEN}"}
	txt.expand(mapEnv(map[string]string{"TOKEN": secret}))
	if strings.Contains(txt.Redacted(), secret) || !txt.FromEnv || txt.String() != "Bearer "+secret {
		t.Errorf("Redacted() = %q, String() = %q, FromEnv = %v", txt.Redacted(), txt.String(), txt.FromEnv)
	}
}

func TestLoadValidAndDefaults(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.yaml")
	if len(files) == 0 {
		t.Fatal("no valid mappings")
	}
	env := mapEnv(map[string]string{"ERP_TOKEN": "t", "ERP_URL": "https://erp.test", "ERP_SECRET": "s"})
	for _, f := range files {
		m, err := Load(f, env)
		if err != nil {
			t.Errorf("Load(%s): %v", f, err)
			continue
		}
		if m.File != f || m.Dir != "testdata/valid" {
			t.Errorf("Load(%s): File=%q Dir=%q", f, m.File, m.Dir)
		}
	}
	m := mustParse(t, valid)
	if m.Target.Write != "create" || m.Target.OnMissing != "fail" || m.Source.Format != "auto" {
		t.Errorf("defaults: write=%q on_missing=%q format=%q", m.Target.Write, m.Target.OnMissing, m.Source.Format)
	}
	if _, err := Load("testdata/does-not-exist.yaml", nil); err == nil || !os.IsNotExist(errors.Unwrap(err)) {
		t.Errorf("Load(missing) = %v, want a not-exist error", err)
	}
}

func TestValueConversion(t *testing.T) {
	m := mustParse(t, valid+`tests:
  - name: numbers
    input: {a: 12345678901234567890, b: 19.990, c: 0x1F, d: +5, e: 1_000, f: .5, g: null, h: true, i: "007", j: 2024-01-02, k: [1, x]}
    want: []
`)
	in := m.Tests[0].Input.V.(map[string]any)
	want := map[string]string{"a": "12345678901234567890", "b": "19.990", "c": "31", "d": "5", "e": "1000", "f": "0.5"}
	for k, w := range want {
		if got, _ := AppendJSON(nil, in[k]); string(got) != w {
			t.Errorf("input.%s = %s, want %s", k, got, w)
		}
	}
	if in["g"] != nil || in["h"] != true || in["i"] != "007" || in["j"] != "2024-01-02" {
		t.Errorf("input = %v", in)
	}
	if m.Tests[0].Input.Line != 10 {
		t.Errorf("input line = %d, want 10", m.Tests[0].Input.Line)
	}
}

func TestOneDocumentPerFile(t *testing.T) {
	list := parseErrors(t, valid+"---\nversion: 1\n", nil)
	if list[0].Line != 8 || !strings.Contains(list[0].Msg, "one YAML document") {
		t.Errorf("problem = %v", list[0])
	}
	for _, src := range []string{"", "# only a comment\n", "- a\n- b\n", "just text"} {
		list := parseErrors(t, src, nil)
		if list[0].Line != 1 {
			t.Errorf("Parse(%q) = %v", src, list)
		}
	}
}

func TestAliasBomb(t *testing.T) {
	start := time.Now()
	_, err := Load("testdata/laughs.yaml", nil)
	var e *Error
	if !errors.As(err, &e) || e.Line != 10 || e.Col != 7 || !strings.Contains(e.Msg, "value too large") {
		t.Errorf("Load(alias bomb) = %v, want a 'value too large' problem at 10:7", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Load(alias bomb) took %v", d)
	}
}

func TestLoadedSettings(t *testing.T) {
	env := mapEnv(map[string]string{"ERP_URL": "https://erp.test", "ERP_SECRET": "s"})
	m, err := Load("testdata/valid/http-full.yaml", env)
	if err != nil {
		t.Fatal(err)
	}
	h := m.Source.HTTP
	if h.Method != "POST" || h.Timeout.Value() != 45*time.Second || h.Retry.MaxBackoff.Value() != time.Minute {
		t.Errorf("method=%q timeout=%v max_backoff=%v", h.Method, h.Timeout, h.Retry.MaxBackoff)
	}
	if h.Headers["X-Tenant"].String() != "main" || h.Auth.OAuth2.TokenURL.String() != "https://erp.test/oauth/token" {
		t.Errorf("headers/token_url not expanded: %q %q", h.Headers["X-Tenant"], h.Auth.OAuth2.TokenURL)
	}
	if !h.Auth.OAuth2.ClientSecret.FromEnv || h.Auth.OAuth2.ClientSecret.Redacted() != "${ERP_SECRET}" {
		t.Errorf("client_secret FromEnv=%v Redacted=%q", h.Auth.OAuth2.ClientSecret.FromEnv, h.Auth.OAuth2.ClientSecret.Redacted())
	}
	if pg := h.Paginate.Page; pg.Param != "p" || pg.Start != 1 || pg.Size != 100 {
		t.Errorf("page = %+v", pg)
	}
	var nilDur *Duration
	if nilDur.Value() != 0 || nilDur.String() != "0s" {
		t.Error("nil Duration")
	}
	m, err = Load("testdata/valid/prices.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Source.CSV.Delimiter != ";" || m.Source.Format != "auto" {
		t.Errorf("csv = %+v format=%q", m.Source.CSV, m.Source.Format)
	}
	if in := m.Tests[1].Input.V.(map[string]any); in["sku"] != "A-1" || in["qty"] != "many" {
		t.Errorf("merge key: input = %v", in)
	}
	for i := range m.Tests {
		if r := m.RunTest(context.Background(), i); !r.Passed() {
			t.Errorf("RunTest(%d): %v", i, r.Failure)
		}
	}
}

func TestMoreProblems(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"csv delimiter", strings.Replace(valid, "  file: customers.json", "  file: c.csv\n  csv: {delimiter: ';;'}", 1), 5, 20, "not a valid delimiter"},
		{"csv with json", strings.Replace(valid, "  file: customers.json", "  file: c.json\n  format: json\n  csv: {delimiter: ';'}", 1), 6, 3, "applies to CSV files only"},
		{"retry backoff", "version: 1\nname: x\ntarget: {type: c}\ntransform: .\nsource:\n  http:\n    url: https://e.test\n    retry: {backoff: 2s, max_backoff: 1s}\n", 8, 39, "shorter than backoff"},
		{"page size_param", "version: 1\nname: x\ntarget: {type: c}\ntransform: .\nsource:\n  http:\n    url: https://e.test\n    paginate: {page: {size_param: n}}\n", 8, 23, "needs size"},
		{"bad url", "version: 1\nname: x\ntarget: {type: c}\ntransform: .\nsource:\n  http:\n    url: e.test/api\n", 7, 10, "not an absolute http"},
		{"tab indentation", "version: 1\n\tname: x\n", 2, 1, "tabs are not allowed"},
		{"after itself", strings.Replace(valid, "name: customers", "name: customers\nafter: [customers, a, a]", 1), 3, 9, "cannot run after itself"},
		{"test without want", valid + "tests:\n  - {name: a, input: {}}\n", 9, 5, "set want"},
		{"test want not document", valid + "tests:\n  - {name: a, input: {}, want: [{type: x}]}\n", 9, 33, "full form"},
		{"test want bad document", valid + "tests:\n  - {name: a, input: {}, want: [{data: {}}]}\n", 9, 33, "data.type is missing"},
		{"duplicate test", valid + "tests:\n  - {name: a, input: {}, want: []}\n  - {name: a, input: {}, want: []}\n", 10, 12, "used by another test case"},
		{"native_upsert id with others", strings.Replace(valid, "  type: customers", "  type: customers\n  native_upsert: [id, email]", 1), 7, 19, `"id" cannot be combined`},
		{"incremental without cursor", valid + "incremental: {start: '0'}\n", 8, 1, "incremental.cursor: missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list := parseErrors(t, tc.src, nil)
			e := list[0]
			if e.Line != tc.line || e.Col != tc.col || !strings.Contains(e.Error(), tc.msg) {
				t.Errorf("first problem = %v, want %d:%d containing %q\nall:\n%v", e, tc.line, tc.col, tc.msg, list)
			}
		})
	}
}

// An unset variable is told from a malformed reference by the lookup
// itself, not by the wording of its message.
func TestExpandStringMarksUnsetVariables(t *testing.T) {
	none := func(string) (string, bool) { return "", false }
	got, _, errs := expandString("a ${NOT_SET} b ${1BAD}", none)
	if len(errs) != 2 {
		t.Fatalf("%d problems, want 2: %+v", len(errs), errs)
	}
	if !errs[0].Unset || errs[1].Unset {
		t.Errorf("Unset = %v, %v; want true for ${NOT_SET}, false for ${1BAD}", errs[0].Unset, errs[1].Unset)
	}
	if want := "a ${NOT_SET} b "; got != want {
		t.Errorf("value %q, want %q (an unset reference stays as written)", got, want)
	}
}
