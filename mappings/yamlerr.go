package mappings

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// syntaxError reports a YAML syntax error ("yaml: line N: msg"). yaml.v3
// gives no column; the first character of the line is used, or the first tab
// of an indentation for "cannot start any token".
func (p *parser) syntaxError(err error) {
	m := reYAMLSyntax.FindStringSubmatch(err.Error())
	if m == nil {
		p.add(1, 1, "", "YAML: "+err.Error())
		return
	}
	line, _ := strconv.Atoi(m[1])
	msg := m[2]
	if line > 0 && isParserError(msg) {
		line++ // yaml.v3 prints 0-based lines for parser (not scanner) errors
	}
	if line == 0 && strings.Contains(msg, "cannot start any token") {
		if l, c, ok := p.findIndentTab(); ok {
			p.add(l, c, "", "YAML: "+msg+" (tabs are not allowed in indentation: use spaces)")
			return
		}
	}
	line = max(line, 1)
	if strings.Contains(msg, "tab character") {
		if i := strings.IndexByte(p.raw.line(line), '\t'); i >= 0 {
			p.add(line, len([]rune(p.raw.line(line)[:i]))+1, "", "YAML: "+msg+" (tabs are not allowed in indentation: use spaces)")
			return
		}
	}
	p.add(line, p.firstCol(line), "", "YAML: "+msg)
}

// isParserError reports the messages of yaml.v3's parser stage (as opposed
// to its scanner), whose line numbers it prints 0-based.
func isParserError(msg string) bool {
	switch msg {
	case "did not find expected ',' or ']'", "did not find expected ',' or '}'",
		"did not find expected '-' indicator", "did not find expected <document start>",
		"did not find expected key", "did not find expected node content",
		"found duplicate %TAG directive", "found duplicate %YAML directive",
		"found incompatible YAML document", "found undefined tag handle":
		return true
	}
	return false
}

// firstCol is the column of the first non-blank character of a line.
func (p *parser) firstCol(line int) int {
	s := p.raw.line(line)
	return len([]rune(s)) - len([]rune(strings.TrimLeft(s, " \t"))) + 1
}

func (p *parser) findIndentTab() (line, col int, ok bool) {
	for l := 1; l <= len(p.raw.lines); l++ {
		s := p.raw.line(l)
		indent := s[:len(s)-len(strings.TrimLeft(s, " \t"))]
		if i := strings.IndexByte(indent, '\t'); i >= 0 {
			return l, i + 1, true
		}
	}
	return 0, 0, false
}

// decodeError turns the errors of the strict decoder into positioned
// problems, in user terms (no Go type names).
func (p *parser) decodeError(err error) {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		p.syntaxError(err)
		return
	}
	for _, e := range te.Errors {
		p.typeErrorLine(e)
	}
}

func (p *parser) typeErrorLine(s string) {
	m := reLine.FindStringSubmatch(s)
	if m == nil {
		p.add(1, 1, "", s)
		return
	}
	line, _ := strconv.Atoi(m[1])
	msg := m[3]
	if m[2] != "" { // our own leaf errors carry the exact column
		col, _ := strconv.Atoi(m[2])
		p.add(line, col, p.tree.at[[2]int{line, col}], msg)
		return
	}
	if sm := reNotFound.FindStringSubmatch(msg); sm != nil {
		p.unknownField(line, sm[1], sm[2])
		return
	}
	if sm := reDuplicate.FindStringSubmatch(msg); sm != nil {
		p.dupKey = true
		k, ok := p.tree.findKey(line, sm[1])
		col := p.firstCol(line)
		if ok {
			col = k.node.Column
		}
		p.add(line, col, k.path, fmt.Sprintf("duplicate key %q (first defined on line %s)", sm[1], sm[2]))
		return
	}
	if sm := reUnmarshal.FindStringSubmatch(msg); sm != nil {
		n, path := p.tree.findValue(line, sm[1])
		if n == nil {
			p.add(line, p.firstCol(line), "", msg)
			return
		}
		p.add(n.Line, n.Column, path, fmt.Sprintf("expected %s, got %s", goTypeName(sm[2]), kindName(n)))
		return
	}
	p.add(line, p.firstCol(line), "", msg)
}

// unknownField reports a key the schema does not know, with a hint.
func (p *parser) unknownField(line int, name, typeName string) {
	k, ok := p.tree.findKey(line, name)
	l, c, path := line, p.firstCol(line), name
	if ok {
		l, c, path = k.node.Line, k.node.Column, k.path
	}
	known := fieldsByType[typeName]
	msg := fmt.Sprintf("unknown field %q", name)
	if best := closest(name, known); best != "" {
		msg += fmt.Sprintf("; did you mean %q?", best)
	} else if len(known) > 0 {
		msg += " (known fields: " + strings.Join(known, ", ") + ")"
	}
	p.add(l, c, path, msg)
}

// closest returns the candidate within Levenshtein distance 2 of name
// (the nearest, first on ties), or "".
func closest(name string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := levenshtein(strings.ToLower(name), c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// goTypeName describes a Go type from a decoder message in user terms.
func goTypeName(t string) string {
	switch {
	case t == "int":
		return "an integer"
	case t == "bool" || t == "*bool":
		return "true or false"
	case t == "string":
		return "a string"
	case t == "[]string":
		return "a list of strings"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	default:
		return "a mapping"
	}
}
