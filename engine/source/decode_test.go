package source

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// stdDecodeLine is decodeLine with encoding/json, the reference.
func stdDecodeLine(line []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil, false
	}
	if len(bytes.TrimSpace(line[dec.InputOffset():])) > 0 {
		return nil, false
	}
	return v, true
}

// firstInvalidUTF8 returns the offset of the first byte of b that is not
// valid UTF-8, or -1.
func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// FuzzDecodeLine checks that the fast JSON Lines decoder agrees with
// encoding/json: the same values (numbers as json.Number, exact), and an
// error exactly where encoding/json reports one. The one deliberate
// difference: where encoding/json accepts a line that is not valid UTF-8
// (replacing the bad bytes with U+FFFD), decodeLine must reject it and name
// the offset of the first bad byte. Outside strings, JSON is ASCII, so such
// a line's bad bytes are all inside strings.
func FuzzDecodeLine(f *testing.F) {
	for _, s := range []string{
		`{"id":12345678901234567890,"price":19.990,"s":"é\u2028\ud83d\ude00","a":[1,-2.5e-3,true,null]}`,
		`{"a":1}{"b":2}`, `[1,2`, `"unterminated`, `{"a":01}`, `1e`, `{"a":"\x"}`, `nul`, ` 42 `, "\"bad \xff\"",
		`{"a":1,"a":2}`, `{"":{"":[]}}`, "{\"k\xc3\":\"\xef\xbf\xbd\"}", "[\"\xed\xa0\x80\"]", `"\ud800"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		want, wantOK := stdDecodeLine(line)
		bad := firstInvalidUTF8(line)
		got, err := decodeLine(line)
		if wantOK && bad >= 0 { // encoding/json replaced bytes: must be an error here
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("invalid UTF-8 at byte offset %d ", bad)) {
				t.Fatalf("decodeLine(%q) error = %v; want invalid UTF-8 at byte offset %d", line, err, bad)
			}
			return
		}
		if wantOK != (err == nil) {
			t.Fatalf("decodeLine(%q) error = %v, encoding/json ok = %v", line, err, wantOK)
		}
		if wantOK && !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeLine(%q) = %#v, encoding/json gives %#v", line, got, want)
		}
	})
}

func TestDecodeLineInvalidUTF8(t *testing.T) {
	tests := []struct {
		name, line string
		want       string // "" = no error
	}{
		{"bad byte in a value", "{\"a\":\"x\xffy\"}", "invalid UTF-8 at byte offset 7 (column 8): byte 0xff"},
		{"bad byte in a key", "{\"k\xc3\":1}", "invalid UTF-8 at byte offset 3 (column 4): byte 0xc3"},
		{"truncated sequence", "[\"\xe2\x82\"]", "invalid UTF-8 at byte offset 2 "},
		{"encoded surrogate", "\"\xed\xa0\x80\"", "invalid UTF-8 at byte offset 1 "},
		{"after escapes", `"\n\u00e9` + "\x80\"", "invalid UTF-8 at byte offset 9 "},
		{"a real U+FFFD", "\"\xef\xbf\xbd\"", ""},
		{"multi-byte text", `{"name":"Müller 東京 😀"}`, ""},
		{"escaped lone surrogate (valid text)", `"\ud800"`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeLine([]byte(tc.line))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("decodeLine(%q) = %v; want no error", tc.line, err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("decodeLine(%q) = %v; want %q", tc.line, err, tc.want)
			}
		})
	}
}

// benchLine is one record of the dry-run benchmark's input (bench/gen.go).
var benchLine = []byte(`{"id":12345,"company":"Company 12345 GmbH","email":"buyer12345@example.com","phone":"+49 30 0012345","vat":"DE000012345","status":"active","credit_limit":1234.50,"address":{"street":"Street 12345","city":"Berlin","zip":"12345","country":"DE"},"tags":["a","b"]}`)

// BenchmarkDecodeLine and BenchmarkDecodeLineStdlib justify parse.go: the
// dedicated parser must stay clearly faster than encoding/json, which
// decodes the same values (see FuzzDecodeLine).
func BenchmarkDecodeLine(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeLine(benchLine); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeLineStdlib(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := stdDecodeLine(benchLine); !ok {
			b.Fatal("encoding/json refused the benchmark line")
		}
	}
}

// benchLineUTF8 is benchLine with non-ASCII text in its strings, which
// takes the parser's rune-by-rune path (where invalid UTF-8 is caught).
var benchLineUTF8 = []byte(`{"id":12345,"company":"Müller & Söhne GmbH","email":"einkauf@müller.example","phone":"+49 30 0012345","vat":"DE000012345","status":"aktiv","credit_limit":1234.50,"address":{"street":"Hauptstraße 12","city":"Köln","zip":"50667","country":"DE"},"tags":["größe","€"]}`)

func BenchmarkDecodeLineUTF8(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeLine(benchLineUTF8); err != nil {
			b.Fatal(err)
		}
	}
}
