package oro

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testClientID = "integration-app"
	testSecret   = "s3cr3t-CLIENT-secret-value"
	tokenPrefix  = "tok3n-VALUE-"
)

// fakeOro is a minimal Oro stand-in: /oauth2-token plus /admin/api/*, with
// Oro's header checks (415 on Content-Type parameters, 406 on a wrong
// Accept, 401 with an empty body on a bad token).
type fakeOro struct {
	t   *testing.T
	srv *httptest.Server

	expiresIn   int           // expires_in of issued tokens (0: omit); set by opts
	tokenDelay  time.Duration // slows the token endpoint; set by opts
	tokenCalls  atomic.Int64
	apiCalls    atomic.Int64
	rejectAll   atomic.Bool      // every API call gets 401
	tokenAnswer http.HandlerFunc // replaces the token endpoint; set by opts

	mu     sync.Mutex
	valid  map[string]bool
	issued int
	api    http.HandlerFunc // the resource routes
}

// newFakeOro starts the server; opts run before it starts (so that the
// handlers may read the fields they set without locking).
func newFakeOro(t *testing.T, opts ...func(*fakeOro)) *fakeOro {
	t.Helper()
	f := &fakeOro{t: t, expiresIn: 3600, valid: map[string]bool{}}
	f.api = func(w http.ResponseWriter, r *http.Request) { writeDoc(w, 200, `{"data":[]}`) }
	for _, o := range opts {
		o(f)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/oauth2-token", f.token)
	mux.HandleFunc("/admin/api/", f.serveAPI)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeOro) config() Config {
	return Config{
		APIURL:       f.srv.URL + "/admin/api",
		ClientID:     testClientID,
		ClientSecret: testSecret,
		Timeout:      5 * time.Second,
		HTTPClient:   f.srv.Client(),
	}
}

func (f *fakeOro) client(t *testing.T) *Client {
	t.Helper()
	c, _ := newTestClient(t, f.config())
	return c
}

// newTestClient returns a client for cfg whose waits between attempts
// advance a fake clock instead of taking time.
func newTestClient(t *testing.T, cfg Config) (*Client, *testClock) {
	t.Helper()
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	clock := &testClock{start: time.Now()}
	c.now, c.sleep = clock.Now, clock.Sleep
	return c, clock
}

// testClock is a fake clock whose Sleep advances it at once and records
// the wait. Attempts themselves take no fake time, unless real is set:
// then the clock also runs with real time (a hung request's timeout
// counts, the waits still do not take time).
type testClock struct {
	mu     sync.Mutex
	start  time.Time
	offset time.Duration
	real   bool
	waits  []time.Duration
}

// Now returns the fake time.
func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.real {
		return time.Now().Add(c.offset)
	}
	return c.start.Add(c.offset)
}

// Sleep advances the clock by d, or fails if ctx ended.
func (c *testClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
	c.waits = append(c.waits, d)
	return nil
}

// Waits returns the waits so far and their total.
func (c *testClock) Waits() ([]time.Duration, time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var total time.Duration
	for _, d := range c.waits {
		total += d
	}
	return append([]time.Duration(nil), c.waits...), total
}

func (f *fakeOro) setAPI(h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.api = h
}

// revokeAll makes every token issued so far invalid.
func (f *fakeOro) revokeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.valid = map[string]bool{}
}

func (f *fakeOro) token(w http.ResponseWriter, r *http.Request) {
	f.tokenCalls.Add(1)
	time.Sleep(f.tokenDelay)
	if f.tokenAnswer != nil {
		f.tokenAnswer(w, r)
		return
	}
	f.issue(w, r)
}

// issue is the real token endpoint: a token for the right credentials,
// 401 invalid_client otherwise.
func (f *fakeOro) issue(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		http.Error(w, "bad token request", 400)
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" ||
		r.PostForm.Get("client_id") != testClientID || r.PostForm.Get("client_secret") != testSecret {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(401)
		fmt.Fprint(w, `{"error":"invalid_client","error_description":"Client authentication failed","message":"Client authentication failed"}`)
		return
	}
	f.mu.Lock()
	f.issued++
	tok := fmt.Sprintf("%s%d", tokenPrefix, f.issued)
	f.valid[tok] = true
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	body := map[string]any{"token_type": "Bearer", "access_token": tok}
	if f.expiresIn > 0 {
		body["expires_in"] = f.expiresIn
	}
	_ = json.NewEncoder(w).Encode(body)
}

func (f *fakeOro) serveAPI(w http.ResponseWriter, r *http.Request) {
	f.apiCalls.Add(1)
	auth := r.Header.Get("Authorization")
	f.mu.Lock()
	ok := strings.HasPrefix(auth, "Bearer ") && f.valid[strings.TrimPrefix(auth, "Bearer ")]
	h := f.api
	f.mu.Unlock()
	if !ok || f.rejectAll.Load() {
		w.WriteHeader(401) // Oro: empty body, no WWW-Authenticate
		return
	}
	if ct, has := r.Header["Content-Type"]; has && (len(ct) != 1 || ct[0] != MediaType) {
		writeDoc(w, 415, `{"errors":[{"status":"415","title":"unsupported media type http exception","detail":"The \"Content-Type\" request header should contain JSON:API media type without any parameters."}]}`)
		return
	}
	if (r.Method == http.MethodPost || r.Method == http.MethodPatch) && r.Header.Get("Content-Type") == "" {
		writeDoc(w, 415, `{"errors":[{"status":"415","title":"unsupported media type http exception"}]}`)
		return
	}
	if a := r.Header["Accept"]; len(a) != 1 || a[0] != MediaType {
		writeDoc(w, 406, `{"errors":[{"status":"406","title":"not acceptable http exception"}]}`)
		return
	}
	h(w, r)
}

func writeDoc(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", MediaType)
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}
