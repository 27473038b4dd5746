package mappings

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

var (
	reName         = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	reResourceType = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
	reHeaderName   = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
)

func validName(s string) bool { return reName.MatchString(s) }

// ValidName reports whether s can name a mapping: lower case letters,
// digits, '-' and '_', starting with a letter or digit.
func ValidName(s string) bool { return validName(s) }

// errAt reports a problem with the value at path (or, when absent, at the
// closest enclosing key present in the file).
func (p *parser) errAt(path, format string, args ...any) {
	line, col := p.tree.pos(path)
	p.add(line, col, path, fmt.Sprintf(format, args...))
}

// errKey reports a problem with the key at path, e.g. a setting that must
// not be there.
func (p *parser) errKey(path, format string, args ...any) {
	line, col := p.tree.keyPos(path)
	p.add(line, col, path, fmt.Sprintf(format, args...))
}

// oneOf checks an enumerated string; "" passes (the default applies).
func (p *parser) oneOf(path, v string, allowed ...string) {
	if v != "" && !slices.Contains(allowed, v) {
		p.errAt(path, "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
}

// validate checks what the schema alone cannot express and fills defaults.
func (p *parser) validate(m *Mapping) {
	switch {
	case m.Name == "":
		p.errAt("name", `missing: give the mapping a name such as "customers"`)
	case !validName(m.Name):
		p.errAt("name", "%q is not a valid name: use lower case letters, digits, '-' and '_', starting with a letter or digit", m.Name)
	}
	p.validateAfter(m)
	p.validateSource(&m.Source)
	p.validateTarget(&m.Target)
	if m.Transform == nil {
		p.errAt("transform", "missing: a jq program that turns a source record into a resource object")
	}
	if m.Incremental != nil && m.Incremental.Cursor == nil {
		p.errAt("incremental.cursor", "missing: a jq expression giving a value that grows with every change, e.g. .updated_at")
	}
	p.validateTests(m.Tests)
}

func (p *parser) validateAfter(m *Mapping) {
	seen := map[string]bool{}
	for i, name := range m.After {
		path := fmt.Sprintf("after[%d]", i)
		switch {
		case !validName(name):
			p.errAt(path, "%q is not a mapping name", name)
		case name == m.Name:
			p.errAt(path, "a mapping cannot run after itself")
		case seen[name]:
			p.errAt(path, "%q is listed twice", name)
		}
		seen[name] = true
	}
}

func (p *parser) validateSource(s *Source) {
	switch {
	case s.File == nil && s.HTTP == nil:
		p.errKey("source", "set exactly one of source.file and source.http")
		return
	case s.File != nil && s.HTTP != nil:
		p.errKey("source.http", "set exactly one of source.file and source.http, not both")
	}
	if s.HTTP != nil {
		for path, set := range map[string]bool{"source.format": s.Format != "", "source.csv": s.CSV != nil, "source.records": s.Records != nil} {
			if set {
				p.errKey(path, "applies to source.file only; for HTTP use source.http.records")
			}
		}
		p.validateHTTP(s.HTTP)
		return
	}
	if s.File.Value == "" && s.File.Line > 0 && !s.File.bad {
		p.errAt("source.file", "empty: give a path, a directory, a glob, or - for standard input")
	}
	p.oneOf("source.format", s.Format, "auto", "json", "jsonl", "csv")
	if s.Format == "" {
		s.Format = "auto"
	}
	if s.CSV != nil {
		p.validateCSV(s)
	}
}

func (p *parser) validateCSV(s *Source) {
	if s.Format != "csv" && s.Format != "auto" {
		p.errKey("source.csv", "applies to CSV files only, but source.format is %q", s.Format)
	}
	d := s.CSV.Delimiter
	if d == "" {
		return
	}
	r, size := utf8.DecodeRuneInString(d)
	if size != len(d) || r == utf8.RuneError || r == '"' || r == '\r' || r == '\n' {
		p.errAt("source.csv.delimiter", "%q is not a valid delimiter: give one character other than a quote or a line break, e.g. \";\"", d)
	}
}

func (p *parser) validateHTTP(h *HTTPSource) {
	const at = "source.http"
	p.checkURL(at+".url", h.URL, true)
	method := strings.ToUpper(h.Method)
	switch method {
	case "":
		method = "GET"
	case "GET", "POST":
	default:
		p.errAt(at+".method", "%q is not supported: use GET or POST", h.Method)
	}
	h.Method = method
	if h.Body != nil && method != "POST" {
		p.errKey(at+".body", "a request body needs method: POST")
	}
	for name, v := range h.Headers {
		if !reHeaderName.MatchString(name) {
			p.errKey(at+".headers."+name, "%q is not a valid HTTP header name", name)
		}
		p.requireValue(at+".headers."+name, v != nil)
	}
	for name, v := range h.Query {
		p.requireValue(at+".query."+name, v != nil)
	}
	for name, v := range h.QueryJQ {
		p.requireValue(at+".query_jq."+name, v != nil)
	}
	for name := range h.QueryJQ {
		if _, dup := h.Query[name]; dup {
			p.errKey(at+".query_jq."+name, "query parameter %q is also set in query: keep one", name)
		}
	}
	if h.Auth != nil {
		p.validateAuth(h.Auth, h.Headers)
	}
	if h.Retry != nil {
		p.validateRetry(h.Retry)
	}
	if h.Paginate != nil {
		p.validatePaginate(h.Paginate)
	}
}

// requireValue reports a map entry written without a value ("name:").
func (p *parser) requireValue(path string, present bool) {
	if !present {
		p.errKey(path, `has no value: give one, or "" for an empty string`)
	}
}

// checkURL checks that a Text holds an absolute http(s) URL. The value is
// not quoted in the message: it may come from the environment.
func (p *parser) checkURL(path string, t *Text, required bool) {
	if t == nil {
		if required {
			p.errAt(path, "missing: the URL to fetch, e.g. ${ERP_URL}/api/customers")
		}
		return
	}
	if t.Line == 0 || t.bad {
		return // already reported
	}
	u, err := url.Parse(t.Value)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.errAt(path, "not an absolute http:// or https:// URL (after ${...} expansion of %q)", t.Raw)
	}
}

func (p *parser) validateRetry(r *Retry) {
	const at = "source.http.retry"
	if r.MaxAttempts < 0 {
		p.errAt(at+".max_attempts", "must be at least 1 (the first try counts)")
	}
	if r.Backoff != nil && r.MaxBackoff != nil && r.MaxBackoff.D < r.Backoff.D {
		p.errAt(at+".max_backoff", "is shorter than backoff (%s)", r.Backoff.D)
	}
}
