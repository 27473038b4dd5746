package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orosync/orosync/sandbox"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// result is what one in-process invocation of orosync produced.
type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs orosync in-process with buffers for the standard streams.
func runCLI(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := Run(ctx, append([]string{"orosync"}, args...), strings.NewReader(stdin), &out, &errOut)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// oroStandIn is the sandbox served over real HTTP, recording every token it
// hands out so that tests can check tokens never leak.
type oroStandIn struct {
	*sandbox.Server
	URL    string
	mu     sync.Mutex
	tokens []string
}

const testSecret = "s3cr3t-client-Secret-value"

func newStandIn(t *testing.T, opts sandbox.Options) *oroStandIn {
	t.Helper()
	return newStandInBehind(t, opts, nil)
}

// newStandInBehind serves the stand-in through wrap (nil: directly), as a
// proxy in front of Oro would.
func newStandInBehind(t *testing.T, opts sandbox.Options, wrap func(http.Handler) http.Handler) *oroStandIn {
	t.Helper()
	if opts.ClientSecret == "" {
		opts.ClientID, opts.ClientSecret = "test-client", testSecret
	}
	s := &oroStandIn{Server: sandbox.New(opts)}
	h := s.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != sandbox.TokenPath {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal(rec.Body.Bytes(), &tok) == nil && tok.AccessToken != "" {
			s.mu.Lock()
			s.tokens = append(s.tokens, tok.AccessToken)
			s.mu.Unlock()
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// runArgs returns "run", the connection flags for the stand-in, a private
// state directory and dead-letter file, and then rest.
func (s *oroStandIn) runArgs(dir string, rest ...string) []string {
	return append([]string{"run", "--api-url", s.URL + sandbox.DefaultAPIPrefix, "--client-id", "test-client",
		"--state-dir", filepath.Join(dir, "state"), "--dead-letter", filepath.Join(dir, "dead.jsonl")}, rest...)
}

func (s *oroStandIn) issuedTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.tokens...)
}

// copyDir copies the examples (or another tree) to a temporary directory so
// a test may change its data.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cli -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test ./cli -update and review the diff):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func readLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		var m map[string]any
		if err := dec.Decode(&m); err == io.EOF {
			return out
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, m)
	}
}
