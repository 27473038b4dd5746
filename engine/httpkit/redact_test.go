package httpkit

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

const secret = "s3cr3t-VALUE-42"

func TestRedact(t *testing.T) {
	var r Redactor
	r.Add(secret)
	r.Add("")       // ignored: it would match everywhere
	r.Add("s3cr3t") // a prefix of the other secret: the longer one goes first
	r.AddRecent("tok-1")
	tests := []struct{ in, want string }{
		{"no secrets", "no secrets"},
		{"the secret " + secret + " twice " + secret, "the secret *** twice ***"},
		{"short s3cr3t", "short ***"},
		{"Bearer tok-1", "Bearer ***"},
	}
	for _, tc := range tests {
		if got := r.Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAddRecentKeepsTheLatest(t *testing.T) {
	var r Redactor
	r.Add(secret)
	for i := range maxRecent + 4 {
		r.AddRecent("token-" + strconv.Itoa(i) + "-end")
	}
	for i := range maxRecent + 4 {
		tok := "token-" + strconv.Itoa(i) + "-end"
		hidden := !strings.Contains(r.Redact(tok), tok)
		if want := i >= 4; hidden != want {
			t.Errorf("token %d hidden = %v, want %v (only the last %d are kept)", i, hidden, want, maxRecent)
		}
	}
	if got := r.Redact(secret); got != Mask {
		t.Errorf("Redact(secret) = %q after many tokens, want %q", got, Mask)
	}
}

func TestRedactURL(t *testing.T) {
	var r Redactor
	r.Add(secret)
	r.AddParam("k")
	tests := map[string]string{
		"https://user:pw@h/x?page=2":                   "https://***@h/x?page=2",
		"https://user@h/x":                             "https://***@h/x",
		"https://h/x?k=abc&page=2&access_token=zz&b=1": "https://h/x?k=***&page=2&access_token=***&b=1",
		"https://h/x?K=abc":                            "https://h/x?K=***",
		"https://h/x?q=" + secret:                      "https://h/x?q=***",
		"https://h/x?API%5FKEY=1":                      "https://h/x?API%5FKEY=***",
		"https://h/x?client_secret=1&sig=2&flag":       "https://h/x?client_secret=***&sig=***&flag",
		"https://h/" + secret + "/x":                   "https://h/***/x",
		"https://h/x?page=2&size=10":                   "https://h/x?page=2&size=10",
	}
	for in, want := range tests {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.URL(u); got != want {
			t.Errorf("URL(%s) = %s, want %s", in, got, want)
		}
		if u.String() != in && u.User == nil {
			t.Errorf("URL(%s) modified its argument to %s", in, u)
		}
	}
}

func TestRedactErr(t *testing.T) {
	var r Redactor
	r.Add(secret)
	op := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("reset")}
	err := fmt.Errorf("call with %s: %w", secret, op)
	got := r.Err(err)
	if strings.Contains(got.Error(), secret) || !strings.Contains(got.Error(), "call with ***") {
		t.Errorf("Err(%q).Error() = %q, want the secret masked", err, got)
	}
	var oe *net.OpError
	if !errors.As(got, &oe) || oe != op {
		t.Errorf("errors.As(Err(...), *net.OpError) failed")
	}
	wrapped := r.Err(fmt.Errorf("%s: %w", secret, io.EOF))
	if !errors.Is(wrapped, io.EOF) {
		t.Errorf("errors.Is(Err(...), io.EOF) = false, want true")
	}
	clean := errors.New("nothing secret")
	if got := r.Err(clean); got != clean {
		t.Errorf("Err(clean) = %v (%T), want the same error", got, got)
	}
	if r.Err(nil) != nil {
		t.Error("Err(nil) != nil")
	}
}

func TestRedactorConcurrentUse(t *testing.T) {
	var r Redactor
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				r.AddRecent(fmt.Sprintf("tok-%d-%d", i, j))
				r.Add(fmt.Sprintf("sec-%d", i))
				_ = r.Redact("tok-1-1 sec-2")
				_ = r.SecretParam("page")
			}
		})
	}
	wg.Wait()
	if got := r.Redact("sec-3"); got != Mask {
		t.Errorf("Redact(sec-3) = %q, want %q", got, Mask)
	}
}
