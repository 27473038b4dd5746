package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/orosync/orosync/engine/httpkit"
	"github.com/orosync/orosync/mappings"
)

// Record is one source record.
type Record struct {
	// Value is the decoded record: map[string]any, []any, string,
	// json.Number, bool or nil (numbers are never float64).
	Value any
	// Origin says where the record came from, e.g. "data/customers.jsonl:12",
	// "customers.csv:4", "data/customers.json #3" (the third record of the
	// file) or "GET https://h/x?page=2 #3" (the third record of that page).
	Origin string
	// Raw, when set, is the record's undecoded JSON text and Value is nil:
	// call Decode. JSON Lines sources without a records selector do this so
	// that decoding can run on the consumer's worker goroutines.
	Raw []byte
}

// Decode returns the record's value, decoding Raw if the source left it
// undecoded. A decoding error is a *RecordError for this record only.
func (r Record) Decode() (any, error) {
	if r.Raw == nil || r.Value != nil {
		return r.Value, nil
	}
	v, err := decodeLine(r.Raw)
	if err != nil {
		return nil, &RecordError{Origin: r.Origin, Raw: r.Raw, Err: err}
	}
	return v, nil
}

// Reader yields records one at a time. Next returns io.EOF when there are no
// more records, a *RecordError for one bad record (call Next again to go on)
// and any other error when the source cannot go on. Close releases files,
// connections and goroutines; it may be called at any time, more than once.
type Reader interface {
	Next(ctx context.Context) (Record, error)
	Close() error
}

// Options configure Open.
type Options struct {
	// Dir is the base for relative file paths (the mapping file's
	// directory); "" is the working directory.
	Dir string
	// Stdin is read for the file "-" (named "<stdin>" in origins).
	Stdin io.Reader
	// Cursor is the incremental checkpoint (nil = none). HTTP query_jq and
	// body expressions see it as {"cursor": Cursor}.
	Cursor any
	// Limit stops reading after that many records, bad ones (*RecordError)
	// included (0 = no limit); HTTP paging stops as soon as enough records
	// were fetched.
	Limit int
	// Logger receives one entry per HTTP request ("GET https://h/x?page=2 →
	// 200, 100 records", info), retries and paging doubts (warn), with
	// secrets redacted. Nil discards them.
	Logger *slog.Logger
	// HTTPClient is the base HTTP client (nil = a new client with no
	// timeout of its own); the per-request timeout is applied on top.
	HTTPClient *http.Client
	// Prefetch is the number of pages fetched ahead of the consumer
	// (default 2).
	Prefetch int
	// Sleep waits d or until ctx is done, whichever is first (nil = a real
	// context-aware timer). Tests inject it to make retries instant.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now returns the current time, used for Retry-After dates and OAuth2
	// token expiry (nil = time.Now).
	Now func() time.Time
	// CSVMaxRecordLines and CSVMaxRecordBytes bound one CSV record, line
	// breaks included (0 = DefaultCSVMaxRecordLines, 1,000 lines, and
	// DefaultCSVMaxRecordBytes, 1 MiB). A quoted field still open at a
	// limit fails the record at its first line and reading resumes at the
	// next line; a single line longer than CSVMaxRecordBytes fails and is
	// skipped. They keep memory bounded and a stray quote from swallowing
	// the rest of a file.
	CSVMaxRecordLines int
	CSVMaxRecordBytes int
}

// RecordError reports one record that could not be read; reading goes on
// with the next call to Next.
type RecordError struct {
	// Origin is where the bad record is, e.g. "data/customers.jsonl:12".
	Origin string
	// Raw holds the record's bytes as read, invalid UTF-8 included: the
	// JSON Lines line, the JSON value (an HTTP array element as sent), or
	// the CSV row's lines (only the first line when a quoted field starting
	// there does not close; the first CSVMaxRecordBytes of an over-long
	// line). For a records selector error it is the value re-encoded as
	// JSON.
	Raw []byte
	// Err says what is wrong.
	Err error
}

// Error returns "origin: problem".
func (e *RecordError) Error() string { return e.Origin + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *RecordError) Unwrap() error { return e.Err }

// Open opens the source of a mapping. src must come from a mapping that
// mappings has validated (Load or Parse): settings are not checked again
// here. The context bounds the whole life of the reader (HTTP prefetching
// stops when it is done).
func Open(ctx context.Context, src *mappings.Source, opts Options) (Reader, error) {
	if src == nil {
		return nil, errors.New("source: no source configured: set source.file or source.http")
	}
	if opts.Prefetch <= 0 {
		opts.Prefetch = 2
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Sleep == nil {
		opts.Sleep = httpkit.Sleep
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.CSVMaxRecordLines <= 0 {
		opts.CSVMaxRecordLines = DefaultCSVMaxRecordLines
	}
	if opts.CSVMaxRecordBytes <= 0 {
		opts.CSVMaxRecordBytes = DefaultCSVMaxRecordBytes
	}
	switch {
	case src.File != nil:
		return openFiles(src, opts)
	case src.HTTP != nil:
		return openHTTP(ctx, src.HTTP, opts)
	}
	return nil, errors.New("source: no source configured: set source.file or source.http")
}

// text returns the expanded value of an optional Text.
func text(t *mappings.Text) string {
	if t == nil {
		return ""
	}
	return t.String()
}

// duration returns the value of an optional Duration, or def.
func duration(d *mappings.Duration, def time.Duration) time.Duration {
	if d == nil || d.Value() <= 0 {
		return def
	}
	return d.Value()
}

// exprPos names a jq expression for error messages.
func exprPos(name string, e *mappings.Expr) string {
	return fmt.Sprintf("%s (line %d:%d)", name, e.Line, e.Col)
}

// limited caps a reader at opts.Limit records.
type limited struct {
	Reader
	left int
}

// Next returns io.EOF once the limit is reached.
func (l *limited) Next(ctx context.Context) (Record, error) {
	if l.left <= 0 {
		return Record{}, io.EOF
	}
	r, err := l.Reader.Next(ctx)
	var re *RecordError
	if err == nil || errors.As(err, &re) {
		l.left-- // a bad record counts as a record
	}
	return r, err
}

// withLimit wraps r when a limit is set.
func withLimit(r Reader, limit int) Reader {
	if limit <= 0 {
		return r
	}
	return &limited{Reader: r, left: limit}
}
