package oro

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orosync/orosync/engine/httpkit"
)

// assertClean fails if s contains the client secret or any issued token.
func assertClean(t *testing.T, what, s string) {
	t.Helper()
	if strings.Contains(s, testSecret) {
		t.Errorf("%s contains the client secret: %s", what, s)
	}
	if strings.Contains(s, tokenPrefix) {
		t.Errorf("%s contains an access token: %s", what, s)
	}
}

func assertCleanError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("expected an error")
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		assertClean(t, "error "+verb, fmt.Sprintf(verb, err))
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		assertClean(t, "wrapped error", e.Error())
	}
}

func TestConfigAndClientNeverPrintSecrets(t *testing.T) {
	f := newFakeOro(t)
	cfg := f.config()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		assertClean(t, "Config "+verb, fmt.Sprintf(verb, cfg))
		assertClean(t, "*Config "+verb, fmt.Sprintf(verb, &cfg))
	}
	assertClean(t, "Config.String", cfg.String())
	assertClean(t, "Config.GoString", cfg.GoString())
	if !strings.Contains(cfg.String(), "ClientSecret: ***") {
		t.Errorf("String() = %q, want the secret shown as ***", cfg.String())
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	assertClean(t, "json.Marshal(Config)", string(b))
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("cfg", "cfg", cfg)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("cfg", "cfg", cfg)
	assertClean(t, "slog output", logs.String())

	c := f.client(t)
	mustGet(t, c, "customers") // a token is now cached
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		assertClean(t, "Client "+verb, fmt.Sprintf(verb, c))
	}

	bad := cfg
	bad.APIURL = "ftp://x"
	bad.ClientID = ""
	assertCleanError(t, bad.Validate())
}

func TestErrorsNeverContainSecrets(t *testing.T) {
	echo := func(status int, ct string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ct)
			w.WriteHeader(status)
			fmt.Fprintf(w, "%s Authorization: %s", strings.Repeat("x", 480), r.Header.Get("Authorization"))
		}
	}
	tests := []struct {
		name  string
		opts  func(*fakeOro)
		api   http.HandlerFunc
		cfg   func(*Config)
		write bool
	}{
		{name: "invalid client", cfg: func(c *Config) { c.ClientSecret = testSecret + "-wrong" }},
		{name: "oauth error echoing the secret", opts: func(f *fakeOro) {
			f.tokenAnswer = func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(400)
				fmt.Fprintf(w, `{"error":"invalid_request","error_description":"bad secret %s"}`, r.PostForm.Get("client_secret"))
			}
		}},
		{name: "token 500 echoing the form", opts: func(f *fakeOro) {
			f.tokenAnswer = func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				w.WriteHeader(500)
				fmt.Fprintf(w, "failed for %s", r.PostForm.Encode())
			}
		}},
		{name: "token 200 not json", opts: func(f *fakeOro) {
			f.tokenAnswer = func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				fmt.Fprintf(w, "{%s", r.PostForm.Get("client_secret"))
			}
		}},
		{name: "token timeout", opts: func(f *fakeOro) { f.tokenDelay = 300 * time.Millisecond }},
		{name: "token refused", cfg: func(c *Config) { c.TokenURL = closedURL(t) }},
		{name: "fresh token rejected", api: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) }},
		{name: "html echoing the token at the cut", api: echo(502, "text/html"), write: true},
		{name: "text echoing the token", api: echo(400, "text/plain")},
		{name: "json:api detail echoing the token", write: true, api: func(w http.ResponseWriter, r *http.Request) {
			writeDoc(w, 500, fmt.Sprintf(`{"errors":[{"status":"500","title":"runtime exception %s","detail":"header %s"}]}`,
				r.Header.Get("Authorization"), r.Header.Get("Authorization")))
		}},
		{name: "api timeout", write: true, api: func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client leaving
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}},
		{name: "api refused", cfg: func(c *Config) {
			c.TokenURL = strings.TrimSuffix(c.APIURL, "/admin/api") + "/oauth2-token"
			c.APIURL = strings.TrimSuffix(closedURL(t), "/oauth2-token") + "/admin/api"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts []func(*fakeOro)
			if tc.opts != nil {
				opts = append(opts, tc.opts)
			}
			f := newFakeOro(t, opts...)
			if tc.api != nil {
				f.setAPI(func(w http.ResponseWriter, r *http.Request) {
					if tc.name == "fresh token rejected" {
						f.revokeAll()
					}
					tc.api(w, r)
				})
			}
			cfg := f.config()
			cfg.Timeout = 100 * time.Millisecond
			cfg.Retry = httpkit.Policy{MaxAttempts: 2}
			var logs strings.Builder
			cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			c, _ := newTestClient(t, cfg)
			_, err := c.Create(context.Background(), "customers", []byte(`{"data":{}}`))
			assertCleanError(t, err)
			assertClean(t, "log", logs.String())
			assertClean(t, "Stats", fmt.Sprintf("%+v", c.Stats()))
			if tc.write && !MayHaveWritten(err) {
				t.Errorf("MayHaveWritten(%v) = false, want true", err)
			}
			var e *Error
			if errors.As(err, &e) {
				assertClean(t, "Error.Body", e.Body)
				assertClean(t, "Error.Errors", fmt.Sprint(e.Errors))
			}
		})
	}
}

// A redirect's Location, from the API or the token endpoint, is redacted
// like a URL before it reaches the error.
func TestRedirectLocationRedacted(t *testing.T) {
	const locSecret = "LOC-SECRET-9f3k"
	redirect := func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://other.example/admin/api?token="+locSecret, http.StatusFound)
	}
	for _, tc := range []struct {
		name string
		opts func(*fakeOro)
	}{
		{"api", func(f *fakeOro) { f.setAPI(redirect) }},
		{"token endpoint", func(f *fakeOro) { f.tokenAnswer = redirect }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeOro(t)
			tc.opts(f)
			err := f.client(t).Ping(context.Background())
			if err == nil || !strings.Contains(err.Error(), `redirect to "https://other.example/admin/api?token=***"`) {
				t.Fatalf("Ping() = %v, want the redirect with its token masked", err)
			}
			for _, verb := range []string{"%v", "%+v", "%s", "%q"} {
				if s := fmt.Sprintf(verb, err); strings.Contains(s, locSecret) {
					t.Errorf("error %s leaks the Location's secret: %s", verb, s)
				}
			}
		})
	}
}
