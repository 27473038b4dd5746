package mappings

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/itchyny/gojq"
	"gopkg.in/yaml.v3"
)

// Expr is a jq expression from a mapping file, compiled once at load time.
// A compiled Expr is safe for concurrent use.
//
// Every expression shares one environment: gojq's builtins without access to
// the process environment ($ENV and env are empty objects) and without
// input/inputs, plus the placeholder functions lookup/2 and ref/2 (see
// Placeholder).
type Expr struct {
	// Src is the jq source text.
	Src string
	// Line and Col locate the expression in the mapping file (1-based).
	Line, Col int
	// Style is the YAML style of the scalar: plain, quoted, literal (|) or
	// folded (>).
	Style yaml.Style

	field string      // dotted path in the mapping file, for messages
	query *gojq.Query // the syntax tree, for static checks
	code  *gojq.Code  // nil until compiled
	path  []string    // for a plain path like .a.b: its keys, evaluated without jq
	calls jqCalls     // what the program calls of lookup/2 and ref/2
}

// NewExpr compiles a jq expression that does not come from a mapping file
// (a default records selector, a test). Errors are reported with positions
// relative to src (line 1, column 1 is its first character).
func NewExpr(src string) (*Expr, error) {
	e := &Expr{Src: src, Line: 1, Col: 1}
	if errs := e.compile(newRawText([]byte(src)), "", ""); len(errs) > 0 {
		return nil, errs
	}
	return e, nil
}

// UnmarshalYAML keeps the source text, its position and style. A non-scalar
// value is reported as a *yaml.TypeError so that decoding continues.
func (e *Expr) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return typeError(n, "expected a jq expression (a string), got %s", kindName(n))
	}
	e.Src, e.Line, e.Col, e.Style = n.Value, n.Line, n.Column, n.Style
	return nil
}

// String returns the jq source text.
func (e *Expr) String() string {
	if e == nil {
		return ""
	}
	return e.Src
}

// compilerOptions is the environment shared by every expression.
var compilerOptions = []gojq.CompilerOption{
	gojq.WithFunction("lookup", 2, 2, funcLookup),
	gojq.WithFunction("ref", 2, 2, funcRef),
}

// compile parses and compiles the expression, locating problems inside the
// mapping file. The expression's field path is remembered for messages.
func (e *Expr) compile(raw *rawText, file, field string) ErrorList {
	e.field = field
	if strings.TrimSpace(e.Src) == "" {
		return ErrorList{{File: file, Line: e.Line, Col: e.Col, Field: field, Msg: "jq: empty expression (use . for the input itself)"}}
	}
	q, err := gojq.Parse(e.Src)
	if err != nil {
		line, col := e.Line, e.Col
		var pe *gojq.ParseError
		if errors.As(err, &pe) {
			line, col = raw.scalarPos(e.Src, pe.Offset-len(pe.Token), e.Line, e.Col, e.Style)
		}
		return ErrorList{{File: file, Line: line, Col: col, Field: field, Msg: "jq: " + err.Error()}}
	}
	code, err := gojq.Compile(q, compilerOptions...)
	if err != nil {
		line, col := raw.scalarPos(e.Src, firstNonSpace(e.Src), e.Line, e.Col, e.Style)
		return ErrorList{{File: file, Line: line, Col: col, Field: field, Msg: "jq: " + err.Error()}}
	}
	e.code, e.query = code, q
	e.path = simplePath(e.Src)
	e.calls = findCalls(q)
	return nil
}

// MayMakePlaceholders reports whether the program calls lookup() or ref(),
// as read from its syntax tree (false for nil).
func (e *Expr) MayMakePlaceholders() bool { return e != nil && e.calls.placeholders() }

// RefMappings returns the mapping names the program's ref() calls name as
// string literals, sorted; computed is true when some call computes the
// name (it may then refer to any mapping).
func (e *Expr) RefMappings() (names []string, computed bool) {
	if e == nil {
		return nil, false
	}
	return e.calls.refs(), e.calls.anyRef
}

// IsPath reports whether the expression is only a path of object keys, like
// .data or .address.city (false for nil).
func (e *Expr) IsPath() bool { return e != nil && e.path != nil }

// simplePath returns the keys of an expression that is only a path of
// object keys (".id", ".address.city"), or nil. Such expressions (keys,
// match fields, cursors) are evaluated directly, which is much cheaper
// than starting the jq machine.
func simplePath(src string) []string {
	src = strings.TrimSpace(src)
	if len(src) < 2 || src[0] != '.' {
		return nil
	}
	keys := strings.Split(src[1:], ".")
	for _, k := range keys {
		if k == "" || !isIdent(k) {
			return nil
		}
	}
	return keys
}

func isIdent(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// walkPath evaluates a simple path like jq does; ok is false when a value on
// the way is neither an object nor null, where jq reports an error.
func walkPath(v any, keys []string) (any, bool) {
	for _, k := range keys {
		switch m := v.(type) {
		case map[string]any:
			v = m[k]
		case nil:
			return nil, true
		default:
			return nil, false
		}
	}
	return v, true
}

func firstNonSpace(s string) int {
	for i := 0; i < len(s); i++ {
		if !isSpace(s[i]) {
			return i
		}
	}
	return 0
}

// Eval runs the expression on input and returns every output. It stops at
// the first error: a jq runtime error, or the context's deadline
// (ErrTimeout). input must be JSON-compatible (map[string]any, []any,
// string, bool, nil, json.Number, int, float64); it is not modified.
func (e *Expr) Eval(ctx context.Context, input any) ([]any, error) {
	if e == nil || e.code == nil {
		return nil, errNotCompiled
	}
	if e.path != nil {
		if v, ok := walkPath(input, e.path); ok {
			return []any{v}, nil
		}
	}
	var out []any
	iter := e.code.RunWithContext(ctx, input)
	for {
		v, ok := iter.Next()
		if !ok {
			return out, nil
		}
		if err, isErr := v.(error); isErr {
			if err = e.runError(ctx, err); err != nil {
				return out, err
			}
			return out, nil
		}
		out = append(out, v)
	}
}

// First runs the expression on input and returns its first output; ok is
// false when there is none. Later outputs are not computed.
func (e *Expr) First(ctx context.Context, input any) (v any, ok bool, err error) {
	if e == nil || e.code == nil {
		return nil, false, errNotCompiled
	}
	if e.path != nil {
		if v, ok := walkPath(input, e.path); ok {
			return v, true, nil
		}
	}
	v, ok = e.code.RunWithContext(ctx, input).Next()
	if !ok {
		return nil, false, nil
	}
	if err, isErr := v.(error); isErr {
		return nil, false, e.runError(ctx, err)
	}
	return v, true, nil
}

var errNotCompiled = errors.New("jq expression not compiled: load mappings with Load, Parse or NewExpr")

// runError turns an error value from a jq iterator into a Go error; nil
// means the program stopped cleanly (halt).
func (e *Expr) runError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
		if errors.Is(ctxErr, context.DeadlineExceeded) {
			return &timeoutError{name: e.name(), cause: ctxErr}
		}
		return fmt.Errorf("%s: %w", e.name(), ctxErr)
	}
	var he *gojq.HaltError
	if errors.As(err, &he) && he.Value() == nil {
		return nil
	}
	return &JQError{Field: e.field, Err: err}
}

func (e *Expr) name() string {
	if e.field == "" {
		return "jq"
	}
	return e.field
}

// JQError is a jq runtime error (error("..."), a type error, halt_error).
type JQError struct {
	// Field is the dotted path of the expression in the mapping file.
	Field string
	// Err is gojq's error.
	Err error
}

// Error returns "field: jq: message".
func (e *JQError) Error() string {
	msg := "jq: " + jqMessage(e.Err)
	if e.Field == "" {
		return msg
	}
	return e.Field + ": " + msg
}

// Unwrap returns gojq's error.
func (e *JQError) Unwrap() error { return e.Err }

// jqMessage renders a jq error; error({...}) values are shown as JSON.
func jqMessage(err error) string {
	var ve gojq.ValueError
	if errors.As(err, &ve) {
		if s, ok := ve.Value().(string); ok {
			return s
		}
	}
	return err.Error()
}

// timeoutError reports that an expression ran past its context's deadline.
// It matches ErrTimeout and unwraps to context.DeadlineExceeded.
type timeoutError struct {
	name  string
	cause error
}

func (e *timeoutError) Error() string        { return e.name + " " + ErrTimeout.Error() }
func (e *timeoutError) Is(target error) bool { return target == ErrTimeout }
func (e *timeoutError) Unwrap() error        { return e.cause }
