package mappings

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// decodeJSON decodes one JSON value keeping numbers exact.
func decodeJSON(t testing.TB, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode JSON: %v", err)
	}
	return v
}

func TestApplyGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/apply/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) { checkGolden(t, dir) })
	}
}

func checkGolden(t *testing.T, dir string) {
	m, err := Load(filepath.Join(dir, "mapping.yaml"), nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	input, err := os.ReadFile(filepath.Join(dir, "input.json"))
	if err != nil {
		t.Fatal(err)
	}
	docs, err := m.Apply(context.Background(), decodeJSON(t, input))
	var got []byte
	wantFile := filepath.Join(dir, "want.json")
	if err != nil {
		var re *RecordError
		if !errors.As(err, &re) {
			t.Errorf("Apply error is %T, want *RecordError", err)
		}
		got, wantFile = []byte(err.Error()+"\n"), filepath.Join(dir, "want.err")
	} else {
		if docs == nil {
			docs = []Document{}
		}
		got, err = json.MarshalIndent(docs, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, '\n')
	}
	if *update {
		os.Remove(filepath.Join(dir, "want.json"))
		os.Remove(filepath.Join(dir, "want.err"))
		if err := os.WriteFile(wantFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(wantFile)
	if err != nil {
		t.Fatalf("Apply = %s\nmissing golden file (run go test -update): %v", got, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Apply (-want +got):\n-%s\n+%s", want, got)
	}
}

// mapEnv returns an environment lookup over m.
func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func mustParse(t testing.TB, src string) *Mapping {
	t.Helper()
	m, err := Parse("test.yaml", []byte(src), nil)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

const header = "version: 1\nname: t\nsource: {file: x.json}\ntarget: {type: customers, key: .code, write: upsert}\n"

func TestApplyTimeout(t *testing.T) {
	for _, prog := range []string{"def f: f; f", "[repeat(1)]", "last(range(1e18))"} {
		t.Run(prog, func(t *testing.T) {
			m := mustParse(t, header+"transform: '"+prog+"'\n")
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := m.Apply(ctx, map[string]any{})
			if elapsed := time.Since(start); elapsed > 2*time.Second {
				t.Errorf("Apply took %v after a 50ms deadline", elapsed)
			}
			if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Apply error = %v, want ErrTimeout and context.DeadlineExceeded", err)
			}
			if want := "transform exceeded the time limit"; !strings.Contains(err.Error(), want) {
				t.Errorf("Apply error = %q, want it to contain %q", err, want)
			}
		})
	}
}

func TestApplyConcurrent(t *testing.T) {
	m := mustParse(t, header+"transform: '{type: \"customers\", attributes: {n: .n}}'\n")
	done := make(chan error)
	for i := range 8 {
		go func() {
			docs, err := m.Apply(context.Background(), map[string]any{"n": json.Number("1")})
			if err == nil && (len(docs) != 1 || docs[0].Data["attributes"].(map[string]any)["n"] != json.Number("1")) {
				err = errors.New("wrong document")
			}
			_ = i
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func TestKey(t *testing.T) {
	m := mustParse(t, header+"transform: .\n")
	for _, tc := range []struct {
		record  any
		want    string
		wantErr string
	}{
		{map[string]any{"code": "C-1"}, "C-1", ""},
		{map[string]any{"code": json.Number("12345678901234567890")}, "12345678901234567890", ""},
		{map[string]any{"code": json.Number("19.990")}, "19.990", ""},
		{map[string]any{"code": 7}, "7", ""},
		{map[string]any{"code": 2.5}, "2.5", ""},
		{map[string]any{}, "", "key is empty"},
		{map[string]any{"code": ""}, "", "key is empty"},
		{map[string]any{"code": true}, "", "must be a string or a number"},
		{[]any{}, "", "target.key: jq: expected an object"},
	} {
		got, err := m.Key(context.Background(), tc.record)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Key(%v) error = %v, want it to contain %q", tc.record, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Key(%v) = %q, %v, want %q", tc.record, got, err, tc.want)
		}
	}
}

func TestKeySeveralValues(t *testing.T) {
	m := mustParse(t, "version: 1\nname: t\nsource: {file: x.json}\ntarget: {type: c, key: '.a[]', write: update}\ntransform: .\n")
	if _, err := m.Key(context.Background(), map[string]any{"a": []any{"1", "2"}}); err == nil || !strings.Contains(err.Error(), "2 values") {
		t.Errorf("Key error = %v, want several values error", err)
	}
}

func TestExprEvalFirst(t *testing.T) {
	e, err := NewExpr(".items[] | .id")
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]any{"items": []any{map[string]any{"id": "a"}, map[string]any{"id": "b"}}}
	got, err := e.Eval(context.Background(), in)
	if err != nil || len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("Eval = %v, %v, want [a b]", got, err)
	}
	v, ok, err := e.First(context.Background(), in)
	if err != nil || !ok || v != "a" {
		t.Errorf("First = %v, %v, %v, want a, true, nil", v, ok, err)
	}
	if _, ok, err := e.First(context.Background(), map[string]any{"items": []any{}}); ok || err != nil {
		t.Errorf("First(no items) = _, %v, %v, want false, nil", ok, err)
	}
	if _, err := e.Eval(context.Background(), "x"); err == nil || !strings.Contains(err.Error(), "jq: ") {
		t.Errorf("Eval(string) error = %v, want a jq error", err)
	}
	if _, err := NewExpr(".a | )"); err == nil {
		t.Error("NewExpr(bad) succeeded")
	}
}

func TestEnvIsDisabledInJQ(t *testing.T) {
	t.Setenv("OROSYNC_TEST_SECRET", "s3cret")
	e, err := NewExpr("[$ENV, env] | tojson")
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := e.First(context.Background(), nil)
	if err != nil || strings.Contains(v.(string), "s3cret") {
		t.Errorf("$ENV = %v, %v; want no environment", v, err)
	}
}

func TestHalt(t *testing.T) {
	m := mustParse(t, header+"transform: '{type: \"customers\"}, halt'\n")
	docs, err := m.Apply(context.Background(), nil)
	if err != nil || len(docs) != 1 {
		t.Errorf("Apply(halt) = %v, %v, want 1 document", docs, err)
	}
	m = mustParse(t, header+"transform: '\"bad record\" | halt_error'\n")
	if _, err := m.Apply(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "bad record") {
		t.Errorf("Apply(halt_error) error = %v, want it to carry the message", err)
	}
}

func TestDocumentJSON(t *testing.T) {
	in := `{"data":{"attributes":{"big":12345678901234567890,"price":19.990},"type":"products"},"included":[{"id":"n1","type":"productnames"}]}`
	var d Document
	if err := json.Unmarshal([]byte(in), &d); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(d)
	if err != nil || string(out) != in {
		t.Errorf("Marshal(Unmarshal(%s)) = %s, %v", in, out, err)
	}
	out, _ = json.Marshal(Document{Data: map[string]any{"type": "x"}})
	if string(out) != `{"data":{"type":"x"}}` {
		t.Errorf("Marshal without included = %s", out)
	}
	// Oro refuses empty attributes and relationships objects: they are dropped.
	if err := json.Unmarshal([]byte(`{"data":{"type":"x","attributes":{},"relationships":{}},"included":[{"type":"y","id":"1","relationships":{}}]}`), &d); err != nil {
		t.Fatal(err)
	}
	if out, _ = json.Marshal(d); string(out) != `{"data":{"type":"x"},"included":[{"id":"1","type":"y"}]}` {
		t.Errorf("empty attributes and relationships kept: %s", out)
	}
	for _, bad := range []string{`[]`, `{"data":[]}`, `{"data":{}}`, `{"data":{"type":"x"},"meta":{}}`, `{"data":{"type":"x"}} 1`, `{"data":{"type":"x"},"included":[1]}`} {
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("Unmarshal(%s) succeeded, want an error", bad)
		}
	}
}

func TestPlaceholdersResolve(t *testing.T) {
	m := mustParse(t, header+`transform: |
  {type: "customers",
   relationships: {
     group: {data: {type: "customergroups", id: lookup("customergroups"; {name: .g})}},
     parent: {data: {type: "customers", id: ref("customers"; .p)}}},
   }
`)
	docs, err := m.Apply(context.Background(), map[string]any{"g": "Retail", "p": json.Number("7")})
	if err != nil || len(docs) != 1 {
		t.Fatalf("Apply = %v, %v", docs, err)
	}
	ps := Placeholders(docs[0])
	if len(ps) != 2 || ps[0].Kind != KindLookup || ps[0].Type != "customergroups" || ps[0].Filter["name"] != "Retail" ||
		ps[1].Kind != KindRef || ps[1].Mapping != "customers" || ps[1].Key != "7" {
		t.Fatalf("Placeholders = %+v", ps)
	}
	resolved, err := docs[0].Resolve(func(p Placeholder) (any, error) {
		if p.Kind == KindRef {
			return nil, nil
		}
		return "42", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(resolved)
	want := `{"data":{"relationships":{"group":{"data":{"id":"42","type":"customergroups"}},"parent":{"data":{"id":null,"type":"customers"}}},"type":"customers"}}`
	if string(got) != want {
		t.Errorf("Resolve = %s, want %s", got, want)
	}
	if len(Placeholders(docs[0])) != 2 {
		t.Error("Resolve modified the original document")
	}
	_, err = docs[0].Resolve(func(Placeholder) (any, error) { return nil, errors.New("not found") })
	if err == nil || (!strings.Contains(err.Error(), `lookup("customergroups"; {"name":"Retail"}): not found`) &&
		!strings.Contains(err.Error(), `ref("customers"; "7"): not found`)) {
		t.Errorf("Resolve error = %v", err)
	}
}

func TestPlaceholderArgumentErrors(t *testing.T) {
	for _, prog := range []string{`lookup(1; {})`, `lookup("x"; {})`, `lookup("x"; "name")`, `ref("Bad Name"; 1)`, `ref("x"; null)`, `ref("x"; {})`} {
		m := mustParse(t, header+"transform: '"+prog+"'\n")
		if _, err := m.Apply(context.Background(), nil); err == nil {
			t.Errorf("Apply(%s) succeeded, want an argument error", prog)
		}
	}
}

func TestRunTest(t *testing.T) {
	m, err := Load("testdata/valid/customers.yaml", mapEnv(map[string]string{"ERP_TOKEN": "t"}))
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Tests {
		if r := m.RunTest(context.Background(), i); !r.Passed() {
			t.Errorf("RunTest(%d): %v", i, r.Failure)
		}
	}
	m.Tests[0].Input = Value{V: map[string]any{"active": true, "company": "Other", "group": "Retail"}}
	r := m.RunTest(context.Background(), 0)
	if r.Passed() || !strings.Contains(r.Failure.Error(), "differ") || !strings.Contains(r.Got, `"Other"`) || strings.Contains(r.Want, `"Other"`) {
		t.Errorf("RunTest(mismatch) = %+v, want a difference showing both documents", r)
	}
	if !jsonEqual(json.Number("1.0"), json.Number("1")) || jsonEqual(json.Number("12345678901234567890"), json.Number("12345678901234567891")) {
		t.Error("jsonEqual compares numbers wrongly")
	}
}

// BenchmarkApply measures a 10-field customer mapping.
func BenchmarkApply(b *testing.B) {
	m := mustParse(b, header+`transform: |
  select(.active) | {
    type: "customers",
    attributes: {
      name: .company, email: (.email | ascii_downcase), phone: .phone, vatId: .vat,
      street: .address.street, city: .address.city, postalCode: .address.zip,
      country: .address.country, creditLimit: (.credit | tostring), note: "imported"
    }
  }
`)
	record := decodeJSON(b, []byte(`{"code":"C-1","active":true,"company":"Acme GmbH","email":"Info@Acme.test",
		"phone":"+49 30 1234","vat":"DE123","credit":1500.50,
		"address":{"street":"Main 1","city":"Berlin","zip":"10115","country":"DE"}}`))
	ctx, cancel := context.WithCancel(context.Background()) // as in a run
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		docs, err := m.Apply(ctx, record)
		if err != nil || len(docs) != 1 {
			b.Fatal(docs, err)
		}
	}
}

func TestSimplePathMatchesJQ(t *testing.T) {
	inputs := []any{
		map[string]any{"id": json.Number("7"), "a": map[string]any{"b": "x"}},
		map[string]any{"a": nil},
		map[string]any{"a": "string"},
		nil, "top", []any{1},
	}
	for _, src := range []string{".id", ".a.b", ".a", ".missing.deep"} {
		fast, err := NewExpr(src)
		if err != nil || fast.path == nil {
			t.Fatalf("NewExpr(%q): path %v, err %v", src, fast.path, err)
		}
		slow, _ := NewExpr(src + " | .") // not a simple path: runs jq
		if slow.path != nil {
			t.Fatalf("%q taken as a simple path", src+" | .")
		}
		for _, in := range inputs {
			got, gotErr := fast.Eval(context.Background(), in)
			want, wantErr := slow.Eval(context.Background(), in)
			if (gotErr == nil) != (wantErr == nil) || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s on %v = %v, %v; jq gives %v, %v", src, in, got, gotErr, want, wantErr)
			}
		}
	}
	for _, src := range []string{".", ".a[0]", ".a | .b", ".[\"a\"]", ".a.1", "..", ".a?"} {
		if e, err := NewExpr(src); err == nil && e.path != nil {
			t.Errorf("%q taken as a simple path", src)
		}
	}
}

func TestTooManyDocumentsFailTheRecord(t *testing.T) {
	m := mustParse(t, "version: 1\nname: t\nsource: {file: x.json}\ntarget: {type: customers, max_documents: 3}\ntransform: 'range(.n) | {type: \"customers\", attributes: {n: .}}'\n")
	if docs, err := m.Apply(context.Background(), map[string]any{"n": json.Number("3")}); err != nil || len(docs) != 3 {
		t.Fatalf("Apply(3 outputs) = %d docs, %v; want 3", len(docs), err)
	}
	_, err := m.Apply(context.Background(), map[string]any{"n": json.Number("1000000000")})
	if err == nil || !strings.Contains(err.Error(), "more than 3 documents for one record (target.max_documents)") {
		t.Errorf("Apply(too many) = %v; want the max_documents error", err)
	}
	d := mustParse(t, header+"transform: '.'\n")
	if d.Target.MaxDocuments != DefaultMaxDocuments {
		t.Errorf("default max_documents = %d, want %d", d.Target.MaxDocuments, DefaultMaxDocuments)
	}
}

func TestRelationshipPoliciesAndCreateOnly(t *testing.T) {
	const block = "version: 1\nname: t\nsource: {file: x.json}\ntarget:\n  type: customers\n  key: .code\n  write: upsert\n"
	m := mustParse(t, block+`  relationships:
    names: {policy: replace}
    userRoles: {}
  create_only: [attributes.password, relationships.priceList]
transform: '.'
`)
	if m.Target.Relationships["names"].Policy != PolicyReplace || m.Target.Relationships["userRoles"].Policy != PolicyMerge {
		t.Errorf("policies = %+v %+v", m.Target.Relationships["names"], m.Target.Relationships["userRoles"])
	}
	errs := parseErrors(t, block+`  relationships: {names: {policy: keep}}
  create_only: [password, attributes.password, attributes.password]
  max_documents: -1
transform: '.'
`, nil)
	got := errs.Error()
	for _, want := range []string{
		`target.relationships.names.policy: "keep" is not one of merge, replace`,
		`target.create_only[0]: "password" is not a field path: write attributes.NAME or relationships.NAME`,
		`target.create_only[2]: "attributes.password" is listed twice`,
		"target.max_documents: must be a positive number",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q:\n%s", want, got)
		}
	}
}
