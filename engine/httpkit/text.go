package httpkit

import (
	"strings"
	"unicode/utf8"
)

// Excerpt returns at most the first n bytes of body as valid UTF-8: the cut
// never splits a character, and each run of invalid bytes becomes "?". It adds
// no marker; callers that show a cut can compare len(body) with n.
func Excerpt(body []byte, n int) string {
	if n < 0 {
		n = 0
	}
	if len(body) > n {
		body = body[:n]
		i := len(body) - 1 // the start of the last character
		for i > 0 && i > len(body)-utf8.UTFMax && !utf8.RuneStart(body[i]) {
			i--
		}
		if i >= 0 && !utf8.FullRune(body[i:]) {
			body = body[:i] // the cut split this character
		}
	}
	return strings.ToValidUTF8(string(body), "?")
}

// Compact collapses every run of white space in s to one space, trims it,
// and cuts it to at most n characters, marking a cut with "…".
func Compact(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:max(n, 0)]) + "…"
}
