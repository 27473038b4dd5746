package httpkit

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestStatusClasses(t *testing.T) {
	tests := []struct {
		status                            int
		throttled, unavailable, serverErr bool
	}{
		{200, false, false, false},
		{301, false, false, false},
		{400, false, false, false},
		{401, false, false, false},
		{404, false, false, false},
		{429, true, false, false},
		{500, false, false, true},
		{501, false, false, false},
		{502, false, true, true},
		{503, false, true, true},
		{504, false, true, true},
		{505, false, false, false},
		{507, false, false, true},
		{599, false, false, true},
		{600, false, false, false},
	}
	for _, tc := range tests {
		if got := Throttled(tc.status); got != tc.throttled {
			t.Errorf("Throttled(%d) = %v, want %v", tc.status, got, tc.throttled)
		}
		if got := Unavailable(tc.status); got != tc.unavailable {
			t.Errorf("Unavailable(%d) = %v, want %v", tc.status, got, tc.unavailable)
		}
		if got := ServerError(tc.status); got != tc.serverErr {
			t.Errorf("ServerError(%d) = %v, want %v", tc.status, got, tc.serverErr)
		}
	}
}

// closedAddr returns an address on which nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// refusedErr is the error of a request to a closed port.
func refusedErr(t *testing.T) error {
	t.Helper()
	_, err := http.Get("http://" + closedAddr(t) + "/x")
	if err == nil {
		t.Fatal("GET on a closed port succeeded")
	}
	return err
}

// resetErr is the error of a request whose connection the server resets
// after reading it.
func resetErr(t *testing.T) error {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		_, _ = http.ReadRequest(bufio.NewReader(c)) // the request arrived
		_ = c.(*net.TCPConn).SetLinger(0)           // close with RST
		c.Close()
	}()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	_, err = c.Post("http://"+l.Addr().String()+"/x", "text/plain", strings.NewReader("body"))
	if err == nil {
		t.Fatal("POST to a resetting server succeeded")
	}
	return err
}

// deadlineErr is the error of a request that outlives its context.
func deadlineErr(t *testing.T) error {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	_, err := srv.Client().Do(req)
	if err == nil {
		t.Fatal("slow request succeeded")
	}
	return err
}

// certErr is the error of a request to a server whose certificate is not
// trusted.
func certErr(t *testing.T) error {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshake is expected
	srv.StartTLS()
	defer srv.Close()
	c := &http.Client{Transport: &http.Transport{}} // does not trust the test certificate
	_, err := c.Get(srv.URL)
	if err == nil {
		t.Fatal("GET with an untrusted certificate succeeded")
	}
	return err
}

func TestNetworkErrors(t *testing.T) {
	tests := []struct {
		name            string
		err             error
		sent, transient bool
	}{
		{"refused dial", refusedErr(t), false, true},
		{"reset after the request", resetErr(t), true, true},
		{"context deadline", deadlineErr(t), true, true},
		{"untrusted certificate", certErr(t), false, false},
		{"dns not found", &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}, false, false},
		{"dns temporary", &net.DNSError{Err: "server misbehaving", Name: "x.test", IsTemporary: true}, false, true},
		{"early EOF", fmt.Errorf("reading the response: %w", io.ErrUnexpectedEOF), true, true},
		{"plain error", errors.New("malformed HTTP response"), true, false},
		{"canceled", context.Canceled, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Sent(tc.err); got != tc.sent {
				t.Errorf("Sent(%v) = %v, want %v", tc.err, got, tc.sent)
			}
			if got := Transient(tc.err); got != tc.transient {
				t.Errorf("Transient(%v) = %v, want %v", tc.err, got, tc.transient)
			}
		})
	}
	if Transient(nil) {
		t.Error("Transient(nil) = true, want false")
	}
}

func TestSafeAndIdempotent(t *testing.T) {
	tests := []struct {
		method           string
		safe, idempotent bool
	}{
		{http.MethodGet, true, true},
		{http.MethodHead, true, true},
		{http.MethodOptions, true, true},
		{http.MethodPatch, false, true},
		{http.MethodPut, false, true},
		{http.MethodDelete, false, true},
		{http.MethodPost, false, false},
		{"LINK", false, false},
	}
	for _, tc := range tests {
		if Safe(tc.method) != tc.safe || Idempotent(tc.method) != tc.idempotent {
			t.Errorf("%s: Safe %v, Idempotent %v, want %v, %v", tc.method, Safe(tc.method), Idempotent(tc.method), tc.safe, tc.idempotent)
		}
	}
}

func TestTimedOutAndUnwrapURLError(t *testing.T) {
	timeout := &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{context.DeadlineExceeded, true},
		{fmt.Errorf("wrapped: %w", context.DeadlineExceeded), true},
		{&url.Error{Op: "Get", URL: "http://x", Err: timeout}, true},
		{context.Canceled, false},
		{syscall.ECONNREFUSED, false},
	} {
		if got := TimedOut(tc.err); got != tc.want {
			t.Errorf("TimedOut(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	inner := errors.New("connection refused")
	if got := UnwrapURLError(&url.Error{Op: "Get", URL: "http://x?token=s", Err: inner}); got != inner {
		t.Errorf("UnwrapURLError = %v, want the wrapped error", got)
	}
	if got := UnwrapURLError(inner); got != inner {
		t.Errorf("UnwrapURLError(plain) = %v, want it unchanged", got)
	}
}
