package mappings

import (
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// rawText is the text of a mapping file, indexed by line so that positions
// inside scalar values can be mapped back to file lines and columns.
type rawText struct {
	data  string
	lines []int // byte offset of the start of each line (lines[0] == 0)
}

func newRawText(data []byte) *rawText {
	r := &rawText{data: string(data), lines: []int{0}}
	for i := 0; i < len(r.data); i++ {
		if r.data[i] == '\n' {
			r.lines = append(r.lines, i+1)
		}
	}
	return r
}

// offset returns the byte offset of a 1-based line and column (columns count
// characters, as yaml.v3 does), clamped to the text.
func (r *rawText) offset(line, col int) int {
	if line < 1 {
		return 0
	}
	if line > len(r.lines) {
		return len(r.data)
	}
	off := r.lines[line-1]
	for c := 1; c < col && off < len(r.data) && r.data[off] != '\n'; c++ {
		_, size := utf8.DecodeRuneInString(r.data[off:])
		off += size
	}
	return off
}

// position returns the 1-based line and column of a byte offset.
func (r *rawText) position(off int) (line, col int) {
	off = min(max(off, 0), len(r.data))
	line = 1
	for line < len(r.lines) && r.lines[line] <= off {
		line++
	}
	start := r.lines[line-1]
	return line, utf8.RuneCountInString(r.data[start:off]) + 1
}

// line returns the text of a 1-based line without its line break.
func (r *rawText) line(n int) string {
	if n < 1 || n > len(r.lines) {
		return ""
	}
	s := r.data[r.lines[n-1]:]
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSuffix(s, "\r")
}

// scalarPos locates the byte offset off inside the value of a scalar that
// starts at (line, col) with the given style. It aligns the decoded value
// with the raw file text, skipping indentation, quotes, escapes and folded
// line breaks; escape sequences and folding make the result approximate,
// never out of the file.
func (r *rawText) scalarPos(value string, off, line, col int, style yaml.Style) (int, int) {
	start := r.offset(line, col)
	if style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		// The value starts on the line after the block header ("|", ">-", ...).
		if i := strings.IndexByte(r.data[start:], '\n'); i >= 0 {
			start += i + 1
		} else {
			start = len(r.data)
		}
	}
	if style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 && start < len(r.data) {
		start++ // the opening quote
	}
	return r.position(r.align(value, off, start))
}

// align walks value[:off] and the raw text from start in step and returns
// the raw offset that corresponds to value[off].
func (r *rawText) align(value string, off, start int) int {
	off = min(max(off, 0), len(value))
	j := start
	last := start // raw offset just past the last matched character
	for i := 0; i <= off && i < len(value); i++ {
		v := value[i]
		for j < len(r.data) && r.data[j] != v && !(isSpace(v) && isSpace(r.data[j])) && skippable(r.data[j]) {
			j++
		}
		if j >= len(r.data) || (r.data[j] != v && !(isSpace(v) && isSpace(r.data[j]))) {
			// Lost track (an escape sequence): estimate from the last match.
			return min(last+off-i, len(r.data))
		}
		if i == off {
			return j
		}
		j++
		last = j
	}
	// off == len(value): just after the last character.
	return min(last, len(r.data))
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skippable reports whether a raw character may have no counterpart in the
// decoded value: indentation, line breaks, quotes and escape backslashes.
func skippable(c byte) bool { return isSpace(c) || c == '"' || c == '\'' || c == '\\' }
