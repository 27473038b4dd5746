package source

import (
	"net/url"
	"strings"
)

// secretParamWords mark query parameters whose values are redacted in
// logged URLs.
var secretParamWords = []string{"key", "token", "secret", "password", "passwd", "signature", "sig", "auth", "credential"}

// redactor hides secrets: known secret values are replaced by "***" in any
// text, and logged URLs lose their userinfo and secret-looking query values.
type redactor struct {
	secrets []string
	params  []string // extra parameter names to redact (api_key query)
}

// add records a secret value (empty values are ignored).
func (r *redactor) add(s string) {
	if s != "" {
		r.secrets = append(r.secrets, s)
	}
}

// text replaces every known secret in s by "***".
func (r *redactor) text(s string) string {
	for _, sec := range r.secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, "***")
		}
	}
	return s
}

// url returns u as text fit for logs and errors.
func (r *redactor) url(u *url.URL) string {
	c := *u
	c.RawQuery = r.query(c.RawQuery)
	if c.User == nil {
		return r.text(c.String())
	}
	c.User = nil
	return r.text(strings.Replace(c.String(), "://", "://***@", 1))
}

// query redacts the values of secret-looking parameters, keeping the
// order and encoding of the others.
func (r *redactor) query(raw string) string {
	if raw == "" {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		name, _, hasValue := strings.Cut(p, "=")
		if hasValue && r.secretParam(name) {
			parts[i] = name + "=***"
		}
	}
	return strings.Join(parts, "&")
}

// secretParam reports whether a query parameter's value must be hidden.
func (r *redactor) secretParam(name string) bool {
	if n, err := url.QueryUnescape(name); err == nil {
		name = n
	}
	lower := strings.ToLower(name)
	for _, p := range r.params {
		if strings.EqualFold(p, name) {
			return true
		}
	}
	for _, w := range secretParamWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// err returns an error whose message has the secrets removed; errors.As
// and errors.Is still see the original chain.
func (r *redactor) err(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := r.text(msg)
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}

// redactedError carries a cleaned message over an original error.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
