package source

import (
	"fmt"
	"strings"
	"testing"

	"github.com/orosync/orosync/mappings"
)

// badRow is what a test expects of one *RecordError.
type badRow struct {
	origin, raw, err string
}

// TestCSVBadQuotes checks that a quote problem fails one record and that the
// rows after it are read: every row ends as a record or a *RecordError.
func TestCSVBadQuotes(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		data     string
		maxLines int
		maxBytes int
		want     []string // records, as JSON
		origins  []string
		bad      []badRow
	}{
		{
			name:    "unterminated quote in the middle",
			data:    "id,name\n1,a\n2,\"oops\n3,c\n4,d\n",
			want:    []string{`{"id":"1","name":"a"}`, `{"id":"3","name":"c"}`, `{"id":"4","name":"d"}`},
			origins: []string{"r.csv:2", "r.csv:4", "r.csv:5"},
			bad: []badRow{{"r.csv:3", `2,"oops`,
				"r.csv:3: the quoted field that starts at line 3 column 3 does not close before the end of the file; the record fails at its first line and reading resumes at line 4"}},
		},
		{
			name:    "unterminated quote closed by a later quote",
			data:    "id,name\n1,a\n2,\"oops\n3,\"c\"\n4,d\n",
			want:    []string{`{"id":"1","name":"a"}`, `{"id":"3","name":"c"}`, `{"id":"4","name":"d"}`},
			origins: []string{"r.csv:2", "r.csv:4", "r.csv:5"},
			bad: []badRow{{"r.csv:3", `2,"oops`,
				`starts at line 3 column 3 is closed by the quote at line 4 column 3, which is followed by "c" instead of the delimiter or the end of the line`}},
		},
		{
			name: "two unterminated quotes",
			data: "id,name\n1,\"a\n2,b\n3,\"c\n4,d\n",
			want: []string{`{"id":"2","name":"b"}`, `{"id":"4","name":"d"}`},
			bad:  []badRow{{"r.csv:2", `1,"a`, "line 2 column 3 "}, {"r.csv:4", `3,"c`, "line 4 column 3 does not close"}},
		},
		{
			name: "unterminated quote at the end of the file",
			data: "id,name\n1,a\n2,\"oops",
			want: []string{`{"id":"1","name":"a"}`},
			bad:  []badRow{{"r.csv:3", `2,"oops`, "does not close before the end of the file"}},
		},
		{
			name: "unterminated quote on the last line",
			data: "id,name\n1,a\n2,\"oops\r\n",
			want: []string{`{"id":"1","name":"a"}`},
			bad:  []badRow{{"r.csv:3", `2,"oops`, "does not close before the end of the file"}},
		},
		{
			name:    "quoted field spanning lines",
			data:    "id,note\n1,\"multi\nline, with \"\"quotes\"\"\r\n\nand crlf\"\n2,b\n\n3,\"\"\n",
			want:    []string{`{"id":"1","note":"multi\nline, with \"quotes\"\n\nand crlf"}`, `{"id":"2","note":"b"}`, `{"id":"3","note":""}`},
			origins: []string{"r.csv:2", "r.csv:6", "r.csv:8"},
		},
		{
			name: "bare quote",
			data: "id,name\n1,5\" screen\n2,b\n",
			want: []string{`{"id":"2","name":"b"}`},
			bad:  []badRow{{"r.csv:2", `1,5" screen`, `r.csv:2: bad CSV: line 2 column 4: bare " in non-quoted-field`}},
		},
		{
			name: "bare quote before a quoted field spanning lines",
			data: "id,a,b\n1,5\" x,\"two\nlines\"\n2,b,c\n",
			want: []string{`{"a":"b","b":"c","id":"2"}`},
			bad:  []badRow{{"r.csv:2", "1,5\" x,\"two\nlines\"", "bare \""}},
		},
		{
			name: "text after a closing quote",
			data: "id,name\n1,\"a\"b\n2,c\n",
			want: []string{`{"id":"2","name":"c"}`},
			bad:  []badRow{{"r.csv:2", `1,"a"b`, `bad CSV: line 2 column 5: extraneous or missing " in quoted-field`}},
		},
		{
			name: "ragged row spanning lines",
			data: "id,name\n1,\"a\nb\",extra\n2,c\n",
			want: []string{`{"id":"2","name":"c"}`},
			bad:  []badRow{{"r.csv:2", "1,\"a\nb\",extra", "the row has 3 cells, the header has 2"}},
		},
		{
			name: "line limit", maxLines: 3,
			data: "id,note\n1,\"a\nb\nc\"\n2,\"a\nb\nc\nd\n3,x\n",
			want: []string{`{"id":"1","note":"a\nb\nc"}`, `{"id":"3","note":"x"}`},
			bad: []badRow{
				{"r.csv:5", `2,"a`, "starts at line 5 column 3 is still open after 3 lines, the limit of one CSV record; the record fails at its first line and reading resumes at line 6"},
				{"r.csv:6", "b", "the row has 1 cells"}, {"r.csv:7", "c", "1 cells"}, {"r.csv:8", "d", "1 cells"},
			},
		},
		{
			name: "byte limit", maxBytes: 16,
			data: "id,note\n1,\"0123\n4567\"\n2,\"0123456\n89abcdef\n3,0123456789abcdefghij\n4,x\n",
			want: []string{`{"id":"1","note":"0123\n4567"}`, `{"id":"4","note":"x"}`},
			bad: []badRow{
				{"r.csv:4", `2,"0123456`, "is still open after 16 bytes"},
				{"r.csv:5", "89abcdef", "1 cells"},
				{"r.csv:6", "3,0123456789abcd", "line 6 is longer than 16 bytes, the limit of one CSV record; it is skipped"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			writeFile(t, dir, "r.csv", []byte(tc.data))
			opts := Options{Dir: dir, CSVMaxRecordLines: tc.maxLines, CSVMaxRecordBytes: tc.maxBytes}
			res := mustRead(t, &mappings.Source{File: txt("r.csv")}, opts)
			if join(res.values) != join(tc.want) {
				t.Errorf("records = %s; want %s", join(res.values), join(tc.want))
			}
			if tc.origins != nil && join(res.origins) != join(tc.origins) {
				t.Errorf("origins = %s; want %s", join(res.origins), join(tc.origins))
			}
			if len(res.bad) != len(tc.bad) {
				t.Fatalf("bad rows = %v; want %d", res.bad, len(tc.bad))
			}
			for i, want := range tc.bad {
				got := res.bad[i]
				if got.Origin != want.origin || string(got.Raw) != want.raw || !strings.Contains(got.Error(), want.err) {
					t.Errorf("bad[%d] = %q, raw %q; want origin %s, raw %q, error with %q", i, got.Error(), got.Raw, want.origin, want.raw, want.err)
				}
			}
		})
	}
}

// TestCSVCountsAddUp reads a long file with an unterminated quote near its
// start, gzip-compressed and from standard input: every row after the
// header ends as a record or a *RecordError, in order.
func TestCSVCountsAddUp(t *testing.T) {
	const rows = 5000
	var b strings.Builder
	b.WriteString("id,name\n")
	for i := 1; i <= rows; i++ {
		if i == 10 {
			fmt.Fprintf(&b, "%d,\"unterminated\n", i)
			continue
		}
		fmt.Fprintf(&b, "%d,\"name %d, Inc\"\n", i, i)
	}
	dir := t.TempDir()
	writeFile(t, dir, "big.csv.gz", gz(t, b.String()))
	for name, src := range map[string]*mappings.Source{
		"gzip file": {File: txt("big.csv.gz")},
		"stdin":     {File: txt("-"), Format: "csv"},
	} {
		t.Run(name, func(t *testing.T) {
			res := mustRead(t, src, Options{Dir: dir, Stdin: strings.NewReader(b.String())})
			if len(res.values)+len(res.bad) != rows || len(res.bad) != 1 {
				t.Fatalf("read %d records and %d bad ones; want %d in all, 1 bad", len(res.values), len(res.bad), rows)
			}
			if !strings.HasSuffix(res.bad[0].Origin, ":11") {
				t.Errorf("bad origin = %s; want line 11", res.bad[0].Origin)
			}
			if res.origins[9] != res.origins[0][:len(res.origins[0])-2]+":12" {
				t.Errorf("origin after the bad row = %s; want line 12", res.origins[9])
			}
		})
	}
}

func TestCSVHeaderErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, data, want string }{
		{"unterminated quote", "id,\"name\n1,a\n", "header row: the quoted field that starts at line 1 column 4 does not close"},
		{"not UTF-8", "id,n\xe4me\n1,a\n", "header row: the name of column 2 is not valid UTF-8 (byte 0xe4 at byte offset 1)"},
		{"bare quote", "id,na\"me\n1,a\n", `header row: bad CSV: line 1 column 6: bare "`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writeFile(t, dir, "h.csv", []byte(tc.data))
			_, err := readAll(t, openFile(t, &mappings.Source{File: txt("h.csv")}, Options{Dir: dir}))
			if err == nil || !strings.Contains(err.Error(), "read h.csv: "+tc.want) {
				t.Errorf("err = %v; want %q", err, tc.want)
			}
		})
	}
}
