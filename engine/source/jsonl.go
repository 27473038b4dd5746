package source

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/orosync/orosync/mappings"
)

// jsonlReader reads JSON Lines: one JSON value per line, blank lines
// skipped. A bad line is a *RecordError and reading goes on.
type jsonlReader struct {
	br      *bufio.Reader
	name    string
	records *mappings.Expr
	line    int
	long    []byte // accumulates lines longer than the buffer
	pending pendingRecords
}

// newJSONLReader returns a reader over one JSON Lines stream.
func newJSONLReader(br *bufio.Reader, name string, records *mappings.Expr) *jsonlReader {
	return &jsonlReader{br: br, name: name, records: records}
}

// Next returns the record of the next non-blank line.
func (l *jsonlReader) Next(ctx context.Context) (Record, error) {
	for {
		if rec, ok := l.pending.next(); ok {
			return rec, nil
		}
		line, err := l.readLine()
		if err != nil {
			return Record{}, err
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		origin := l.name + ":" + strconv.Itoa(l.line)
		if l.records == nil {
			// Decoding is left to the consumer (Record.Decode), which may
			// run it on several cores.
			return Record{Raw: bytes.Clone(line), Origin: origin}, nil
		}
		v, err := decodeLine(line)
		if err != nil {
			return Record{}, &RecordError{Origin: origin, Raw: bytes.Clone(line), Err: err}
		}
		if err := l.pending.fill(ctx, l.records, v, origin); err != nil {
			return Record{}, err
		}
	}
}

// readLine returns the next line; the slice is valid until the next call.
func (l *jsonlReader) readLine() ([]byte, error) {
	l.long = l.long[:0]
	for {
		b, err := l.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			l.long = append(l.long, b...)
			continue
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("read %s: line %d: %w", l.name, l.line+1, err)
		}
		if err == io.EOF && len(b) == 0 && len(l.long) == 0 {
			return nil, io.EOF
		}
		l.line++
		if len(l.long) > 0 {
			l.long = append(l.long, b...)
			return l.long, nil
		}
		return b, nil
	}
}

// decodeLine decodes exactly one JSON value with exact numbers
// (json.Number). It is on the per-record path of JSON Lines, hence the
// dedicated parser.
func decodeLine(line []byte) (any, error) {
	return parseJSON(line)
}

// Close does nothing: the file is closed by its owner.
func (l *jsonlReader) Close() error { return nil }
