package source

import (
	"net/http"
	"strings"
)

// link is one link of an RFC 8288 Link header.
type link struct {
	target string
	params map[string]string // lower-case names; rel as written
}

// parseLinks parses Link header values: `<uri>; rel="next"; title="a, b",
// <uri2>; rel=prev`. Several header lines and several links per line are
// accepted; commas and semicolons inside quoted strings do not split.
// Malformed parts are skipped.
func parseLinks(values []string) []link {
	var out []link
	for _, v := range values {
		s := v
		for {
			s = strings.TrimLeft(s, " \t,")
			if !strings.HasPrefix(s, "<") {
				if i := strings.IndexByte(s, ','); i >= 0 && s != "" {
					s = s[i+1:] // skip garbage up to the next link
					continue
				}
				break
			}
			end := strings.IndexByte(s, '>')
			if end < 0 {
				break
			}
			l := link{target: strings.TrimSpace(s[1:end]), params: map[string]string{}}
			s = parseLinkParams(s[end+1:], l.params)
			out = append(out, l)
		}
	}
	return out
}

// parseLinkParams reads `; name=value` pairs up to the comma ending the link
// and returns the rest of the input.
func parseLinkParams(s string, params map[string]string) string {
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" || s[0] == ',' {
			return s
		}
		if s[0] != ';' {
			i := strings.IndexByte(s, ',') // garbage: skip to the next link
			if i < 0 {
				return ""
			}
			return s[i:]
		}
		s = strings.TrimLeft(s[1:], " \t")
		n := strings.IndexAny(s, "=;,")
		if n < 0 {
			n = len(s)
		}
		name := strings.ToLower(strings.TrimSpace(s[:n]))
		s = s[n:]
		value := ""
		if strings.HasPrefix(s, "=") {
			value, s = linkParamValue(strings.TrimLeft(s[1:], " \t"))
		}
		if _, dup := params[name]; !dup && name != "" { // RFC 8288: first one wins
			params[name] = value
		}
	}
}

// linkParamValue reads a token or a quoted string (with backslash escapes).
func linkParamValue(s string) (value, rest string) {
	if !strings.HasPrefix(s, `"`) {
		n := strings.IndexAny(s, ";,")
		if n < 0 {
			n = len(s)
		}
		return strings.TrimSpace(s[:n]), s[n:]
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), "" // unterminated: take the rest
}

// nextLink returns the target of the first link whose rel includes "next"
// (relation types are space-separated and case-insensitive), or "".
func nextLink(h http.Header) string {
	for _, l := range parseLinks(h.Values("Link")) {
		for _, rel := range strings.Fields(l.params["rel"]) {
			if strings.EqualFold(rel, "next") {
				return l.target
			}
		}
	}
	return ""
}
