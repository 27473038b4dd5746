package oro

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orosync/orosync/engine/httpkit"
)

// answer is one scripted answer of the fake API.
type answer struct {
	status int
	html   bool   // a proxy's HTML page instead of a JSON:API document
	body   string // JSON:API body; empty means none
	retry  string // Retry-After
	hangup bool   // read the request, then close the connection unanswered
}

var (
	created   = answer{status: 201, body: `{"data":{"type":"customers","id":"7"}}`}
	ok        = answer{status: 200, body: `{"data":{"type":"customers","id":"7"}}`}
	noContent = answer{status: 204}
	throttled = answer{status: 429, retry: "1"}
	hangup    = answer{hangup: true}
	notFound  = answer{status: 404, body: `{"errors":[{"status":"404","title":"not found http exception"}]}`}
	bad       = answer{status: 400, body: `{"errors":[{"status":"400","title":"not blank constraint","source":{"pointer":"/data/attributes/name"}}]}`}
)

func proxy(status int) answer { return answer{status: status, html: true} }

func oroError(status int) answer {
	return answer{status: status, body: fmt.Sprintf(`{"errors":[{"status":"%d","title":"runtime exception"}]}`, status)}
}

// script makes the fake API give answers in turn (the last one again once
// they run out) and returns the count of requests and of records created
// (POSTs answered 201).
func script(f *fakeOro, answers ...answer) (hits, records *atomic.Int64) {
	hits, records = &atomic.Int64{}, &atomic.Int64{}
	f.srv.Config.SetKeepAlivesEnabled(false) // no transparent re-send of a GET by net/http
	f.setAPI(func(w http.ResponseWriter, r *http.Request) {
		a := answers[min(int(hits.Add(1)), len(answers))-1]
		_, _ = io.Copy(io.Discard, r.Body)
		switch {
		case a.hangup:
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		case a.retry != "":
			w.Header().Set("Retry-After", a.retry)
		}
		if a.status == 201 && r.Method == http.MethodPost {
			records.Add(1)
		}
		if a.html {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(a.status)
			fmt.Fprintf(w, "<html><head><title>%d %s</title></head><body>nginx</body></html>", a.status, http.StatusText(a.status))
			return
		}
		if a.body == "" {
			w.WriteHeader(a.status)
			return
		}
		writeDoc(w, a.status, a.body)
	})
	return hits, records
}

func TestRetryRules(t *testing.T) {
	post, patch, get, del := http.MethodPost, http.MethodPatch, http.MethodGet, http.MethodDelete
	tests := []struct {
		name     string
		method   string
		answers  []answer
		attempts int64
		status   int  // of the *Error returned; 0: success, -1: a *NetError
		fatal    bool // IsFatal of the error
		wrote    bool // MayHaveWritten of the error
	}{
		{name: "429 then 201 on POST: one record", method: post, answers: []answer{throttled, created}, attempts: 2},
		{name: "429 then 200 on PATCH", method: patch, answers: []answer{throttled, ok}, attempts: 2},
		{name: "503 HTML page on PATCH", method: patch, answers: []answer{proxy(503), ok}, attempts: 2},
		{name: "502 HTML page on GET", method: get, answers: []answer{proxy(502), ok}, attempts: 2},
		{name: "504 on DELETE", method: del, answers: []answer{oroError(504), noContent}, attempts: 2},
		{name: "503 on POST is not repeated", method: post, answers: []answer{oroError(503), created}, attempts: 1, status: 503, wrote: true},
		{name: "502 HTML page on POST is not repeated", method: post, answers: []answer{proxy(502), created}, attempts: 1, status: 502, wrote: true},
		{name: "504 HTML page on POST is not repeated", method: post, answers: []answer{proxy(504), created}, attempts: 1, status: 504, wrote: true},
		{name: "connection lost on POST is not repeated", method: post, answers: []answer{hangup, created}, attempts: 1, status: -1, wrote: true},
		{name: "connection lost on PATCH", method: patch, answers: []answer{hangup, ok}, attempts: 2},
		{name: "connection lost on GET", method: get, answers: []answer{hangup, ok}, attempts: 2},
		{name: "500 on GET", method: get, answers: []answer{oroError(500), oroError(500), ok}, attempts: 3},
		{name: "500 on GET, a few attempts only", method: get, answers: []answer{oroError(500)}, attempts: serverErrorAttempts, status: 500},
		{name: "500 on PATCH is the record's error", method: patch, answers: []answer{oroError(500), ok}, attempts: 1, status: 500, wrote: true},
		{name: "500 on POST is the record's error", method: post, answers: []answer{oroError(500), created}, attempts: 1, status: 500, wrote: true},
		{name: "DELETE answered 404 after a lost answer", method: del, answers: []answer{hangup, notFound}, attempts: 2, status: 404},
		{name: "400 on POST", method: post, answers: []answer{bad, created}, attempts: 1, status: 400},
		{name: "501 on GET", method: get, answers: []answer{oroError(501), ok}, attempts: 1, status: 501},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeOro(t)
			hits, records := script(f, tc.answers...)
			c, clock := newTestClient(t, f.config())
			var body []byte
			if tc.method == post || tc.method == patch {
				body = []byte(`{"data":{"type":"customers","attributes":{"name":"A"}}}`)
			}
			path := "customers/7"
			if tc.method == post {
				path = "customers"
			}
			_, err := c.Do(context.Background(), tc.method, path, nil, body)
			if got := hits.Load(); got != tc.attempts {
				t.Errorf("attempts = %d, want %d", got, tc.attempts)
			}
			if waits, _ := clock.Waits(); len(waits) != int(tc.attempts)-1 {
				t.Errorf("waits = %v, want %d", waits, tc.attempts-1)
			}
			if tc.status == 0 {
				if err != nil {
					t.Fatalf("%s = %v, want success", tc.method, err)
				}
				if tc.method == post && records.Load() != 1 {
					t.Errorf("records created = %d, want 1", records.Load())
				}
				return
			}
			var e *Error
			var ne *NetError
			switch {
			case tc.status == -1 && !errors.As(err, &ne):
				t.Fatalf("%s = %v, want a *NetError", tc.method, err)
			case tc.status > 0 && (!errors.As(err, &e) || e.Status != tc.status):
				t.Fatalf("%s = %v, want an *Error %d", tc.method, err, tc.status)
			case e != nil && e.Attempts != int(tc.attempts):
				t.Errorf("Error.Attempts = %d, want %d", e.Attempts, tc.attempts)
			}
			if IsFatal(err) != tc.fatal || MayHaveWritten(err) != tc.wrote {
				t.Errorf("IsFatal = %v, MayHaveWritten = %v, want %v, %v (%v)", IsFatal(err), MayHaveWritten(err), tc.fatal, tc.wrote, err)
			}
		})
	}
}

func TestBudgetExhaustedIsFatal(t *testing.T) {
	f := newFakeOro(t)
	hits, _ := script(f, proxy(503))
	cfg := f.config()
	cfg.Retry = httpkit.Policy{MaxAttempts: 100, Backoff: time.Second, MaxBackoff: 4 * time.Second, MaxWait: 10 * time.Second}
	c, clock := newTestClient(t, cfg)
	_, err := c.Update(context.Background(), "customers", "7", []byte(`{"data":{"type":"customers","id":"7"}}`))
	var xe *ExhaustedError
	if !errors.As(err, &xe) || !IsFatal(err) {
		t.Fatalf("Update() = %v, want a fatal *ExhaustedError", err)
	}
	waits, total := clock.Waits()
	if total > 10*time.Second || xe.Spent != total || int64(xe.Attempts) != hits.Load() || xe.Attempts != len(waits)+1 {
		t.Errorf("waits %v (total %v), Spent %v, Attempts %d, hits %d: want waits within 10s, Spent = total, one attempt per wait plus one",
			waits, total, xe.Spent, xe.Attempts, hits.Load())
	}
	want := fmt.Sprintf("PATCH %s/admin/api/customers/7: Oro kept failing for %s (%d attempts), last with 503 the server answered with an HTML page instead of JSON:API: %q: giving up on the run; Oro is down, restarting or overloaded: try again later, or raise the retry budget (--retry-max-wait, now 10s, and at most 100 attempts)",
		f.srv.URL, total.Round(time.Millisecond), xe.Attempts, "503 Service Unavailable")
	if err.Error() != want {
		t.Errorf("Error() =\n%s\nwant\n%s", err, want)
	}
	if !MayHaveWritten(err) {
		t.Error("MayHaveWritten = false, want true: a PATCH answered 503 may have been applied")
	}
	if s := c.Stats(); s.GaveUp != 1 || s.Retries[RetryServer] != len(waits) || s.RetryWait != total {
		t.Errorf("Stats = %+v, want GaveUp 1, %d 5xx retries, RetryWait %v", s, len(waits), total)
	}
}

func TestHungOroGivenUpWithinTimeoutPlusBudget(t *testing.T) {
	f := newFakeOro(t)
	var hits atomic.Int64
	f.setAPI(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-r.Context().Done() // accepts the request, never answers
	})
	cfg := f.config()
	cfg.Timeout = 100 * time.Millisecond
	// Tiny waits: only charging the attempts' own time can end this
	// before the hundred attempts.
	cfg.Retry = httpkit.Policy{MaxAttempts: 100, Backoff: time.Millisecond, MaxBackoff: time.Millisecond, MaxWait: 300 * time.Millisecond}
	c, clock := newTestClient(t, cfg)
	clock.real = true
	start := clock.Now()
	_, err := c.Get(context.Background(), "customers", "7")
	elapsed := clock.Now().Sub(start)
	var xe *ExhaustedError
	var ne *NetError
	if !errors.As(err, &xe) || !errors.As(err, &ne) || !ne.Timeout() || !IsFatal(err) {
		t.Fatalf("Get() = %v, want a fatal *ExhaustedError over a timeout", err)
	}
	if bound := cfg.Retry.MaxWait + cfg.Timeout; elapsed > bound+time.Second || hits.Load() > 5 || hits.Load() < 2 {
		t.Errorf("gave up after %v and %d attempts, want within MaxWait + Timeout = %v (and a little), 2 to 5 attempts", elapsed, hits.Load(), bound)
	}
	if !strings.Contains(err.Error(), "last with no answer within 100ms (the request timeout)") {
		t.Errorf("Error() = %q, want the timeout named", err)
	}
}

// TestOutageEndsEveryRequestWithinOneBudget: once Oro has given no usable
// answer for longer than the retry budget, every request gives up at its
// first failed attempt, instead of each spending a budget of its own in
// line behind the others.
func TestOutageEndsEveryRequestWithinOneBudget(t *testing.T) {
	f := newFakeOro(t)
	var hang atomic.Bool
	f.setAPI(func(w http.ResponseWriter, r *http.Request) {
		if hang.Load() {
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", MediaType)
		w.Write([]byte(`{"data":{"type":"customers","id":"7"}}`))
	})
	cfg := f.config()
	cfg.Timeout = 50 * time.Millisecond
	cfg.Retry = httpkit.Policy{MaxAttempts: 100, Backoff: time.Millisecond, MaxBackoff: time.Millisecond, MaxWait: 200 * time.Millisecond}
	c, clock := newTestClient(t, cfg)
	clock.real = true
	if _, err := c.Get(context.Background(), "customers", "7"); err != nil {
		t.Fatal(err)
	}
	hang.Store(true)
	if _, err := c.Get(context.Background(), "customers", "7"); !IsFatal(err) {
		t.Fatalf("first request in the outage: %v, want a fatal exhaustion", err)
	}
	start := clock.Now()
	_, err := c.Get(context.Background(), "customers", "8")
	var xe *ExhaustedError
	if !errors.As(err, &xe) || xe.Attempts != 1 {
		t.Fatalf("second request: %v, want exhaustion after one attempt", err)
	}
	if took := clock.Now().Sub(start); took > cfg.Timeout+100*time.Millisecond {
		t.Errorf("the second request took %s; want one timeout", took)
	}
	hang.Store(false)
	if _, err := c.Get(context.Background(), "customers", "7"); err != nil {
		t.Errorf("after the outage: %v; want Oro's answer", err)
	}
}

func TestColdStartRefusedIsReportedQuickly(t *testing.T) {
	f := newFakeOro(t)
	cfg := f.config()
	refused := strings.TrimSuffix(closedURL(t), "/oauth2-token")
	cfg.APIURL, cfg.TokenURL = refused+"/admin/api", refused+"/oauth2-token"
	c, clock := newTestClient(t, cfg)
	err := c.Ping(context.Background())
	var ae *AuthError
	if !errors.As(err, &ae) || !IsFatal(err) || !strings.Contains(err.Error(), "check ORO_TOKEN_URL") {
		t.Fatalf("Ping() = %v, want a fatal *AuthError naming ORO_TOKEN_URL", err)
	}
	if waits, total := clock.Waits(); c.Stats().TokenRequests != coldAttempts || total > 2*time.Second {
		t.Errorf("%d token requests, waits %v: want %d attempts within 2s", c.Stats().TokenRequests, waits, coldAttempts)
	}
}

func TestTokenEndpointUnavailableThenFine(t *testing.T) {
	var n atomic.Int64
	var f *fakeOro
	f = newFakeOro(t, func(fo *fakeOro) {
		fo.tokenAnswer = func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(503)
				fmt.Fprint(w, "<html><title>503 Service Temporarily Unavailable</title></html>")
				return
			}
			f.issue(w, r)
		}
	})
	_, records := script(f, answer{status: 200, body: `{"data":[]}`}, created)
	cfg := f.config()
	var lines []string
	cfg.Logger = lineLogger(&lines)
	c, clock := newTestClient(t, cfg)
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if _, err := c.Create(context.Background(), "customers", []byte(`{"data":{"type":"customers"}}`)); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if c.Stats().TokenRequests != 2 || records.Load() != 1 {
		t.Errorf("TokenRequests = %d, records = %d, want 2 (503, then a token) and 1", c.Stats().TokenRequests, records.Load())
	}
	waits, total := clock.Waits()
	if s := c.Stats(); s.TokenRetries != 1 || s.RetryWait != total || len(waits) != 1 {
		t.Errorf("Stats = %+v, waits %v: want one token retry and its wait", s, waits)
	}
	if len(lines) != 1 || !strings.Contains(lines[0], "token request to "+f.srv.URL+"/oauth2-token → 503 Service Unavailable") ||
		!strings.Contains(lines[0], "retrying in") {
		t.Errorf("log = %q, want one line about the token request's 503 and the wait", lines)
	}
	for _, l := range lines {
		assertClean(t, "log line", l)
	}
}

func TestTokenEndpointExhausted(t *testing.T) {
	f := newFakeOro(t, func(fo *fakeOro) {
		fo.tokenAnswer = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			fmt.Fprint(w, "<html><title>502 Bad Gateway</title></html>")
		}
	})
	cfg := f.config()
	cfg.Retry = httpkit.Policy{MaxAttempts: 100, Backoff: time.Second, MaxBackoff: 2 * time.Second, MaxWait: 5 * time.Second}
	c, _ := newTestClient(t, cfg)
	err := c.Ping(context.Background())
	var ae *AuthError
	if !errors.As(err, &ae) || !IsFatal(err) || ae.Attempts < 2 || c.Stats().TokenRequests != ae.Attempts {
		t.Fatalf("Ping() = %v (attempts %d, token requests %d), want a fatal *AuthError after several attempts", err, ae.Attempts, c.Stats().TokenRequests)
	}
	for _, want := range []string{`answered 502 Bad Gateway with an HTML page: "502 Bad Gateway"`, "it kept failing for", "--retry-max-wait, now 5s"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Ping() = %q, want it to contain %q", err, want)
		}
	}
}

func TestRetryWaitHonoursContext(t *testing.T) {
	f := newFakeOro(t)
	hits, _ := script(f, answer{status: 503, retry: "30", body: `{"errors":[{"title":"maintenance"}]}`})
	c, _ := newTestClient(t, f.config())

	// A wait that would pass the deadline is not started.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.Get(ctx, "customers", "7")
	var e *Error
	if !errors.As(err, &e) || e.Status != 503 || !strings.Contains(err.Error(), "not retried: the deadline comes before the next attempt") {
		t.Fatalf("Get() = %v, want the 503 and why it was not retried", err)
	}
	if hits.Load() != 1 {
		t.Errorf("attempts = %d, want 1", hits.Load())
	}

	// A wait is cut short when the context is canceled, and that is fatal.
	c.sleep = httpkit.Sleep // the real one
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	_, err = c.Get(ctx, "customers", "7")
	if !errors.Is(err, context.Canceled) || !errors.As(err, &e) || !IsFatal(err) {
		t.Fatalf("Get() = %v, want the 503 and context.Canceled, fatal", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Get() returned after %v, want soon after the cancel", d)
	}
}

func TestConcurrencyAdaptsToPressure(t *testing.T) {
	f := newFakeOro(t)
	script(f, throttled, ok)
	cfg := f.config()
	cfg.MaxInFlight = 4
	var lines []string
	cfg.Logger = lineLogger(&lines)
	c, _ := newTestClient(t, cfg)
	mustGet(t, c, "customers/7") // 429 (limit 4 → 2), then 200 (one clean answer of two)
	if s := c.Stats(); s.Limit != 2 || s.MaxInFlight != 4 || s.LimitDecreases != 1 {
		t.Fatalf("after a 429: Limit %d of %d, %d decreases, want 2 of 4, 1", s.Limit, s.MaxInFlight, s.LimitDecreases)
	}
	mustGet(t, c, "customers/7")
	if got := c.Stats().Limit; got != 3 {
		t.Errorf("after two clean answers at 2: Limit %d, want 3", got)
	}
	for range 3 {
		mustGet(t, c, "customers/7")
	}
	if got := c.Stats().Limit; got != 4 {
		t.Errorf("after three clean answers at 3: Limit %d, want 4", got)
	}
	want := []string{"at most 2 requests in flight now, down from 4", "at most 3 requests in flight now, up from 2", "at most 4 requests in flight now, up from 3"}
	joined := strings.Join(lines, "\n")
	for _, w := range want {
		if !strings.Contains(joined, w) {
			t.Errorf("log = %q, want a line with %q", lines, w)
		}
	}
}

func TestMaxInFlightBoundsRequests(t *testing.T) {
	f := newFakeOro(t)
	var inFlight, peak atomic.Int64
	f.setAPI(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(5 * time.Millisecond)
		inFlight.Add(-1)
		writeDoc(w, 200, `{"data":[]}`)
	})
	cfg := f.config()
	cfg.MaxInFlight = 2
	c, _ := newTestClient(t, cfg)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := c.Do(context.Background(), http.MethodGet, "customers", nil, nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p < 1 || p > 2 {
		t.Errorf("peak requests in flight = %d, want 1 or 2", p)
	}
	if s := c.Stats(); s.Requests["GET"]["2xx"] != 20 || s.InFlight != 0 {
		t.Errorf("Stats = %+v, want 20 GETs answered 2xx and none in flight", s)
	}
}

func TestMaxRPS(t *testing.T) {
	f := newFakeOro(t)
	cfg := f.config()
	cfg.MaxRPS = 5
	c, clock := newTestClient(t, cfg)
	start := clock.Now()
	for range 11 {
		mustGet(t, c, "customers")
	}
	// Eleven attempts at five per second: one at once, then one every
	// 200ms, on the fake clock.
	if got, s := clock.Now().Sub(start), c.Stats(); got != 2*time.Second || s.QueueWait != 2*time.Second {
		t.Errorf("11 requests took %v (QueueWait %v), want 2s", got, s.QueueWait)
	}
}

func TestStatsCounts(t *testing.T) {
	f := newFakeOro(t)
	script(f, oroError(503), ok, created, hangup, ok, bad, ok)
	c, clock := newTestClient(t, f.config())
	ctx := context.Background()
	mustGet(t, c, "customers/7")                                          // 503, 200
	_, _ = c.Create(ctx, "customers", []byte(`{"data":{}}`))              // 201
	_, _ = c.Update(ctx, "customers", "7", []byte(`{"data":{"id":"7"}}`)) // lost, 200
	_, _ = c.Create(ctx, "customers", []byte(`{"data":{}}`))              // 400
	_, total := clock.Waits()
	s := c.Stats()
	want := map[string]map[string]int{"GET": {"2xx": 1, "5xx": 1}, "POST": {"2xx": 1, "4xx": 1}, "PATCH": {"2xx": 1, NoAnswer: 1}}
	if fmt.Sprint(s.Requests) != fmt.Sprint(want) {
		t.Errorf("Requests = %v, want %v", s.Requests, want)
	}
	if s.Retries[RetryServer] != 1 || s.Retries[RetryNetwork] != 1 || len(s.Retries) != 2 {
		t.Errorf("Retries = %v, want one 5xx and one network", s.Retries)
	}
	if s.RetryWait != total || s.TokenRequests != 1 || s.TokenRetries != 0 || s.GaveUp != 0 {
		t.Errorf("Stats = %+v, want RetryWait %v, one token request", s, total)
	}
	// The 503 halved the limit to 2; two clean answers raised it to 3, the
	// lost connection said nothing, two more clean answers are not yet 3.
	if s.Limit != 3 || s.MaxInFlight != DefaultMaxInFlight || s.InFlight != 0 || s.LimitDecreases != 1 {
		t.Errorf("Limit %d, MaxInFlight %d, InFlight %d, LimitDecreases %d, want 3, %d, 0, 1",
			s.Limit, s.MaxInFlight, s.InFlight, s.LimitDecreases, DefaultMaxInFlight)
	}

	f.revokeAll()
	mustGet(t, c, "customers/7") // 401, new token, 200
	if s := c.Stats(); s.Retries[RetryUnauthorized] != 1 || s.TokenRequests != 2 {
		t.Errorf("after a 401: Retries %v, TokenRequests %d, want one 401 retry and 2", s.Retries, s.TokenRequests)
	}
}

func TestRetryLogNeverShowsSecrets(t *testing.T) {
	f := newFakeOro(t)
	script(f, oroError(503), ok)
	cfg := f.config()
	var lines []string
	cfg.Logger = lineLogger(&lines)
	c, _ := newTestClient(t, cfg)
	q := map[string][]string{"filter[name]": {"Acme"}, "api_key": {testSecret}}
	if _, err := c.Do(context.Background(), http.MethodGet, "customers", q, nil); err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || !strings.Contains(lines[0], "at most 2 requests in flight now") {
		t.Fatalf("log = %q, want a line about the lowered limit, then one about the retry", lines)
	}
	lines = lines[1:]
	want := fmt.Sprintf("oro: GET %s/admin/api/customers?api_key=***&filter[name]=Acme → 503 runtime exception; retrying in", f.srv.URL)
	if !strings.HasPrefix(lines[0], want) || !strings.HasSuffix(lines[0], fmt.Sprintf("(attempt 2 of %d)", DefaultMaxAttempts)) {
		t.Errorf("log line = %q, want it to start with %q and name the attempt", lines[0], want)
	}
	assertClean(t, "log line", lines[0])
}

func TestRetrierLooksUpThenResends(t *testing.T) {
	f := newFakeOro(t)
	hits, records := script(f, proxy(504), answer{status: 200, body: `{"data":[]}`}, created)
	cfg := f.config()
	var lines []string
	cfg.Logger = lineLogger(&lines)
	c, clock := newTestClient(t, cfg)
	ctx := context.Background()
	doc := []byte(`{"data":{"type":"customers","attributes":{"name":"A"}}}`)

	// The engine's loop, as the Retrier's documentation shows it.
	r := c.NewRetrier()
	res, err := c.Create(ctx, "customers", doc)
	for err != nil && MayHaveWritten(err) && !IsFatal(err) {
		if err = r.Wait(ctx, err); err != nil {
			break
		}
		found, lerr := c.List(ctx, "customers", map[string][]string{"filter[name]": {"A"}}, 2)
		if lerr != nil || len(found) > 0 {
			t.Fatalf("look-up = %v, %v, want nothing found", found, lerr)
		}
		res, err = c.Create(ctx, "customers", doc)
	}
	if err != nil || res.ID != "7" || records.Load() != 1 || hits.Load() != 3 {
		t.Fatalf("create = %v, %v after %d requests, %d records; want id 7 after 3 requests (POST, GET, POST), 1 record", res, err, hits.Load(), records.Load())
	}
	if waits, _ := clock.Waits(); len(waits) != 1 || len(lines) != 1 || !strings.Contains(lines[0], "trying again in") {
		t.Errorf("waits %v, log %q: want one wait, logged", waits, lines)
	}
	if s := c.Stats(); s.Retries[RetryServer] != 1 {
		t.Errorf("Retries = %v, want the Retrier's try counted as a 5xx retry", s.Retries)
	}
}

func TestRetrierBudget(t *testing.T) {
	f := newFakeOro(t)
	script(f, oroError(503))
	cfg := f.config()
	cfg.Retry = httpkit.Policy{MaxAttempts: 3}
	c, clock := newTestClient(t, cfg)
	ctx := context.Background()
	r := c.NewRetrier()
	_, err := c.Create(ctx, "customers", []byte(`{"data":{}}`))
	tries := 1
	for err != nil && MayHaveWritten(err) && !IsFatal(err) {
		if err = r.Wait(ctx, err); err != nil {
			break
		}
		_, err = c.Create(ctx, "customers", []byte(`{"data":{}}`))
		tries++
	}
	var xe *ExhaustedError
	if !errors.As(err, &xe) || !IsFatal(err) || !MayHaveWritten(err) || tries != 3 || xe.Attempts != 3 || xe.Method != http.MethodPost {
		t.Fatalf("after %d tries: %v, want a fatal *ExhaustedError of the POST after 3 tries that may have written", tries, err)
	}
	if waits, _ := clock.Waits(); len(waits) != 2 || c.Stats().GaveUp != 1 {
		t.Errorf("waits %v, GaveUp %d, want 2 waits and 1", waits, c.Stats().GaveUp)
	}

	forbidden := &Error{Method: http.MethodPost, Status: 403}
	if got := c.NewRetrier().Wait(ctx, forbidden); got != forbidden {
		t.Errorf("Wait(403) = %v, want the fatal error unchanged", got)
	}
	if got := NewRetrier(httpkit.Policy{MaxAttempts: 1}).Wait(ctx, &Error{Method: http.MethodPost, Status: 503}); !IsFatal(got) {
		t.Errorf("standalone Retrier with one attempt: Wait = %v, want a fatal *ExhaustedError", got)
	}
}

// lineLogger returns a logger that appends each entry to *lines as
// "component: message".
func lineLogger(lines *[]string) *slog.Logger {
	return slog.New(&lineHandler{lines: lines, mu: &sync.Mutex{}})
}

type lineHandler struct {
	mu        *sync.Mutex
	lines     *[]string
	component string
}

func (h *lineHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *lineHandler) Handle(_ context.Context, r slog.Record) error {
	component := h.component
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "component" {
			component = a.Value.String()
		}
		return true
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	*h.lines = append(*h.lines, component+": "+r.Message)
	return nil
}

func (h *lineHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	for _, a := range attrs {
		if a.Key == "component" {
			c.component = a.Value.String()
		}
	}
	return &c
}

func (h *lineHandler) WithGroup(string) slog.Handler { return h }
