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
}

// Error formats the problem as "file:line:col: field: msg".
func (e *Error) Error() string {
	file := e.File
	if file == "" {
		file = "<mapping>"
	}
	if e.Field == "" {
		return fmt.Sprintf("%s:%d:%d: %s", file, e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", file, e.Line, e.Col, e.Field, e.Msg)
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

// sort orders the problems by line, column, then message, and drops exact
// duplicates.
func (l ErrorList) sort() ErrorList {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return slices.CompactFunc(l, func(a, b *Error) bool { return *a == *b })
}

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
