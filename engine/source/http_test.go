package source

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orosync/orosync/mappings"
)

// syncBuf is a concurrency-safe log buffer.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// sleeps records injected sleeps.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

// httpRun reads an HTTP source against srv and returns the result, the
// log and the error.
func httpRun(t *testing.T, srv *httptest.Server, h *mappings.HTTPSource, opts Options) (result, string, error) {
	t.Helper()
	if h.URL == nil {
		h.URL = txt(srv.URL + "/items")
	}
	log := &syncBuf{}
	opts.Logger, opts.HTTPClient = slog.New(slog.NewTextHandler(log, nil)), srv.Client()
	if opts.Sleep == nil {
		opts.Sleep = (&sleeps{}).sleep
	}
	r, err := Open(context.Background(), &mappings.Source{HTTP: h}, opts)
	if err != nil {
		return result{}, log.String(), err
	}
	res, err := readAll(t, r)
	return res, log.String(), err
}

// ids renders records {"id":n} as "1 2 3".
func ids(res result) string {
	var out []string
	for _, v := range res.values {
		var m map[string]any
		json.Unmarshal([]byte(v), &m)
		out = append(out, fmt.Sprint(m["id"]))
	}
	return strings.Join(out, " ")
}

// items returns a JSON array of {"id": from..to}.
func items(from, to int) []any {
	out := []any{}
	for i := from; i <= to; i++ {
		out = append(out, map[string]any{"id": i})
	}
	return out
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// pageServer serves pages of a list of page sizes by ?page=N (1-based);
// pages past the end are empty (or repeat the last one with clamp).
func pageServer(t *testing.T, sizes []int, clamp bool, requests *atomic.Int32) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		p, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if clamp && p > len(sizes) {
			p = len(sizes)
		}
		start := 1
		for i := 0; i < p-1 && i < len(sizes); i++ {
			start += sizes[i]
		}
		if p < 1 || p > len(sizes) {
			writeJSON(w, map[string]any{"items": []any{}})
			return
		}
		writeJSON(w, map[string]any{"items": items(start, start+sizes[p-1]-1), "page": p})
	}))
}

func TestPageNumberPaging(t *testing.T) {
	var n atomic.Int32
	srv := pageServer(t, []int{3, 2, 3}, false, &n) // page 2 is one short but not the last
	defer srv.Close()
	h := &mappings.HTTPSource{Records: mustExpr(t, ".items[]"), Paginate: &mappings.Paginate{Page: &mappings.PageNumber{Start: 1, Size: 3, SizeParam: "per_page"}}}
	res, log, err := httpRun(t, srv, h, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(res); got != "1 2 3 4 5 6 7 8" {
		t.Errorf("ids = %q; want 1..8 (a short page that is not the last must not stop)", got)
	}
	if n.Load() != 4 || !strings.Contains(log, "page=4&per_page=3 → 200, 0 records (stop: empty page)") {
		t.Errorf("requests = %d; log:\n%s", n.Load(), log)
	}
	if res.origins[3] != "GET "+srv.URL+"/items?page=2&per_page=3 #1" {
		t.Errorf("origin = %q", res.origins[3])
	}
}

func TestPageShortPageStops(t *testing.T) {
	var n atomic.Int32
	srv := pageServer(t, []int{3, 3, 1}, false, &n)
	defer srv.Close()
	h := &mappings.HTTPSource{Records: mustExpr(t, ".items[]"), Paginate: &mappings.Paginate{
		Page: &mappings.PageNumber{Start: 1, Size: 3}, Stop: &mappings.StopRules{ShortPage: true}}}
	res, _, err := httpRun(t, srv, h, Options{})
	if err != nil || ids(res) != "1 2 3 4 5 6 7" || n.Load() != 3 {
		t.Errorf("ids = %q, requests %d, err %v; want 1..7 in 3 requests", ids(res), n.Load(), err)
	}
}

func TestLastPageRepeatedIsLoopError(t *testing.T) {
	var n atomic.Int32
	srv := pageServer(t, []int{2, 2, 1}, true, &n) // the API clamps: page 4 = page 3
	defer srv.Close()
	h := &mappings.HTTPSource{Records: mustExpr(t, ".items[]"), Paginate: &mappings.Paginate{Page: &mappings.PageNumber{Start: 1}}}
	res, _, err := httpRun(t, srv, h, Options{})
	if err == nil || !strings.Contains(err.Error(), "paging loop: page 4 repeats page 3") || !strings.Contains(err.Error(), "add a stop rule") {
		t.Fatalf("err = %v; want a paging loop error", err)
	}
	if ids(res) != "1 2 3 4 5" {
		t.Errorf("ids = %q; want 1..5 once each", ids(res))
	}
}

func TestEmptyFirstPage(t *testing.T) {
	var n atomic.Int32
	srv := pageServer(t, nil, false, &n)
	defer srv.Close()
	h := &mappings.HTTPSource{Records: mustExpr(t, ".items[]"), Paginate: &mappings.Paginate{Page: &mappings.PageNumber{Start: 1}}}
	res, _, err := httpRun(t, srv, h, Options{})
	if err != nil || len(res.values) != 0 || n.Load() != 1 {
		t.Errorf("records %d, requests %d, err %v; want none in 1 request", len(res.values), n.Load(), err)
	}
}

func TestMaxPagesMaxRecordsAndLimit(t *testing.T) {
	for _, tc := range []struct {
		name     string
		stop     *mappings.StopRules
		limit    int
		want     string
		requests int32
	}{
		{"max_pages", &mappings.StopRules{MaxPages: 2}, 0, "1 2 3 4 5 6", 2},
		{"max_records", &mappings.StopRules{MaxRecords: 4}, 0, "1 2 3 4", 2},
		{"limit", nil, 5, "1 2 3 4 5", 2},
		{"limit below max_records", &mappings.StopRules{MaxRecords: 7}, 2, "1 2", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			srv := pageServer(t, []int{3, 3, 3, 3}, false, &n)
			defer srv.Close()
			h := &mappings.HTTPSource{Records: mustExpr(t, ".items[]"), Paginate: &mappings.Paginate{Page: &mappings.PageNumber{Start: 1}, Stop: tc.stop}}
			res, _, err := httpRun(t, srv, h, Options{Limit: tc.limit, Prefetch: 1})
			if err != nil || ids(res) != tc.want || n.Load() != tc.requests {
				t.Errorf("ids = %q, requests %d, err %v; want %q in %d requests", ids(res), n.Load(), err, tc.want, tc.requests)
			}
		})
	}
}

func TestOffsetPaging(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		off, _ := strconv.Atoi(r.URL.Query().Get("skip"))
		lim, _ := strconv.Atoi(r.URL.Query().Get("take"))
		writeJSON(w, items(off+1, min(off+lim, 7))) // a bare array body
	}))
	defer srv.Close()
	h := &mappings.HTTPSource{Paginate: &mappings.Paginate{Offset: &mappings.OffsetLimit{Param: "skip", LimitParam: "take", Limit: 3}}}
	res, log, err := httpRun(t, srv, h, Options{})
	if err != nil || ids(res) != "1 2 3 4 5 6 7" {
		t.Errorf("ids = %q, err %v; log:\n%s", ids(res), err, log)
	}
}

func TestNextURLPaging(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("p"))
		next := any(nil)
		if p < 2 {
			next = fmt.Sprintf("?p=%d", p+1) // relative
		}
		writeJSON(w, map[string]any{"data": items(p*2+1, p*2+2), "links": map[string]any{"next": next}})
	}))
	defer srv.Close()
	h := &mappings.HTTPSource{Records: mustExpr(t, ".data[]"), Paginate: &mappings.Paginate{Next: mustExpr(t, ".links.next")}}
	res, _, err := httpRun(t, srv, h, Options{})
	if err != nil || ids(res) != "1 2 3 4 5 6" {
		t.Errorf("ids = %q, err %v", ids(res), err)
	}
}

func TestNextURLLoop(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1))
		writeJSON(w, map[string]any{"data": items(i, i), "next": "/items?p=2"})
	}))
	defer srv.Close()
	h := &mappings.HTTPSource{Records: mustExpr(t, ".data[]"), Paginate: &mappings.Paginate{Next: mustExpr(t, ".next")}}
	res, _, err := httpRun(t, srv, h, Options{})
	if err == nil || !strings.Contains(err.Error(), "paging loop: page 3 repeats page 2 (the same URL") {
		t.Fatalf("err = %v; want a paging loop", err)
	}
	if ids(res) != "1 2" {
		t.Errorf("ids = %q; want 1 2", ids(res))
	}
}

func TestLinkHeaderPaging(t *testing.T) {
	var srvURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if p == 0 {
			p = 1
		}
		if p < 3 {
			w.Header().Add("Link", fmt.Sprintf(`<%s/items?page=1>; rel="first"`, srvURL))
			w.Header().Add("Link", fmt.Sprintf(`</items?page=%d>; rel="next last"; title="a, b"`, p+1))
		}
		writeJSON(w, items(p, p))
	}))
	defer srv.Close()
	srvURL = srv.URL
	h := &mappings.HTTPSource{Paginate: &mappings.Paginate{LinkHeader: true}}
	res, log, err := httpRun(t, srv, h, Options{})
	if err != nil || ids(res) != "1 2 3" {
		t.Errorf("ids = %q, err %v", ids(res), err)
	}
	if strings.Contains(log, "level=WARN") {
		t.Errorf("a source that sends Link headers got a warning:\n%s", log)
	}
}

// TestLinkHeaderMissingOnTheFirstPageWarns: an API that sends no Link
// header at all (often: only with a page size parameter) would look like a
// source of one page; the log says so once.
func TestLinkHeaderMissingOnTheFirstPageWarns(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, items(1, 2))
	}))
	defer srv.Close()
	h := &mappings.HTTPSource{Paginate: &mappings.Paginate{LinkHeader: true}}
	res, log, err := httpRun(t, srv, h, Options{})
	if err != nil || ids(res) != "1 2" {
		t.Fatalf("ids = %q, err %v", ids(res), err)
	}
	if strings.Count(log, "level=WARN msg=\"source.http.paginate.link_header: the first page") != 1 {
		t.Errorf("log lacks one warning about the missing Link header:\n%s", log)
	}
}

func TestCursorPaging(t *testing.T) {
	for _, fromHeader := range []bool{false, true} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, _ := strconv.Atoi(r.URL.Query().Get("after"))
			next := ""
			if c < 4 {
				next = strconv.Itoa(c + 2)
			}
			if r.URL.Query().Get("q") != "x" {
				http.Error(w, "lost the query", 400)
				return
			}
			w.Header().Set("X-Next", next)
			writeJSON(w, map[string]any{"items": items(c+1, c+2), "meta": map[string]any{"cursor": next}})
		}))
		cp := &mappings.CursorPaging{Param: "after", From: mustExpr(t, ".meta.cursor")}
		if fromHeader {
			cp = &mappings.CursorPaging{Param: "after", Header: "X-Next"}
		}
		h := &mappings.HTTPSource{URL: txt(srv.URL + "/items?q=x"), Records: mustExpr(t, ".items[]"), Paginate: &mappings.Paginate{Cursor: cp}}
		res, _, err := httpRun(t, srv, h, Options{})
		if err != nil || ids(res) != "1 2 3 4 5 6" {
			t.Errorf("header=%v: ids = %q, err %v", fromHeader, ids(res), err)
		}
		srv.Close()
	}
}

func TestCursorNeverEnds(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1))
		writeJSON(w, map[string]any{"items": items(i, i), "next": "abc"}) // always the same cursor
	}))
	defer srv.Close()
	h := &mappings.HTTPSource{Records: mustExpr(t, ".items[]"), Paginate: &mappings.Paginate{Cursor: &mappings.CursorPaging{Param: "c", From: mustExpr(t, ".next")}}}
	res, _, err := httpRun(t, srv, h, Options{})
	if err == nil || !strings.Contains(err.Error(), `paging loop: page 3 repeats page 2 (cursor "abc"`) {
		t.Fatalf("err = %v; want a cursor loop error", err)
	}
	if ids(res) != "1 2" || n.Load() != 2 {
		t.Errorf("ids = %q, requests %d; want 1 2 in 2 requests", ids(res), n.Load())
	}
}

func TestStopWhen(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("page"))
		writeJSON(w, map[string]any{"items": items(p, p), "has_more": p < 3})
	}))
	defer srv.Close()
	h := &mappings.HTTPSource{Records: mustExpr(t, ".items[]"), Paginate: &mappings.Paginate{
		Page: &mappings.PageNumber{Start: 1}, Stop: &mappings.StopRules{When: mustExpr(t, ".has_more | not")}}}
	res, _, err := httpRun(t, srv, h, Options{})
	if err != nil || ids(res) != "1 2 3" {
		t.Errorf("ids = %q, err %v", ids(res), err)
	}
	h.Paginate.Stop.When = mustExpr(t, ".items")
	_, _, err = httpRun(t, srv, h, Options{})
	if err == nil || !strings.Contains(err.Error(), "expected true or false, got array") {
		t.Errorf("err = %v; want a stop.when type error", err)
	}
}

func TestRetries(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fail  func(w http.ResponseWriter)
		sleep time.Duration // expected first sleep (0 = jittered backoff)
	}{
		{"429 retry-after seconds", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(429)
		}, 7 * time.Second},
		{"429 retry-after date capped", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
			w.WriteHeader(429)
		}, 10 * time.Second},
		{"503", func(w http.ResponseWriter) { w.WriteHeader(503) }, 0},
		{"dropped connection", func(w http.ResponseWriter) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				p, _ := strconv.Atoi(r.URL.Query().Get("page"))
				if p == 2 && calls.Add(1) <= 2 { // page 2 fails twice
					tc.fail(w)
					return
				}
				if p > 3 {
					writeJSON(w, []any{})
					return
				}
				writeJSON(w, items(p*10+1, p*10+3))
			}))
			defer srv.Close()
			sl := &sleeps{}
			h := &mappings.HTTPSource{Paginate: &mappings.Paginate{Page: &mappings.PageNumber{Start: 1}},
				Retry: &mappings.Retry{MaxBackoff: &mappings.Duration{D: 10 * time.Second}}}
			res, log, err := httpRun(t, srv, h, Options{Sleep: sl.sleep})
			if err != nil {
				t.Fatalf("err = %v; log:\n%s", err, log)
			}
			if got := ids(res); got != "11 12 13 21 22 23 31 32 33" {
				t.Errorf("ids = %q; want each record of pages 1-3 exactly once", got)
			}
			// net/http itself retries a GET once on a reused connection
			// that was closed before any answer, so a drop may cost one sleep.
			if len(sl.d) != 2 && (tc.name != "dropped connection" || len(sl.d) != 1) {
				t.Fatalf("sleeps = %v; want 2", sl.d)
			}
			if tc.sleep != 0 && (sl.d[0] < tc.sleep-2*time.Second || sl.d[0] > tc.sleep) {
				t.Errorf("first sleep = %v; want about %v", sl.d[0], tc.sleep)
			}
			if tc.sleep == 0 && (sl.d[0] < 500*time.Millisecond || sl.d[0] > time.Second || len(sl.d) > 1 && (sl.d[1] < time.Second || sl.d[1] > 2*time.Second)) {
				t.Errorf("sleeps = %v; want jittered 1s, 2s", sl.d)
			}
			if !strings.Contains(log, "retrying in") {
				t.Errorf("log lacks the retries:\n%s", log)
			}
		})
	}
}

func TestRetriesExhausted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(502)
		w.Write([]byte("bad gateway"))
	}))
	defer srv.Close()
	sl := &sleeps{}
	_, _, err := httpRun(t, srv, &mappings.HTTPSource{Retry: &mappings.Retry{MaxAttempts: 3}}, Options{Sleep: sl.sleep})
	if err == nil || !strings.Contains(err.Error(), "502 Bad Gateway after 3 attempts") || !strings.Contains(err.Error(), `"bad gateway"`) || len(sl.d) != 2 {
		t.Errorf("err = %v, sleeps %v; want 502 after 3 attempts with the body", err, sl.d)
	}
}

func TestHTTPErrorsNameURLStatusAndBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/html" {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!DOCTYPE html><html><body>Maintenance</body></html>"))
			return
		}
		w.WriteHeader(404)
		w.Write([]byte(`{"error":"no such list"}` + strings.Repeat(".", 300)))
	}))
	defer srv.Close()
	_, _, err := httpRun(t, srv, &mappings.HTTPSource{URL: txt(srv.URL + "/html")}, Options{})
	for _, want := range []string{"GET " + srv.URL + "/html → 200", "not JSON", `"text/html"`, "<!DOCTYPE html>"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("non-JSON err = %v; want %q", err, want)
		}
	}
	_, _, err = httpRun(t, srv, &mappings.HTTPSource{URL: txt(srv.URL + "/missing")}, Options{})
	if err == nil || !strings.Contains(err.Error(), "GET "+srv.URL+"/missing → 404 Not Found") || !strings.Contains(err.Error(), "no such list") || strings.Count(err.Error(), ".") > 230 {
		t.Errorf("404 err = %v; want URL, status and the first 200 bytes", err)
	}
}

func TestTimeoutIsRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			time.Sleep(300 * time.Millisecond)
		}
		writeJSON(w, items(1, 2))
	}))
	defer srv.Close()
	h := &mappings.HTTPSource{Timeout: &mappings.Duration{D: 50 * time.Millisecond}}
	res, log, err := httpRun(t, srv, h, Options{})
	if err != nil || ids(res) != "1 2" || !strings.Contains(log, "no answer within 50ms") {
		t.Errorf("ids = %q, err %v; log:\n%s", ids(res), err, log)
	}
}

func TestQueryJQAndPOSTBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		d := json.NewDecoder(r.Body)
		d.UseNumber()
		d.Decode(&body)
		writeJSON(w, map[string]any{"method": r.Method, "query": r.URL.RawQuery, "body": body, "ct": r.Header.Get("Content-Type"), "x": r.Header.Get("X-Tenant")})
	}))
	defer srv.Close()
	h := &mappings.HTTPSource{
		Method:  "post",
		Headers: map[string]*mappings.Text{"X-Tenant": txt("t1")},
		Query:   map[string]*mappings.Text{"static": txt("1")},
		QueryJQ: map[string]*mappings.Expr{"since": mustExpr(t, ".cursor"), "none": mustExpr(t, "null"), "ids": mustExpr(t, "[1, 2]")},
		Body:    mustExpr(t, `{filter: {updated_after: .cursor}}`),
	}
	res, _, err := httpRun(t, srv, h, Options{Cursor: json.Number("12345678901234567890")})
	want := `{"body":{"filter":{"updated_after":12345678901234567890}},"ct":"application/json","method":"POST","query":"ids=1\u0026ids=2\u0026since=12345678901234567890\u0026static=1","x":"t1"}`
	if err != nil || len(res.values) != 1 || res.values[0] != want {
		t.Errorf("got %v, err %v; want %s", res.values, err, want)
	}
}

func TestCloseStopsPrefetch(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1))
		writeJSON(w, items(i, i))
	}))
	defer srv.Close()
	h := &mappings.HTTPSource{URL: txt(srv.URL), Paginate: &mappings.Paginate{Page: &mappings.PageNumber{Start: 1}}}
	r, err := Open(context.Background(), &mappings.Source{HTTP: h}, Options{HTTPClient: srv.Client(), Prefetch: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if got := n.Load(); got > 4 { // 1 consumed + 2 buffered + 1 in flight
		t.Errorf("requests ahead = %d; want at most 4 (bounded prefetch)", got)
	}
	done := make(chan struct{})
	go func() { r.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not stop the prefetch goroutine")
	}
	before := n.Load()
	time.Sleep(30 * time.Millisecond)
	if n.Load() != before {
		t.Errorf("requests went on after Close")
	}
}

func TestBodyRepeatIsLoopError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"data": items(1, 2)}) // every page is the same
	}))
	defer srv.Close()
	h := &mappings.HTTPSource{Records: mustExpr(t, ".data[]"), Paginate: &mappings.Paginate{Page: &mappings.PageNumber{Start: 1}}}
	res, _, err := httpRun(t, srv, h, Options{})
	if err == nil || !strings.Contains(err.Error(), "page 2 repeats page 1 (an identical response body") {
		t.Fatalf("err = %v; want an identical body loop error", err)
	}
	if ids(res) != "1 2" {
		t.Errorf("ids = %q; want 1 2 once", ids(res))
	}
}

func TestPageNumberZeroBased(t *testing.T) {
	var n atomic.Int32
	base := pageServer(t, []int{2, 2}, false, &n) // pages 1..2
	defer base.Close()
	// A zero-based API: page=0 is the first page. Shift by one in front of
	// the one-based test server.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("page"))
		resp, err := http.Get(base.URL + "/items?page=" + strconv.Itoa(p+1))
		if err != nil {
			t.Error(err)
			return
		}
		defer resp.Body.Close()
		io.Copy(w, resp.Body)
	}))
	defer srv.Close()
	m, err := mappings.Parse("zero.yaml", []byte(`version: 1
name: zero
source:
  http:
    url: `+srv.URL+`/items
    records: .items[]
    paginate: {page: {start: 0}}
target: {type: customers}
transform: .
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := httpRun(t, srv, m.Source.HTTP, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(res); got != "1 2 3 4" {
		t.Errorf("ids = %q; want 1..4 (page=0 is the first page of a zero-based API)", got)
	}
}

func TestResponseTooLarge(t *testing.T) {
	old := maxBody
	maxBody = 1 << 10
	t.Cleanup(func() { maxBody = old })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`[` + strings.Repeat(" ", 2<<10) + `]`))
	}))
	defer srv.Close()
	sl := &sleeps{}
	_, _, err := httpRun(t, srv, &mappings.HTTPSource{}, Options{Sleep: sl.sleep})
	if err == nil || !strings.Contains(err.Error(), "GET "+srv.URL+"/items: the response is larger than") || !strings.Contains(err.Error(), "use a smaller page size") || len(sl.d) != 0 {
		t.Errorf("err = %v, sleeps %v; want a too-large response naming the URL, not retried", err, sl.d)
	}
}
