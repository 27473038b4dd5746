package engine

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"
)

// DeadLetter is one failed record, as written to the dead-letter file (one
// JSON object per line).
type DeadLetter struct {
	Time    time.Time `json:"time"`
	Mapping string    `json:"mapping"`
	// Origin says where the record came from (file:line, URL and index).
	Origin string `json:"origin,omitempty"`
	// Key is the record's source key, when the mapping declares one and it
	// could be computed.
	Key string `json:"key,omitempty"`
	// Record is the source record exactly as read (numbers unchanged). For a
	// record that could not even be decoded, Raw holds its text instead.
	Record any    `json:"record,omitempty"`
	Raw    string `json:"raw,omitempty"`
	// RawBase64 holds the raw bytes, base64-encoded, when they are not
	// valid UTF-8 (JSON would replace the bad bytes in Raw).
	RawBase64 []byte `json:"raw_base64,omitempty"`
	// Document is the JSON:API document that was (or would have been) sent.
	Document any `json:"document,omitempty"`
	// Request is the request that failed, if one was sent.
	Request *RequestLine `json:"request,omitempty"`
	Error   FailInfo     `json:"error"`
}

// FailInfo describes why a record failed.
type FailInfo struct {
	// Stage is where it failed (see the Stage constants).
	Stage   Stage  `json:"stage"`
	Message string `json:"message"`
	// Status is Oro's HTTP status, when Oro answered.
	Status int `json:"status,omitempty"`
	// Errors are Oro's error objects (title, detail, pointer or parameter).
	Errors []OroError `json:"errors,omitempty"`
	// MayHaveWritten is true when the write may have reached Oro although no
	// answer arrived; the next run looks the record up before writing again.
	MayHaveWritten bool `json:"may_have_written,omitempty"`
}

// OroError is one entry of an Oro JSON:API error document.
type OroError struct {
	Status    string `json:"status,omitempty"`
	Code      string `json:"code,omitempty"`
	Title     string `json:"title,omitempty"`
	Detail    string `json:"detail,omitempty"`
	Pointer   string `json:"pointer,omitempty"`
	Parameter string `json:"parameter,omitempty"`
}

// DeadLetterFile appends dead letters to a JSON Lines file. The file is
// created (or truncated) when the first record fails, so a run without
// failures leaves no file behind. It is safe for concurrent use.
type DeadLetterFile struct {
	path string

	mu sync.Mutex
	f  *os.File
	w  *bufio.Writer
}

// NewDeadLetterFile returns a dead-letter writer for path. Nothing is created
// until the first Write.
func NewDeadLetterFile(path string) *DeadLetterFile {
	return &DeadLetterFile{path: path}
}

// Path returns the file's path.
func (d *DeadLetterFile) Path() string { return d.path }

// Write appends one entry and flushes it, so a crash loses nothing already
// reported.
func (d *DeadLetterFile) Write(e DeadLetter) error {
	line, err := marshalLine(e)
	if err != nil {
		return fmt.Errorf("dead letter for %s record %s: %w", e.Mapping, e.Origin, err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.f == nil {
		f, err := os.OpenFile(d.path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("open dead-letter file: %w", err)
		}
		d.f, d.w = f, bufio.NewWriter(f)
	}
	if _, err := d.w.Write(line); err != nil {
		return fmt.Errorf("write dead-letter file %s: %w", d.path, err)
	}
	if err := d.w.Flush(); err != nil {
		return fmt.Errorf("write dead-letter file %s: %w", d.path, err)
	}
	return nil
}

// Close closes the file if it was opened.
func (d *DeadLetterFile) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.f == nil {
		return nil
	}
	err := d.f.Close()
	d.f = nil
	return err
}

// marshalLine encodes v as one JSON line without HTML escaping.
func marshalLine(v any) ([]byte, error) {
	var b lineBuffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b, nil
}

type lineBuffer []byte

func (b *lineBuffer) Write(p []byte) (int, error) {
	*b = append(*b, p...)
	return len(p), nil
}
