package mappings

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem found in a mapping file, located by file, line and
// column (both 1-based). Field is the dotted YAML path of the setting
// concerned ("target.write", "tests[0].name"), or "" when the problem is not
// tied to one setting.
type Error struct {
	File      string
	Line, Col int
	Field     string
	Msg       string
	// Warning marks advice about a valid mapping (it may not behave as
	// its author expects); `orosync validate --strict` treats warnings as
	// errors.
	Warning bool
}

// Error formats the problem as "file:line:col: field: msg", with
// "warning: " before msg for a warning.
func (e *Error) Error() string {
	file := e.File
	if file == "" {
		file = "<mapping>"
	}
	msg := e.Msg
	if e.Warning {
		msg = "warning: " + msg
	}
	if e.Field == "" {
		return fmt.Sprintf("%s:%d:%d: %s", file, e.Line, e.Col, msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", file, e.Line, e.Col, e.Field, msg)
}

// Errorf returns a problem located at a setting of the mapping file, named
// by its dotted path ("after[0]", "target.native_upsert"); a path that is
// not in the file points at its closest enclosing setting.
func (m *Mapping) Errorf(path, format string, args ...any) *Error {
	line, col := 1, 1
	if m.nodes != nil {
		line, col = m.nodes.pos(path)
	}
	return &Error{File: m.File, Line: line, Col: col, Field: path, Msg: fmt.Sprintf(format, args...)}
}

// Warnf is Errorf for a warning.
func (m *Mapping) Warnf(path, format string, args ...any) *Error {
	e := m.Errorf(path, format, args...)
	e.Warning = true
	return e
}

// Errors returns the problems of the list that are not warnings.
func (l ErrorList) Errors() ErrorList {
	var out ErrorList
	for _, e := range l {
		if !e.Warning {
			out = append(out, e)
		}
	}
	return out
}

// ErrorList is every problem found in one mapping file, sorted by position.
type ErrorList []*Error

// Error joins the problems, one per line.
func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap gives access to the individual problems for errors.As and errors.Is.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// sort orders the problems by file, line and column, and drops exact
// duplicates.
func (l ErrorList) sort() ErrorList {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return slices.CompactFunc(l, func(a, b *Error) bool { return *a == *b })
}

// Sorted returns the list ordered by file, line and column, without exact
// duplicates.
func (l ErrorList) Sorted() ErrorList { return slices.Clone(l).sort() }

// RecordError reports that a mapping could not turn one source record into
// documents: a jq runtime error, the per-record time limit, or an output that
// is not a valid JSON:API document. It concerns that record only, not the run.
type RecordError struct {
	// Mapping is the name of the mapping.
	Mapping string
	// Output is the 1-based number of the offending transform output, or 0
	// when the problem is not tied to one output.
	Output int
	// Msg describes the problem.
	Msg string
	// Err is the underlying cause, if any (a jq error,
	// context.DeadlineExceeded, ...).
	Err error
}

// Error formats the problem as "mapping NAME: output #N: MSG".
func (e *RecordError) Error() string {
	var b strings.Builder
	b.WriteString("mapping ")
	b.WriteString(e.Mapping)
	b.WriteString(": ")
	if e.Output > 0 {
		fmt.Fprintf(&b, "output #%d: ", e.Output)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *RecordError) Unwrap() error { return e.Err }

// ErrTimeout is matched (errors.Is) by the error returned when a jq program
// runs past the deadline of its context; that error also matches
// context.DeadlineExceeded.
var ErrTimeout = errors.New("exceeded the time limit")
