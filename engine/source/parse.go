// Hot path, kept only for speed: this file duplicates what encoding/json
// does, because decoding JSON Lines records is about a sixth of a dry run.
// BenchmarkDecodeLine against BenchmarkDecodeLineStdlib (decode_test.go)
// justifies it: 2.8 µs against 5.5 µs and 34 allocations against 55 on the
// benchmark record (2-core CI machine, 2026-11-30). FuzzDecodeLine checks
// that both decode the same values and reject the same input, except for
// one deliberate difference: invalid UTF-8, which encoding/json replaces
// with U+FFFD, is an error here. Delete this file for encoding/json (plus a
// utf8.Valid check) when the benchmark stops showing a clear gain.

package source

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// parseJSON decodes exactly one JSON value (surrounded by optional
// whitespace) into the values encoding/json produces with UseNumber:
// map[string]any, []any, string, json.Number, bool and nil. It exists
// because decoding is most of the cost of reading JSON Lines, and this
// single-purpose parser is several times faster than encoding/json for
// these values. FuzzDecodeLine checks that both agree, value for value and
// error for error, except that invalid UTF-8 in a string is an error here
// (naming its byte offset in data) where encoding/json silently replaces
// it with U+FFFD: a record must never change on its way in.
func parseJSON(data []byte) (any, error) {
	keys := keyCaches.Get().(map[string]string)
	defer keyCaches.Put(keys)
	p := parser{data: data, keys: keys}
	p.skipSpace()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	if rest := bytes.TrimSpace(p.data[p.pos:]); len(rest) > 0 {
		return nil, fmt.Errorf("invalid JSON Lines: more than one value on the line (column %d)", len(p.data)-len(rest)+1)
	}
	return v, nil
}

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

type parser struct {
	data []byte
	pos  int
	keys map[string]string // interned object keys
}

// keyCaches hold object keys seen before: records of one source repeat the
// same keys, and reusing their strings saves an allocation per key.
var keyCaches = sync.Pool{New: func() any { return make(map[string]string) }}

const (
	maxInternedKey  = 64
	maxInternedKeys = 4096
)

// key decodes an object key, reusing an earlier string with the same text.
func (p *parser) key() (string, error) {
	start := p.pos + 1
	end := start
	for end < len(p.data) && end-start <= maxInternedKey {
		c := p.data[end]
		if c == '"' {
			if k, ok := p.keys[string(p.data[start:end])]; ok { // no allocation
				p.pos = end + 1
				return k, nil
			}
			break
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		end++
	}
	k, err := p.string()
	if err == nil && len(k) <= maxInternedKey && len(p.keys) < maxInternedKeys {
		p.keys[k] = k
	}
	return k, err
}

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) errorf(format string, a ...any) error {
	return fmt.Errorf("invalid JSON at column %d: %s", p.pos+1, fmt.Sprintf(format, a...))
}

// invalidUTF8 reports the invalid UTF-8 byte at p.pos.
func (p *parser) invalidUTF8() error {
	return fmt.Errorf("invalid UTF-8 at byte offset %d (column %d): byte 0x%02x inside a string; the input must be UTF-8", p.pos, p.pos+1, p.data[p.pos])
}

func (p *parser) unexpected() error {
	if p.pos >= len(p.data) {
		return fmt.Errorf("invalid JSON: the line ends inside a value")
	}
	return p.errorf("unexpected %q", p.data[p.pos])
}

func (p *parser) value(depth int) (any, error) {
	if p.pos >= len(p.data) {
		return nil, p.unexpected()
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		return p.string()
	case c == '-' || '0' <= c && c <= '9':
		return p.number()
	case c == 't':
		return p.literal("true", true)
	case c == 'f':
		return p.literal("false", false)
	case c == 'n':
		return p.literal("null", nil)
	}
	return nil, p.unexpected()
}

func (p *parser) literal(word string, v any) (any, error) {
	for i := 0; i < len(word); i++ {
		if p.pos >= len(p.data) || p.data[p.pos] != word[i] {
			return nil, p.unexpected()
		}
		p.pos++
	}
	return v, nil
}

func (p *parser) object(depth int) (any, error) {
	if depth > maxDepth {
		return nil, p.errorf("nested too deeply")
	}
	p.pos++ // {
	m := make(map[string]any)
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return m, nil
	}
	for {
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.unexpected()
		}
		k, err := p.key()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.unexpected()
		}
		p.pos++
		p.skipSpace()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		m[k] = v
		if done, err := p.afterElement('}'); err != nil || done {
			return m, err
		}
	}
}

func (p *parser) array(depth int) (any, error) {
	if depth > maxDepth {
		return nil, p.errorf("nested too deeply")
	}
	p.pos++ // [
	a := []any{}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return a, nil
	}
	for {
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		if done, err := p.afterElement(']'); err != nil || done {
			return a, err
		}
	}
}

// afterElement reads what follows an element of an object or array: a
// comma (more elements follow) or the closing bracket (done).
func (p *parser) afterElement(closer byte) (done bool, err error) {
	p.skipSpace()
	if p.pos >= len(p.data) {
		return false, p.unexpected()
	}
	switch p.data[p.pos] {
	case ',':
		p.pos++
		p.skipSpace()
		return false, nil
	case closer:
		p.pos++
		return true, nil
	}
	return false, p.unexpected()
}

// number checks the JSON number grammar and keeps the literal text.
func (p *parser) number() (any, error) {
	start := p.pos
	d := p.data
	if p.pos < len(d) && d[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(d) && d[p.pos] == '0':
		p.pos++
	case p.pos < len(d) && '1' <= d[p.pos] && d[p.pos] <= '9':
		p.digits()
	default:
		return nil, p.unexpected()
	}
	if p.pos < len(d) && d[p.pos] == '.' {
		p.pos++
		if p.digits() == 0 {
			return nil, p.unexpected()
		}
	}
	if p.pos < len(d) && (d[p.pos] == 'e' || d[p.pos] == 'E') {
		p.pos++
		if p.pos < len(d) && (d[p.pos] == '+' || d[p.pos] == '-') {
			p.pos++
		}
		if p.digits() == 0 {
			return nil, p.unexpected()
		}
	}
	return json.Number(d[start:p.pos]), nil
}

func (p *parser) digits() int {
	n := 0
	for p.pos < len(p.data) && '0' <= p.data[p.pos] && p.data[p.pos] <= '9' {
		p.pos++
		n++
	}
	return n
}

// string decodes a string the way encoding/json does: escapes resolved,
// unpaired surrogate escapes (\ud800) replaced by U+FFFD. Unlike
// encoding/json, invalid UTF-8 is an error. Checking it costs nothing on
// the ASCII fast path: only bytes >= 0x80 are decoded as runes, as before.
func (p *parser) string() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	d := p.data
	// Fast path: plain ASCII without escapes.
	for p.pos < len(d) {
		c := d[p.pos]
		if c == '"' {
			s := string(d[start:p.pos])
			p.pos++
			return s, nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		p.pos++
	}
	buf := append(make([]byte, 0, p.pos-start+16), d[start:p.pos]...)
	for p.pos < len(d) {
		c := d[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(buf), nil
		case c < 0x20:
			return "", p.errorf("control character in string")
		case c == '\\':
			var err error
			if buf, err = p.escape(buf); err != nil {
				return "", err
			}
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			p.pos++
		default:
			r, size := utf8.DecodeRune(d[p.pos:])
			if r == utf8.RuneError && size == 1 { // not an encoded U+FFFD
				return "", p.invalidUTF8()
			}
			buf = append(buf, d[p.pos:p.pos+size]...)
			p.pos += size
		}
	}
	return "", p.unexpected()
}

// escape decodes one backslash escape at p.pos.
func (p *parser) escape(buf []byte) ([]byte, error) {
	d := p.data
	if p.pos+1 >= len(d) {
		p.pos++
		return nil, p.unexpected()
	}
	c := d[p.pos+1]
	p.pos += 2
	switch c {
	case '"', '\\', '/':
		return append(buf, c), nil
	case 'b':
		return append(buf, '\b'), nil
	case 'f':
		return append(buf, '\f'), nil
	case 'n':
		return append(buf, '\n'), nil
	case 'r':
		return append(buf, '\r'), nil
	case 't':
		return append(buf, '\t'), nil
	case 'u':
		r, ok := p.hex4(p.pos)
		if !ok {
			return nil, p.errorf("invalid \\u escape")
		}
		p.pos += 4
		if utf16.IsSurrogate(r) {
			// A valid pair is one rune; otherwise U+FFFD and the second
			// escape is decoded on its own.
			if p.pos+1 < len(d) && d[p.pos] == '\\' && d[p.pos+1] == 'u' {
				if r2, ok := p.hex4(p.pos + 2); ok {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						p.pos += 6
						return utf8.AppendRune(buf, dec), nil
					}
				}
			}
			r = utf8.RuneError
		}
		return utf8.AppendRune(buf, r), nil
	}
	p.pos--
	return nil, p.errorf("invalid escape \\%c", c)
}

func (p *parser) hex4(at int) (rune, bool) {
	if at+4 > len(p.data) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.data[at:at+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	return rune(n), true
}
