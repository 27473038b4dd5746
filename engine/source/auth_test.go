package source

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orosync/orosync/mappings"
)

const secret = "s3cr3t-VALUE-42"

func TestAuthReachesServerAndSecretsStayHidden(t *testing.T) {
	var tokenCalls atomic.Int32
	for _, tc := range []struct {
		name  string
		auth  *mappings.Auth
		check func(r *http.Request) bool
	}{
		{"bearer", &mappings.Auth{Bearer: secretText(secret)},
			func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer "+secret }},
		{"basic", &mappings.Auth{Basic: &mappings.BasicAuth{Username: txt("bob"), Password: secretText(secret)}},
			func(r *http.Request) bool { u, p, ok := r.BasicAuth(); return ok && u == "bob" && p == secret }},
		{"api_key header", &mappings.Auth{APIKey: &mappings.APIKeyAuth{Header: "X-Api-Key", Value: secretText(secret)}},
			func(r *http.Request) bool { return r.Header.Get("X-Api-Key") == secret }},
		{"api_key query", &mappings.Auth{APIKey: &mappings.APIKeyAuth{Query: "k", Value: secretText(secret)}},
			func(r *http.Request) bool { return r.URL.Query().Get("k") == secret }},
		{"oauth2", &mappings.Auth{OAuth2: &mappings.OAuth2Auth{
			ClientID: txt("cid"), ClientSecret: secretText(secret), Scopes: []string{"read"},
			Params: map[string]*mappings.Text{"audience": txt("erp")}}},
			func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer tok-"+secret }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tokenCalls.Store(0)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/token" {
					tokenCalls.Add(1)
					r.ParseForm()
					if id, sec, _ := r.BasicAuth(); (id != "cid" || sec != secret) && r.Form.Get("client_secret") != secret ||
						r.Form.Get("grant_type") != "client_credentials" || r.Form.Get("scope") != "read" || r.Form.Get("audience") != "erp" {
						http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
						return
					}
					w.Header().Set("Content-Type", "application/json")
					w.Write([]byte(`{"access_token":"tok-` + secret + `","token_type":"bearer","expires_in":3600}`))
					return
				}
				if !tc.check(r) {
					http.Error(w, "unauthorized", http.StatusUnauthorized)
					return
				}
				if r.URL.Query().Get("page") == "3" {
					w.WriteHeader(400) // an error whose message carries the URL
					w.Write([]byte("echo " + r.URL.String()))
					return
				}
				p, _ := strconv.Atoi(r.URL.Query().Get("page"))
				writeJSON(w, items(p, p))
			}))
			defer srv.Close()
			if tc.auth.OAuth2 != nil {
				tc.auth.OAuth2.TokenURL = txt(srv.URL + "/token")
			}
			h := &mappings.HTTPSource{Auth: tc.auth, Paginate: &mappings.Paginate{Page: &mappings.PageNumber{Start: 1}},
				Records: mustExpr(t, ".[] | .n = "+`"x"`)}
			res, log, err := httpRun(t, srv, h, Options{})
			if len(res.values) != 2 {
				t.Errorf("records = %d; want 2 before the error (err %v)", len(res.values), err)
			}
			if err == nil || !strings.Contains(err.Error(), "400 Bad Request") {
				t.Fatalf("err = %v; want the page 3 error", err)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(log, secret) {
				t.Errorf("secret leaked:\nerr: %v\nlog:\n%s", err, log)
			}
			if tc.auth.OAuth2 != nil && tokenCalls.Load() != 1 {
				t.Errorf("token requests = %d; want 1 (token reused)", tokenCalls.Load())
			}
		})
	}
}

func TestOAuth2TokenErrorIsClearAndSecretFree(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(401)
		w.Write([]byte(`{"error":"invalid_client","error_description":"bad secret ` + secret + `"}`))
	}))
	defer srv.Close()
	auth := &mappings.Auth{OAuth2: &mappings.OAuth2Auth{TokenURL: txt(srv.URL + "/token"), ClientID: txt("cid"), ClientSecret: secretText(secret)}}
	_, log, err := httpRun(t, srv, &mappings.HTTPSource{Auth: auth}, Options{})
	if err == nil || !strings.Contains(err.Error(), "oauth2 token request to "+srv.URL+"/token → 401") || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("err = %v; want a token error naming the token URL and status", err)
	}
	if strings.Contains(err.Error()+log, secret) {
		t.Errorf("secret leaked: %v\n%s", err, log)
	}
}

func TestOAuth2TokenRenewedOnceOn401(t *testing.T) {
	for _, tc := range []struct {
		name       string
		accept     func(tok string) bool // which tokens the API accepts
		wantTokens int32
		wantAPI    int32
		wantErr    string
	}{
		{"revoked token is renewed", func(tok string) bool { return tok != "tok-1" }, 2, 2, ""},
		{"renewed once only", func(string) bool { return false }, 2, 2, "401 Unauthorized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tokenCalls, apiCalls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/token" {
					n := tokenCalls.Add(1)
					w.Header().Set("Content-Type", "application/json")
					w.Write([]byte(`{"access_token":"tok-` + strconv.Itoa(int(n)) + `","token_type":"bearer","expires_in":3600}`))
					return
				}
				apiCalls.Add(1)
				tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
				if !tc.accept(tok) {
					w.WriteHeader(401)
					w.Write([]byte("token " + tok + " rejected"))
					return
				}
				writeJSON(w, items(1, 2))
			}))
			defer srv.Close()
			auth := &mappings.Auth{OAuth2: &mappings.OAuth2Auth{TokenURL: txt(srv.URL + "/token"), ClientID: txt("cid"), ClientSecret: secretText(secret)}}
			res, log, err := httpRun(t, srv, &mappings.HTTPSource{Auth: auth}, Options{})
			if tc.wantErr == "" && (err != nil || ids(res) != "1 2") {
				t.Errorf("ids = %q, err = %v, want 1 2 and no error", ids(res), err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("err = %v, want it to contain %q", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error()+log, "tok-") {
				t.Errorf("an access token leaked:\nerr: %v\nlog:\n%s", err, log)
			}
			if got := tokenCalls.Load(); got != tc.wantTokens {
				t.Errorf("token requests = %d, want %d", got, tc.wantTokens)
			}
			if got := apiCalls.Load(); got != tc.wantAPI {
				t.Errorf("API requests = %d, want %d", got, tc.wantAPI)
			}
		})
	}
}

// The TokenSource alone retries token requests, honouring Retry-After; the
// page request's own retries do not repeat them. An attempt sends two token
// requests until one succeeds: oauth2 tries the credentials in a header,
// then in the form.
func TestOAuth2TokenRetriesHonourRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name       string
		fail       func(w http.ResponseWriter)
		failures   int32 // failed token requests
		wantTokens int32
		wantSleeps int
		sleep      time.Duration // expected first sleep (0 = jittered 1s)
		wantErr    string
	}{
		{"429 retry-after then 200", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(429)
		}, 2, 3, 1, 7 * time.Second, ""},
		{"503 then 200", func(w http.ResponseWriter) { w.WriteHeader(503) }, 2, 3, 1, 0, ""},
		{"503 until the attempts run out", func(w http.ResponseWriter) { w.WriteHeader(503) }, 99, 6, 2, 0, "(3 attempts in"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tokenCalls, apiCalls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/token" {
					if tokenCalls.Add(1) <= tc.failures {
						tc.fail(w)
						return
					}
					w.Header().Set("Content-Type", "application/json")
					w.Write([]byte(`{"access_token":"tok-` + secret + `","token_type":"bearer","expires_in":3600}`))
					return
				}
				apiCalls.Add(1)
				writeJSON(w, items(1, 2))
			}))
			defer srv.Close()
			auth := &mappings.Auth{OAuth2: &mappings.OAuth2Auth{TokenURL: txt(srv.URL + "/token"), ClientID: txt("cid"), ClientSecret: secretText(secret)}}
			sl := &sleeps{}
			h := &mappings.HTTPSource{Auth: auth, Retry: &mappings.Retry{MaxAttempts: 3}}
			res, log, err := httpRun(t, srv, h, Options{Sleep: sl.sleep})
			if got := tokenCalls.Load(); got != tc.wantTokens {
				t.Errorf("token requests = %d, want %d", got, tc.wantTokens)
			}
			if len(sl.d) != tc.wantSleeps {
				t.Fatalf("sleeps = %v; want %d", sl.d, tc.wantSleeps)
			}
			if tc.sleep != 0 && sl.d[0] != tc.sleep {
				t.Errorf("first sleep = %v; want the Retry-After %v", sl.d[0], tc.sleep)
			}
			if tc.sleep == 0 && (sl.d[0] < 500*time.Millisecond || sl.d[0] > time.Second) {
				t.Errorf("first sleep = %v; want a jittered 1s", sl.d[0])
			}
			if !strings.Contains(log, "retrying in") {
				t.Errorf("log lacks the token retry:\n%s", log)
			}
			if strings.Contains(fmt.Sprint(err)+log, secret) {
				t.Errorf("secret leaked: %v\n%s", err, log)
			}
			if tc.wantErr == "" {
				if err != nil || len(res.values) != 2 || apiCalls.Load() != 1 {
					t.Errorf("err = %v, records %d, API requests %d; want 2 records in one request", err, len(res.values), apiCalls.Load())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "→ 503") || !strings.Contains(err.Error(), tc.wantErr) || apiCalls.Load() != 0 {
				t.Errorf("err = %v, API requests %d; want a 503 token error %q and no API request", err, apiCalls.Load(), tc.wantErr)
			}
		})
	}
}
