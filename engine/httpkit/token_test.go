package httpkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

const tokenPrefix = "tok3n-VALUE-"

// tokenServer is a token endpoint issuing tok3n-VALUE-1, -2... to the
// client "cid" with the secret.
type tokenServer struct {
	srv       *httptest.Server
	calls     atomic.Int64
	delay     time.Duration // set before the first request
	expiresIn int           // 0: omitted
	answer    http.HandlerFunc
}

func newTokenServer(t *testing.T, opts ...func(*tokenServer)) *tokenServer {
	t.Helper()
	s := &tokenServer{expiresIn: 3600}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.calls.Add(1)
		time.Sleep(s.delay)
		if s.answer != nil {
			s.answer(w, r)
			return
		}
		if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" ||
			r.PostForm.Get("client_id") != "cid" || r.PostForm.Get("client_secret") != secret {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":"invalid_client","error_description":"Client authentication failed"}`)
			return
		}
		body := map[string]any{"token_type": "Bearer", "access_token": fmt.Sprintf("%s%d", tokenPrefix, n)}
		if s.expiresIn > 0 {
			body["expires_in"] = s.expiresIn
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *tokenServer) config() TokenConfig {
	return TokenConfig{
		Credentials: clientcredentials.Config{
			ClientID: "cid", ClientSecret: secret, TokenURL: s.srv.URL + "/token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
		Client:  s.srv.Client(),
		Timeout: 5 * time.Second,
	}
}

// fakeClock is a controllable clock.
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

func mustToken(t *testing.T, ts *TokenSource) *Token {
	t.Helper()
	tok, err := ts.Token(context.Background())
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	return tok
}

func TestTokenOneFetchForConcurrentCallers(t *testing.T) {
	s := newTokenServer(t, func(s *tokenServer) { s.delay = 50 * time.Millisecond })
	ts := NewTokenSource(s.config())
	var wg sync.WaitGroup
	start := make(chan struct{})
	toks := make(chan *Token, 50)
	for range 50 {
		wg.Go(func() {
			<-start
			tok, err := ts.Token(context.Background())
			if err != nil {
				t.Errorf("Token: %v", err)
			}
			toks <- tok
		})
	}
	close(start)
	wg.Wait()
	close(toks)
	for tok := range toks {
		if tok == nil || tok.access != tokenPrefix+"1" {
			t.Fatalf("token = %v, want %s1 for every caller", tok, tokenPrefix)
		}
	}
	if got := s.calls.Load(); got != 1 {
		t.Errorf("token endpoint calls = %d, want 1", got)
	}
	if got := ts.Requests(); got != 1 {
		t.Errorf("Requests() = %d, want 1", got)
	}
}

func TestTokenInvalidateByGeneration(t *testing.T) {
	s := newTokenServer(t)
	ts := NewTokenSource(s.config())
	first := mustToken(t, ts)
	var wg sync.WaitGroup
	for range 20 { // twenty requests got 401 with the same token
		wg.Go(func() {
			ts.Invalidate(first)
			mustToken(t, ts)
		})
	}
	wg.Wait()
	if got := ts.Requests(); got != 2 {
		t.Fatalf("Requests() = %d after concurrent 401s, want 2 (one refetch)", got)
	}
	second := mustToken(t, ts)
	if second.access != tokenPrefix+"2" {
		t.Fatalf("token after invalidation = %s, want %s2", second.access, tokenPrefix)
	}
	ts.Invalidate(first) // a late 401 for the old token keeps the new one
	if got := mustToken(t, ts); got != second || ts.Requests() != 2 {
		t.Errorf("after a stale Invalidate: token %s, Requests() = %d, want %s and 2", got.access, ts.Requests(), second.access)
	}
	ts.Invalidate(second)
	if got := mustToken(t, ts); got.access != tokenPrefix+"3" || ts.Requests() != 3 {
		t.Errorf("after Invalidate(current): token %s, Requests() = %d, want %s3 and 3", got.access, ts.Requests(), tokenPrefix)
	}
	ts.Invalidate(nil) // no-op
}

func TestTokenExpiry(t *testing.T) {
	tests := []struct {
		name      string
		expiresIn int
		steps     []time.Duration // clock advances, each followed by Token
		want      []int           // Requests() after each step
	}{
		{"expires_in 3600 kept until the margin", 3600, []time.Duration{0, 58 * time.Minute, 90 * time.Second}, []int{1, 1, 2}},
		{"expires_in 1", 1, []time.Duration{0, 0, 2 * time.Second}, []int{1, 1, 2}},
		{"expires_in 100 keeps a tenth", 100, []time.Duration{0, 89 * time.Second, 2 * time.Second}, []int{1, 1, 2}},
		{"no expires_in", 0, []time.Duration{0, 24 * time.Hour, 24 * time.Hour}, []int{1, 1, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTokenServer(t, func(s *tokenServer) { s.expiresIn = tc.expiresIn })
			clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			cfg := s.config()
			cfg.Now = clock.Now
			ts := NewTokenSource(cfg)
			for i, d := range tc.steps {
				clock.Advance(d)
				mustToken(t, ts)
				if got := ts.Requests(); got != tc.want[i] {
					t.Errorf("step %d (+%v): Requests() = %d, want %d", i, d, got, tc.want[i])
				}
			}
		})
	}
}

func TestTokenErrorsHideSecrets(t *testing.T) {
	tests := []struct {
		name   string
		answer http.HandlerFunc
		cfg    func(*TokenConfig)
		status int
		code   string
		want   string
	}{
		{
			name: "400 oauth error echoing the secret",
			answer: func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(400)
				fmt.Fprintf(w, `{"error":"invalid_request","error_description":"bad secret %s"}`, r.PostForm.Get("client_secret"))
			},
			status: 400, code: "invalid_request", want: "→ 400 Bad Request: invalid_request: bad secret ***",
		},
		{
			name:   "401 invalid client",
			cfg:    func(c *TokenConfig) { c.Credentials.ClientSecret = secret + "-wrong" },
			status: 401, code: "invalid_client", want: "invalid_client: Client authentication failed",
		},
		{
			name: "401 without a body",
			answer: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(401)
			},
			status: 401, want: `→ 401 Unauthorized: ""`,
		},
		{
			name: "html page echoing the form",
			answer: func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				w.Header().Set("Content-Type", "text/html; charset=UTF-8")
				fmt.Fprintf(w, "<html><title>Login</title><p>%s</p></html>", r.PostForm.Encode())
			},
			status: 200, want: "→ 200 OK: oauth2: cannot parse json",
		},
		{
			name: "500 echoing the form",
			answer: func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				w.WriteHeader(500)
				fmt.Fprintf(w, "failed for %s", r.PostForm.Encode())
			},
			status: 500, want: "→ 500 Internal Server Error: \"failed for",
		},
		{
			name: "500 echoing the secret at the cut",
			answer: func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				w.WriteHeader(500)
				fmt.Fprintf(w, "%s %s", strings.Repeat("x", 4*tokenTextLen-5), r.PostForm.Get("client_secret"))
			},
			status: 500, want: "→ 500 Internal Server Error",
		},
		{
			name: "200 not json",
			answer: func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, "{%s", r.PostForm.Get("client_secret"))
			},
			status: 200, want: "→ 200 OK: oauth2: cannot parse json",
		},
		{
			name: "redirect",
			answer: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "https://elsewhere.example/token", http.StatusMovedPermanently)
			},
			cfg: func(c *TokenConfig) {
				c.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			},
			status: 301, want: `redirect to "https://elsewhere.example/token"`,
		},
		{
			name: "refused",
			cfg: func(c *TokenConfig) {
				c.Credentials.TokenURL = "http://" + closedAddr(t) + "/token?client_secret=" + secret
			},
			want: "cannot connect",
		},
		{
			name: "timeout",
			answer: func(w http.ResponseWriter, r *http.Request) {
				time.Sleep(300 * time.Millisecond)
			},
			cfg:  func(c *TokenConfig) { c.Timeout = 50 * time.Millisecond },
			want: "no answer within 50ms",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTokenServer(t, func(s *tokenServer) { s.answer = tc.answer })
			cfg := s.config()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			ts := NewTokenSource(cfg)
			_, err := ts.Token(context.Background())
			var te *TokenError
			if !errors.As(err, &te) {
				t.Fatalf("Token() = %v, want *TokenError", err)
			}
			if te.Status != tc.status || te.Code != tc.code {
				t.Errorf("Status, Code = %d, %q, want %d, %q", te.Status, te.Code, tc.status, tc.code)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Error() = %q, want it to contain %q", err, tc.want)
			}
			if (te.Status == 0) != (te.Err != nil) {
				t.Errorf("Err = %v with Status %d, want a network error exactly when there was no answer", te.Err, te.Status)
			}
			texts := []string{te.Description, te.Body, te.Reason, te.TokenURL, te.Location}
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
				texts = append(texts, fmt.Sprintf(verb, err))
			}
			for e := error(te); e != nil; e = errors.Unwrap(e) {
				texts = append(texts, e.Error())
			}
			for _, s := range texts {
				if strings.Contains(s, secret) || strings.Contains(s, secret[:8]) {
					t.Errorf("the secret (or a part of it) leaked: %s", s)
				}
			}
			if got := ts.Requests(); got != 1 {
				t.Errorf("Requests() = %d, want 1", got)
			}
		})
	}
}

func TestTokenWaitHonoursContext(t *testing.T) {
	s := newTokenServer(t, func(s *tokenServer) { s.delay = 300 * time.Millisecond })
	ts := NewTokenSource(s.config())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := ts.Token(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Token() = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("Token() returned after %s, want soon after the 20ms deadline", d)
	}
	if tok := mustToken(t, ts); tok.access != tokenPrefix+"1" { // the shared fetch went on
		t.Errorf("token = %s, want %s1", tok.access, tokenPrefix)
	}
}

func TestTokenSecretsReachRedactor(t *testing.T) {
	s := newTokenServer(t)
	red := &Redactor{}
	cfg := s.config()
	cfg.Redactor = red
	ts := NewTokenSource(cfg)
	tok := mustToken(t, ts)
	if got := red.Redact("secret " + secret + " token " + tok.access); got != "secret *** token ***" {
		t.Errorf("Redact = %q, want the secret and the token masked", got)
	}
	req := httptest.NewRequest(http.MethodGet, "/x", nil)
	tok.SetAuthHeader(req)
	if got := req.Header.Get("Authorization"); got != "Bearer "+tokenPrefix+"1" {
		t.Errorf("Authorization = %q, want Bearer %s1", got, tokenPrefix)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, tok); strings.Contains(s, tokenPrefix) {
			t.Errorf("Sprintf(%s, token) = %s, shows the token", verb, s)
		}
	}
}

// A redirect's Location is redacted like a URL before it reaches the error.
func TestTokenRedirectLocationRedacted(t *testing.T) {
	const locSecret = "LOC-SECRET-9f3k"
	s := newTokenServer(t, func(s *tokenServer) {
		s.answer = func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example/token?token="+locSecret, http.StatusFound)
		}
	})
	cfg := s.config()
	cfg.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	_, err := NewTokenSource(cfg).Token(context.Background())
	var te *TokenError
	if !errors.As(err, &te) {
		t.Fatalf("Token() = %v, want *TokenError", err)
	}
	for _, s := range []string{err.Error(), fmt.Sprintf("%#v", err), te.Location, te.Reason} {
		if strings.Contains(s, locSecret) {
			t.Errorf("the Location's secret leaked: %s", s)
		}
	}
	if want := `redirect to "https://elsewhere.example/token?token=***"`; !strings.Contains(err.Error(), want) {
		t.Errorf("Error() = %q, want it to contain %q", err, want)
	}
}
