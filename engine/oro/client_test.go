package oro

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orosync/orosync/engine/httpkit"
)

func TestExactHeaders(t *testing.T) {
	f := newFakeOro(t)
	type seen struct{ method, ct, accept, auth, include string }
	got := make(chan seen, 3)
	f.setAPI(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.Method, strings.Join(r.Header["Content-Type"], "|"), strings.Join(r.Header["Accept"], "|"),
			r.Header.Get("Authorization"), r.Header.Get("X-Include")}
		writeDoc(w, 200, `{"data":{"type":"customers","id":"7"}}`)
	})
	c := f.client(t)
	ctx := context.Background()
	doc := []byte(`{"data":{"type":"customers","attributes":{"name":"A"}}}`)
	if _, err := c.Get(ctx, "customers", "7"); err != nil {
		t.Fatalf("Get: %v", err)
	}
	if _, err := c.Create(ctx, "customers", doc); err != nil {
		t.Fatalf("Create: %v (a 415 means Content-Type had a parameter)", err)
	}
	if _, err := c.Update(ctx, "customers", "7", doc); err != nil {
		t.Fatalf("Update: %v", err)
	}
	close(got)
	for s := range got {
		wantCT := MediaType
		if s.method == http.MethodGet {
			wantCT = ""
		}
		if s.ct != wantCT {
			t.Errorf("%s Content-Type = %q, want %q", s.method, s.ct, wantCT)
		}
		if s.accept != MediaType {
			t.Errorf("%s Accept = %q, want %q", s.method, s.accept, MediaType)
		}
		if !strings.HasPrefix(s.auth, "Bearer "+tokenPrefix) {
			t.Errorf("%s Authorization = %q, want Bearer <token>", s.method, s.auth)
		}
		if s.include != "noHateoas" {
			t.Errorf("%s X-Include = %q, want noHateoas", s.method, s.include)
		}
	}
}

func TestErrorDocuments(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []ErrorObject
		msg  string
	}{
		{
			name: "string status and pointer",
			body: `{"errors":[{"status":"400","title":"not blank constraint","detail":"This value should not be blank.","source":{"pointer":"/data/attributes/name"}}]}`,
			want: []ErrorObject{{Status: "400", Title: "not blank constraint", Detail: "This value should not be blank.", Pointer: "/data/attributes/name"}},
			msg:  "POST %s/admin/api/customers: 400 not blank constraint: This value should not be blank. (pointer /data/attributes/name)",
		},
		{
			name: "numeric status and parameter",
			body: `{"errors":[{"status":400,"title":"filter constraint","detail":"Filter \"filter[x]\" is not supported.","source":{"parameter":"filter[x]"}}]}`,
			want: []ErrorObject{{Status: "400", Title: "filter constraint", Detail: `Filter "filter[x]" is not supported.`, Parameter: "filter[x]"}},
			msg:  `POST %s/admin/api/customers: 400 filter constraint: Filter "filter[x]" is not supported. (parameter filter[x])`,
		},
		{
			name: "several errors with a code",
			body: `{"errors":[{"status":"400","code":"c1","title":"not blank constraint","detail":"d1","source":{"pointer":"/data/attributes/a"}},{"status":"400","title":"form constraint","detail":"The entity does not exist.","source":{"pointer":"/data/relationships/group/data"}}]}`,
			want: []ErrorObject{
				{Status: "400", Code: "c1", Title: "not blank constraint", Detail: "d1", Pointer: "/data/attributes/a"},
				{Status: "400", Title: "form constraint", Detail: "The entity does not exist.", Pointer: "/data/relationships/group/data"},
			},
			msg: "POST %s/admin/api/customers: 400 not blank constraint [c1]: d1 (pointer /data/attributes/a); form constraint: The entity does not exist. (pointer /data/relationships/group/data)",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeOro(t)
			f.setAPI(func(w http.ResponseWriter, r *http.Request) { writeDoc(w, 400, tc.body) })
			c := f.client(t)
			_, err := c.Create(context.Background(), "customers", []byte(`{"data":{}}`))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Create() = %v, want *Error", err)
			}
			if fmt.Sprint(e.Errors) != fmt.Sprint(tc.want) {
				t.Errorf("Errors = %+v, want %+v", e.Errors, tc.want)
			}
			if want := fmt.Sprintf(tc.msg, f.srv.URL); err.Error() != want {
				t.Errorf("Error() = %q\nwant      %q", err.Error(), want)
			}
			if IsFatal(err) || MayHaveWritten(err) {
				t.Errorf("IsFatal = %v, MayHaveWritten = %v, want false, false", IsFatal(err), MayHaveWritten(err))
			}
		})
	}
}

const proxyPage = `<!DOCTYPE html>
<html><head><title>502 Bad Gateway</title></head>
<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>
` // padded below past 512 bytes

func TestHTMLBadGateway(t *testing.T) {
	f := newFakeOro(t)
	page := proxyPage + strings.Repeat("<!-- padding -->\n", 60) + "</body></html>"
	f.setAPI(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(502)
		fmt.Fprint(w, page)
	})
	c := f.client(t)
	_, err := c.Create(context.Background(), "customers", []byte(`{"data":{}}`))
	var e *Error
	if !errors.As(err, &e) || e.Status != 502 {
		t.Fatalf("Create() = %v, want *Error 502", err)
	}
	if len(e.Body) != bodyExcerptLen || !strings.HasPrefix(page, e.Body) {
		t.Errorf("Body = %d bytes, want the first %d bytes of the page", len(e.Body), bodyExcerptLen)
	}
	if !strings.Contains(err.Error(), `502 the server answered with an HTML page instead of JSON:API: "502 Bad Gateway"`) {
		t.Errorf("Error() = %q, want the page title", err)
	}
	// A proxy's 502 to a POST: the record may exist now, so the engine
	// looks it up before sending it again; the run goes on.
	if IsFatal(err) || !MayHaveWritten(err) {
		t.Errorf("IsFatal = %v, MayHaveWritten = %v, want false, true", IsFatal(err), MayHaveWritten(err))
	}
	if got := f.apiCalls.Load(); got != 1 {
		t.Errorf("POST attempts = %d, want 1 (never retried)", got)
	}

	before := f.apiCalls.Load()
	_, err = c.Get(context.Background(), "customers", "1")
	var xe *ExhaustedError
	if !errors.As(err, &xe) || !errors.As(err, &e) || e.Status != 502 {
		t.Fatalf("Get() = %v, want *ExhaustedError over *Error 502", err)
	}
	if got := f.apiCalls.Load() - before; got != int64(xe.Attempts) || got < 2 {
		t.Errorf("GET attempts = %d, ExhaustedError.Attempts = %d, want the same, at least 2", got, xe.Attempts)
	}
	if !IsFatal(err) || MayHaveWritten(err) {
		t.Errorf("GET: IsFatal = %v, MayHaveWritten = %v, want true, false", IsFatal(err), MayHaveWritten(err))
	}
}

func TestMethodNotAllowedWithoutBody(t *testing.T) {
	f := newFakeOro(t)
	f.setAPI(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, PATCH")
		w.WriteHeader(405)
	})
	c := f.client(t)
	_, err := c.Create(context.Background(), "inventorylevels", []byte(`{"data":{}}`))
	want := fmt.Sprintf("POST %s/admin/api/inventorylevels: 405 action not allowed on inventorylevels (Allow: GET, PATCH)", f.srv.URL)
	if err == nil || err.Error() != want {
		t.Fatalf("Create() = %v, want %q", err, want)
	}
	if !IsFatal(err) || MayHaveWritten(err) {
		t.Errorf("IsFatal = %v, MayHaveWritten = %v, want true, false", IsFatal(err), MayHaveWritten(err))
	}
}

func TestNotFoundCollectionVersusItem(t *testing.T) {
	f := newFakeOro(t)
	f.setAPI(func(w http.ResponseWriter, r *http.Request) {
		writeDoc(w, 404, `{"errors":[{"status":"404","title":"not found http exception","detail":"An entity with the requested identifier does not exist."}]}`)
	})
	c := f.client(t)
	_, err := c.Get(context.Background(), "customers", "42")
	if err == nil || IsFatal(err) {
		t.Errorf("Get item 404: IsFatal(%v) = true, want false", err)
	}
	_, err = c.List(context.Background(), "customrs", nil, 0)
	if !IsFatal(err) || !strings.Contains(err.Error(), `"customrs" is not an API resource type`) {
		t.Errorf("List collection 404 = %v, want a fatal error with a hint", err)
	}
}

func TestRequestTimeouts(t *testing.T) {
	f := newFakeOro(t)
	f.setAPI(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
		}
		writeDoc(w, 200, `{"data":{"type":"customers","id":"1"}}`)
	})
	cfg := f.config()
	cfg.Timeout = 100 * time.Millisecond
	cfg.Retry = httpkit.Policy{MaxAttempts: 3}
	c, _ := newTestClient(t, cfg)

	_, err := c.Create(context.Background(), "customers", []byte(`{"data":{}}`))
	var ne *NetError
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Create() = %v, want a timeout *NetError", err)
	}
	if !MayHaveWritten(err) || IsFatal(err) {
		t.Errorf("POST timeout: MayHaveWritten = %v, IsFatal = %v, want true, false", MayHaveWritten(err), IsFatal(err))
	}
	if !strings.Contains(err.Error(), "no answer within 100ms") || !strings.Contains(err.Error(), "the write may have reached Oro") {
		t.Errorf("Error() = %q", err)
	}
	if got := f.apiCalls.Load(); got != 1 {
		t.Errorf("POST attempts = %d, want 1 (a timed-out POST is never retried)", got)
	}

	before := f.apiCalls.Load()
	_, err = c.Get(context.Background(), "customers", "1")
	var xe *ExhaustedError
	if !errors.As(err, &xe) || !errors.As(err, &ne) || !ne.Timeout() || MayHaveWritten(err) || !IsFatal(err) {
		t.Fatalf("Get() = %v, want a fatal *ExhaustedError over a timeout *NetError that wrote nothing", err)
	}
	if got := f.apiCalls.Load() - before; got != 3 {
		t.Errorf("GET attempts = %d, want 3", got)
	}
}

func TestConnectionRefused(t *testing.T) {
	f := newFakeOro(t)
	cfg := f.config()
	cfg.TokenURL = f.srv.URL + "/oauth2-token"
	cfg.APIURL = strings.TrimSuffix(closedURL(t), "/oauth2-token") + "/admin/api"
	cfg.Retry = httpkit.Policy{MaxAttempts: 5}
	c, clock := newTestClient(t, cfg)
	_, err := c.Create(context.Background(), "customers", []byte(`{"data":{}}`))
	var ne *NetError
	if !errors.As(err, &ne) || ne.Sent {
		t.Fatalf("Create() = %v, want an unsent *NetError", err)
	}
	if !IsFatal(err) || MayHaveWritten(err) {
		t.Errorf("IsFatal = %v, MayHaveWritten = %v, want true, false", IsFatal(err), MayHaveWritten(err))
	}
	// The token endpoint answered, so Oro is there: a refused POST never
	// left, and is retried like any request.
	if waits, _ := clock.Waits(); len(waits) != 4 {
		t.Errorf("retries = %d, want 4 (a refused POST never left, so it is retried)", len(waits))
	}
	if !strings.Contains(err.Error(), "cannot connect") || !strings.Contains(err.Error(), cfg.APIURL) {
		t.Errorf("Error() = %q, want it to name the URL", err)
	}
}

func TestThrottledRetriedForEveryMethod(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete} {
		t.Run(method, func(t *testing.T) {
			f := newFakeOro(t)
			var n atomic.Int64
			f.setAPI(func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					w.Header().Set("Retry-After", "3")
					w.WriteHeader(429)
					return
				}
				writeDoc(w, 201, `{"data":{"type":"customers","id":"1"}}`)
			})
			c, clock := newTestClient(t, f.config())
			var body []byte
			if method != http.MethodGet && method != http.MethodDelete {
				body = []byte(`{"data":{"type":"customers"}}`)
			}
			if _, err := c.Do(context.Background(), method, "customers", nil, body); err != nil {
				t.Fatalf("%s: %v", method, err)
			}
			if got := n.Load(); got != 2 {
				t.Errorf("attempts = %d, want 2 (429: the request was not processed)", got)
			}
			if waits, _ := clock.Waits(); len(waits) != 1 || waits[0] != 3*time.Second {
				t.Errorf("waits = %v, want [3s] (Retry-After)", waits)
			}
		})
	}
}

func TestCreateUpdateGetDecode(t *testing.T) {
	f := newFakeOro(t)
	f.setAPI(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			writeDoc(w, 201, `{"data":{"type":"products","id":"12","attributes":{"big":12345678901234567890,"price":19.990,"text":"19.990"},
				"relationships":{"owner":{"data":{"type":"users","id":"1"}}},"meta":{"x":1}},
				"included":[{"type":"productnames","id":"5","meta":{"includeId":"n1"}}]}`)
		case http.MethodPatch:
			w.WriteHeader(204)
		default:
			writeDoc(w, 200, `{"data":{"type":"products","id":99}}`)
		}
	})
	c := f.client(t)
	ctx := context.Background()
	r, err := c.Create(ctx, "products", []byte(`{"data":{"type":"products"}}`))
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if r.Type != "products" || r.ID != "12" || r.Status != 201 {
		t.Errorf("Create() = %s/%s (status %d), want products/12 (201)", r.Type, r.ID, r.Status)
	}
	if got := r.Attributes["big"]; got != json.Number("12345678901234567890") {
		t.Errorf("big = %#v, want json.Number 12345678901234567890", got)
	}
	if got := r.Attributes["price"]; got != json.Number("19.990") {
		t.Errorf("price = %#v, want json.Number 19.990", got)
	}
	if len(r.Included) != 1 || r.Included[0].ID != "5" || r.Included[0].Meta["includeId"] != "n1" {
		t.Errorf("Included = %+v, want productnames/5 with includeId n1", r.Included)
	}
	u, err := c.Update(ctx, "products", "12", []byte(`{"data":{"type":"products","id":"12"}}`))
	if err != nil || u.ID != "12" || u.Type != "products" || u.Status != 204 {
		t.Errorf("Update() = %+v, %v, want products/12 from a 204", u, err)
	}
	g, err := c.Get(ctx, "products", "99")
	if err != nil || g.ID != "99" {
		t.Errorf("Get() = %+v, %v, want id \"99\" from a numeric id", g, err)
	}
}

func TestCreateUndecodableAnswerMayHaveWritten(t *testing.T) {
	f := newFakeOro(t)
	f.setAPI(func(w http.ResponseWriter, r *http.Request) { writeDoc(w, 201, `{"data":`) })
	c := f.client(t)
	_, err := c.Create(context.Background(), "customers", []byte(`{"data":{}}`))
	var e *Error
	if !errors.As(err, &e) || e.Status != 201 || e.Err == nil {
		t.Fatalf("Create() = %v, want *Error 201 with Err", err)
	}
	if !MayHaveWritten(err) || !IsFatal(err) {
		t.Errorf("MayHaveWritten = %v, IsFatal = %v, want true, true", MayHaveWritten(err), IsFatal(err))
	}
	if want := "Oro accepted the write but its answer could not be read"; !strings.Contains(err.Error(), want) {
		t.Errorf("Error() = %q, want it to contain %q", err, want)
	}
}

func TestCreateIDFromLocation(t *testing.T) {
	f := newFakeOro(t)
	f.setAPI(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "/admin/api/customers/77")
		w.WriteHeader(201)
	})
	c := f.client(t)
	r, err := c.Create(context.Background(), "customers", []byte(`{"data":{}}`))
	if err != nil || r.ID != "77" {
		t.Errorf("Create() = %+v, %v, want id 77", r, err)
	}
}

func TestListPaging(t *testing.T) {
	f := newFakeOro(t)
	var pages []string
	f.setAPI(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		pages = append(pages, q.Get("page[number]")+"/"+q.Get("page[size]")+"/"+q.Get("filter[active]"))
		var num, size int
		fmt.Sscan(q.Get("page[number]"), &num)
		fmt.Sscan(q.Get("page[size]"), &size)
		var items []string
		for i := (num-1)*size + 1; i <= min(num*size, 25); i++ {
			items = append(items, fmt.Sprintf(`{"type":"customers","id":"%d"}`, i))
		}
		writeDoc(w, 200, `{"data":[`+strings.Join(items, ",")+`]}`)
	})
	c := f.client(t)
	query := map[string][]string{"filter[active]": {"1"}, "page[size]": {"10"}}
	all, err := c.List(context.Background(), "customers", query, 0)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(all) != 25 || all[0].ID != "1" || all[24].ID != "25" {
		t.Errorf("List() = %d resources, want 25 (1..25)", len(all))
	}
	if got, want := strings.Join(pages, " "), "1/10/1 2/10/1 3/10/1"; got != want {
		t.Errorf("pages requested = %q, want %q", got, want)
	}
	if query["page[number]"] != nil {
		t.Error("List modified the caller's query")
	}

	pages = nil
	some, err := c.List(context.Background(), "customers", map[string][]string{"page[size]": {"10"}}, 15)
	if err != nil || len(some) != 15 {
		t.Fatalf("List(limit 15) = %d, %v, want 15", len(some), err)
	}
	if len(pages) != 2 {
		t.Errorf("pages requested = %v, want 2", pages)
	}

	pages = nil
	few, err := c.List(context.Background(), "customers", nil, 3)
	if err != nil || len(few) != 3 || pages[0] != "1/3/" {
		t.Errorf("List(limit 3) = %d, %v, pages %v; want 3 with page[size]=3", len(few), err, pages)
	}
}

func TestListStopsWhenServerIgnoresPaging(t *testing.T) {
	f := newFakeOro(t)
	f.setAPI(func(w http.ResponseWriter, r *http.Request) {
		writeDoc(w, 200, `{"data":[{"type":"c","id":"1"},{"type":"c","id":"2"}]}`)
	})
	c := f.client(t)
	_, err := c.List(context.Background(), "c", map[string][]string{"page[size]": {"2"}}, 0)
	if err == nil || !strings.Contains(err.Error(), "ignores page[number]") {
		t.Errorf("List() = %v, want an error about ignored paging", err)
	}
}

func TestAsyncOperationErrorsStopWhenServerIgnoresPaging(t *testing.T) {
	SetOperationErrorPage(t, 2)
	for _, tc := range []struct {
		name  string
		total string // X-Include-Total-Count; "" = none, the next link leads on
	}{
		{"total count", "5"},
		{"next link", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeOro(t)
			f.setAPI(func(w http.ResponseWriter, r *http.Request) {
				if tc.total != "" {
					w.Header().Set("X-Include-Total-Count", tc.total)
				}
				writeDoc(w, 200, `{"data":[{"type":"asyncoperationerrors","id":"1","attributes":{"title":"not blank","source":{"pointer":"/data/0"}}},`+
					`{"type":"asyncoperationerrors","id":"2","attributes":{"title":"not blank","source":{"pointer":"/data/2"}}}],`+
					`"links":{"next":"http://x/next"}}`)
			})
			errs, err := f.client(t).AsyncOperationErrors(context.Background(), "9")
			if err == nil || !strings.Contains(err.Error(), "asyncoperations/9/errors: page 2 repeats page 1: the server ignores page[number]") {
				t.Errorf("AsyncOperationErrors() = %d errors, %v; want an error naming the URL about ignored paging", len(errs), err)
			}
			if len(errs) != 2 {
				t.Errorf("AsyncOperationErrors() returned %d errors, want the 2 of page 1 without the repeat", len(errs))
			}
		})
	}
}

func TestUnusableAnswers(t *testing.T) {
	ctx := context.Background()
	create := func(c *Client) error { _, err := c.Create(ctx, "customers", []byte(`{"data":{}}`)); return err }
	tests := []struct {
		name string
		api  http.HandlerFunc
		call func(*Client) error
		want string
	}{
		{"202 without an operation", func(w http.ResponseWriter, r *http.Request) {
			writeDoc(w, 202, `{"data":{"type":"asyncoperations"}}`)
		}, func(c *Client) error {
			_, err := c.UpdateList(ctx, "customers", []byte(`{"data":[]}`), false)
			return err
		}, "the 202 answer names no asynchronous operation"},
		{"count without a total", func(w http.ResponseWriter, r *http.Request) {
			writeDoc(w, 200, `{"data":[]}`)
		}, func(c *Client) error {
			_, err := c.Count(ctx, "customers", nil)
			return err
		}, "the answer has no X-Include-Total-Count header"},
		{"201 without body or Location", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(201)
		}, create, "the answer has neither a body nor a Location header"},
		{"201 with a Location without id", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "/")
			w.WriteHeader(201)
		}, create, `cannot take an id from Location "/"`},
		{"201 with an unreadable Location", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "/admin/api/customers/%zz")
			w.WriteHeader(201)
		}, create, `cannot take an id from Location "/admin/api/customers/%zz"`},
		{"answer too large", func(w http.ResponseWriter, r *http.Request) {
			writeDoc(w, 200, `{"data":[`+strings.Repeat(" ", 2<<10)+`]}`)
		}, func(c *Client) error {
			_, err := c.List(ctx, "customers", nil, 0)
			return err
		}, "/admin/api/customers?page[number]=1&page[size]=100: the answer is larger than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old := maxBodySize
			maxBodySize = 1 << 10
			t.Cleanup(func() { maxBodySize = old })
			f := newFakeOro(t)
			f.setAPI(tc.api)
			if err := tc.call(f.client(t)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestResolveRejectsInvalidPaths(t *testing.T) {
	c := newFakeOro(t).client(t)
	for _, tc := range []struct{ path, want string }{
		{"", "want a relative path"},
		{"/", "want a relative path"},
		{"customers?x=1", "want a relative path"},
		{"customers#x", "want a relative path"},
		{"a//b", "want a relative path"},
		{"http://evil/x", "want a relative path"},
		{".", "dot segments are not allowed"},
		{"a/./b", "dot segments are not allowed"},
		{"a/..", "dot segments are not allowed"},
	} {
		_, err := c.resolve(tc.path, nil)
		if want := fmt.Sprintf("invalid API path %q: ", tc.path); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("resolve(%q) = %v, want %q…%q", tc.path, err, want, tc.want)
		}
	}
	if u, err := c.resolve("/customers/42/", url.Values{"page[size]": {"1"}}); err != nil || !strings.HasSuffix(u, "/admin/api/customers/42?page[size]=1") {
		t.Errorf("resolve(customers/42) = %q, %v, want the API URL with readable brackets", u, err)
	}
}

func TestPing(t *testing.T) {
	tests := []struct {
		name  string
		api   http.HandlerFunc
		fatal bool
		want  string
	}{
		{name: "ok", api: func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/admin/api/organizations" || r.URL.Query().Get("page[size]") != "1" {
				writeDoc(w, 400, `{"errors":[{"title":"unexpected ping"}]}`)
				return
			}
			writeDoc(w, 200, `{"data":[{"type":"organizations","id":"1"}]}`)
		}},
		{name: "forbidden is fine", api: func(w http.ResponseWriter, r *http.Request) {
			writeDoc(w, 403, `{"errors":[{"status":"403","title":"access denied exception"}]}`)
		}},
		{name: "api disabled", fatal: true, want: "the API may be disabled in Oro", api: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(404)
		}},
		{name: "redirect", fatal: true, want: `redirect to "https://other.example/admin/api/organizations": set ORO_API_URL`, api: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://other.example/admin/api/organizations", http.StatusFound)
		}},
		{name: "not json:api", fatal: true, want: "does not answer like Oro's JSON:API", api: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `[{"id":1}]`)
		}},
		{name: "html", fatal: true, want: "HTML page instead of JSON:API", api: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><title>Oro login</title></html>")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeOro(t)
			f.setAPI(tc.api)
			err := f.client(t).Ping(context.Background())
			if (err != nil) != tc.fatal || err != nil && (!IsFatal(err) || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Ping() = %v, want fatal %v containing %q", err, tc.fatal, tc.want)
			}
		})
	}
}

func TestInvalidArguments(t *testing.T) {
	c := newFakeOro(t).client(t)
	ctx := context.Background()
	if _, err := c.Create(ctx, "cus/tomers", nil); err == nil {
		t.Error("Create with a slash in the type: no error")
	}
	if _, err := c.Get(ctx, "customers", ""); err == nil {
		t.Error("Get with an empty id: no error")
	}
	for _, p := range []string{"", "http://evil/x", "a/../b", "a?b=1"} {
		if _, err := c.Do(ctx, http.MethodGet, p, nil, nil); err == nil {
			t.Errorf("Do(%q): no error", p)
		}
	}
	if c.Stats().TokenRequests != 0 {
		t.Errorf("TokenRequests() = %d, want 0 for rejected arguments", c.Stats().TokenRequests)
	}
}

func TestIDsAreEscaped(t *testing.T) {
	f := newFakeOro(t)
	var got string
	f.setAPI(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.EscapedPath()
		writeDoc(w, 200, `{"data":{"type":"products","id":"a/b"}}`)
	})
	if _, err := f.client(t).Get(context.Background(), "products", "a/b c"); err != nil {
		t.Fatal(err)
	}
	if want := "/admin/api/products/a%2Fb%20c"; got != want {
		t.Errorf("path = %q, want %q", got, want)
	}
}

func TestRetryPolicyFromConfig(t *testing.T) {
	tests := []struct {
		name       string
		retry      httpkit.Policy
		retryAfter string
		attempts   int64         // GET attempts; 0: any up to DefaultMaxAttempts
		wait       time.Duration // every wait; 0: any
	}{
		{name: "defaults"},
		{name: "more attempts", retry: httpkit.Policy{MaxAttempts: 5, Backoff: time.Millisecond}, attempts: 5},
		{name: "one attempt", retry: httpkit.Policy{MaxAttempts: 1}, attempts: 1},
		{name: "retry-after zero", retryAfter: "0", attempts: DefaultMaxAttempts, wait: -1},
		// Four waits of 30s (the cap) fill the two minutes of MaxWait.
		{name: "retry-after beyond the cap", retryAfter: "31", attempts: 5, wait: DefaultMaxBackoff},
		{name: "retry-after beyond a tuned cap", retry: httpkit.Policy{MaxBackoff: time.Second}, retryAfter: "2", attempts: DefaultMaxAttempts, wait: time.Second},
		{name: "tuned max wait", retry: httpkit.Policy{MaxWait: 10 * time.Second, MaxBackoff: 4 * time.Second}, retryAfter: "4", attempts: 3, wait: 4 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeOro(t)
			f.setAPI(func(w http.ResponseWriter, r *http.Request) {
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				writeDoc(w, 503, `{"errors":[{"status":"503","title":"service unavailable"}]}`)
			})
			cfg := f.config()
			cfg.Retry = tc.retry
			c, clock := newTestClient(t, cfg)
			_, err := c.Get(context.Background(), "customers", "1")
			var e *Error
			var xe *ExhaustedError
			if !errors.As(err, &xe) || !errors.As(err, &e) || e.Status != 503 || !IsFatal(err) {
				t.Fatalf("Get() = %v, want a fatal *ExhaustedError over *Error 503", err)
			}
			got := f.apiCalls.Load()
			if tc.attempts != 0 && got != tc.attempts || got < 1 || got > DefaultMaxAttempts || int64(xe.Attempts) != got {
				t.Errorf("GET attempts = %d (ExhaustedError says %d), want %d", got, xe.Attempts, tc.attempts)
			}
			waits, total := clock.Waits()
			if limit := c.Retry().MaxWait; total > limit {
				t.Errorf("waits %v total %v, want at most MaxWait %v", waits, total, limit)
			}
			for _, w := range waits {
				if tc.wait == -1 && w != 0 || tc.wait > 0 && w != tc.wait {
					t.Errorf("waits = %v, want each %v", waits, max(tc.wait, 0))
					break
				}
			}
		})
	}
}

func TestRetryMaxWait(t *testing.T) {
	f := newFakeOro(t)
	f.setAPI(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(502) })
	cfg := f.config()
	cfg.Retry = httpkit.Policy{MaxAttempts: 10, Backoff: time.Second, MaxWait: 2500 * time.Millisecond}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	c.sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	if _, err := c.Get(context.Background(), "customers", "1"); err == nil {
		t.Fatal("Get() = nil error, want the 502")
	}
	var total time.Duration
	for _, d := range waits {
		total += d
	}
	// The waits are 0.5-1s, 1-2s, 2-4s...: the first always fits in 2.5s,
	// a third never does.
	if total > cfg.Retry.MaxWait || len(waits) < 1 || len(waits) > 2 {
		t.Errorf("waits = %v (total %v), want one or two waits within MaxWait %v", waits, total, cfg.Retry.MaxWait)
	}
	if got := f.apiCalls.Load(); got != int64(len(waits)+1) {
		t.Errorf("GET attempts = %d, want %d (one per wait plus the first)", got, len(waits)+1)
	}
}

// TestAnswerLost: only a write whose answer says nothing about the record
// is looked up and tried again; a 500 or a 4xx is the record's own error.
func TestAnswerLost(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&Error{Method: "POST", Status: 503}, true},
		{&Error{Method: "PATCH", Status: 504}, true},
		{&Error{Method: "POST", Status: 201}, true}, // stored, the body unreadable
		{&NetError{Method: "POST", Err: io.ErrUnexpectedEOF, Sent: true}, true},
		{&Error{Method: "POST", Status: 500}, false},
		{&Error{Method: "POST", Status: 400}, false},
		{&Error{Method: "GET", Status: 503}, false},
		{&NetError{Method: "POST", Err: io.ErrUnexpectedEOF}, false}, // never sent
	} {
		if got := AnswerLost(tc.err); got != tc.want {
			t.Errorf("AnswerLost(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	r := NewRetrier(httpkit.Policy{MaxAttempts: 3})
	err := &Error{Method: "POST", Status: 500}
	if got := r.Wait(context.Background(), err); got != error(err) {
		t.Errorf("Retrier.Wait(500) = %v, want the error itself, at once", got)
	}
}
