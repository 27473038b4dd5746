package source

import "unicode/utf8"

// invalidUTF8 returns the offset of the first byte of b that is not valid
// UTF-8 (an encoded U+FFFD is valid), or -1.
func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}
