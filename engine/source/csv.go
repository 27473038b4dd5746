package source

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/orosync/orosync/mappings"
)

// csvDelimiter returns the configured delimiter (default ','), which
// mappings has checked to be one character.
func csvDelimiter(o *mappings.CSVOptions) rune {
	if o == nil || o.Delimiter == "" {
		return ','
	}
	r, _ := utf8.DecodeRuneInString(o.Delimiter)
	return r
}

// csvReader reads CSV with a header row; each row becomes an object of
// strings keyed by the header names.
type csvReader struct {
	r       *csv.Reader
	name    string
	header  []string
	records *mappings.Expr
	pending pendingRecords
	err     error
}

// newCSVReader returns a reader over one CSV stream.
func newCSVReader(r io.Reader, name string, delim rune, records *mappings.Expr) *csvReader {
	cr := csv.NewReader(r)
	cr.Comma = delim
	cr.ReuseRecord = true
	return &csvReader{r: cr, name: name, records: records}
}

// Next returns the next row as a record.
func (c *csvReader) Next(ctx context.Context) (Record, error) {
	if c.header == nil && c.err == nil {
		c.err = c.readHeader()
	}
	if c.err != nil {
		return Record{}, c.err
	}
	for {
		if rec, ok := c.pending.next(); ok {
			return rec, nil
		}
		row, err := c.r.Read()
		if err == io.EOF {
			return Record{}, io.EOF
		}
		if err != nil {
			return Record{}, c.rowError(row, err)
		}
		line, _ := c.r.FieldPos(0)
		origin := c.name + ":" + strconv.Itoa(line)
		obj := make(map[string]any, len(c.header))
		for i, h := range c.header {
			obj[h] = row[i]
		}
		if c.records == nil {
			return Record{Value: obj, Origin: origin}, nil
		}
		if err := c.pending.fill(ctx, c.records, obj, origin); err != nil {
			return Record{}, err
		}
	}
}

// rowError turns a CSV error into a *RecordError (ragged rows, bad quotes)
// or a fatal error (I/O).
func (c *csvReader) rowError(row []string, err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("read %s: %w", c.name, err)
	}
	origin := c.name + ":" + strconv.Itoa(pe.StartLine)
	raw := joinCSV(row, c.r.Comma)
	if errors.Is(err, csv.ErrFieldCount) {
		return &RecordError{Origin: origin, Raw: raw, Err: fmt.Errorf("the row has %d cells, the header has %d", len(row), len(c.header))}
	}
	return &RecordError{Origin: origin, Raw: raw, Err: fmt.Errorf("bad CSV: line %d column %d: %v", pe.Line, pe.Column, pe.Err)}
}

// readHeader reads and checks the header row.
func (c *csvReader) readHeader() error {
	row, err := c.r.Read()
	if err == io.EOF {
		return io.EOF // an empty file has no records
	}
	if err != nil {
		return fmt.Errorf("read %s: header row: %w", c.name, err)
	}
	seen := make(map[string]int, len(row))
	for i, h := range row {
		if h == "" {
			return fmt.Errorf("read %s: header row: column %d has no name; every column needs a unique name", c.name, i+1)
		}
		if j, dup := seen[h]; dup {
			return fmt.Errorf("read %s: header row: columns %d and %d are both named %q; header names must be unique", c.name, j+1, i+1, h)
		}
		seen[h] = i
	}
	c.header = append([]string(nil), row...) // the reader reuses row
	return nil
}

// joinCSV re-encodes a row for dead letters.
func joinCSV(row []string, comma rune) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = comma
	w.Write(row)
	w.Flush()
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// Close does nothing: the file is closed by its owner.
func (c *csvReader) Close() error { return nil }
