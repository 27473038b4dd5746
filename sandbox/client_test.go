package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// testClock is a settable clock for token expiry tests.
type testClock struct{ now time.Time }

func (c *testClock) Now() time.Time { return c.now }

// env is a running sandbox plus a tiny client.
type env struct {
	t     *testing.T
	s     *Server
	srv   *httptest.Server
	token string
	clock *testClock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvOpts(t, Options{})
}

// newEnvOpts is newEnv with options; Now is always the env's test clock.
func newEnvOpts(t *testing.T, opts Options) *env {
	t.Helper()
	clock := &testClock{now: time.Date(2024, 3, 11, 17, 41, 17, 0, time.UTC)}
	opts.Now = clock.Now
	s := New(opts)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(s.ClearFaults) // runs first: releases hanging requests before Close waits for them
	e := &env{t: t, s: s, srv: srv, clock: clock}
	e.token = e.fetchToken()
	return e
}

func (e *env) fetchToken() string {
	e.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID},
		"client_secret": {DefaultClientSecret}}
	resp, err := http.PostForm(e.srv.URL+TokenPath, form)
	if err != nil {
		e.t.Fatalf("token request: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		e.t.Fatalf("token response: status %d, err %v", resp.StatusCode, err)
	}
	return body.AccessToken
}

// reply is a decoded answer.
type reply struct {
	status int
	header http.Header
	raw    string
	doc    map[string]any
}

// req sends an API request with JSON:API headers; hdr overrides headers
// ("" value deletes one).
func (e *env) req(method, path, body string, hdr ...string) reply {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, err := http.NewRequest(method, e.srv.URL+DefaultAPIPrefix+path, rd)
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	r.Header.Set("Accept", mediaJSONAPI)
	if body != "" {
		r.Header.Set("Content-Type", mediaJSONAPI)
	}
	r.Header.Set("Authorization", "Bearer "+e.token)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			r.Header.Del(hdr[i])
		} else {
			r.Header.Set(hdr[i], hdr[i+1])
		}
	}
	return e.do(r)
}

func (e *env) do(r *http.Request) reply {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		e.t.Fatalf("%s %s: %v", r.Method, r.URL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := reply{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if len(bytes.TrimSpace(raw)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil {
			out.doc, _ = v.(map[string]any)
		}
	}
	return out
}

// must fails the test unless the status is want.
func (rp reply) must(t *testing.T, want int) reply {
	t.Helper()
	if rp.status != want {
		t.Fatalf("status = %d, want %d; body %s", rp.status, want, rp.raw)
	}
	return rp
}

// get walks the decoded document: keys for objects, ints for arrays.
func (rp reply) get(path ...any) any {
	var v any = rp.doc
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// str returns get(path...) formatted as text ("" for nil).
func (rp reply) str(path ...any) string {
	v := rp.get(path...)
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// errorAt returns the first error with the given title, or fails.
func (rp reply) hasError(t *testing.T, title, detailPart, pointer string) {
	t.Helper()
	errs, _ := rp.get("errors").([]any)
	for _, x := range errs {
		m, _ := x.(map[string]any)
		src, _ := m["source"].(map[string]any)
		p, _ := src["pointer"].(string)
		if q, ok := src["parameter"].(string); ok {
			p = q
		}
		d, _ := m["detail"].(string)
		if m["title"] == title && strings.Contains(d, detailPart) && p == pointer {
			if _, isStr := m["status"].(string); !isStr {
				t.Errorf("error status %v is not a string", m["status"])
			}
			return
		}
	}
	t.Errorf("no error {title %q, detail ~%q, source %q} in %s", title, detailPart, pointer, rp.raw)
}

// ids returns the ids of a collection answer.
func (rp reply) ids() []string {
	var out []string
	data, _ := rp.get("data").([]any)
	for _, d := range data {
		m, _ := d.(map[string]any)
		id, _ := m["id"].(string)
		out = append(out, id)
	}
	return out
}

// newEnvWith serves s and returns its URL.
func newEnvWith(t *testing.T, s *Server) string {
	t.Helper()
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// wantErr is one expected JSON:API error; an empty pointer or parameter
// means the source has no such member (no source at all when both are
// empty).
type wantErr struct{ status, title, detail, pointer, parameter string }

// wantErrors fails unless the answer holds exactly the errors want, in any
// order, with exact status (a string), title, detail and source.
func (rp reply) wantErrors(t *testing.T, want ...wantErr) {
	t.Helper()
	raw, _ := rp.get("errors").([]any)
	var got []wantErr
	for _, x := range raw {
		m, _ := x.(map[string]any)
		status, ok := m["status"].(string)
		if !ok {
			t.Errorf("error status %v is not a string", m["status"])
		}
		e := wantErr{status: status}
		e.title, _ = m["title"].(string)
		e.detail, _ = m["detail"].(string)
		if src, ok := m["source"].(map[string]any); ok {
			e.pointer, _ = src["pointer"].(string)
			e.parameter, _ = src["parameter"].(string)
			if len(src) != 1 {
				t.Errorf("source %v must hold exactly one of pointer and parameter", src)
			}
		}
		got = append(got, e)
	}
	key := func(e wantErr) string {
		return e.status + "|" + e.title + "|" + e.detail + "|" + e.pointer + "|" + e.parameter
	}
	sortErrs := func(es []wantErr) []string {
		out := make([]string, len(es))
		for i, e := range es {
			out[i] = key(e)
		}
		slices.Sort(out)
		return out
	}
	if g, w := sortErrs(got), sortErrs(want); !slices.Equal(g, w) {
		t.Errorf("errors =\n  %s\nwant\n  %s\n(body %s)", strings.Join(g, "\n  "), strings.Join(w, "\n  "), rp.raw)
	}
}
