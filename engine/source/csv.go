package source

import (
	"bufio"
	"bytes"
	"context"
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

// csvSettings are the CSV settings of a file source.
type csvSettings struct {
	delim    rune
	maxLines int // lines of one record at most
	maxBytes int // bytes of one record at most
}

// csvReader reads CSV with a header row; each row becomes an object of
// strings keyed by the header names. A csvSplitter cuts the input into
// records and encoding/csv parses one record at a time, so that a bad row
// (bad quotes, ragged, not UTF-8, too long) fails alone as a *RecordError
// and the rows after it are read.
type csvReader struct {
	split   *csvSplitter
	parser  *csvParser
	name    string
	header  []string
	records *mappings.Expr
	pending pendingRecords
	err     error
}

// newCSVReader returns a reader over one CSV stream.
func newCSVReader(br *bufio.Reader, name string, cfg csvSettings, records *mappings.Expr) *csvReader {
	return &csvReader{
		split:   newCSVSplitter(br, cfg.delim, cfg.maxLines, cfg.maxBytes),
		parser:  newCSVParser(cfg.delim),
		name:    name,
		records: records,
	}
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
		rec, err := c.split.next()
		if err == io.EOF {
			return Record{}, io.EOF
		}
		if err != nil {
			c.err = fmt.Errorf("read %s: line %d: %w", c.name, c.split.src.num+1, err)
			return Record{}, c.err
		}
		origin := c.name + ":" + strconv.Itoa(rec.line)
		obj, err := c.row(rec)
		if err != nil {
			return Record{}, &RecordError{Origin: origin, Raw: trimLineEnd(bytes.Clone(rec.text)), Err: err}
		}
		if c.records == nil {
			return Record{Value: obj, Origin: origin}, nil
		}
		if err := c.pending.fill(ctx, c.records, obj, origin); err != nil {
			return Record{}, err
		}
	}
}

// row turns one record into an object keyed by the header names.
func (c *csvReader) row(rec csvRecord) (map[string]any, error) {
	if rec.err != nil {
		return nil, rec.err
	}
	cells, err := c.parser.parse(rec)
	if err != nil {
		return nil, err
	}
	if len(cells) != len(c.header) {
		return nil, fmt.Errorf("the row has %d cells, the header has %d", len(cells), len(c.header))
	}
	if !utf8.Valid(rec.text) { // else every cell is valid too
		for i, cell := range cells {
			if off := invalidUTF8([]byte(cell)); off >= 0 {
				return nil, fmt.Errorf("column %d (%q) is not valid UTF-8: byte 0x%02x at byte offset %d of the cell; the file must be UTF-8", i+1, c.header[i], cell[off], off)
			}
		}
	}
	obj := make(map[string]any, len(c.header))
	for i, h := range c.header {
		obj[h] = cells[i]
	}
	return obj, nil
}

// readHeader reads and checks the header row.
func (c *csvReader) readHeader() error {
	rec, err := c.split.next()
	if err == io.EOF {
		return io.EOF // an empty file has no records
	}
	if err == nil {
		err = rec.err
	}
	var row []string
	if err == nil {
		row, err = c.parser.parse(rec)
	}
	if err != nil {
		return fmt.Errorf("read %s: header row: %w", c.name, err)
	}
	seen := make(map[string]int, len(row))
	for i, h := range row {
		if h == "" {
			return fmt.Errorf("read %s: header row: column %d has no name; every column needs a unique name", c.name, i+1)
		}
		if off := invalidUTF8([]byte(h)); off >= 0 {
			return fmt.Errorf("read %s: header row: the name of column %d is not valid UTF-8 (byte 0x%02x at byte offset %d); the file must be UTF-8", c.name, i+1, h[off], off)
		}
		if j, dup := seen[h]; dup {
			return fmt.Errorf("read %s: header row: columns %d and %d are both named %q; header names must be unique", c.name, j+1, i+1, h)
		}
		seen[h] = i
	}
	c.header = append([]string(nil), row...) // the parser reuses row
	return nil
}

// trimLineEnd drops the line break at the end of a record's text.
func trimLineEnd(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// Close does nothing: the file is closed by its owner.
func (c *csvReader) Close() error { return nil }
