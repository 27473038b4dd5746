package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTokenEndpoint(t *testing.T) {
	good := url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}}
	tests := []struct {
		name      string
		ct, body  string
		basic     [2]string
		status    int
		wantError string
	}{
		{name: "form", ct: "application/x-www-form-urlencoded", body: good.Encode(), status: 200},
		{name: "json", ct: "application/json",
			body: `{"grant_type":"client_credentials","client_id":"sandbox-client","client_secret":"sandbox-secret"}`, status: 200},
		{name: "basic", ct: "application/x-www-form-urlencoded", body: "grant_type=client_credentials",
			basic: [2]string{DefaultClientID, DefaultClientSecret}, status: 200},
		{name: "missing client_id", ct: "application/x-www-form-urlencoded", body: "grant_type=client_credentials",
			status: 400, wantError: "invalid_request"},
		{name: "bad secret", ct: "application/json",
			body:   `{"grant_type":"client_credentials","client_id":"sandbox-client","client_secret":"nope"}`,
			status: 401, wantError: "invalid_client"},
		{name: "bad basic", ct: "application/x-www-form-urlencoded", body: "grant_type=client_credentials",
			basic: [2]string{DefaultClientID, "wrong"}, status: 401, wantError: "invalid_client"},
		{name: "password grant", ct: "application/x-www-form-urlencoded",
			body: "grant_type=password&client_id=sandbox-client&username=a&password=b", status: 400,
			wantError: "unsupported_grant_type"},
	}
	e := newEnv(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := http.NewRequest("POST", e.srv.URL+TokenPath, strings.NewReader(tc.body))
			r.Header.Set("Content-Type", tc.ct)
			if tc.basic[0] != "" {
				r.SetBasicAuth(tc.basic[0], tc.basic[1])
			}
			rp := e.do(r).must(t, tc.status)
			if ct := rp.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			if tc.wantError != "" {
				if got := rp.str("error"); got != tc.wantError {
					t.Errorf("error = %q, want %q", got, tc.wantError)
				}
				if tc.status == 401 && rp.str("error_description") != "Client authentication failed" {
					t.Errorf("error_description = %q", rp.str("error_description"))
				}
				return
			}
			if rp.str("token_type") != "Bearer" || rp.str("expires_in") != "3600" || len(rp.str("access_token")) < 20 {
				t.Errorf("token answer = %s", rp.raw)
			}
		})
	}
	if got := e.s.Stats().TokensIssued; got != 4 { // newEnv + 3 successes
		t.Errorf("TokensIssued = %d, want 4", got)
	}
}

func TestTokenEndpointWrongMethod(t *testing.T) {
	e := newEnv(t)
	r, _ := http.NewRequest("GET", e.srv.URL+TokenPath, nil)
	rp := e.do(r).must(t, 405)
	if rp.header.Get("Allow") != "POST" {
		t.Errorf("Allow = %q, want POST", rp.header.Get("Allow"))
	}
}

func TestAPIAuthentication(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name    string
		path    string
		hdr     []string
		wwwAuth string
	}{
		{name: "missing", path: "/customers", hdr: []string{"Authorization", ""}, wwwAuth: "Bearer"},
		{name: "unknown token", path: "/customers", hdr: []string{"Authorization", "Bearer nope"}},
		{name: "basic instead of bearer", path: "/customers", hdr: []string{"Authorization", "Basic eDp5"}},
		{name: "token in query", path: "/customers?access_token=" + e.token},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rp := e.req("GET", tc.path, "", tc.hdr...).must(t, 401)
			if rp.raw != "" {
				t.Errorf("body = %q, want empty", rp.raw)
			}
			if got := rp.header.Get("WWW-Authenticate"); got != tc.wwwAuth {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tc.wwwAuth)
			}
		})
	}
}

func TestTokenExpiry(t *testing.T) {
	e := newEnv(t)
	e.req("GET", "/customers", "").must(t, 200)
	e.clock.now = e.clock.now.Add(time.Hour)
	if rp := e.req("GET", "/customers", "").must(t, 401); rp.raw != "" {
		t.Errorf("body = %q, want empty", rp.raw)
	}
	e.token = e.fetchToken()
	e.req("GET", "/customers", "").must(t, 200)
	e.s.ExpireTokens()
	e.req("GET", "/customers", "").must(t, 401)
	if got := e.s.Stats().Unauthorized; got != 2 {
		t.Errorf("Stats().Unauthorized = %d, want 2", got)
	}
}

func TestNoSecretsInLogs(t *testing.T) {
	e := newEnv(t)
	// A basic-auth token request, a JSON one and an API call with the token in the query.
	r, _ := http.NewRequest("POST", e.srv.URL+TokenPath, strings.NewReader("grant_type=client_credentials"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth(DefaultClientID, DefaultClientSecret)
	e.do(r).must(t, 200)
	e.req("GET", "/customers?access_token="+e.token+"&client_secret=x", "")
	e.req("GET", "/customers", "").must(t, 200)
	logs, _ := json.Marshal(e.s.Requests())
	stats, _ := json.Marshal(e.s.Stats())
	for _, secret := range []string{DefaultClientSecret, e.token} {
		if strings.Contains(string(logs), secret) || strings.Contains(string(stats), secret) {
			t.Errorf("secret %q found in Requests()/Stats(): %s", secret, logs)
		}
	}
	if !strings.Contains(string(logs), "REDACTED") {
		t.Errorf("Requests() did not redact the query token: %s", logs)
	}
}

func TestBanner(t *testing.T) {
	b := New(Options{}).Banner()
	for _, want := range []string{"STAND-IN", "NOT OroCommerce", "LOST", "/admin/api", "/oauth2-token", DefaultClientID} {
		if !strings.Contains(b, want) {
			t.Errorf("Banner() lacks %q:\n%s", want, b)
		}
	}
	custom := New(Options{ClientSecret: "my-real-looking-secret"}).Banner()
	if strings.Contains(custom, "my-real-looking-secret") {
		t.Errorf("Banner() shows a configured secret:\n%s", custom)
	}
}
