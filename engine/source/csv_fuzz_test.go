package source

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/orosync/orosync/mappings"
)

// fuzzDelims are the delimiters FuzzCSV tries (one of them is multi-byte).
var fuzzDelims = []string{",", ";", "\t", "§"}

// csvOutcome is one record or *RecordError of a CSV reader, with the lines
// it covers.
type csvOutcome struct {
	line, lines int
	cells       map[string]any // nil for a *RecordError
}

// readCSVOutcomes reads CSV from data and returns every outcome in order.
func readCSVOutcomes(t *testing.T, data []byte, delim string, opts Options) []csvOutcome {
	opts.Stdin = bytes.NewReader(data)
	src := &mappings.Source{File: txt("-"), Format: "csv", CSV: &mappings.CSVOptions{Delimiter: delim}}
	r, err := Open(context.Background(), src, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []csvOutcome
	for {
		rec, err := r.Next(context.Background())
		var re *RecordError
		switch {
		case err == io.EOF:
			return out
		case errors.As(err, &re):
			if strings.Contains(re.Error(), "please report") {
				t.Fatalf("internal error: %v", re)
			}
			out = append(out, csvOutcome{line: originLine(t, re.Origin), lines: 1 + bytes.Count(re.Raw, []byte("\n"))})
		case err != nil:
			t.Fatalf("fatal error: %v", err)
		default:
			m := rec.Value.(map[string]any)
			n := 1
			for _, v := range m {
				n += strings.Count(v.(string), "\n") // each line break inside quotes
			}
			out = append(out, csvOutcome{line: originLine(t, rec.Origin), lines: n, cells: m})
		}
	}
}

// originLine returns the line number of an origin "<stdin>:N".
func originLine(t *testing.T, origin string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(origin, "<stdin>:"))
	if err != nil {
		t.Fatalf("origin %q: no line number", origin)
	}
	return n
}

// FuzzCSV reads arbitrary bytes after a header row. The reader must never
// panic nor stop, and must lose no row: the records and *RecordErrors, in
// order, cover every physical line after the header that is not blank,
// each line exactly once. Where encoding/csv reads the whole input without
// error, the rows must be the same.
func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"1,a\n2,\"b\n3,c\n", "1,\"multi\r\nline\"\n\n2,b", "1,5\" x\n", "1,\"a\"b\n2,c\n", "1,\"a\"\"b\"\n",
		"\"1\",\"\n\n\n\n\n\n\"\n", "1,\xff\n", "1\n1,2,3\n", "\r\n1,a\r", "1,\"a\nb\"x\n2,c\n", "\"", "1,\"a\r\nb\"\r\n2,c\r\n",
	} {
		f.Add([]byte(s), uint8(0), false)
		f.Add([]byte(s), uint8(0), true)
	}
	f.Add([]byte("1§\"a§b\"\n2§\"c\n"), uint8(3), false)
	f.Fuzz(func(t *testing.T, body []byte, d uint8, small bool) {
		delim := fuzzDelims[int(d)%len(fuzzDelims)]
		data := append([]byte("a"+delim+"b\n"), body...)
		opts := Options{}
		if small {
			opts.CSVMaxRecordLines, opts.CSVMaxRecordBytes = 3, 24
		}
		got := readCSVOutcomes(t, data, delim, opts)
		checkCoverage(t, data, got)
		if !small && len(body) < 64<<10 {
			compareWithEncodingCSV(t, data, delim, got)
		}
	})
}

// checkCoverage checks that the outcomes cover every non-blank line after
// the header (line 1) once, in order.
func checkCoverage(t *testing.T, data []byte, got []csvOutcome) {
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	next := 2
	skipBlank := func(to int) {
		for ; next < to; next++ {
			if !isBlankLine(lines[next-1]) {
				t.Fatalf("line %d (%q) is not blank and no record covers it; outcomes %+v", next, lines[next-1], got)
			}
		}
	}
	for _, o := range got {
		if o.line < next {
			t.Fatalf("an outcome at line %d overlaps the one before (next line %d); outcomes %+v", o.line, next, got)
		}
		skipBlank(o.line)
		next = o.line + o.lines
		if next-1 > len(lines) {
			t.Fatalf("an outcome at line %d covers %d lines, past the end (%d lines)", o.line, o.lines, len(lines))
		}
	}
	skipBlank(len(lines) + 1)
}

// compareWithEncodingCSV checks that input encoding/csv reads without error,
// with two valid UTF-8 cells per row, gives the same rows and no error.
func compareWithEncodingCSV(t *testing.T, data []byte, delim string, got []csvOutcome) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma, _ = utf8.DecodeRuneInString(delim)
	r.FieldsPerRecord = 2
	rows, err := r.ReadAll()
	if err != nil || !utf8.Valid(data) || rows[0][0] != "a" || rows[0][1] != "b" {
		return
	}
	if len(got) != len(rows)-1 {
		t.Fatalf("%d outcomes; encoding/csv reads %d rows: %q", len(got), len(rows)-1, rows[1:])
	}
	for i, row := range rows[1:] {
		want := map[string]any{"a": row[0], "b": row[1]}
		if !reflect.DeepEqual(got[i].cells, want) {
			t.Fatalf("row %d = %v; encoding/csv reads %v", i+1, got[i].cells, want)
		}
	}
}
