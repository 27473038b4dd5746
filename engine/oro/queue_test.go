package oro_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/orosync/orosync/engine/oro"
	"github.com/orosync/orosync/sandbox"
)

// TestTokenIsTakenWhenTheRequestMayGo: a request that queues behind a slow
// one for longer than a token lives must not carry the token it would have
// had when it started waiting (Oro would answer 401 and, after a refresh
// that queues again, a second 401 would stop the run as a rejected fresh
// token).
func TestTokenIsTakenWhenTheRequestMayGo(t *testing.T) {
	s := sandbox.New(sandbox.Options{TokenTTL: time.Second})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	c, err := oro.NewClient(oro.Config{APIURL: srv.URL + sandbox.DefaultAPIPrefix, ClientID: sandbox.DefaultClientID,
		ClientSecret: sandbox.DefaultClientSecret, Timeout: 5 * time.Second, MaxInFlight: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Do(ctx, "GET", "customers", nil, nil); err != nil { // the first token
		t.Fatal(err)
	}
	s.InjectFault(sandbox.Fault{Method: "GET", Type: "customergroups", Delay: 1500 * time.Millisecond})
	done := make(chan error, 1)
	go func() {
		_, err := c.Do(ctx, "GET", "customergroups", nil, nil) // holds the only slot for 1.5 s
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	if _, err := c.Do(ctx, "GET", "customers", nil, nil); err != nil { // queued behind it
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The slow request itself may meet a 401 (its token expires while the
	// server holds it); the queued one must not.
	for _, r := range s.Requests() {
		if r.Status == 401 && strings.HasSuffix(r.Path, "/customers") {
			t.Errorf("the queued request was answered 401: it carried a token that expired in the queue")
		}
	}
}

// TestTokenThatExpiredInTheServersQueueIsReplaced: Oro checks a token when
// a worker takes the request; a request that waits longer than the token
// lives gets 401 although the token was fresh when sent. The client fetches
// a new token again as long as the one refused was at its end when the
// answer came, and still stops at once when Oro refuses a token that was
// fresh (the existing rejected-token tests).
func TestTokenThatExpiredInTheServersQueueIsReplaced(t *testing.T) {
	s := sandbox.New(sandbox.Options{TokenTTL: time.Second})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	c, err := oro.NewClient(oro.Config{APIURL: srv.URL + sandbox.DefaultAPIPrefix, ClientID: sandbox.DefaultClientID,
		ClientSecret: sandbox.DefaultClientSecret, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Do(ctx, "GET", "customers", nil, nil); err != nil {
		t.Fatal(err)
	}
	// The next two attempts wait in the "queue" longer than a token lives.
	s.InjectFault(sandbox.Fault{Method: "GET", Type: "customergroups", Delay: 1200 * time.Millisecond, Times: 2})
	if _, err := c.Do(ctx, "GET", "customergroups", nil, nil); err != nil {
		t.Fatalf("a request whose tokens expired in the server's queue failed: %v", err)
	}
	if n := s.Stats().Unauthorized; n != 2 {
		t.Errorf("%d answers 401, want the two queued attempts", n)
	}
}
