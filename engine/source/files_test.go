package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/orosync/orosync/mappings"
)

func TestJSONFormats(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, file, data string
		records          string // jq selector, optional
		want             []string
		origins          []string
	}{
		{
			name: "array", file: "a.json", data: "[{\"id\":12345678901234567890,\"p\":19.990},\n {\"id\":2}]",
			want:    []string{`{"id":12345678901234567890,"p":19.990}`, `{"id":2}`},
			origins: []string{"a.json #1", "a.json #2"},
		},
		{name: "object", file: "o.json", data: "{\n  \"a\": {\"b\": [1, 2.50]}\n}\n", want: []string{`{"a":{"b":[1,2.50]}}`}},
		{name: "concatenated", file: "c.json", data: `{"a":1} [2,3] "x" {"b":null}`, want: []string{`{"a":1}`, `2`, `3`, `"x"`, `{"b":null}`}},
		{name: "empty array", file: "e.json", data: " [ ] ", want: nil},
		{name: "empty file", file: "z.json", data: "", want: nil},
		{
			name: "selector", file: "s.json", data: `{"items":[{"id":1},{"id":2}]} {"items":[{"id":3}]}`, records: ".items[]",
			want:    []string{`{"id":1}`, `{"id":2}`, `{"id":3}`},
			origins: []string{"s.json value #1 [1]", "s.json value #1 [2]", "s.json value #2"},
		},
		{name: "bom", file: "b.json", data: "\ufeff[1]", want: []string{"1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			writeFile(t, dir, tc.file, []byte(tc.data))
			src := &mappings.Source{File: txt(tc.file)}
			if tc.records != "" {
				src.Records = mustExpr(t, tc.records)
			}
			res := mustRead(t, src, Options{Dir: dir})
			if join(res.values) != join(tc.want) {
				t.Errorf("records = %s; want %s", join(res.values), join(tc.want))
			}
			if tc.origins != nil && join(res.origins) != join(tc.origins) {
				t.Errorf("origins = %s; want %s", join(res.origins), join(tc.origins))
			}
		})
	}
}

func TestJSONNumbersExact(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "n.jsonl", []byte(`{"big":12345678901234567890,"price":19.990}`+"\n"))
	r := openFile(t, &mappings.Source{File: txt("n.jsonl")}, Options{Dir: dir})
	defer r.Close()
	rec, err := r.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	v, err := rec.Decode()
	if err != nil {
		t.Fatal(err)
	}
	m := v.(map[string]any)
	for k, want := range map[string]string{"big": "12345678901234567890", "price": "19.990"} {
		n, ok := m[k].(json.Number)
		if !ok || n.String() != want {
			t.Errorf("%s = %#v; want json.Number %s", k, m[k], want)
		}
	}
}

func TestJSONSyntaxErrorPosition(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "bad.json", []byte("[\n  {\"a\": 1},\n  {\"a\": 2,,}\n]"))
	res, err := readAll(t, openFile(t, &mappings.Source{File: txt("bad.json")}, Options{Dir: dir}))
	if err == nil || !strings.Contains(err.Error(), "bad.json: line 3 col 11") {
		t.Fatalf("err = %v; want it to name bad.json: line 3 col 11", err)
	}
	if len(res.values) != 1 {
		t.Errorf("records before the error = %d; want 1", len(res.values))
	}
}

// endlessArray serves "[1,1,1,..." forever: reading must stream.
type endlessArray struct{ started bool }

func (e *endlessArray) Read(p []byte) (int, error) {
	n := 0
	if !e.started {
		p[0], e.started, n = '[', true, 1
	}
	for ; n+1 < len(p); n += 2 {
		p[n], p[n+1] = '1', ','
	}
	return n, nil
}

func TestJSONArrayStreams(t *testing.T) {
	r := openFile(t, &mappings.Source{File: txt("-"), Format: "json"}, Options{Stdin: &endlessArray{}})
	defer r.Close()
	for i := range 100000 {
		rec, err := r.Next(context.Background())
		if err != nil {
			t.Fatalf("record %d: %v", i+1, err)
		}
		if rec.Value != json.Number("1") {
			t.Fatalf("record %d = %v; want 1", i+1, rec.Value)
		}
	}
}

func TestJSONLinesBadLineContinues(t *testing.T) {
	dir := t.TempDir()
	data := "{\"a\":1}\n\n  \n{\"a\":2,}\n{\"a\":3} {\"a\":4}\r\n{\"a\":5}"
	writeFile(t, dir, "data/x.ndjson", []byte(data))
	res := mustRead(t, &mappings.Source{File: txt("data/x.ndjson")}, Options{Dir: dir})
	if got, want := join(res.values), `{"a":1} | {"a":5}`; got != want {
		t.Errorf("records = %s; want %s", got, want)
	}
	if got, want := join(res.origins), "data/x.ndjson:1 | data/x.ndjson:6"; got != want {
		t.Errorf("origins = %s; want %s", got, want)
	}
	if got, want := join(res.order), "ok | bad | bad | ok"; got != want {
		t.Fatalf("order = %s; want %s", got, want)
	}
	if e := res.bad[0]; e.Origin != "data/x.ndjson:4" || string(e.Raw) != `{"a":2,}` || !strings.Contains(e.Error(), "invalid JSON") {
		t.Errorf("bad[0] = %q raw %q; want data/x.ndjson:4 raw {\"a\":2,}", e.Error(), e.Raw)
	}
	if e := res.bad[1]; e.Origin != "data/x.ndjson:5" || !strings.Contains(e.Error(), "more than one value") {
		t.Errorf("bad[1] = %q; want data/x.ndjson:5: more than one value", e.Error())
	}
}

func TestJSONLinesLongLine(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("x", 200<<10)
	writeFile(t, dir, "l.jsonl", []byte(`{"s":"`+long+`"}`+"\n{\"s\":\"y\"}\n"))
	res := mustRead(t, &mappings.Source{File: txt("l.jsonl")}, Options{Dir: dir})
	if len(res.values) != 2 || len(res.values[0]) != len(long)+8 || res.origins[1] != "l.jsonl:2" {
		t.Errorf("got %d records, origins %v", len(res.values), res.origins)
	}
}

func TestCSV(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, data, delim string
		want, order       []string
		bad               string // origin of the first bad record
		fatal             string
	}{
		{
			name: "header and bom", data: "\ufeffid,name,note\n1,Acme,\n2,\"Beta, Inc\",x\n",
			want: []string{`{"id":"1","name":"Acme","note":""}`, `{"id":"2","name":"Beta, Inc","note":"x"}`},
		},
		{
			name: "ragged", data: "id,name\n1,a\n2\n3,c,extra\n4,d\n",
			want: []string{`{"id":"1","name":"a"}`, `{"id":"4","name":"d"}`}, order: []string{"ok", "bad", "bad", "ok"}, bad: "r.csv:3",
		},
		{name: "delimiter", data: "id;name\n1;a,b\n", delim: ";", want: []string{`{"id":"1","name":"a,b"}`}},
		{name: "tab", data: "id\tname\n1\ta\n", delim: "\t", want: []string{`{"id":"1","name":"a"}`}},
		{name: "duplicate header", data: "id,id\n1,2\n", fatal: `columns 1 and 2 are both named "id"`},
		{name: "empty header", data: "id,,x\n1,2,3\n", fatal: "column 2 has no name"},
		{name: "only header", data: "id,name\n", want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			writeFile(t, dir, "r.csv", []byte(tc.data))
			src := &mappings.Source{File: txt("r.csv")}
			if tc.delim != "" {
				src.CSV = &mappings.CSVOptions{Delimiter: tc.delim}
			}
			res, err := readAll(t, openFile(t, src, Options{Dir: dir}))
			if tc.fatal != "" {
				if err == nil || !strings.Contains(err.Error(), tc.fatal) || !strings.Contains(err.Error(), "r.csv") {
					t.Fatalf("err = %v; want it to name r.csv and say %q", err, tc.fatal)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if join(res.values) != join(tc.want) {
				t.Errorf("records = %s; want %s", join(res.values), join(tc.want))
			}
			if tc.order != nil && join(res.order) != join(tc.order) {
				t.Errorf("order = %s; want %s", join(res.order), join(tc.order))
			}
			if tc.bad != "" && (res.bad[0].Origin != tc.bad || string(res.bad[0].Raw) != "2") {
				t.Errorf("bad[0] = %v raw %q; want origin %s raw \"2\"", res.bad[0], res.bad[0].Raw, tc.bad)
			}
		})
	}
}

func TestGzip(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.jsonl.gz", gz(t, "{\"a\":1}\n{\"a\":2}\n"))
	writeFile(t, dir, "b.csv.gz", gz(t, "\ufeffa\n3\n"))
	writeFile(t, dir, "c.data", gz(t, `[{"a":4}]`)) // no extension: magic bytes, then sniffed
	for file, want := range map[string]string{
		"a.jsonl.gz": `{"a":1} | {"a":2}`, "b.csv.gz": `{"a":"3"}`, "c.data": `{"a":4}`,
	} {
		res := mustRead(t, &mappings.Source{File: txt(file)}, Options{Dir: dir})
		if join(res.values) != want {
			t.Errorf("%s: records = %s; want %s", file, join(res.values), want)
		}
	}
	writeFile(t, dir, "fake.json.gz", []byte("[1]"))
	_, err := readAll(t, openFile(t, &mappings.Source{File: txt("fake.json.gz")}, Options{Dir: dir}))
	if err == nil || !strings.Contains(err.Error(), "not gzip") {
		t.Errorf("err = %v; want a not gzip-compressed error", err)
	}
}

func TestDirAndGlob(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "in/b.jsonl", []byte("{\"f\":\"b\"}\n"))
	writeFile(t, dir, "in/a.json", []byte(`[{"f":"a"}]`))
	writeFile(t, dir, "in/c.csv.gz", gz(t, "f\nc\n"))
	writeFile(t, dir, "in/notes.txt", []byte("ignored"))
	writeFile(t, dir, "in/sub/d.json", []byte(`{"f":"d"}`))
	res := mustRead(t, &mappings.Source{File: txt("in")}, Options{Dir: dir})
	if got, want := join(res.values), `{"f":"a"} | {"f":"b"} | {"f":"c"}`; got != want {
		t.Errorf("dir records = %s; want %s", got, want)
	}
	if got, want := join(res.origins), "in/a.json #1 | in/b.jsonl:1 | in/c.csv.gz:2"; got != want {
		t.Errorf("dir origins = %s; want %s", got, want)
	}
	res = mustRead(t, &mappings.Source{File: txt("in/*.json*")}, Options{Dir: dir})
	if got, want := join(res.values), `{"f":"a"} | {"f":"b"}`; got != want {
		t.Errorf("glob records = %s; want %s", got, want)
	}
	for _, spec := range []string{"in/*.xml", "missing.json", "in/sub/none"} {
		_, err := Open(context.Background(), &mappings.Source{File: txt(spec)}, Options{Dir: dir})
		if err == nil || !strings.Contains(err.Error(), spec) {
			t.Errorf("Open(%s) err = %v; want an error naming it", spec, err)
		}
	}
	writeFile(t, dir, "empty/x.txt", nil)
	if _, err := Open(context.Background(), &mappings.Source{File: txt("empty")}, Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), "no .json") {
		t.Errorf("empty dir err = %v; want no .json... files", err)
	}
}

func TestStdinAndSniff(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"jsonl", "{\"a\":1}\n{\"a\":2}\n", `{"a":1} | {"a":2}`},
		{"pretty object", "{\n  \"a\": 1\n}\n", `{"a":1}`},
		{"array", "  [1, 2]", `1 | 2`},
	}
	for _, tc := range tests {
		res := mustRead(t, &mappings.Source{File: txt("-")}, Options{Stdin: strings.NewReader(tc.data)})
		if join(res.values) != tc.want {
			t.Errorf("%s: records = %s; want %s", tc.name, join(res.values), tc.want)
		}
	}
	res := mustRead(t, &mappings.Source{File: txt("-")}, Options{Stdin: strings.NewReader("{\"a\":1}\n")})
	if res.origins[0] != "<stdin>:1" {
		t.Errorf("origin = %s; want <stdin>:1", res.origins[0])
	}
	_, err := readAll(t, openFile(t, &mappings.Source{File: txt("-")}, Options{Stdin: strings.NewReader("id,name\n")}))
	if err == nil || !strings.Contains(err.Error(), "<stdin>") || !strings.Contains(err.Error(), "source.format") {
		t.Errorf("err = %v; want <stdin> and a hint to set source.format", err)
	}
	res = mustRead(t, &mappings.Source{File: txt("-"), Format: "csv"}, Options{Stdin: strings.NewReader("id,name\n1,a\n")})
	if join(res.values) != `{"id":"1","name":"a"}` {
		t.Errorf("csv stdin = %s", join(res.values))
	}
}

func TestFileLimitAndRecordsSelectorError(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 10 {
		fmt.Fprintf(&b, "{\"items\":[%d]}\n", i)
	}
	b.WriteString("{\"items\":5}\n")
	writeFile(t, dir, "x.jsonl", []byte(b.String()))
	res := mustRead(t, &mappings.Source{File: txt("x.jsonl"), Records: mustExpr(t, ".items[]")}, Options{Dir: dir, Limit: 3})
	if join(res.values) != "0 | 1 | 2" {
		t.Errorf("limited records = %s; want 0 | 1 | 2", join(res.values))
	}
	res = mustRead(t, &mappings.Source{File: txt("x.jsonl"), Records: mustExpr(t, ".items[]")}, Options{Dir: dir})
	if len(res.values) != 10 || len(res.bad) != 1 || res.bad[0].Origin != "x.jsonl:11" {
		t.Errorf("got %d records, bad %v; want 10 and one bad at x.jsonl:11", len(res.values), res.bad)
	}
}

func TestOpenErrors(t *testing.T) {
	for _, tc := range []struct {
		src  *mappings.Source
		want string
	}{
		{nil, "no source"},
		{&mappings.Source{}, "no source"},
		{&mappings.Source{File: txt("-")}, "standard input"},
	} {
		_, err := Open(context.Background(), tc.src, Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%+v) err = %v; want %q", tc.src, err, tc.want)
		}
	}
}

func TestClosedReader(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.jsonl", []byte("{}\n{}\n"))
	r := openFile(t, &mappings.Source{File: txt("a.jsonl")}, Options{Dir: dir})
	if _, err := r.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if _, err := r.Next(context.Background()); err == nil || errors.Is(err, io.EOF) {
		t.Errorf("Next after Close = %v; want a closed error", err)
	}
}

func TestJSONStdinSpacesAndErrorOffset(t *testing.T) {
	spaces := strings.Repeat(" ", 100<<10) // more than the read buffer
	data := "1" + spaces + "\n2" + spaces + "{,}"
	res, err := readAll(t, openFile(t, &mappings.Source{File: txt("-"), Format: "json"}, Options{Stdin: strings.NewReader(data)}))
	if join(res.values) != "1 | 2" {
		t.Errorf("records = %s; want 1 | 2", join(res.values))
	}
	// "near": the offset lies between the end of the last good value and
	// the bad one (encoding/json counts from where the value's leading
	// spaces start).
	var off int
	if err == nil || !strings.Contains(err.Error(), "<stdin>: near byte ") {
		t.Fatalf("err = %v; want <stdin>: near byte N", err)
	}
	fmt.Sscanf(err.Error()[strings.Index(err.Error(), "near byte "):], "near byte %d", &off)
	if lo, hi := strings.Index(data, "2")+1, strings.Index(data, "{"); off < lo || off > hi {
		t.Errorf("err = %v; want an offset between %d and %d", err, lo, hi)
	}
}

// TestJSONRecordsOutliveNext checks that a record's value does not share
// memory with the reader's buffers: records are compared only after all of
// them were read.
func TestJSONRecordsOutliveNext(t *testing.T) {
	data := `[{"k":"first","n":1.50}, "second", 33, {"k":"fourth"}] {"k":"fifth"}`
	r := openFile(t, &mappings.Source{File: txt("-"), Format: "json"}, Options{Stdin: strings.NewReader(data)})
	defer r.Close()
	var vals []any
	for {
		rec, err := r.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		vals = append(vals, rec.Value)
	}
	got, _ := json.Marshal(vals)
	if want := `[{"k":"first","n":1.50},"second",33,{"k":"fourth"},{"k":"fifth"}]`; string(got) != want {
		t.Errorf("records = %s; want %s", got, want)
	}
}
