package source

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
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

// FuzzDecodeLine checks that the fast JSON Lines decoder agrees with
// encoding/json: the same values (numbers as json.Number, exact), and an
// error exactly where encoding/json reports one.
func FuzzDecodeLine(f *testing.F) {
	for _, s := range []string{
		`{"id":12345678901234567890,"price":19.990,"s":"é\u2028\ud83d\ude00","a":[1,-2.5e-3,true,null]}`,
		`{"a":1}{"b":2}`, `[1,2`, `"unterminated`, `{"a":01}`, `1e`, `{"a":"\x"}`, `nul`, ` 42 `, "\"bad \xff\"",
		`{"a":1,"a":2}`, `{"":{"":[]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		want, wantOK := stdDecodeLine(line)
		got, err := decodeLine(line)
		if wantOK != (err == nil) {
			t.Fatalf("decodeLine(%q) error = %v, encoding/json ok = %v", line, err, wantOK)
		}
		if wantOK && !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeLine(%q) = %#v, encoding/json gives %#v", line, got, want)
		}
	})
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
