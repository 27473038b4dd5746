package source

import (
	"net/http"
	"testing"
)

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
