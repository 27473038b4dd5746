package source

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/orosync/orosync/mappings"
)

// jsonReader streams a JSON file: the elements of top-level arrays one by
// one, other top-level values whole; several top-level values may follow
// each other. With a records selector every top-level value is decoded whole
// and the selector's outputs are the records.
//
// encoding/json finds the values and reports syntax errors (fatal: a broken
// file cannot be read past them); each value is taken as raw bytes and
// decoded by parseJSON, which rejects invalid UTF-8 where encoding/json
// would replace it with U+FFFD. A value that is not UTF-8 fails that record
// only (a *RecordError with the value's bytes) and reading goes on.
type jsonReader struct {
	in      *bufio.Reader // what dec reads from
	dec     *json.Decoder
	file    fileEntry
	records *mappings.Expr
	inArray bool
	pending pendingRecords
	raw     json.RawMessage // the current value's bytes, reused
	n       int             // records (or top-level values, with a selector) so far
	skipped int64           // spaces read from in behind dec's back (see peek)
}

// newJSONReader returns a reader over one JSON file.
func newJSONReader(in *bufio.Reader, f fileEntry, records *mappings.Expr) *jsonReader {
	dec := json.NewDecoder(in)
	dec.UseNumber()
	return &jsonReader{in: in, dec: dec, file: f, records: records}
}

// Next returns the next record.
func (j *jsonReader) Next(ctx context.Context) (Record, error) {
	for {
		rec, err := j.step(ctx)
		if err != errNextValue {
			return rec, err
		}
	}
}

// step returns the next record or errNextValue when an array ended.
func (j *jsonReader) step(ctx context.Context) (Record, error) {
	if rec, ok := j.pending.next(); ok {
		return rec, nil
	}
	if j.inArray {
		return j.nextElement()
	}
	if j.records != nil {
		return j.nextSelected(ctx)
	}
	c, err := j.peek()
	if err != nil {
		return Record{}, j.syntax(err)
	}
	if c == '[' {
		if _, err := j.dec.Token(); err != nil {
			return Record{}, j.syntax(err)
		}
		j.inArray = true
		return j.nextElement()
	}
	raw, err := j.rawValue()
	if err != nil {
		return Record{}, err
	}
	return j.record(raw)
}

// peek returns the first byte of the next top-level value without
// consuming it, or io.EOF when only spaces are left. It looks at what dec
// has buffered, then at in; spaces in front of the value may be consumed
// from in (dec would skip them anyway; skipped keeps error offsets right).
func (j *jsonReader) peek() (byte, error) {
	if buf, ok := j.dec.Buffered().(io.ByteReader); ok {
		for {
			c, err := buf.ReadByte()
			if err != nil {
				break // only spaces buffered: the value starts in in
			}
			if !isJSONSpace(c) {
				return c, nil
			}
		}
	}
	for {
		b, err := j.in.Peek(1)
		if err != nil {
			return 0, err
		}
		if !isJSONSpace(b[0]) {
			return b[0], nil
		}
		j.in.Discard(1)
		j.skipped++
	}
}

// isJSONSpace reports whether c is JSON whitespace.
func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// rawValue reads the next value's bytes into j.raw, valid until the next
// call (parseJSON copies what it keeps); syntax errors are fatal.
func (j *jsonReader) rawValue() (json.RawMessage, error) {
	j.raw = j.raw[:0] // RawMessage appends to it
	if err := j.dec.Decode(&j.raw); err != nil {
		return nil, j.syntax(err)
	}
	return j.raw, nil
}

// record decodes and numbers a record of the file. A value that is not
// UTF-8 is a *RecordError for this record only.
func (j *jsonReader) record(raw json.RawMessage) (Record, error) {
	j.n++
	origin := j.file.name + " #" + strconv.Itoa(j.n)
	v, err := parseJSON(raw)
	if err != nil {
		return Record{}, &RecordError{Origin: origin, Raw: bytes.Clone(raw), Err: err}
	}
	return Record{Value: v, Origin: origin}, nil
}

// nextElement decodes the next element of the current top-level array.
func (j *jsonReader) nextElement() (Record, error) {
	if j.dec.More() {
		raw, err := j.rawValue()
		if err != nil {
			return Record{}, err
		}
		return j.record(raw)
	}
	if _, err := j.dec.Token(); err != nil { // the closing ']'
		return Record{}, j.syntax(err)
	}
	j.inArray = false
	return Record{}, errNextValue
}

// errNextValue tells Next that an array ended and the next top-level value
// must be looked at; it never reaches callers.
var errNextValue = errors.New("next top-level value")

// nextSelected decodes the next top-level value and runs the selector. A
// value that is not UTF-8 fails as a whole (the selector's outputs cannot be
// told apart before it runs).
func (j *jsonReader) nextSelected(ctx context.Context) (Record, error) {
	for {
		raw, err := j.rawValue()
		if err != nil {
			return Record{}, err
		}
		j.n++
		origin := j.file.name + " value #" + strconv.Itoa(j.n)
		v, err := parseJSON(raw)
		if err != nil {
			return Record{}, &RecordError{Origin: origin, Raw: bytes.Clone(raw), Err: err}
		}
		if err := j.pending.fill(ctx, j.records, v, origin); err != nil {
			return Record{}, err
		}
		if rec, ok := j.pending.next(); ok {
			return rec, nil
		}
	}
}

// syntax turns a decoding error into a fatal error naming the position.
func (j *jsonReader) syntax(err error) error {
	if err == io.EOF {
		return io.EOF
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("read %s: %s: %v (fix the file; a broken JSON file cannot be read past this point)", j.file.name, j.position(), err)
	}
	if err == io.ErrUnexpectedEOF {
		return fmt.Errorf("read %s: unexpected end of data: the file is truncated or a bracket is missing", j.file.name)
	}
	return fmt.Errorf("read %s: %w", j.file.name, err)
}

// position locates a syntax error as "line L col C" by scanning the file
// again (json.Decoder's offsets are relative to the value being decoded),
// or as "near byte N" for standard input.
func (j *jsonReader) position() string {
	if j.file.path != "" {
		if off, ok := syntaxOffset(j.file.path); ok {
			if line, col, err := lineCol(j.file.path, off); err == nil {
				return fmt.Sprintf("line %d col %d", line, col)
			}
		}
	}
	return fmt.Sprintf("near byte %d", j.dec.InputOffset()+j.skipped)
}

// syntaxOffset returns the absolute offset of the first syntax error of a
// JSON file (decompressed), decoding its top-level values whole.
func syntaxOffset(path string) (int64, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	br, err := maybeGunzip(f, path)
	if err != nil {
		return 0, false
	}
	stripBOM(br) // the offsets of the first read also skip it
	dec := json.NewDecoder(br)
	for {
		base := dec.InputOffset()
		var raw json.RawMessage
		err := dec.Decode(&raw)
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			return base + se.Offset, true
		case err != nil:
			return 0, false
		}
	}
}

// Close does nothing: the file is closed by its owner.
func (j *jsonReader) Close() error { return nil }
