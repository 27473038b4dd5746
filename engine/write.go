package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/orosync/orosync/engine/oro"
	"github.com/orosync/orosync/mappings"
)

// OroClient is what the engine needs from an Oro connection.
type OroClient interface {
	Create(ctx context.Context, typ string, doc []byte) (*oro.Resource, error)
	Update(ctx context.Context, typ, id string, doc []byte) (*oro.Resource, error)
	List(ctx context.Context, typ string, query url.Values, limit int) ([]oro.Resource, error)
}

// RequestLine is one HTTP request as a dry run prints it.
type RequestLine struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	Body   any    `json:"body,omitempty"`
}

// writeResult is the result of writing one document.
type writeResult struct {
	status   Status
	line     []byte // dry-run output line
	err      error
	stage    string
	doc      any
	req      *RequestLine
	deferred bool
}

// isFatal reports whether err stops the whole mapping: every later record
// would hit it too.
func isFatal(err error) bool {
	return oro.IsFatal(err)
}

// fillOroError copies Oro's answer into a dead-letter entry.
func fillOroError(fi *FailInfo, err error) {
	var oe *oro.Error
	if errors.As(err, &oe) {
		fi.Status = oe.Status
		for _, e := range oe.Errors {
			fi.Errors = append(fi.Errors, OroError{Status: e.Status, Code: e.Code, Title: e.Title, Detail: e.Detail,
				Pointer: e.Pointer, Parameter: e.Parameter})
		}
	}
	fi.MayHaveWritten = oro.MayHaveWritten(err)
}

// apiURL joins the API base and a path for dry-run lines and dead letters.
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
	b := make([]byte, 0, len(body)+len(u)+40)
	b = append(b, `{"method":`...)
	b = strconv.AppendQuote(b, method)
	b = append(b, `,"url":`...)
	b = appendJSONString(b, u)
	if body != nil {
		b = append(b, `,"body":`...)
		b = append(b, body...)
	}
	return append(b, "}\n"...)
}

func appendJSONString(b []byte, s string) []byte {
	b, _ = mappings.AppendJSON(b, s) // strings always encode
	return b
}

// marshalDoc encodes a document without HTML escaping.
func marshalDoc(doc mappings.Document) ([]byte, error) {
	b, err := doc.AppendJSON(make([]byte, 0, 512))
	if err != nil {
		return nil, fmt.Errorf("encode document: %w", err)
	}
	return b, nil
}
