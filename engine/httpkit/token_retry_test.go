package httpkit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// retryConfig is the server's config with retries and a fake clock whose
// sleep advances it; waits collects every wait.
func retryConfig(s *tokenServer, p Policy, waits *[]time.Duration) TokenConfig {
	clock := &sleepClock{fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}
	cfg := s.config()
	cfg.Retry = p
	cfg.Now = clock.Now
	cfg.Sleep = clock.Sleep
	cfg.OnRetry = func(_ int, _ *TokenError, d time.Duration) { *waits = append(*waits, d) }
	return cfg
}

// failFirst answers the first n requests with fail, then issues tokens.
func failFirst(n int64, fail http.HandlerFunc) func(*tokenServer) {
	return func(s *tokenServer) {
		var seen atomic.Int64
		s.answer = func(w http.ResponseWriter, r *http.Request) {
			if seen.Add(1) <= n {
				fail(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"token_type":"Bearer","access_token":"%s%d","expires_in":3600}`, tokenPrefix, seen.Load())
		}
	}
}

func htmlPage(status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><title>%d</title></html>", status)
	}
}

func TestTokenRetriesTransientAnswers(t *testing.T) {
	tests := []struct {
		name  string
		fail  http.HandlerFunc
		waits []time.Duration // nil: any backoff
	}{
		{name: "html 503 from a proxy", fail: htmlPage(503)},
		{name: "html 502 from a proxy", fail: htmlPage(502)},
		{name: "oauth 500", fail: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(500)
			fmt.Fprint(w, `{"error":"server_error"}`)
		}},
		{name: "429 with Retry-After", waits: []time.Duration{7 * time.Second}, fail: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(429)
		}},
		{name: "429 with a Retry-After beyond the cap", waits: []time.Duration{30 * time.Second}, fail: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(429)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTokenServer(t, failFirst(1, tc.fail))
			var waits []time.Duration
			ts := NewTokenSource(retryConfig(s, Policy{MaxAttempts: 5, Backoff: time.Second, MaxBackoff: 30 * time.Second}, &waits))
			tok, err := ts.Token(context.Background())
			if err != nil {
				t.Fatalf("Token: %v", err)
			}
			if tok.access != tokenPrefix+"2" || ts.Requests() != 2 || len(waits) != 1 {
				t.Errorf("token %s after %d requests and waits %v, want %s2 after 2 requests and one wait", tok.access, ts.Requests(), waits, tokenPrefix)
			}
			if tc.waits != nil && waits[0] != tc.waits[0] {
				t.Errorf("wait = %v, want %v", waits[0], tc.waits[0])
			}
		})
	}
}

func TestTokenDoesNotRetryPermanentAnswers(t *testing.T) {
	tests := []struct {
		name string
		fail http.HandlerFunc
	}{
		{name: "401 invalid_client", fail: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":"invalid_client","error_description":"Client authentication failed"}`)
		}},
		{name: "400 invalid_request", fail: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error":"invalid_request"}`)
		}},
		{name: "200 html login page", fail: htmlPage(200)},
		{name: "401 html page", fail: htmlPage(401)},
		{name: "501", fail: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(501) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTokenServer(t, failFirst(1, tc.fail))
			var waits []time.Duration
			ts := NewTokenSource(retryConfig(s, Policy{MaxAttempts: 5, Backoff: time.Second}, &waits))
			_, err := ts.Token(context.Background())
			var te *TokenError
			if !errors.As(err, &te) || te.Retryable() || te.Exhausted || te.Attempts != 1 {
				t.Fatalf("Token() = %v, want a *TokenError that is not retryable, after 1 attempt", err)
			}
			if ts.Requests() != 1 || len(waits) != 0 {
				t.Errorf("%d requests, waits %v, want 1 and none", ts.Requests(), waits)
			}
		})
	}
}

func TestTokenRetryBudget(t *testing.T) {
	s := newTokenServer(t, func(s *tokenServer) { s.answer = htmlPage(503) })
	var waits []time.Duration
	p := Policy{MaxAttempts: 100, Backoff: time.Second, MaxBackoff: 4 * time.Second, MaxWait: 10 * time.Second}
	ts := NewTokenSource(retryConfig(s, p, &waits))
	_, err := ts.Token(context.Background())
	var te *TokenError
	if !errors.As(err, &te) || !te.Exhausted || te.Status != 503 {
		t.Fatalf("Token() = %v, want an exhausted *TokenError 503", err)
	}
	var total time.Duration
	for _, w := range waits {
		total += w
	}
	if total > p.MaxWait || te.Spent != total || te.Attempts != len(waits)+1 || ts.Requests() != te.Attempts {
		t.Errorf("waits %v (total %v), Spent %v, Attempts %d, Requests %d: want waits within %v, one more attempt than waits",
			waits, total, te.Spent, te.Attempts, ts.Requests(), p.MaxWait)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("(%d attempts in ", te.Attempts)) {
		t.Errorf("Error() = %q, want the attempts and the time", err)
	}

	s = newTokenServer(t, func(s *tokenServer) { s.answer = htmlPage(503) })
	waits = nil
	ts = NewTokenSource(retryConfig(s, Policy{MaxAttempts: 3, Backoff: time.Second}, &waits))
	if _, err := ts.Token(context.Background()); !errors.As(err, &te) || te.Attempts != 3 || len(waits) != 2 {
		t.Errorf("MaxAttempts 3: %v after %d attempts and %d waits, want 3 and 2", err, te.Attempts, len(waits))
	}
}

func TestTokenRetriesRefusedConnection(t *testing.T) {
	s := newTokenServer(t)
	var waits []time.Duration
	cfg := retryConfig(s, Policy{MaxAttempts: 4, Backoff: time.Second}, &waits)
	cfg.Credentials.TokenURL = "http://" + closedAddr(t) + "/token"
	var asked []int
	cfg.RetryIf = func(attempt int, te *TokenError) bool {
		asked = append(asked, attempt)
		return te.Retryable() && attempt < 2
	}
	ts := NewTokenSource(cfg)
	_, err := ts.Token(context.Background())
	var te *TokenError
	if !errors.As(err, &te) || te.Status != 0 || !te.Retryable() {
		t.Fatalf("Token() = %v, want a retryable *TokenError without an answer", err)
	}
	if te.Attempts != 2 || len(waits) != 1 || fmt.Sprint(asked) != "[1 2]" {
		t.Errorf("attempts %d, waits %v, RetryIf asked for %v; want 2, one wait, [1 2]", te.Attempts, waits, asked)
	}
}

func TestTokenRetryStopsWhenNobodyWaits(t *testing.T) {
	s := newTokenServer(t, failFirst(1, htmlPage(503)))
	cfg := s.config()
	cfg.Retry = Policy{MaxAttempts: 5, Backoff: time.Hour}
	pausing := make(chan struct{}, 1)
	cfg.Sleep = func(ctx context.Context, d time.Duration) error {
		pausing <- struct{}{}
		<-ctx.Done() // an hour: only the last caller leaving ends it
		return ctx.Err()
	}
	ts := NewTokenSource(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := ts.Token(ctx)
		done <- err
	}()
	<-pausing // the first attempt got 503; the fetch waits an hour
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Token() = %v, want context.Canceled", err)
	}
	// The abandoned fetch is dropped: a new caller starts a new one at once
	// (the server now issues tokens) instead of joining the hour's wait.
	tok, err := ts.Token(context.Background())
	if err != nil || tok.access != tokenPrefix+"2" {
		t.Fatalf("Token() after the abandoned fetch = %v, %v, want %s2", tok, err, tokenPrefix)
	}
	if got := ts.Requests(); got != 2 {
		t.Errorf("Requests() = %d, want 2", got)
	}
}
