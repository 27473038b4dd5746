package oro_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orosync/orosync/engine/oro"
	"github.com/orosync/orosync/sandbox"
)

func standIn(t *testing.T, opts sandbox.Options) (*sandbox.Server, *oro.Client) {
	t.Helper()
	return standInBehind(t, opts, nil)
}

// standInBehind serves the stand-in through wrap (nil: directly).
func standInBehind(t *testing.T, opts sandbox.Options, wrap func(http.Handler) http.Handler) (*sandbox.Server, *oro.Client) {
	t.Helper()
	s := sandbox.New(opts)
	h := s.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := oro.NewClient(oro.Config{APIURL: srv.URL + sandbox.DefaultAPIPrefix, ClientID: sandbox.DefaultClientID,
		ClientSecret: sandbox.DefaultClientSecret, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func groups(names ...string) []byte {
	var items []string
	for _, n := range names {
		items = append(items, fmt.Sprintf(`{"type":"customers","attributes":{"name":%q}}`, n))
	}
	return []byte(`{"data":[` + strings.Join(items, ",") + `]}`)
}

func TestUpdateListSync(t *testing.T) {
	s, c := standIn(t, sandbox.Options{})
	ans, err := c.UpdateList(context.Background(), "customers", groups("A", "B", "C"), true)
	if err != nil {
		t.Fatal(err)
	}
	if ans.Status != 200 || len(ans.Data) != 3 || ans.Data[0].ID == "" || ans.Data[2].Attributes["name"] != "C" {
		t.Errorf("answer = %+v; want 3 records in request order", ans)
	}
	if len(s.Records("customers")) != 3 {
		t.Errorf("stand-in has %d customers", len(s.Records("customers")))
	}
	n, err := c.Count(context.Background(), "customers", url.Values{"filter[name]": {"B"}})
	if err != nil || n != 1 {
		t.Errorf("Count = %d, %v; want 1", n, err)
	}
}

// capErrorPages serves at most 10 errors per page whatever the client asks,
// as a server with a lower page limit would.
func capErrorPages(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/errors") {
			q := r.URL.Query()
			q.Set("page[size]", "10")
			r.URL.RawQuery = q.Encode()
		}
		h.ServeHTTP(w, r)
	})
}

// dropTotalCount removes X-Include-Total-Count from every answer: only the
// pagination links then tell whether more errors follow.
func dropTotalCount(h http.Handler) http.Handler {
	return capErrorPages(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(noCountWriter{w}, r)
	}))
}

type noCountWriter struct{ http.ResponseWriter }

func (w noCountWriter) WriteHeader(code int) {
	w.Header().Del("X-Include-Total-Count")
	w.ResponseWriter.WriteHeader(code)
}

func TestUpdateListAsyncWithErrorPages(t *testing.T) {
	t.Run("pages of 10 asked", func(t *testing.T) {
		oro.SetOperationErrorPage(t, 10) // 15 errors: pages of 10 and 5
		testErrorPages(t, nil)
	})
	t.Run("pages capped at 10 by the server", func(t *testing.T) {
		testErrorPages(t, capErrorPages) // the client asks 100, gets 10: the total count leads on
	})
	t.Run("capped pages without a total count", func(t *testing.T) {
		testErrorPages(t, dropTotalCount) // the next link leads on
	})
}

func testErrorPages(t *testing.T, wrap func(http.Handler) http.Handler) {
	s, c := standInBehind(t, sandbox.Options{}, wrap)
	var names []string
	for i := range 30 {
		name := fmt.Sprint("Customer ", i)
		if i%2 == 0 {
			name = " " // blank: not blank constraint
		}
		names = append(names, name)
	}
	ctx := context.Background()
	ans, err := c.UpdateList(ctx, "customers", groups(names...), false)
	if err != nil || ans.Status != 202 || ans.Operation == "" {
		t.Fatalf("UpdateList = %+v, %v; want 202 with an operation", ans, err)
	}
	var op *oro.AsyncOperation
	for i := 0; i < 200; i++ {
		if op, err = c.AsyncOperation(ctx, ans.Operation); err != nil {
			t.Fatal(err)
		}
		if op.Finished() {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if op.Status != "success" || op.ErrorCount != 15 {
		t.Fatalf("operation = %+v; want success with 15 errors", op)
	}
	errs, err := c.AsyncOperationErrors(ctx, ans.Operation)
	if err != nil || len(errs) != 15 {
		t.Fatalf("AsyncOperationErrors = %d, %v; want all 15 over the pages", len(errs), err)
	}
	pages := 0
	for _, r := range s.Requests() {
		if strings.HasSuffix(r.Path, "/errors") {
			pages++
		}
	}
	if pages != 2 {
		t.Errorf("read the errors in %d requests; want 2 pages of 10", pages)
	}
	seen := map[string]bool{}
	for _, e := range errs {
		seen[e.Pointer] = true
	}
	if len(seen) != 15 {
		t.Errorf("%d distinct pointers among the 15 errors; a page was read twice or skipped", len(seen))
	}
	if !strings.HasPrefix(errs[0].Pointer, "/data/") || errs[0].Title == "" {
		t.Errorf("first error = %+v; want a /data/N pointer and a title", errs[0])
	}
}
