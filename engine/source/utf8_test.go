package source

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/orosync/orosync/mappings"
)

// TestInvalidUTF8 checks that a record holding bytes that are not UTF-8
// fails alone (a *RecordError with its origin, its raw bytes and the
// offset of the bad byte) and that reading goes on: nothing is replaced by
// U+FFFD on the way in.
func TestInvalidUTF8(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, file string
		data       []byte
		records    string   // jq selector, optional
		delim      string   // CSV delimiter, optional
		want       []string // good records
		order      []string
		origin     string // of the bad record
		raw        string
		errText    string
	}{
		{
			name: "json lines", file: "a.jsonl", data: []byte("{\"a\":\"é\"}\n{\"a\":\"\xe9\"}\n{\"a\":3}\n"),
			want: []string{`{"a":"é"}`, `{"a":3}`}, order: []string{"ok", "bad", "ok"},
			origin: "a.jsonl:2", raw: "{\"a\":\"\xe9\"}", errText: "invalid UTF-8 at byte offset 6 (column 7): byte 0xe9",
		},
		{
			name: "json lines with a selector", file: "s.jsonl", data: []byte("{\"i\":[1]}\n{\"i\":[\"\xff\"]}\n{\"i\":[3]}\n"), records: ".i[]",
			want: []string{`1`, `3`}, order: []string{"ok", "bad", "ok"},
			origin: "s.jsonl:2", raw: "{\"i\":[\"\xff\"]}", errText: "byte 0xff",
		},
		{
			name: "gzip json lines", file: "g.jsonl.gz", data: gz(t, "{\"a\":1}\n{\"b\xc3\":2}\n"),
			want: []string{`{"a":1}`}, order: []string{"ok", "bad"},
			origin: "g.jsonl.gz:2", raw: "{\"b\xc3\":2}", errText: "invalid UTF-8 at byte offset 3 ",
		},
		{
			name: "json array element", file: "a.json", data: []byte("[{\"a\":1},\n {\"a\":\"x\xffy\"},\n {\"a\":3}]"),
			want: []string{`{"a":1}`, `{"a":3}`}, order: []string{"ok", "bad", "ok"},
			origin: "a.json #2", raw: "{\"a\":\"x\xffy\"}", errText: "a.json #2: invalid UTF-8 at byte offset 7 (column 8): byte 0xff",
		},
		{
			name: "json documents", file: "d.json", data: []byte("{\n \"k\xe9y\": 1\n}\n\"\xc3\" [2]"),
			want: []string{`2`}, order: []string{"bad", "bad", "ok"},
			origin: "d.json #1", raw: "{\n \"k\xe9y\": 1\n}", errText: "invalid UTF-8 at byte offset 5 ",
		},
		{
			name: "json with a selector", file: "v.json", data: []byte(`{"items":[1,2]} {"items":["` + "\xfe" + `",4]} {"items":[5]}`), records: ".items[]",
			want: []string{`1`, `2`, `5`}, order: []string{"ok", "ok", "bad", "ok"},
			origin: "v.json value #2", raw: "{\"items\":[\"\xfe\",4]}", errText: "byte 0xfe",
		},
		{
			name: "gzip json array", file: "g.json.gz", data: gz(t, "[\"ok\", \"\xe2\x82\", \"€\"]"),
			want: []string{`"ok"`, `"€"`}, order: []string{"ok", "bad", "ok"},
			origin: "g.json.gz #2", raw: "\"\xe2\x82\"", errText: "invalid UTF-8 at byte offset 1 ",
		},
		{
			name: "csv cell", file: "c.csv", data: []byte("id,name\n1,M\xc3\xbcller\n2,\"M\xfcller\nGmbH\"\n3,c\n"),
			want: []string{`{"id":"1","name":"Müller"}`, `{"id":"3","name":"c"}`}, order: []string{"ok", "bad", "ok"},
			origin: "c.csv:3", raw: "2,\"M\xfcller\nGmbH\"", errText: `c.csv:3: column 2 ("name") is not valid UTF-8: byte 0xfc at byte offset 1 of the cell`,
		},
		{
			name: "gzip csv", file: "g.csv.gz", delim: ";", data: gz(t, "id;name\n\xff1;a\n2;b\n"),
			want: []string{`{"id":"2","name":"b"}`}, order: []string{"bad", "ok"},
			origin: "g.csv.gz:2", raw: "\xff1;a", errText: `column 1 ("id") is not valid UTF-8: byte 0xff at byte offset 0`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			writeFile(t, dir, tc.file, tc.data)
			src := &mappings.Source{File: txt(tc.file)}
			if tc.delim != "" {
				src.CSV = &mappings.CSVOptions{Delimiter: tc.delim}
			}
			if tc.records != "" {
				src.Records = mustExpr(t, tc.records)
			}
			res := mustRead(t, src, Options{Dir: dir})
			if join(res.values) != join(tc.want) {
				t.Errorf("records = %s; want %s", join(res.values), join(tc.want))
			}
			if join(res.order) != join(tc.order) {
				t.Fatalf("order = %s; want %s", join(res.order), join(tc.order))
			}
			e := res.bad[0]
			if e.Origin != tc.origin || string(e.Raw) != tc.raw || !strings.Contains(e.Error(), tc.errText) {
				t.Errorf("bad record = %q, raw %q; want origin %s, raw %q, error with %q", e.Error(), e.Raw, tc.origin, tc.raw, tc.errText)
			}
		})
	}
}

// TestRecordDecodeError checks the lazy path of JSON Lines: Next hands out
// the raw line and Decode, on a worker goroutine, reports the bad record
// with its origin and raw bytes.
func TestRecordDecodeError(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "l.jsonl", []byte("{\"a\":1}\n\n{\"a\":\"b\x80\"}\n"))
	r := openFile(t, &mappings.Source{File: txt("l.jsonl")}, Options{Dir: dir})
	defer r.Close()
	var recs []Record
	for {
		rec, err := r.Next(context.Background())
		if err != nil {
			break
		}
		recs = append(recs, rec)
	}
	if len(recs) != 2 || recs[1].Raw == nil {
		t.Fatalf("got %d records (%v); want 2, the second undecoded", len(recs), recs)
	}
	done := make(chan error)
	go func() { _, err := recs[1].Decode(); done <- err }()
	err := <-done
	var re *RecordError
	if !errors.As(err, &re) {
		t.Fatalf("Decode() = %v; want a *RecordError", err)
	}
	if re.Origin != "l.jsonl:3" || string(re.Raw) != "{\"a\":\"b\x80\"}" || !strings.Contains(re.Error(), "l.jsonl:3: invalid UTF-8 at byte offset 7") {
		t.Errorf("Decode() = %q raw %q; want l.jsonl:3, the raw line and the offset", re.Error(), re.Raw)
	}
}
