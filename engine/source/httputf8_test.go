package source

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/orosync/orosync/mappings"
)

// rawPages serves the i-th body for ?page=i (1-based), nothing after.
func rawPages(bodies ...string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=iso-8859-1")
		if p, _ := strconv.Atoi(r.URL.Query().Get("page")); p >= 1 && p <= len(bodies) {
			w.Write([]byte(bodies[p-1]))
			return
		}
		w.Write([]byte("[]"))
	}))
}

// TestHTTPInvalidUTF8 checks pages whose body is not UTF-8: the elements
// of an array body fail one by one and paging goes on; when records cannot
// be told apart (a records selector, a body that is not an array), the page
// fails with an error naming the URL and the offset.
func TestHTTPInvalidUTF8(t *testing.T) {
	paged := &mappings.Paginate{Page: &mappings.PageNumber{Start: 1}}
	tests := []struct {
		name    string
		bodies  []string
		records string
		limit   int
		want    string // ids of the good records
		order   string
		bad     []badRow // origin suffix (after the URL), raw, error
		fatal   string
	}{
		{
			name:   "array elements fail alone",
			bodies: []string{"[{\"id\":1},{\"id\":2,\"n\":\"Gr\xfcn\"},{\"id\":3}]", "[{\"id\":4,\"n\":\"Grün\"}]"},
			want:   "1 3 4", order: "ok | bad | ok | ok",
			bad: []badRow{{"/items?page=1 #2", "{\"id\":2,\"n\":\"Gr\xfcn\"}", "invalid UTF-8 at byte offset 15 of the record (byte 0xfc)"}},
		},
		{
			name:   "bad records count towards the limit",
			bodies: []string{"[\"\xff\",{\"id\":2},{\"id\":3}]"}, limit: 2,
			want: "2", order: "bad | ok",
			bad: []badRow{{"/items?page=1 #1", "\"\xff\"", "byte 0xff"}},
		},
		{
			name:    "records selector",
			bodies:  []string{"{\"items\":[{\"id\":1}]}", "{\"items\":[{\"id\":\"\xe9\"}]}"},
			records: ".items[]", want: "1", order: "ok",
			fatal: "/items?page=2 → 200: the response is not valid UTF-8 (byte 0xe9 at byte offset 17 of the body; Content-Type \"application/json; charset=iso-8859-1\"), and the records holding the bad bytes cannot be told apart (http.records selects them), so the page fails",
		},
		{
			name:   "object body",
			bodies: []string{"{\"id\":\"\xe9\"}"},
			fatal:  "the records holding the bad bytes cannot be told apart (the body is not an array)",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := rawPages(tc.bodies...)
			defer srv.Close()
			h := &mappings.HTTPSource{Paginate: paged}
			if tc.records != "" {
				h.Records = mustExpr(t, tc.records)
			}
			res, _, err := httpRun(t, srv, h, Options{Limit: tc.limit})
			if tc.fatal != "" {
				if err == nil || !strings.Contains(err.Error(), tc.fatal) {
					t.Errorf("err = %v; want %q", err, tc.fatal)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if ids(res) != tc.want || join(res.order) != tc.order {
				t.Errorf("ids = %q, order = %s; want %q, %s", ids(res), join(res.order), tc.want, tc.order)
			}
			if len(res.bad) != len(tc.bad) {
				t.Fatalf("bad = %v; want %d", res.bad, len(tc.bad))
			}
			for i, want := range tc.bad {
				got := res.bad[i]
				if got.Origin != "GET "+srv.URL+want.origin || string(got.Raw) != want.raw || !strings.Contains(got.Error(), want.err) {
					t.Errorf("bad[%d] = %q, raw %q; want origin GET %s%s, raw %q, error with %q", i, got.Error(), got.Raw, srv.URL, want.origin, want.raw, want.err)
				}
			}
		})
	}
}
