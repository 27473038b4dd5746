package httpkit

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestExcerpt(t *testing.T) {
	tests := []struct {
		name string
		body string
		n    int
		want string
	}{
		{"short", "hello", 10, "hello"},
		{"exact", "hello", 5, "hello"},
		{"cut", "hello world", 5, "hello"},
		{"zero", "hello", 0, ""},
		{"negative", "hello", -1, ""},
		{"empty", "", 5, ""},
		{"cut inside two-byte character", "hé!", 2, "h"},
		{"cut after two-byte character", "hé!", 3, "hé"},
		{"cut inside four-byte character", "a😀b", 3, "a"},
		{"cut after four-byte character", "a😀b", 5, "a😀"},
		{"invalid bytes", "a\xff\xfeb", 10, "a?b"},
		{"invalid byte at the cut", "ab\xff", 3, "ab?"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Excerpt([]byte(tc.body), tc.n)
			if got != tc.want {
				t.Errorf("Excerpt(%q, %d) = %q, want %q", tc.body, tc.n, got, tc.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("Excerpt(%q, %d) = %q, not valid UTF-8", tc.body, tc.n, got)
			}
		})
	}
	long := strings.Repeat("x", 600)
	if got := Excerpt([]byte(long), 512); len(got) != 512 {
		t.Errorf("len(Excerpt(600 bytes, 512)) = %d, want 512", len(got))
	}
}

func TestCompact(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"  a \n\t b  ", 10, "a b"},
		{"abcdef", 6, "abcdef"},
		{"abcdef", 3, "abc…"},
		{"ééééé", 2, "éé…"},
		{"", 3, ""},
	}
	for _, tc := range tests {
		if got := Compact(tc.s, tc.n); got != tc.want {
			t.Errorf("Compact(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}
