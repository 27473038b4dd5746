package oro_test

import (
	"context"
	"fmt"
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
	s := sandbox.New(opts)
	srv := httptest.NewServer(s.Handler())
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

func TestUpdateListAsyncWithErrorPages(t *testing.T) {
	_, c := standIn(t, sandbox.Options{})
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
	if !strings.HasPrefix(errs[0].Pointer, "/data/") || errs[0].Title == "" {
		t.Errorf("first error = %+v; want a /data/N pointer and a title", errs[0])
	}
}
