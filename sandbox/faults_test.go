package sandbox

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// outcome is what a client saw: an answer, or a transport error.
type outcome struct {
	status int
	header http.Header
	body   string
	err    error
}

// noRetry is a client that never reuses connections, so Go's transport
// does not silently retry a request whose connection was dropped.
var noRetry = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// try sends an API request (path under the API prefix) or, for a path
// starting with TokenPath, a token request, and reports what came back.
// hdr adds headers (name, value, ...).
func (e *env) try(ctx context.Context, method, path, body string, hdr ...string) outcome {
	e.t.Helper()
	u := e.srv.URL + DefaultAPIPrefix + path
	if strings.HasPrefix(path, TokenPath) {
		u = e.srv.URL + path
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	if strings.HasPrefix(path, TokenPath) {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r.Header.Set("Accept", mediaJSONAPI)
		r.Header.Set("Authorization", "Bearer "+e.token)
		if body != "" {
			r.Header.Set("Content-Type", mediaJSONAPI)
		}
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := noRetry.Do(r)
	if err != nil {
		return outcome{err: err}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return outcome{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

const groupDoc = `{"data":{"type":"customergroups","attributes":{"name":"G"}}}`

var tokenForm = url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID},
	"client_secret": {DefaultClientSecret}}.Encode()

func TestInjectFaultStatus(t *testing.T) {
	e := newEnv(t)
	e.s.InjectFault(Fault{Method: "POST", Type: "customers", Status: 503})
	body := `{"data":{"type":"customers","attributes":{"name":"A"}}}`
	e.req("GET", "/customers", "").must(t, 200) // other method: unaffected
	rp := e.req("POST", "/customers", body).must(t, 503)
	rp.hasError(t, titleInjected, "503", "")
	e.req("POST", "/customers", body).must(t, 201) // Times 0 = once
	if n := len(e.s.Records("customers")); n != 1 {
		t.Errorf("%d customers stored, want 1 (the faulted request must not be processed)", n)
	}
	e.s.InjectFault(Fault{Type: TokenType, Status: 500, Times: 2})
	for range 2 {
		r, _ := http.NewRequest("POST", e.srv.URL+TokenPath, strings.NewReader("grant_type=client_credentials"))
		e.do(r).must(t, 500)
	}
	e.fetchToken()
	st := e.s.Stats()
	if st.FaultsInjected != 3 || st.Faults[Fault5xx] != 3 {
		t.Errorf("FaultsInjected = %d, Faults = %v; want 3 5xx", st.FaultsInjected, st.Faults)
	}
}

func TestProxyAndRateLimitFaultsAnswerHTMLWithoutProcessing(t *testing.T) {
	tests := []struct {
		fault      Fault
		status     int
		retryAfter string
		kind       FaultKind
	}{
		{ProxyError(502), 502, "", Fault5xx},
		{ProxyError(503), 503, "", Fault5xx},
		{ProxyError(504), 504, "", Fault5xx},
		{RateLimited(1500 * time.Millisecond), 429, "2", Fault429},
		{RateLimited(0), 429, "", Fault429},
		{Fault{Status: 503, HTML: true, RetryAfter: 30 * time.Second}, 503, "30", Fault5xx},
	}
	for _, tc := range tests {
		t.Run(http.StatusText(tc.status)+" "+tc.retryAfter, func(t *testing.T) {
			e := newEnv(t)
			f := tc.fault
			f.Method, f.Type = "POST", "customergroups"
			e.s.InjectFault(f)
			o := e.try(context.Background(), "POST", "/customergroups", groupDoc)
			if o.err != nil || o.status != tc.status {
				t.Fatalf("got %d, %v; want %d", o.status, o.err, tc.status)
			}
			if ct := o.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type = %q, want text/html", ct)
			}
			if !strings.Contains(o.body, http.StatusText(tc.status)) || strings.Contains(o.body, `"errors"`) {
				t.Errorf("body = %q, want an HTML error page", o.body)
			}
			if got := o.header.Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tc.retryAfter)
			}
			if n := len(e.s.Records("customergroups")); n != 0 {
				t.Errorf("%d groups stored: the request must not be processed", n)
			}
			if got := e.s.Stats().Faults[tc.kind]; got != 1 {
				t.Errorf("Faults[%s] = %d, want 1", tc.kind, got)
			}
			e.req("POST", "/customergroups", groupDoc).must(t, 201) // used up
		})
	}
}

func TestDropBeforeStoreStoresNothing(t *testing.T) {
	e := newEnv(t)
	e.s.InjectFault(Fault{Method: "POST", DropBeforeStore: true})
	if o := e.try(context.Background(), "POST", "/customergroups", groupDoc); o.err == nil {
		t.Fatalf("got status %d, want a dropped connection", o.status)
	}
	if n := len(e.s.Records("customergroups")); n != 0 {
		t.Errorf("%d groups stored, want none", n)
	}
	logs := e.s.Requests()
	if last := logs[len(logs)-1]; last.Status != 0 || last.Method != "POST" {
		t.Errorf("last log = %+v, want the POST with status 0", last)
	}
	if got := e.s.Stats().Faults[FaultDropBefore]; got != 1 {
		t.Errorf("Faults[drop-before] = %d, want 1", got)
	}
}

func TestDropAfterStoreStoresAndLosesTheAnswer(t *testing.T) {
	e := newEnv(t)
	e.s.InjectFault(Fault{Method: "POST", DropAfterStore: true})
	if o := e.try(context.Background(), "POST", "/customergroups", groupDoc); o.err == nil {
		t.Fatalf("got status %d, want a dropped connection", o.status)
	}
	recs := e.s.Records("customergroups")
	if len(recs) != 1 || recs[0].Attributes["name"] != "G" {
		t.Errorf("Records = %+v, want the stored group", recs)
	}
	logs := e.s.Requests()
	if last := logs[len(logs)-1]; last.Status != 0 || last.Method != "POST" {
		t.Errorf("last log = %+v, want status 0", last)
	}
	if got := e.s.Stats().Faults[FaultDropAfter]; got != 1 {
		t.Errorf("Faults[drop-after] = %d, want 1", got)
	}
}

func TestInjectFaultDelay(t *testing.T) {
	e := newEnv(t)
	e.s.InjectFault(Fault{Type: "organizations", Delay: 50 * time.Millisecond, Times: -1})
	start := time.Now()
	e.req("GET", "/organizations", "").must(t, 200)
	e.req("GET", "/organizations", "").must(t, 200)
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("two delayed requests took %v, want >= 100ms", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if o := e.try(ctx, "GET", "/organizations", ""); o.err == nil {
		t.Error("want a client timeout while the fault delays the answer")
	}
	if got := e.s.Stats().Faults[FaultDelay]; got != 3 {
		t.Errorf("Faults[delay] = %d, want 3", got)
	}
}

// waitForLog waits until the server has logged n requests, i.e. their
// handlers returned.
func waitForLog(t *testing.T, s *Server, n int) []RequestLog {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if logs := s.Requests(); len(logs) >= n {
			return logs
		}
		if time.Now().After(deadline) {
			t.Fatalf("the handler did not return: %d requests logged, want %d", len(s.Requests()), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHangReturnsWhenTheClientGivesUp(t *testing.T) {
	e := newEnv(t)
	logged := len(e.s.Requests())
	e.s.InjectFault(Fault{Method: "POST", Type: "customergroups", Hang: true})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	o := e.try(ctx, "POST", "/customergroups", groupDoc)
	if !errors.Is(o.err, context.DeadlineExceeded) {
		t.Fatalf("got %d, %v; want the client's deadline", o.status, o.err)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("answered after %v, want no answer before the client gave up", d)
	}
	logs := waitForLog(t, e.s, logged+1)
	if last := logs[len(logs)-1]; last.Status != 0 || last.Path != DefaultAPIPrefix+"/customergroups" {
		t.Errorf("last log = %+v, want the hung POST with status 0", last)
	}
	if n := len(e.s.Records("customergroups")); n != 0 {
		t.Errorf("%d groups stored: a hung request must not be processed", n)
	}
	if got := e.s.Stats().Faults[FaultHang]; got != 1 {
		t.Errorf("Faults[hang] = %d, want 1", got)
	}
}

func TestClearFaultsReleasesHangingRequests(t *testing.T) {
	e := newEnv(t)
	e.s.InjectFault(Fault{Hang: true, Times: -1})
	done := make(chan outcome)
	go func() { done <- e.try(context.Background(), "GET", "/organizations", "") }()
	waitForFault(t, e.s, FaultHang)
	e.s.ClearFaults()
	select {
	case o := <-done:
		if o.err == nil {
			t.Errorf("got status %d, want the connection closed", o.status)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ClearFaults did not release the hanging request")
	}
	e.req("GET", "/organizations", "").must(t, 200)
}

// waitForFault waits until the server counted a fault of kind k.
func waitForFault(t *testing.T, s *Server, k FaultKind) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for s.Stats().Faults[k] == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no %s fault happened", k)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestTokenEndpointFaults(t *testing.T) {
	tests := []struct {
		name   string
		fault  Fault
		status int
		ctype  string
		body   string
		kind   FaultKind
	}{
		{"proxy 502", Fault{Type: TokenType, Status: 502, HTML: true}, 502, "text/html", "502 Bad Gateway", Fault5xx},
		{"server error", Fault{Type: TokenType, Status: 500}, 500, mediaJSON, `"error":"server_error"`, Fault5xx},
		{"rate limited", Fault{Type: TokenType, Status: 429, HTML: true, RetryAfter: time.Second}, 429, "text/html", "429", Fault429},
		{"login page", LoginPage(), 200, "text/html", `name="_password"`, FaultHTML},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			issued := e.s.Stats().TokensIssued
			e.s.InjectFault(tc.fault)
			o := e.try(context.Background(), "POST", TokenPath, tokenForm)
			if o.err != nil || o.status != tc.status {
				t.Fatalf("got %d, %v; want %d", o.status, o.err, tc.status)
			}
			if ct := o.header.Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
				t.Errorf("Content-Type = %q, want %s", ct, tc.ctype)
			}
			if !strings.Contains(o.body, tc.body) || strings.Contains(o.body, "access_token") {
				t.Errorf("body = %q, want %q and no token", o.body, tc.body)
			}
			st := e.s.Stats()
			if st.TokensIssued != issued || st.Faults[tc.kind] != 1 {
				t.Errorf("TokensIssued %d (want %d), Faults %v (want one %s)", st.TokensIssued, issued, st.Faults, tc.kind)
			}
			e.fetchToken() // the next token request works
		})
	}
	t.Run("hang", func(t *testing.T) {
		e := newEnv(t)
		e.s.InjectFault(Fault{Type: TokenType, Hang: true})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if o := e.try(ctx, "POST", TokenPath, tokenForm); !errors.Is(o.err, context.DeadlineExceeded) {
			t.Fatalf("got %d, %v; want the client's deadline", o.status, o.err)
		}
		waitForLog(t, e.s, 2)
		if st := e.s.Stats(); st.TokensIssued != 1 || st.Faults[FaultHang] != 1 {
			t.Errorf("stats %+v: a hung token request issues nothing", st)
		}
	})
}

func TestShortTokenLifetimeEndsInEmpty401(t *testing.T) {
	e := newEnvOpts(t, Options{TokenTTL: 2 * time.Second})
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}}
	resp, err := http.PostForm(e.srv.URL+TokenPath, form)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"expires_in":2`) {
		t.Errorf("token answer = %s, want expires_in 2", b)
	}
	e.req("GET", "/customers", "").must(t, 200)
	e.clock.now = e.clock.now.Add(1999 * time.Millisecond)
	e.req("GET", "/customers", "").must(t, 200)
	e.clock.now = e.clock.now.Add(time.Millisecond)
	rp := e.req("GET", "/customers", "").must(t, 401)
	if rp.raw != "" || rp.header.Get("WWW-Authenticate") != "" {
		t.Errorf("expired token answer: body %q, WWW-Authenticate %q; want both empty (OAuth2Authenticator)",
			rp.raw, rp.header.Get("WWW-Authenticate"))
	}
	if got := e.s.Stats().Unauthorized; got != 1 {
		t.Errorf("Unauthorized = %d, want 1", got)
	}
}
