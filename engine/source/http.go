package source

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/orosync/orosync/engine/httpkit"
	"github.com/orosync/orosync/mappings"
)

// maxBody caps one response body, so that a misbehaving server cannot
// exhaust memory (a variable so that tests can lower it).
var maxBody = 512 << 20

// fetcher fetches pages; it runs on the prefetch goroutine only.
type fetcher struct {
	cfg     *mappings.HTTPSource
	opts    Options
	client  *http.Client
	method  string
	header  http.Header
	body    []byte
	timeout time.Duration
	retry   httpkit.Policy
	auth    *authenticator
	red     *httpkit.Redactor
	pager   *pager
	stop    stopRules
	guard   *loopGuard
	first   *url.URL

	pages int // pages fetched
	total int // records delivered
}

// page is one fetched page, or the error that ended fetching.
type page struct {
	records []Record
	bad     []*RecordError // nil, or per record: non-nil fails that record
	err     error
}

// openHTTP checks the HTTP source and starts fetching in the background.
func openHTTP(ctx context.Context, cfg *mappings.HTTPSource, opts Options) (Reader, error) {
	ctx, cancel := context.WithCancel(ctx)
	f, err := newFetcher(ctx, cfg, opts)
	if err != nil {
		cancel()
		return nil, err
	}
	r := &httpReader{pages: make(chan page, opts.Prefetch), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		f.run(ctx, r.pages)
	}()
	return withLimit(r, opts.Limit), nil
}

// newFetcher builds the first request from settings that mappings has
// validated.
func newFetcher(ctx context.Context, cfg *mappings.HTTPSource, opts Options) (*fetcher, error) {
	f := &fetcher{cfg: cfg, opts: opts, red: &httpkit.Redactor{}, guard: newLoopGuard(), header: http.Header{}}
	f.timeout = duration(cfg.Timeout, 30*time.Second)
	f.retry = retryPolicy(cfg.Retry)
	f.client = opts.HTTPClient
	if f.client == nil {
		f.client = &http.Client{}
	}
	f.method = strings.ToUpper(orDefault(cfg.Method, http.MethodGet))
	f.setHeaders()
	f.auth = newAuthenticator(cfg.Auth, tokenOptions{client: f.client, timeout: f.timeout, retry: f.retry,
		now: opts.Now, sleep: opts.Sleep, onRetry: f.tokenRetried}, f.red)
	for _, step := range []func(context.Context) error{f.setURL, f.setBody, f.setPaging} {
		if err := step(ctx); err != nil {
			return nil, f.red.Err(err)
		}
	}
	return f, nil
}

// tokenRetried logs a token request about to be retried.
func (f *fetcher) tokenRetried(attempt int, te *httpkit.TokenError, wait time.Duration) {
	f.opts.Logger.Warn(fmt.Sprintf("oauth2 %s, retrying in %s (attempt %d of %d)", te.Error(), wait.Round(time.Millisecond), attempt+1, f.retry.MaxAttempts))
}

// setHeaders records http.headers; values from the environment are
// treated as secrets.
func (f *fetcher) setHeaders() {
	f.header.Set("Accept", "application/json")
	for name, v := range f.cfg.Headers {
		f.header.Set(name, text(v))
		if v != nil && v.FromEnv {
			f.red.Add(text(v))
		}
	}
}

// setURL builds the first URL: http.url, http.query and http.query_jq.
func (f *fetcher) setURL(ctx context.Context) error {
	u, err := url.Parse(text(f.cfg.URL))
	if err != nil {
		return fmt.Errorf("source.http.url %q cannot be parsed", f.cfg.URL.Redacted())
	}
	q := u.Query()
	for _, k := range sortedKeys(f.cfg.Query) {
		v := f.cfg.Query[k]
		q.Set(k, text(v))
		if v != nil && v.FromEnv && f.red.SecretParam(k) {
			f.red.Add(text(v))
		}
	}
	state := map[string]any{"cursor": f.opts.Cursor}
	for _, k := range sortedKeys(f.cfg.QueryJQ) {
		if err := queryJQ(ctx, q, k, f.cfg.QueryJQ[k], state); err != nil {
			return err
		}
	}
	u.RawQuery = q.Encode()
	f.first = u
	return nil
}

// queryJQ evaluates one query_jq parameter: null or no output omits it, an
// array repeats it.
func queryJQ(ctx context.Context, q url.Values, name string, e *mappings.Expr, state any) error {
	v, ok, err := e.First(ctx, state)
	if err != nil {
		return fmt.Errorf("%s %s: %w", exprPos("http.query_jq."+name, e), e.Src, err)
	}
	if !ok || v == nil {
		q.Del(name)
		return nil
	}
	vals, isArr := v.([]any)
	if !isArr {
		vals = []any{v}
	}
	q.Del(name)
	for _, x := range vals {
		s, err := scalarString(x)
		if err != nil {
			return fmt.Errorf("%s %s: %w", exprPos("http.query_jq."+name, e), e.Src, err)
		}
		q.Add(name, s)
	}
	return nil
}

// sortedKeys returns the keys of m in order, for deterministic URLs.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// setBody evaluates http.body once over {"cursor": Cursor}.
func (f *fetcher) setBody(ctx context.Context) error {
	e := f.cfg.Body
	if e == nil {
		return nil
	}
	v, ok, err := e.First(ctx, map[string]any{"cursor": f.opts.Cursor})
	if err != nil {
		return fmt.Errorf("%s %s: %w", exprPos("http.body", e), e.Src, err)
	}
	if !ok {
		return fmt.Errorf("%s %s: produced no output; it must produce the request body", exprPos("http.body", e), e.Src)
	}
	if f.body, err = json.Marshal(v); err != nil {
		return fmt.Errorf("%s: %w", exprPos("http.body", e), err)
	}
	if f.header.Get("Content-Type") == "" {
		f.header.Set("Content-Type", "application/json")
	}
	return nil
}

// setPaging sets the first page's parameters and the stop rules.
func (f *fetcher) setPaging(context.Context) error {
	var err error
	if f.pager, err = newPager(f.cfg.Paginate, f.first); err != nil {
		return err
	}
	f.stop = newStopRules(f.cfg.Paginate)
	return nil
}

// run fetches pages until the end, an error or cancellation, sending each to
// out. It closes out when done.
func (f *fetcher) run(ctx context.Context, out chan<- page) {
	defer close(out)
	u := f.first
	for u != nil {
		var pg page
		var err error
		pg, u, err = f.fetchPage(ctx, u)
		if err != nil { // records fetched before the error are delivered first
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			pg.err = f.red.Err(err)
			u = nil
		}
		select {
		case out <- pg:
		case <-ctx.Done():
			return
		}
	}
}

// fetchPage fetches one page and returns its records and the next URL (nil
// when paging ends).
func (f *fetcher) fetchPage(ctx context.Context, u *url.URL) (page, *url.URL, error) {
	f.pages++
	n := f.pages
	shown := f.red.URL(u)
	if m, dup := f.guard.url(n, u.String()); dup {
		return page{}, nil, loopError(n, m, "the same URL "+shown)
	}
	resp, err := f.do(ctx, u, shown)
	if err != nil {
		return page{}, nil, err
	}
	body, err := f.decodeBody(resp, shown)
	if err != nil {
		return page{}, nil, err
	}
	values, err := f.selectRecords(ctx, body, shown)
	if err != nil {
		return page{}, nil, err
	}
	bad, err := f.badRecords(resp, shown, len(values))
	if err != nil {
		return page{}, nil, err
	}
	if m, dup := f.guard.body(n, resp.body); dup && len(values) > 0 {
		return page{}, nil, loopError(n, m, "an identical response body from "+shown)
	}
	pg := f.records(values, bad, f.method+" "+shown)
	next, why, err := f.advance(ctx, n, u, body, resp.header, len(values))
	f.logPage(shown, resp.status, len(pg.records), why)
	if n == 1 && next == nil && why == "" && err == nil && f.cfg.Paginate != nil && f.cfg.Paginate.LinkHeader &&
		len(resp.header.Values("Link")) == 0 {
		f.opts.Logger.Warn("source.http.paginate.link_header: the first page of " + shown +
			" had no Link header, so only that page was read; check that the API sends Link headers (some only with a page size parameter), or choose another paginate style")
	}
	return pg, next, err // on error the page's records still count
}

// loopError reports a paging loop.
func loopError(n, m int, what string) error {
	return fmt.Errorf("paging loop: page %d repeats page %d (%s); add a stop rule (http.paginate.stop) or check the API's paging parameters", n, m, what)
}

// selectRecords runs the records selector over a page body (default: an
// array's elements, nothing for null, else the body itself).
func (f *fetcher) selectRecords(ctx context.Context, body any, shown string) ([]any, error) {
	if e := f.cfg.Records; e != nil {
		out, err := e.Eval(ctx, body)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %s %s: %w", exprPos("http.records", e), e.Src, f.method, shown, err)
		}
		return out, nil
	}
	switch b := body.(type) {
	case nil:
		return nil, nil
	case []any:
		return b, nil
	}
	return []any{body}, nil
}

// records numbers the page's records, keeping only as many as the limits
// (max_records, Options.Limit) still allow. bad (nil, or one entry per
// value) fails records whose text is not UTF-8; they count as records.
func (f *fetcher) records(values []any, bad []*RecordError, prefix string) page {
	if left, ok := f.left(); ok && len(values) > left {
		values = values[:left]
	}
	pg := page{records: make([]Record, len(values))}
	for i, v := range values {
		pg.records[i] = Record{Value: v, Origin: prefix + " #" + strconv.Itoa(i+1)}
		if bad != nil && bad[i] != nil {
			if pg.bad == nil {
				pg.bad = make([]*RecordError, len(values))
			}
			bad[i].Origin = pg.records[i].Origin
			pg.bad[i], pg.records[i] = bad[i], Record{}
		}
	}
	f.total += len(pg.records)
	return pg
}

// left returns how many more records may be delivered, if limited.
func (f *fetcher) left() (int, bool) {
	limit := f.opts.Limit
	if m := f.stop.maxRecords; m > 0 && (limit == 0 || m < limit) {
		limit = m
	}
	return limit - f.total, limit > 0
}

// advance applies the stop rules and the loop guard and returns the next
// URL, or nil and why paging stopped.
func (f *fetcher) advance(ctx context.Context, n int, u *url.URL, body any, h http.Header, count int) (*url.URL, string, error) {
	if left, ok := f.left(); ok && left <= 0 {
		return nil, "limit reached", nil
	}
	why, err := f.stop.check(ctx, body, count, n, f.total)
	if err != nil || why != "" {
		return nil, why, err
	}
	next, cursor, err := f.pager.next(ctx, u, body, h)
	if err != nil || next == nil {
		return nil, "", err
	}
	if cursor != "" {
		if m, dup := f.guard.cursor(n, cursor); dup {
			return nil, "", loopError(n+1, m+1, fmt.Sprintf("cursor %q came back on page %d after page %d", f.red.Redact(cursor), n, m))
		}
	}
	return next, "", nil
}

// logPage writes the request log line of one page.
func (f *fetcher) logPage(shown string, status, count int, why string) {
	line := fmt.Sprintf("%s %s → %d, %d record%s", f.method, shown, status, count, plural(count))
	if why != "" {
		line += " (stop: " + why + ")"
	}
	f.opts.Logger.Info(line)
}

// response is a fully read HTTP response.
type response struct {
	status     int
	statusText string
	header     http.Header
	body       []byte
	token      *httpkit.Token // the access token the request carried
}

// decodeBody decodes a JSON response body with UseNumber. An empty body is
// null; anything that is not JSON is an error naming the URL and status.
func (f *fetcher) decodeBody(resp *response, shown string) (any, error) {
	if len(bytes.TrimSpace(resp.body)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(resp.body))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	if err == nil {
		if _, tail := dec.Token(); tail != io.EOF {
			err = errors.New("data after the JSON value")
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s → %d: the response is not JSON (Content-Type %q: %v); it starts with: %s",
			f.method, shown, resp.status, resp.header.Get("Content-Type"), err, f.excerpt(resp.body))
	}
	return v, nil
}

// excerptLen is how much of a body error messages quote.
const excerptLen = 200

// excerpt quotes the first 200 bytes of a body for error messages. Secrets
// are removed before the cut, so that no part of one survives it.
func (f *fetcher) excerpt(b []byte) string {
	head := f.red.Redact(string(b[:min(len(b), 8*excerptLen)]))
	s := strconv.Quote(httpkit.Excerpt([]byte(head), excerptLen))
	if len(head) > excerptLen {
		s += "…"
	}
	return s
}

// httpReader hands out the records of pages fetched ahead.
type httpReader struct {
	pages  chan page
	cancel context.CancelFunc
	done   chan struct{}
	cur    []Record
	bad    []*RecordError // of cur, nil when all are good
	i      int
	err    error
}

// Next returns the next record, waiting for the next page when needed.
func (r *httpReader) Next(ctx context.Context) (Record, error) {
	for r.i >= len(r.cur) {
		if r.err != nil {
			return Record{}, r.err
		}
		select {
		case pg, ok := <-r.pages:
			switch {
			case !ok:
				r.err = io.EOF
			case pg.err != nil:
				r.err = pg.err // returned once the page's records are consumed
			}
			r.cur, r.bad, r.i = pg.records, pg.bad, 0
		case <-ctx.Done():
			return Record{}, ctx.Err()
		}
	}
	rec := r.cur[r.i]
	r.cur[r.i] = Record{} // let the page be collected as it is consumed
	r.i++
	if r.bad != nil && r.bad[r.i-1] != nil {
		return Record{}, r.bad[r.i-1]
	}
	return rec, nil
}

// Close stops fetching and waits for the prefetch goroutine to end.
func (r *httpReader) Close() error {
	r.cancel()
	<-r.done
	if r.err == nil {
		r.err = errors.New("source: reader is closed")
	}
	r.cur = nil
	return nil
}

// plural returns "s" unless n is 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
