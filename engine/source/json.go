package source

import (
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
type jsonReader struct {
	dec     *json.Decoder
	file    fileEntry
	records *mappings.Expr
	inArray bool
	pending pendingRecords
	n       int // records (or top-level values, with a selector) so far
}

// newJSONReader returns a reader over one JSON file.
func newJSONReader(r io.Reader, f fileEntry, records *mappings.Expr) *jsonReader {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	return &jsonReader{dec: dec, file: f, records: records}
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
	tok, err := j.dec.Token()
	if err != nil {
		return Record{}, j.syntax(err)
	}
	switch tok {
	case json.Delim('['):
		j.inArray = true
		return j.nextElement()
	case json.Delim('{'):
		obj, err := j.readObject()
		if err != nil {
			return Record{}, err
		}
		return j.record(obj), nil
	}
	if _, ok := tok.(json.Delim); ok {
		return Record{}, j.syntax(fmt.Errorf("unexpected %v", tok))
	}
	return j.record(tok), nil
}

// record numbers a record of the file.
func (j *jsonReader) record(v any) Record {
	j.n++
	return Record{Value: v, Origin: j.file.name + " #" + strconv.Itoa(j.n)}
}

// nextElement decodes the next element of the current top-level array.
func (j *jsonReader) nextElement() (Record, error) {
	if j.dec.More() {
		var v any
		if err := j.dec.Decode(&v); err != nil {
			return Record{}, j.syntax(err)
		}
		return j.record(v), nil
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

// readObject reads the members of an object whose '{' was consumed.
func (j *jsonReader) readObject() (map[string]any, error) {
	obj := make(map[string]any)
	for j.dec.More() {
		tok, err := j.dec.Token()
		if err != nil {
			return nil, j.syntax(err)
		}
		key, _ := tok.(string)
		var v any
		if err := j.dec.Decode(&v); err != nil {
			return nil, j.syntax(err)
		}
		obj[key] = v
	}
	if _, err := j.dec.Token(); err != nil { // the closing '}'
		return nil, j.syntax(err)
	}
	return obj, nil
}

// nextSelected decodes the next top-level value and runs the selector.
func (j *jsonReader) nextSelected(ctx context.Context) (Record, error) {
	for {
		var v any
		if err := j.dec.Decode(&v); err != nil {
			return Record{}, j.syntax(err)
		}
		j.n++
		origin := j.file.name + " value #" + strconv.Itoa(j.n)
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
	return fmt.Sprintf("near byte %d", j.dec.InputOffset())
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
