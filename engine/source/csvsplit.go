package source

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"
)

// Default limits of one CSV record (Options.CSVMaxRecordLines and
// Options.CSVMaxRecordBytes).
const (
	DefaultCSVMaxRecordLines = 1000
	DefaultCSVMaxRecordBytes = 1 << 20
)

// csvRecord is one logical CSV record: the physical lines that belong
// together (a quoted field may hold line breaks).
type csvRecord struct {
	text []byte // the record's lines, line breaks included; valid until the next call
	line int    // number of its first line
	// err, when set, fails the record without parsing it: text is then its
	// first line only (or the first bytes of an over-long line), and the
	// lines after the first are read again as records of their own.
	err error
}

// csvSplitter cuts CSV input into logical records, so that a bad quote
// fails one record instead of swallowing the rest of the file. It follows
// encoding/csv's quoting rules (RFC 4180: a quote opens a quoted field only
// at the start of a field; inside, "" is a quote; the closing quote must be
// followed by the delimiter or the end of the line).
//
// A record ends at the first line break outside quotes. When a quoted field
// does not close properly, the record that started it fails at its first
// line and reading resumes with the next line; the lines read ahead are kept
// and read again. That happens when the field is still open at the end of
// the input, when the record reaches maxLines lines or maxBytes bytes, or
// when a closing quote on a later line is followed by something else than
// the delimiter, a quote or the end of the line. On the record's first line,
// such a problem is left to encoding/csv, which fails that line.
type csvSplitter struct {
	src      lineSource
	comma    []byte // the delimiter, UTF-8 encoded
	maxLines int
	maxBytes int
	buf      []byte
}

// newCSVSplitter returns a splitter over br.
func newCSVSplitter(br *bufio.Reader, comma rune, maxLines, maxBytes int) *csvSplitter {
	return &csvSplitter{src: lineSource{br: br}, comma: []byte(string(comma)), maxLines: maxLines, maxBytes: maxBytes}
}

// next returns the next record, skipping blank lines as encoding/csv does.
// It returns io.EOF at the end and any other error when the input cannot be
// read (fatal).
func (s *csvSplitter) next() (csvRecord, error) {
	for {
		text, complete, err := s.src.read(s.buf[:0], s.maxBytes)
		s.buf = text
		if err != nil {
			return csvRecord{}, err
		}
		rec := csvRecord{text: text, line: s.src.num}
		if !complete {
			if err := s.src.skipLine(); err != nil {
				return csvRecord{}, err
			}
			rec.err = fmt.Errorf("line %d is longer than %d bytes, the limit of one CSV record; it is skipped (the dead letter holds its first %d bytes)", rec.line, s.maxBytes, len(text))
			return rec, nil
		}
		if isBlankLine(text) {
			continue
		}
		return s.rest(rec)
	}
}

// rest reads the lines of rec after its first while a quoted field is
// open, and fails rec at its first line when that field does not close
// properly.
func (s *csvSplitter) rest(rec csvRecord) (csvRecord, error) {
	q := quoteScan{comma: s.comma}
	first := len(rec.text)
	state, lines := q.scan(rec.text, rec.line), 1
	var why string
	for state == quoteOpen && why == "" {
		if lines >= s.maxLines {
			why = fmt.Sprintf("is still open after %d lines, the limit of one CSV record", s.maxLines)
			break
		}
		start := len(rec.text)
		more, complete, err := s.src.read(rec.text, s.maxBytes-start)
		rec.text, s.buf = more, more
		switch {
		case err == io.EOF:
			why = "does not close before the end of the file"
		case err != nil:
			return csvRecord{}, err
		case !complete:
			why = fmt.Sprintf("is still open after %d bytes, the limit of one CSV record", s.maxBytes)
		default:
			lines++
			state = q.scan(more[start:], s.src.num)
		}
	}
	if state == quoteBroken && lines > 1 {
		why = fmt.Sprintf("is closed by the quote at line %d column %d, which is followed by %q instead of the delimiter or the end of the line (a quote inside a quoted field must be doubled)", q.badLine, q.badCol, q.bad)
	}
	if why == "" { // a whole record, or a problem on its first line that encoding/csv reports
		return rec, nil
	}
	s.src.handBack(rec.text[first:], rec.line)
	rec.text = rec.text[:first]
	rec.err = fmt.Errorf("the quoted field that starts at line %d column %d %s; the record fails at its first line and reading resumes at line %d", q.openLine, q.openCol, why, rec.line+1)
	return rec, nil
}

// isBlankLine reports whether encoding/csv skips line as empty.
func isBlankLine(line []byte) bool {
	return len(line) == 0 || isLineEnd(line)
}

// isLineEnd reports whether b is what may end a line: nothing (the end of
// the input), "\n", "\r\n", or "\r" at the end of the input (which
// encoding/csv drops).
func isLineEnd(b []byte) bool {
	switch string(b) {
	case "", "\n", "\r\n", "\r":
		return true
	}
	return false
}

// fieldQuote returns the offset of the first quote in line, from i on, that
// starts a field (a field starts at i), or -1. Other quotes are data here: a
// quote inside an unquoted field (a bare quote) does not open a quoted
// field, and encoding/csv fails its record. Searching for quotes rather than
// delimiters keeps lines without quotes to one IndexByte. Delimiters found
// this way are real: outside quoted fields every delimiter separates fields
// (two encodings of one rune cannot overlap).
func (q *quoteScan) fieldQuote(line []byte, i int) int {
	start := i
	for {
		j := bytes.IndexByte(line[i:], '"')
		if j < 0 {
			return -1
		}
		p := i + j
		if p == start || p-len(q.comma) >= start && bytes.Equal(line[p-len(q.comma):p], q.comma) {
			return p
		}
		i = p + 1
	}
}

// scanResult is where a line leaves a record.
type scanResult int

const (
	recordEnds  scanResult = iota // the line ends the record
	quoteOpen                     // a quoted field goes on on the next line
	quoteBroken                   // a closing quote is followed by something else than a delimiter, a quote or the line end
)

// quoteScan follows the quoted fields of one record, line by line.
type quoteScan struct {
	comma             []byte
	quoted            bool // inside a quoted field
	openLine, openCol int  // where the last quoted field started
	badLine, badCol   int  // the closing quote of a quoteBroken line
	bad               string
}

// scan reads one whole line of the record: its first, or the next one while
// a quoted field is open. Only the last line of the input lacks a line
// break. Columns are 1-based byte columns, as in encoding/csv.
func (q *quoteScan) scan(line []byte, num int) scanResult {
	for i := 0; ; {
		if !q.quoted { // a field starts at i
			p := q.fieldQuote(line, i)
			if p < 0 {
				return recordEnds
			}
			q.quoted, q.openLine, q.openCol = true, num, p+1
			i = p + 1
			continue
		}
		j := bytes.IndexByte(line[i:], '"')
		if j < 0 {
			return quoteOpen
		}
		i += j + 1
		rest := line[i:]
		switch {
		case len(rest) > 0 && rest[0] == '"': // "" is a quote
			i++
		case bytes.HasPrefix(rest, q.comma):
			q.quoted = false
			i += len(q.comma)
		case isLineEnd(rest):
			q.quoted = false
			return recordEnds
		default:
			_, size := utf8.DecodeRune(rest)
			q.badLine, q.badCol, q.bad = num, i, string(rest[:size])
			return quoteBroken
		}
	}
}
