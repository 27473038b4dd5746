package oro

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	ok := Config{APIURL: "https://commerce.local/admin/api", ClientID: "id", ClientSecret: testSecret}
	tests := []struct {
		name string
		edit func(*Config)
		want []string // substrings; nil means valid
	}{
		{name: "valid"},
		{name: "trailing slash", edit: func(c *Config) { c.APIURL += "/" }},
		{name: "all missing", edit: func(c *Config) { *c = Config{} },
			want: []string{"ORO_API_URL is not set", "ORO_CLIENT_ID is not set", "ORO_CLIENT_SECRET is not set"}},
		{name: "no path", edit: func(c *Config) { c.APIURL = "https://commerce.local" },
			want: []string{`ORO_API_URL "https://commerce.local" has no path: give the full API base, e.g. https://commerce.local/admin/api`}},
		{name: "not http", edit: func(c *Config) { c.APIURL = "u:" + testSecret + "@commerce.local/admin/api" },
			want: []string{"is not an http(s) URL"}},
		{name: "password in URL", edit: func(c *Config) { c.APIURL = "https://u:" + testSecret + "@commerce.local/admin/api" },
			want: []string{"ORO_API_URL must not contain a user name or password"}},
		{name: "query", edit: func(c *Config) { c.APIURL += "?key=" + testSecret }, want: []string{"must not have a query"}},
		{name: "bad token URL", edit: func(c *Config) { c.TokenURL = "oauth2-token" }, want: []string{"ORO_TOKEN_URL"}},
		{name: "negative timeout", edit: func(c *Config) { c.Timeout = -time.Second }, want: []string{"timeout -1s is negative"}},
		{name: "negative retry", edit: func(c *Config) { c.Retry.MaxAttempts = -1 }, want: []string{"retry policy", "negative values"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			if tc.edit != nil {
				tc.edit(&cfg)
			}
			err := cfg.Validate()
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
			assertClean(t, "Validate()", err.Error())
			if _, nerr := NewClient(cfg); nerr == nil {
				t.Error("NewClient accepted an invalid config")
			}
		})
	}
}

func TestDefaultTokenURL(t *testing.T) {
	c, err := NewClient(Config{APIURL: "https://shop.example:8443/backoffice/api/", ClientID: "id", ClientSecret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://shop.example:8443/oauth2-token"; c.tokenURL != want {
		t.Errorf("token URL = %q, want %q", c.tokenURL, want)
	}
	if want := "https://shop.example:8443/backoffice/api"; c.base.String() != want {
		t.Errorf("API base = %q, want %q", c.base, want)
	}
	if c.timeout != DefaultTimeout {
		t.Errorf("timeout = %s, want %s", c.timeout, DefaultTimeout)
	}
}

func TestDefaultTokenURLIsUsed(t *testing.T) {
	f := newFakeOro(t)
	c := f.client(t) // config leaves TokenURL empty
	mustGet(t, c, "customers")
	if got := f.tokenCalls.Load(); got != 1 {
		t.Errorf("token calls on %s/oauth2-token = %d, want 1", f.srv.URL, got)
	}
}

func TestClassification(t *testing.T) {
	post, get := http.MethodPost, http.MethodGet
	tests := []struct {
		name         string
		err          error
		fatal, wrote bool
	}{
		{"nil", nil, false, false},
		{"plain error", errors.New("x"), false, false},
		{"400 pointer", &Error{Method: post, Status: 400}, false, false},
		{"409", &Error{Method: post, Status: 409}, false, false},
		{"404 item", &Error{Method: get, Status: 404}, false, false},
		{"404 collection", &Error{Method: post, Status: 404, collection: true}, true, false},
		{"401", &Error{Method: get, Status: 401}, true, false},
		{"403", &Error{Method: post, Status: 403}, true, false},
		{"405", &Error{Method: post, Status: 405}, true, false},
		{"406", &Error{Method: get, Status: 406}, true, false},
		{"415", &Error{Method: post, Status: 415}, true, false},
		{"301", &Error{Method: post, Status: 301}, true, false},
		{"html 200", &Error{Method: get, Status: 200, html: true}, true, false},
		{"500 POST", &Error{Method: post, Status: 500}, false, true},
		{"500 PATCH", &Error{Method: http.MethodPatch, Status: 500}, false, true},
		{"500 GET", &Error{Method: get, Status: 500}, false, false},
		{"201 undecodable", &Error{Method: post, Status: 201, Err: errors.New("bad json")}, true, true},
		{"wrapped 403", fmt.Errorf("record 3: %w", &Error{Method: post, Status: 403}), true, false},
		{"auth", &AuthError{TokenURL: "u", Reason: "r"}, true, false},
		{"refused POST", &NetError{Method: post, Sent: false}, true, false},
		{"reset POST", &NetError{Method: post, Sent: true, Err: errors.New("EOF")}, false, true},
		{"timeout POST", &NetError{Method: post, Sent: true, Err: context.DeadlineExceeded}, false, true},
		{"timeout GET", &NetError{Method: get, Sent: true, Err: context.DeadlineExceeded}, false, false},
		{"canceled", &NetError{Method: get, Sent: true, Err: context.Canceled}, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsFatal(tc.err); got != tc.fatal {
				t.Errorf("IsFatal(%v) = %v, want %v", tc.err, got, tc.fatal)
			}
			if got := MayHaveWritten(tc.err); got != tc.wrote {
				t.Errorf("MayHaveWritten(%v) = %v, want %v", tc.err, got, tc.wrote)
			}
		})
	}
}

func TestErrorObjectString(t *testing.T) {
	o := ErrorObject{Title: "t", Detail: "t"}
	if got := o.String(); got != "t" {
		t.Errorf("String() = %q, want %q (detail equal to title is not repeated)", got, "t")
	}
	e := &Error{Method: "POST", URL: "u", Status: 400}
	for range 7 {
		e.Errors = append(e.Errors, ErrorObject{Title: "x"})
	}
	if got := e.Error(); !strings.HasSuffix(got, "x; x; x; x; x; and 2 more") {
		t.Errorf("Error() = %q, want five errors and a count", got)
	}
}
