package mappings

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Text is a string setting that may reference environment variables as
// ${NAME} or ${NAME:-default}; "$${" writes a literal "${". References are
// expanded once, at load time, through the lookup function given to Load or
// Parse. A default applies when the variable is unset or empty.
//
// Values that came from the environment may be secrets: print Redacted, not
// String, in logs and messages.
type Text struct {
	// Raw is the value as written in the file, before expansion.
	Raw string
	// Value is the expanded value.
	Value string
	// FromEnv reports that at least one ${NAME} reference took its value
	// from the environment (not from a default).
	FromEnv bool
	// Line and Col locate the value in the mapping file (1-based).
	Line, Col int
	// Style is the YAML style of the scalar (plain, quoted, block).
	Style yaml.Style

	bad bool // expansion failed (already reported)
}

// UnmarshalYAML keeps the raw scalar and its position; expansion happens
// after decoding. A non-scalar value is reported as a *yaml.TypeError so that
// decoding continues and every problem of the file is reported.
func (t *Text) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return typeError(n, "expected a string, got %s", kindName(n))
	}
	*t = Text{Raw: n.Value, Value: n.Value, Line: n.Line, Col: n.Column, Style: n.Style}
	if n.ShortTag() == "!!null" {
		t.Raw, t.Value = "", ""
	}
	return nil
}

// String returns the expanded value. It may be a secret taken from the
// environment; use Redacted for anything shown to people.
func (t *Text) String() string {
	if t == nil {
		return ""
	}
	return t.Value
}

// Redacted returns a form safe to show: the text as written in the file
// (with its ${NAME} references unexpanded) when a value came from the
// environment, the value otherwise.
func (t *Text) Redacted() string {
	if t == nil {
		return ""
	}
	if t.FromEnv {
		return t.Raw
	}
	return t.Value
}

// expandError is one problem with a ${...} reference, at byte offset Off of
// the raw value.
type expandError struct {
	Off int
	Msg string
	// Unset marks a reference to a variable that is not set (and has no
	// default); its value is then the reference itself, "${NAME}".
	Unset bool
}

// expand replaces ${NAME} and ${NAME:-default} references in t.Raw.
func (t *Text) expand(env func(string) (string, bool)) []expandError {
	out, fromEnv, errs := expandString(t.Raw, env)
	t.Value, t.FromEnv, t.bad = out, fromEnv, len(errs) > 0
	return errs
}

// expandString expands the references in s; see Text.
func expandString(s string, env func(string) (string, bool)) (string, bool, []expandError) {
	if !strings.Contains(s, "$") {
		return s, false, nil
	}
	var (
		b       strings.Builder
		fromEnv bool
		errs    []expandError
	)
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			b.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				errs = append(errs, expandError{Off: i, Msg: `unterminated "${": close it with "}", or write "$${" for a literal "${"`})
				b.WriteString(s[i:])
				return b.String(), fromEnv, errs
			}
			val, fe, msg, unset := lookupRef(s[i+2:i+end], env)
			if unset {
				val = s[i : i+end+1]
			}
			if msg != "" {
				errs = append(errs, expandError{Off: i, Msg: msg, Unset: unset})
			}
			b.WriteString(val)
			fromEnv = fromEnv || fe
			i += end + 1
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), fromEnv, errs
}

// lookupRef resolves the inside of one ${...} reference. unset reports
// that errMsg is about a variable that is not set (and has no default).
func lookupRef(ref string, env func(string) (string, bool)) (val string, fromEnv bool, errMsg string, unset bool) {
	name, def, hasDef := strings.Cut(ref, ":-")
	if !validEnvName(name) {
		return "", false, fmt.Sprintf("invalid environment variable reference ${%s}: expected ${NAME} or ${NAME:-default} with NAME made of letters, digits and _", ref), false
	}
	v, ok := "", false
	if env != nil {
		v, ok = env(name)
	}
	switch {
	case ok && (v != "" || !hasDef):
		return v, true, "", false
	case hasDef:
		return def, false, "", false
	default:
		return "", false, fmt.Sprintf("environment variable %s is not set: set it, or give a default as ${%s:-default}", name, name), true
	}
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '_' && !('A' <= c && c <= 'Z') && !('a' <= c && c <= 'z') && !(i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
