package engine

import (
	"bufio"
	"bytes"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/orosync/orosync/mappings"
)

// RequestLine is one HTTP request as a dry run prints it.
type RequestLine struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	// Headers are request headers besides the ones every request carries
	// (a batch's X-Mode).
	Headers map[string]string `json:"headers,omitempty"`
	Body    any               `json:"body,omitempty"`
}

// apiURL joins the API base and path segments, for dry-run lines and dead
// letters.
func (r *runner) apiURL(parts ...string) string {
	base := strings.TrimRight(r.opts.APIURL, "/")
	if base == "" {
		base = "${ORO_API_URL}"
	}
	for _, p := range parts {
		if strings.HasPrefix(p, "<") && strings.HasSuffix(p, ">") {
			base += "/" + p // a dry-run placeholder: keep it readable
			continue
		}
		base += "/" + url.PathEscape(p)
	}
	return base
}

// lineWriter writes dry-run lines to a buffered output.
type lineWriter struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func newLineWriter(w io.Writer) *lineWriter {
	return &lineWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

// Write writes one line (which already ends in a newline).
func (l *lineWriter) Write(line []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err := l.w.Write(line)
	return err
}

// Flush flushes buffered lines.
func (l *lineWriter) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Flush()
}

// requestLine encodes a dry-run line. body is already JSON.
func requestLine(method, u string, body []byte) []byte {
	return requestLineWith(method, u, nil, body)
}

// markDependsOnOro adds "depends_on_oro":true to a dry-run line: a dry run
// that does not ask Oro guessed the request (the record may be unchanged,
// or found in Oro by its natural key).
func markDependsOnOro(line []byte) []byte {
	end := bytes.LastIndexByte(line, '}')
	if end < 0 {
		return line
	}
	out := append([]byte(nil), line[:end]...)
	out = append(out, `,"depends_on_oro":true`...)
	return append(out, line[end:]...)
}

// requestLineWith is requestLine with extra headers.
func requestLineWith(method, u string, header map[string]string, body []byte) []byte {
	b := make([]byte, 0, len(body)+len(u)+40)
	b = append(b, `{"method":`...)
	b = strconv.AppendQuote(b, method)
	b = append(b, `,"url":`...)
	b, _ = mappings.AppendJSON(b, u) // strings always encode
	if len(header) > 0 {
		h := make(map[string]any, len(header))
		for k, v := range header {
			h[k] = v
		}
		b = append(b, `,"headers":`...)
		b, _ = mappings.AppendJSON(b, h)
	}
	if body != nil {
		b = append(b, `,"body":`...)
		b = append(b, body...)
	}
	return append(b, "}\n"...)
}
