package state

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Instance normalises an Oro API base URL into the instance name the store
// is keyed by, so that spellings of the same base URL share state:
// the scheme and host are lower-cased, a default port (:80 for http, :443 for
// https) is dropped, trailing slashes are trimmed and the query and fragment
// are dropped. User info (credentials) is dropped and never appears in the
// result or in errors.
//
//	Instance("HTTPS://Shop.Example.com:443/admin/api/") == "https://shop.example.com/admin/api"
func Instance(baseURL string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil {
		// url.Error repeats the input, which may carry credentials.
		return "", fmt.Errorf("invalid Oro base URL %s: not a URL; expected e.g. https://shop.example.com/api", redact(baseURL))
	}
	scheme := strings.ToLower(u.Scheme)
	if (scheme != "http" && scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("invalid Oro base URL %s: must be an absolute http(s) URL, e.g. https://shop.example.com/api", redact(baseURL))
	}
	host := strings.ToLower(u.Hostname())
	if port := u.Port(); port != "" && !(scheme == "http" && port == "80") && !(scheme == "https" && port == "443") {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6 literal without port
	}
	path := strings.TrimRight(u.EscapedPath(), "/")
	return scheme + "://" + host + path, nil
}

// redact hides user info and the query of a malformed URL, which may carry
// credentials, so they stay out of error messages.
func redact(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i] + "?***"
	}
	rest, scheme := raw, ""
	if i := strings.Index(raw, "://"); i >= 0 {
		scheme, rest = raw[:i+3], raw[i+3:]
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		rest = "***@" + rest[at+1:]
	}
	return fmt.Sprintf("%q", scheme+rest)
}
