package source

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// csvParser parses one record at a time with encoding/csv: it is handed the
// record's text (cut by csvSplitter), so that whatever encoding/csv makes of
// it cannot reach into the next record.
type csvParser struct {
	feed recordFeed
	r    *csv.Reader
}

// newCSVParser returns a parser for the delimiter comma.
func newCSVParser(comma rune) *csvParser {
	p := &csvParser{}
	p.r = csv.NewReader(&p.feed)
	p.r.Comma = comma
	p.r.FieldsPerRecord = -1 // the reader compares with the header itself
	p.r.ReuseRecord = true   // cells are copied out before the next record
	return p
}

// parse returns the cells of rec. Errors name the file's line and column.
func (p *csvParser) parse(rec csvRecord) ([]string, error) {
	p.feed.b = rec.text
	start := p.r.InputOffset()
	cells, err := p.r.Read()
	if err == nil && p.r.InputOffset()-start == int64(len(rec.text)) {
		return cells, nil // the usual case: the whole text is one row
	}
	// Read up to the end of the text: after an error encoding/csv may have
	// left part of it unread, and the next record must start clean.
	for {
		_, more := p.r.Read()
		if more == io.EOF || more != nil && !isParseError(more) {
			break // an error that reads nothing ends the loop too
		}
		if err == nil { // csvSplitter and encoding/csv disagree
			err = errors.New("the record holds more than one CSV row (please report this)")
		}
	}
	if err == nil { // only blank lines were left
		return cells, nil
	}
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		return nil, errors.New("the record holds no CSV row (please report this)")
	case errors.As(err, &pe):
		line := rec.line + pe.Line - pe.StartLine // encoding/csv counts every line it was handed
		return nil, fmt.Errorf("bad CSV: line %d column %d: %v", line, pe.Column, pe.Err)
	}
	return nil, fmt.Errorf("bad CSV: %w", err)
}

// isParseError reports whether err is a *csv.ParseError.
func isParseError(err error) bool {
	var pe *csv.ParseError
	return errors.As(err, &pe)
}

// recordFeed serves the text of one record, then io.EOF.
type recordFeed struct{ b []byte }

// Read copies the rest of the record.
func (f *recordFeed) Read(p []byte) (int, error) {
	if len(f.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, f.b)
	f.b = f.b[n:]
	return n, nil
}
