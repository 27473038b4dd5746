package mappings

import (
	"bytes"
	"encoding/json"
	"math/big"
	"testing"
)

// stdJSON is what encoding/json writes with HTML escaping off.
func stdJSON(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n"))), err
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	for _, v := range []any{
		nil, true, false, "", "plain", "quote\" back\\ <html> & \n\r\t\b\f\x00\x1f", "\u2028\u2029 é 😀", "bad \xff utf8",
		json.Number("12345678901234567890"), json.Number("19.990"), json.Number("-1e-7"), 42, -7, 1.5, 1e21, 1e-7, 0.1,
		big.NewInt(0).Lsh(big.NewInt(1), 80),
		[]any{}, []any{nil, "a", json.Number("1")},
		map[string]any{}, map[string]any{"b": 1, "a": []any{map[string]any{"z": nil, "y": "x"}}, "é": true, "A": "upper"},
	} {
		want, err := stdJSON(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := AppendJSON(nil, v)
		if err != nil || string(got) != want {
			t.Errorf("AppendJSON(%#v) = %s, %v; want %s", v, got, err, want)
		}
	}
	if _, err := AppendJSON(nil, json.Number("1x")); err == nil {
		t.Error("AppendJSON(invalid number) succeeded")
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add(`{"a":[1,"x\u2028",null,true,{"b":19.990}],"\u00e9":"\ufffd"}`)
	f.Add(`"\b\f\u0000<>&"`)
	f.Fuzz(func(t *testing.T, in string) {
		dec := json.NewDecoder(bytes.NewReader([]byte(in)))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			return
		}
		want, err := stdJSON(v)
		if err != nil {
			return
		}
		got, err := AppendJSON(nil, v)
		if err != nil || string(got) != want {
			t.Errorf("AppendJSON(%q) = %s, %v; want %s", in, got, err, want)
		}
	})
}

func BenchmarkAppendJSON(b *testing.B) {
	doc := map[string]any{"data": map[string]any{"type": "customers", "attributes": map[string]any{
		"name": "Company 1 GmbH", "email": "buyer1@example.com", "phone": "+49 30 0000001", "vatId": "DE000000001",
		"city": "Berlin", "postalCode": "10001", "country": "DE", "creditLimit": json.Number("1.01"), "active": true, "externalId": "1"}}}
	var buf []byte
	for i := 0; i < b.N; i++ {
		buf, _ = AppendJSON(buf[:0], doc)
	}
}

// BenchmarkAppendJSONStdlib is BenchmarkAppendJSON with encoding/json (HTML
// escaping off, as AppendJSON): encode.go is kept only while it is clearly
// faster.
func BenchmarkAppendJSONStdlib(b *testing.B) {
	doc := map[string]any{"data": map[string]any{"type": "customers", "attributes": map[string]any{
		"name": "Company 1 GmbH", "email": "buyer1@example.com", "phone": "+49 30 0000001", "vatId": "DE000000001",
		"city": "Berlin", "postalCode": "10001", "country": "DE", "creditLimit": json.Number("1.01"), "active": true, "externalId": "1"}}}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := enc.Encode(doc); err != nil {
			b.Fatal(err)
		}
	}
}
