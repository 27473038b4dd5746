package oro

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orosync/orosync/engine/httpkit"
)

// fakeClock is a controllable clock for token expiry.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func mustGet(t *testing.T, c *Client, path string) {
	t.Helper()
	if _, err := c.Do(context.Background(), http.MethodGet, path, nil, nil); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

func TestTokenReusedAcrossSequentialRequests(t *testing.T) {
	f := newFakeOro(t)
	c := f.client(t)
	for range 100 {
		mustGet(t, c, "customers")
	}
	if got := c.Stats().TokenRequests; got != 1 {
		t.Errorf("TokenRequests() = %d, want 1", got)
	}
	if got := f.tokenCalls.Load(); got != 1 {
		t.Errorf("token endpoint calls = %d, want 1", got)
	}
}

func TestTokenSharedByConcurrentRequests(t *testing.T) {
	f := newFakeOro(t, func(f *fakeOro) { f.tokenDelay = 50 * time.Millisecond })
	c := f.client(t)
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			<-start
			_, err := c.Do(context.Background(), http.MethodGet, "customers", nil, nil)
			errs <- err
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("GET: %v", err)
		}
	}
	if got := f.tokenCalls.Load(); got != 1 {
		t.Errorf("token endpoint calls = %d, want 1", got)
	}
	if got := f.apiCalls.Load(); got != 50 {
		t.Errorf("API calls = %d, want 50", got)
	}
}

func TestTokenRefreshedAfterExpiry(t *testing.T) {
	f := newFakeOro(t, func(f *fakeOro) { f.expiresIn = 1 })
	c := f.client(t)
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c.now = clock.Now
	mustGet(t, c, "customers")
	mustGet(t, c, "customers")
	if got := c.Stats().TokenRequests; got != 1 {
		t.Fatalf("TokenRequests() before expiry = %d, want 1", got)
	}
	clock.Advance(2 * time.Second)
	mustGet(t, c, "customers")
	if got := c.Stats().TokenRequests; got != 2 {
		t.Errorf("TokenRequests() after expiry = %d, want 2", got)
	}
}

func TestTokenKeptUntilNearExpiry(t *testing.T) {
	f := newFakeOro(t) // expires_in 3600
	c := f.client(t)
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c.now = clock.Now
	mustGet(t, c, "customers")
	clock.Advance(58 * time.Minute)
	mustGet(t, c, "customers")
	if got := c.Stats().TokenRequests; got != 1 {
		t.Fatalf("TokenRequests() at 58 min = %d, want 1", got)
	}
	clock.Advance(90 * time.Second) // within the one-minute safety margin
	mustGet(t, c, "customers")
	if got := c.Stats().TokenRequests; got != 2 {
		t.Errorf("TokenRequests() at 59.5 min = %d, want 2", got)
	}
}

func TestUnauthorizedRefreshesOnceAndRetries(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPatch} {
		t.Run(method, func(t *testing.T) {
			f := newFakeOro(t)
			f.setAPI(func(w http.ResponseWriter, r *http.Request) {
				writeDoc(w, 200, `{"data":{"type":"customers","id":"1"}}`)
			})
			c := f.client(t)
			mustGet(t, c, "customers")
			f.revokeAll() // the cached token is now stale
			var body []byte
			if method != http.MethodGet {
				body = []byte(`{"data":{"type":"customers","id":"1"}}`)
			}
			before := f.apiCalls.Load()
			if _, err := c.Do(context.Background(), method, "customers/1", nil, body); err != nil {
				t.Fatalf("%s after revocation: %v", method, err)
			}
			if got := f.apiCalls.Load() - before; got != 2 {
				t.Errorf("API calls = %d, want 2 (401, then the retry)", got)
			}
			if got := c.Stats().TokenRequests; got != 2 {
				t.Errorf("TokenRequests() = %d, want 2", got)
			}
		})
	}
}

func TestSecondUnauthorizedIsFatal(t *testing.T) {
	f := newFakeOro(t)
	f.rejectAll.Store(true)
	c := f.client(t)
	_, err := c.Create(context.Background(), "customers", []byte(`{"data":{"type":"customers"}}`))
	var e *Error
	if !errors.As(err, &e) || e.Status != 401 {
		t.Fatalf("Create error = %v, want *Error with status 401", err)
	}
	want := "Oro rejected a fresh token: check that the OAuth application is a back-office client-credentials app, active, and the API is enabled"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error = %q, want it to contain %q", err, want)
	}
	if !IsFatal(err) {
		t.Error("IsFatal = false, want true")
	}
	if MayHaveWritten(err) {
		t.Error("MayHaveWritten = true, want false")
	}
	if got := f.apiCalls.Load(); got != 2 {
		t.Errorf("API calls = %d, want 2", got)
	}
	if got := c.Stats().TokenRequests; got != 2 {
		t.Errorf("TokenRequests() = %d, want 2", got)
	}
}

func TestConcurrentUnauthorizedCollapseIntoOneRefresh(t *testing.T) {
	f := newFakeOro(t, func(f *fakeOro) { f.tokenDelay = 20 * time.Millisecond })
	c := f.client(t)
	mustGet(t, c, "customers")
	f.revokeAll()
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	for range 30 {
		wg.Go(func() {
			_, err := c.Do(context.Background(), http.MethodGet, "customers", nil, nil)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("GET: %v", err)
		}
	}
	if got := c.Stats().TokenRequests; got != 2 {
		t.Errorf("TokenRequests() = %d, want 2 (initial + one refresh)", got)
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	closed := closedURL(t)
	tests := []struct {
		name     string
		opts     func(*fakeOro)
		cfg      func(*Config)
		want     string
		status   int
		requests int // token requests; 0 means 1
	}{
		{
			name:   "invalid client",
			cfg:    func(c *Config) { c.ClientSecret = "wrong-secret-value" },
			want:   "bad client id or secret, or the API is disabled in Oro (System → Configuration → General Setup → Application Settings → Web API → Enable API)",
			status: 401,
		},
		{
			name: "html login page",
			opts: func(f *fakeOro) {
				f.tokenAnswer = func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/html; charset=UTF-8")
					_, _ = w.Write([]byte("<html><title>Login</title></html>"))
				}
			},
			want:   "the token URL answered with HTML: check ORO_TOKEN_URL",
			status: 200,
		},
		{
			name: "other oauth error",
			opts: func(f *fakeOro) {
				f.tokenAnswer = func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(401)
					_, _ = w.Write([]byte(`{"error":"no_encryption_key","error_description":"The encryption key does not exist."}`))
				}
			},
			want:   "Oro answered 401 no_encryption_key: The encryption key does not exist.",
			status: 401,
		},
		{
			name:   "not found",
			cfg:    func(c *Config) { c.TokenURL = strings.Replace(c.APIURL, "/admin/api", "/admin/oauth2-token", 1) },
			want:   "404 Not Found: check ORO_TOKEN_URL",
			status: 404,
		},
		{
			name: "redirect",
			opts: func(f *fakeOro) {
				f.tokenAnswer = func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, "https://elsewhere.example/oauth2-token", http.StatusMovedPermanently)
				}
			},
			want:   `redirect to "https://elsewhere.example/oauth2-token": set ORO_TOKEN_URL`,
			status: 301,
		},
		{
			// Oro never answered: more likely a wrong URL than a restart,
			// so only coldAttempts attempts.
			name:     "connection refused",
			cfg:      func(c *Config) { c.TokenURL = closed },
			want:     "Oro token request to " + closed + " failed: cannot connect",
			requests: coldAttempts,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts []func(*fakeOro)
			if tc.opts != nil {
				opts = append(opts, tc.opts)
			}
			f := newFakeOro(t, opts...)
			cfg := f.config()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			c, _ := newTestClient(t, cfg)
			err := c.Ping(context.Background())
			var ae *AuthError
			if !errors.As(err, &ae) {
				t.Fatalf("Ping() = %v, want *AuthError", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q, want it to contain %q", err, tc.want)
			}
			if ae.Status != tc.status {
				t.Errorf("Status = %d, want %d", ae.Status, tc.status)
			}
			if !IsFatal(err) {
				t.Error("IsFatal = false, want true")
			}
			if got := c.Stats().TokenRequests; got != max(tc.requests, 1) {
				t.Errorf("TokenRequests() = %d, want %d", got, max(tc.requests, 1))
			}
			if f.apiCalls.Load() != 0 {
				t.Errorf("API calls = %d, want 0", f.apiCalls.Load())
			}
		})
	}
}

func TestTokenEndpointTimeout(t *testing.T) {
	f := newFakeOro(t, func(f *fakeOro) { f.tokenDelay = 300 * time.Millisecond })
	cfg := f.config()
	cfg.Timeout = 50 * time.Millisecond
	cfg.Retry = httpkit.Policy{MaxAttempts: 2}
	c, _ := newTestClient(t, cfg)
	err := c.Ping(context.Background())
	var ae *AuthError
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), "no answer within 50ms") {
		t.Fatalf("Ping() = %v, want an *AuthError about the 50ms timeout", err)
	}
	if !strings.Contains(err.Error(), "it kept failing for") || !strings.Contains(err.Error(), "(2 attempts)") || ae.Attempts != 2 {
		t.Errorf("Ping() = %q, want it to say that 2 attempts timed out", err)
	}
	if !IsFatal(err) || c.Stats().TokenRequests != 2 {
		t.Errorf("IsFatal = %v, TokenRequests = %d, want true, 2 (a timeout is retried)", IsFatal(err), c.Stats().TokenRequests)
	}
}

func TestWaitingForTokenHonoursContext(t *testing.T) {
	f := newFakeOro(t, func(f *fakeOro) { f.tokenDelay = 300 * time.Millisecond })
	c := f.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Do(ctx, http.MethodGet, "customers", nil, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Do() = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("Do() returned after %s, want soon after the 20ms deadline", d)
	}
}

// closedURL returns an http URL on which nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/oauth2-token"
}
