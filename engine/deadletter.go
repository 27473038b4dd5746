package engine

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// DeadLetter is one failed record, as written to the dead-letter file (one
// JSON object per line).
type DeadLetter struct {
	Time    time.Time `json:"time"`
	Mapping string    `json:"mapping"`
	// File is the mapping file as the run was given it; `orosync retry`
	// loads it from there.
	File string `json:"file,omitempty"`
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
// created when the first record of the run fails; a file left by an
// earlier run is first renamed (see Rotate), so the file at the path is
// always this run's, and nothing an earlier run wrote is lost. It is safe
// for concurrent use.
type DeadLetterFile struct {
	path string

	mu      sync.Mutex
	f       *os.File
	w       *bufio.Writer
	n       int    // entries written
	rotated string // where an earlier run's file went ("" none)
}

// NewDeadLetterFile returns a dead-letter writer for path. Nothing is created
// until the first Write.
func NewDeadLetterFile(path string) *DeadLetterFile {
	return &DeadLetterFile{path: path}
}

// Path returns the file's path.
func (d *DeadLetterFile) Path() string { return d.path }

// Written returns the number of entries written.
func (d *DeadLetterFile) Written() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n
}

// Rotated returns where the file of an earlier run was moved, or "".
func (d *DeadLetterFile) Rotated() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rotated
}

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
		if err := d.rotateLocked(); err != nil {
			return err
		}
		f, err := os.OpenFile(d.path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("create dead-letter file: %w", err)
		}
		d.f, d.w = f, bufio.NewWriter(f)
	}
	if _, err := d.w.Write(line); err != nil {
		return fmt.Errorf("write dead-letter file %s: %w", d.path, err)
	}
	if err := d.w.Flush(); err != nil {
		return fmt.Errorf("write dead-letter file %s: %w", d.path, err)
	}
	d.n++
	return nil
}

// Rotate renames a file an earlier run left at the path, unless this run
// already wrote to it: NAME.jsonl becomes NAME.<its time, UTC>.jsonl. A
// run without failures calls it at its end, so that the file at the path
// never looks like the result of a run that had none. It returns the new
// name, or "" when there was nothing to move.
func (d *DeadLetterFile) Rotate() (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.f != nil {
		return "", nil
	}
	if err := d.rotateLocked(); err != nil {
		return "", err
	}
	return d.rotated, nil
}

func (d *DeadLetterFile) rotateLocked() error {
	fi, err := os.Stat(d.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("dead-letter file: %w", err)
	}
	ext := filepath.Ext(d.path)
	stem := strings.TrimSuffix(d.path, ext)
	stamp := fi.ModTime().UTC().Format("20060102T150405Z")
	to := stem + "." + stamp + ext
	for i := 2; ; i++ {
		if _, err := os.Stat(to); errors.Is(err, fs.ErrNotExist) {
			break
		}
		to = fmt.Sprintf("%s.%s-%d%s", stem, stamp, i, ext)
	}
	if err := os.Rename(d.path, to); err != nil {
		return fmt.Errorf("keep the dead-letter file of an earlier run: %w", err)
	}
	d.rotated = to
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

// ReadDeadLetters reads a dead-letter file. Source records keep their
// numbers exactly (json.Number), as a source reads them.
func ReadDeadLetters(path string) ([]DeadLetter, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read dead letters: %w", err)
	}
	defer f.Close()
	var out []DeadLetter
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var e struct {
			DeadLetter
			Record json.RawMessage `json:"record"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%s:%d: not a dead-letter entry: %w", path, line, err)
		}
		if e.Mapping == "" {
			return nil, fmt.Errorf("%s:%d: not a dead-letter entry: it names no mapping", path, line)
		}
		d := e.DeadLetter
		if len(e.Record) > 0 && string(e.Record) != "null" {
			if d.Record, err = decodeJSON(e.Record); err != nil {
				return nil, fmt.Errorf("%s:%d: record: %w", path, line, err)
			}
		}
		out = append(out, d)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read dead letters %s: %w", path, err)
	}
	return out, nil
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
