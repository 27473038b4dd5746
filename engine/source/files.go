package source

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/orosync/orosync/mappings"
)

// stdinName names standard input in origins and errors.
const stdinName = "<stdin>"

// fileEntry is one input file: the path to open and the name to show.
type fileEntry struct {
	path string // "" for stdin
	name string
}

// openFiles resolves source.file and returns a reader over its files. The
// format and CSV settings were validated by mappings.
func openFiles(src *mappings.Source, opts Options) (Reader, error) {
	files, err := resolveFiles(text(src.File), opts)
	if err != nil {
		return nil, err
	}
	cfg := csvSettings{delim: csvDelimiter(src.CSV), maxLines: opts.CSVMaxRecordLines, maxBytes: opts.CSVMaxRecordBytes}
	r := &multiReader{files: files, format: strings.ToLower(src.Format), csv: cfg, records: src.Records, stdin: opts.Stdin}
	return withLimit(r, opts.Limit), nil
}

// resolveFiles turns source.file into the list of files to read.
func resolveFiles(spec string, opts Options) ([]fileEntry, error) {
	if spec == "" { // would read the mapping's own directory
		return nil, errors.New("source: source.file is empty (the mapping was not validated)")
	}
	if spec == "-" {
		if opts.Stdin == nil {
			return nil, errors.New("source.file \"-\": standard input is not available")
		}
		return []fileEntry{{name: stdinName}}, nil
	}
	path := spec
	if !filepath.IsAbs(path) && opts.Dir != "" {
		path = filepath.Join(opts.Dir, path)
	}
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return dirFiles(path, display(spec, path, opts.Dir))
	case err == nil:
		return []fileEntry{{path: path, name: display(spec, path, opts.Dir)}}, nil
	case strings.ContainsAny(spec, "*?["):
		return globFiles(path, spec, opts.Dir)
	}
	return nil, fmt.Errorf("source.file %q: %w (paths are relative to the mapping file's directory)", spec, unwrapPathErr(err))
}

// unwrapPathErr drops the path from an *fs.PathError (we name it ourselves).
func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// display is the name shown for path: relative to dir when the user gave a
// relative path, else the path itself.
func display(spec, path, dir string) string {
	if filepath.IsAbs(spec) || dir == "" {
		return path
	}
	if rel, err := filepath.Rel(dir, path); err == nil {
		return rel
	}
	return path
}

// dirFiles lists the supported files directly inside dir, in lexical order.
func dirFiles(dir, name string) ([]fileEntry, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("source.file %s: %w", name, unwrapPathErr(err))
	}
	var out []fileEntry
	for _, e := range ents { // ReadDir sorts by name
		if e.IsDir() || formatByExt(e.Name()) == "" {
			continue
		}
		out = append(out, fileEntry{path: filepath.Join(dir, e.Name()), name: filepath.Join(name, e.Name())})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("source.file %s: the directory holds no .json, .jsonl, .ndjson or .csv files (optionally .gz)", name)
	}
	return out, nil
}

// globFiles expands a glob pattern to the regular files it matches.
func globFiles(pattern, spec, dir string) ([]fileEntry, error) {
	matches, err := filepath.Glob(pattern)
	if err != nil {
		return nil, fmt.Errorf("source.file %q: bad glob pattern: %w", spec, err)
	}
	sort.Strings(matches)
	var out []fileEntry
	for _, m := range matches {
		if fi, err := os.Stat(m); err == nil && fi.Mode().IsRegular() {
			out = append(out, fileEntry{path: m, name: display(spec, m, dir)})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("source.file %q: the pattern matches no file (paths are relative to the mapping file's directory)", spec)
	}
	return out, nil
}

// formatByExt returns json, jsonl or csv for a supported file name, else "".
func formatByExt(name string) string {
	name = strings.TrimSuffix(strings.ToLower(name), ".gz")
	switch filepath.Ext(name) {
	case ".json":
		return "json"
	case ".jsonl", ".ndjson":
		return "jsonl"
	case ".csv":
		return "csv"
	}
	return ""
}

// multiReader reads its files one after the other.
type multiReader struct {
	files   []fileEntry
	format  string
	csv     csvSettings
	records *mappings.Expr
	stdin   io.Reader

	cur    Reader
	closer io.Closer
	err    error
}

// Next returns the next record of the current file, opening the next file
// when it is exhausted.
func (m *multiReader) Next(ctx context.Context) (Record, error) {
	for m.err == nil {
		if err := ctx.Err(); err != nil {
			return Record{}, err
		}
		if m.cur == nil {
			if len(m.files) == 0 {
				m.err = io.EOF
				break
			}
			if err := m.openNext(); err != nil {
				m.err = err
				break
			}
		}
		rec, err := m.cur.Next(ctx)
		if err != io.EOF {
			return rec, err
		}
		m.closeCurrent()
	}
	return Record{}, m.err
}

// openNext opens the first remaining file.
func (m *multiReader) openNext() error {
	f := m.files[0]
	m.files = m.files[1:]
	var raw io.Reader
	if f.path == "" {
		raw = m.stdin
	} else {
		fh, err := os.Open(f.path)
		if err != nil {
			return fmt.Errorf("open %s: %w", f.name, unwrapPathErr(err))
		}
		m.closer = fh
		raw = fh
	}
	br, err := maybeGunzip(raw, f.name)
	if err != nil {
		return err
	}
	stripBOM(br)
	format, err := m.detect(f.name, br)
	if err != nil {
		return err
	}
	m.cur = newFormatReader(format, f, br, m.csv, m.records)
	return nil
}

// detect picks the format of one file.
func (m *multiReader) detect(name string, br *bufio.Reader) (string, error) {
	if m.format != "" && m.format != "auto" {
		return m.format, nil
	}
	if f := formatByExt(name); f != "" {
		return f, nil
	}
	return sniff(br, name)
}

// newFormatReader returns the reader for one file of the given format.
func newFormatReader(format string, f fileEntry, br *bufio.Reader, cfg csvSettings, records *mappings.Expr) Reader {
	switch format {
	case "jsonl":
		return newJSONLReader(br, f.name, records)
	case "csv":
		return newCSVReader(br, f.name, cfg, records)
	}
	return newJSONReader(br, f, records)
}

// closeCurrent closes the current file.
func (m *multiReader) closeCurrent() {
	if m.closer != nil {
		m.closer.Close()
		m.closer = nil
	}
	m.cur = nil
}

// Close closes the open file, if any.
func (m *multiReader) Close() error {
	m.closeCurrent()
	m.files = nil
	if m.err == nil {
		m.err = errors.New("source: reader is closed")
	}
	return nil
}

// maybeGunzip returns a buffered reader over r, decompressed when r starts
// with the gzip magic bytes.
func maybeGunzip(r io.Reader, name string) (*bufio.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		if strings.HasSuffix(strings.ToLower(name), ".gz") {
			return nil, fmt.Errorf("read %s: the name ends in .gz but the file is not gzip-compressed", name)
		}
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("read %s: gzip: %w", name, err)
	}
	return bufio.NewReaderSize(zr, 64<<10), nil
}

// sniff guesses the format from the first non-space byte: '[' is a JSON
// array; '{' is JSON Lines when the first line is a complete JSON value, else
// one JSON object.
func sniff(br *bufio.Reader, name string) (string, error) {
	for n := 64; ; n *= 2 {
		buf, err := br.Peek(n)
		trimmed := strings.TrimLeft(string(buf), " \t\r\n\ufeff")
		if trimmed != "" {
			return sniffFirst(trimmed, br, name)
		}
		if err != nil {
			return "json", nil // empty input: no records
		}
	}
}

// sniffFirst decides the format once the first non-space byte is known.
func sniffFirst(s string, br *bufio.Reader, name string) (string, error) {
	switch s[0] {
	case '[':
		return "json", nil
	case '{':
		if firstLineIsValue(br) {
			return "jsonl", nil
		}
		return "json", nil
	}
	return "", fmt.Errorf("read %s: cannot tell the format (the data starts with %q): name the file .json, .jsonl or .csv, or set source.format", name, s[:1])
}

// firstLineIsValue reports whether the first non-blank line holds a
// complete JSON value (looked at without consuming input). It peeks a
// growing prefix so that a slow pipe is not waited on longer than needed.
func firstLineIsValue(br *bufio.Reader) bool {
	for n := 256; ; n *= 2 {
		if n > br.Size() {
			return false // first line longer than the buffer: one JSON document
		}
		buf, err := br.Peek(n)
		s := strings.TrimLeft(string(buf), " \t\r\n\ufeff")
		if line, _, found := strings.Cut(s, "\n"); found || err != nil {
			return json.Valid([]byte(line))
		}
	}
}

// lineCol converts a byte offset of the (decompressed) content of path into
// a 1-based line and column by reading the file again. It is only used to
// report an error.
func lineCol(path string, off int64) (line, col int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	br, err := maybeGunzip(f, path)
	if err != nil {
		return 0, 0, err
	}
	stripBOM(br)
	line, col = 1, 1
	for i := int64(0); i < off-1; i++ { // the bad byte is the off-th
		b, err := br.ReadByte()
		if err != nil {
			break
		}
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col, nil
}

// stripBOM drops a UTF-8 byte order mark at the start of br.
func stripBOM(br *bufio.Reader) {
	if b, _ := br.Peek(3); len(b) == 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf {
		br.Discard(3)
	}
}
