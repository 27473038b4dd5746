package source

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestNextLink(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values []string
		want   string
	}{
		{"github", []string{`<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last"`}, "https://api.github.com/x?page=2"},
		{"next not first", []string{`<a>; rel="prev", <b>; rel="next"`}, "b"},
		{"several header lines", []string{`<a>; rel="first"`, `<c>; rel=next`}, "c"},
		{"several rels", []string{`<d>; rel="last next"`}, "d"},
		{"case", []string{`<e>; REL="Next"`}, "e"},
		{"quoted comma and semicolon", []string{`<f>; title="a, b; rel=next"; rel="prev", <g>; rel="next"`}, "g"},
		{"escaped quote", []string{`<h>; title="say \"hi\", ok"; rel="next"`}, "h"},
		{"first rel wins", []string{`<i>; rel="prev"; rel="next", <j>; rel="next"`}, "j"},
		{"spaces", []string{`  < k >  ;  rel = "next"  `}, "k"},
		{"no next", []string{`<a>; rel="prev"`}, ""},
		{"garbage then link", []string{`junk, <l>; rel="next"`}, "l"},
		{"empty", nil, ""},
	} {
		h := http.Header{}
		for _, v := range tc.values {
			h.Add("Link", v)
		}
		if got := nextLink(h); got != tc.want {
			t.Errorf("%s: nextLink(%q) = %q; want %q", tc.name, tc.values, got, tc.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"120", 2 * time.Minute, true},
		{"-3", 0, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"soon", 0, false},
	} {
		h := http.Header{}
		if tc.v != "" {
			h.Set("Retry-After", tc.v)
		}
		got, ok := retryAfter(h, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tc.v, got, ok, tc.want, tc.ok)
		}
	}
}
