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
