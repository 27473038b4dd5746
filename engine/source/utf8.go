package source

import "unicode/utf8"

// invalidUTF8 returns the offset of the first byte of s that is not valid
// UTF-8 (an encoded U+FFFD is valid), or -1.
func invalidUTF8(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return i
			}
		}
	}
	return -1
}
