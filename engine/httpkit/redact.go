package httpkit

import (
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Mask replaces a secret in redacted text.
const Mask = "***"

// maxRecent is how many short-lived secrets (access tokens) a Redactor
// keeps.
const maxRecent = 16

// secretParamWords mark query parameters whose values are hidden in URLs.
var secretParamWords = []string{"key", "token", "secret", "password", "passwd", "signature", "sig", "auth", "credential"}

// Redactor hides secrets in messages, logs and URLs: every known secret
// value is replaced by [Mask], and URLs lose their userinfo and the values of
// secret-looking query parameters. The zero value hides nothing but URL
// userinfo and secret-looking parameters; it is safe for concurrent use.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string // longest first, so that no part of a longer one survives
	recent  []string // short-lived secrets, oldest first
	params  []string // extra query parameter names whose values are secret
}

// Add records a secret that lives as long as the Redactor (a client secret,
// a password, an API key). Empty values are ignored.
func (r *Redactor) Add(secret string) {
	if secret == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Contains(r.secrets, secret) {
		r.secrets = append(r.secrets, secret)
		slices.SortStableFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
	}
}

// AddRecent records a short-lived secret such as an access token. Only the
// most recent ones are kept, so that a long run does not accumulate them.
func (r *Redactor) AddRecent(secret string) {
	if secret == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if slices.Contains(r.recent, secret) {
		return
	}
	r.recent = append(r.recent, secret)
	if len(r.recent) > maxRecent {
		r.recent = slices.Delete(r.recent, 0, len(r.recent)-maxRecent)
	}
}

// AddParam makes the value of the query parameter name (compared without
// case) secret in every URL, whatever its name looks like.
func (r *Redactor) AddParam(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.params = append(r.params, name)
}

// Redact returns s with every known secret replaced by [Mask].
func (r *Redactor) Redact(s string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, list := range [][]string{r.secrets, r.recent} {
		for _, sec := range list {
			s = strings.ReplaceAll(s, sec, Mask)
		}
	}
	return s
}

// URL returns u as text fit for logs and errors: userinfo becomes [Mask],
// secret-looking query parameter values are masked (keeping the order and
// encoding of the others), and known secrets are replaced.
func (r *Redactor) URL(u *url.URL) string {
	c := *u
	c.RawQuery = r.query(c.RawQuery)
	if c.User == nil {
		return r.Redact(c.String())
	}
	c.User = nil
	return r.Redact(strings.Replace(c.String(), "://", "://"+Mask+"@", 1))
}

// RawURL is [Redactor.URL] for a URL given as text, such as a Location
// header; text that is not a URL is shown as [Mask].
func (r *Redactor) RawURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return Mask
	}
	return r.URL(u)
}

// query masks the values of secret-looking parameters of a raw query.
func (r *Redactor) query(raw string) string {
	if raw == "" {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		name, _, hasValue := strings.Cut(p, "=")
		if hasValue && r.SecretParam(name) {
			parts[i] = name + "=" + Mask
		}
	}
	return strings.Join(parts, "&")
}

// SecretParam reports whether the value of the query parameter name (raw or
// escaped) is hidden in URLs: it was given to AddParam, or its name contains
// key, token, secret, password, passwd, signature, sig, auth or credential.
func (r *Redactor) SecretParam(name string) bool {
	if n, err := url.QueryUnescape(name); err == nil {
		name = n
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, p := range r.params {
		if strings.EqualFold(p, name) {
			return true
		}
	}
	lower := strings.ToLower(name)
	for _, w := range secretParamWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// Err returns err with the secrets removed from its message. errors.Is and
// errors.As still see the original chain, whose messages are not cleaned:
// print the returned error, not what it wraps. An error without secrets is
// returned as is.
func (r *Redactor) Err(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := r.Redact(msg)
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}

// redactedError carries a cleaned message over the original error.
type redactedError struct {
	msg string
	err error
}

// Error returns the cleaned message.
func (e *redactedError) Error() string { return e.msg }

// Unwrap returns the original error.
func (e *redactedError) Unwrap() error { return e.err }
