package mappings

// gojq's syntax tree carries no positions, so problems found in it (an
// object literal that lacks a field, a lookup() of an unknown type) are
// located by lining the tree up with the tokens of the program text: the
// n-th object literal of the tree is the n-th "{" of the text, the n-th call
// of a function is the n-th "name(" of the text. Where the two do not line
// up, nothing is located and callers fall back to the expression's start.

// jqToken is one token of a jq program: an identifier, one punctuation
// character, `"` for a string (followed by the tokens of its
// interpolations) or "0" for a number. Comments and white space produce
// none.
type jqToken struct {
	off  int    // byte offset in the program text
	text string // the identifier, or the punctuation character
}

func (t jqToken) is(s string) bool { return t.text == s }

// lexJQ returns the tokens of a jq program, in text order.
func lexJQ(src string) []jqToken {
	l := jqLexer{src: src}
	l.query(false)
	return l.toks
}

type jqLexer struct {
	src  string
	pos  int
	toks []jqToken
}

// query scans tokens until the end of the text or, inside a string
// interpolation, until the ")" that closes it.
func (l *jqLexer) query(interpolation bool) {
	depth := 0
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '#':
			l.comment()
		case c == '"':
			l.toks = append(l.toks, jqToken{l.pos, `"`})
			l.pos++
			l.str()
		case isSpace(c):
			l.pos++
		case isIdentByte(c, false):
			start := l.pos
			for l.pos < len(l.src) && isIdentByte(l.src[l.pos], true) {
				l.pos++
			}
			l.toks = append(l.toks, jqToken{start, l.src[start:l.pos]})
		case '0' <= c && c <= '9':
			l.toks = append(l.toks, jqToken{l.pos, "0"})
			l.number()
		default:
			if interpolation && c == ')' && depth == 0 {
				l.pos++
				return
			}
			switch c {
			case '(':
				depth++
			case ')':
				depth--
			}
			l.toks = append(l.toks, jqToken{l.pos, l.src[l.pos : l.pos+1]})
			l.pos++
		}
	}
}

// comment skips a comment; a backslash escapes the next backslash or line
// break, as in gojq's lexer.
func (l *jqLexer) comment() {
	for l.pos < len(l.src) {
		switch l.src[l.pos] {
		case '\\':
			l.pos++
			if l.pos < len(l.src) && (l.src[l.pos] == '\\' || l.src[l.pos] == '\n' || l.src[l.pos] == '\r') {
				l.pos++
			}
		case '\n', '\r':
			return
		default:
			l.pos++
		}
	}
}

// str skips a string after its opening quote, lexing its interpolations.
func (l *jqLexer) str() {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		l.pos++
		switch c {
		case '"':
			return
		case '\\':
			if l.pos < len(l.src) && l.src[l.pos] == '(' {
				l.pos++
				l.query(true)
			} else {
				l.pos++
			}
		}
	}
}

// number skips a number such as 12, 1.5 or 1e-3.
func (l *jqLexer) number() {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case '0' <= c && c <= '9', c == '.':
		case c == 'e' || c == 'E':
			if l.pos+1 < len(l.src) && (l.src[l.pos+1] == '+' || l.src[l.pos+1] == '-') {
				l.pos++
			}
		default:
			return
		}
		l.pos++
	}
}

func isIdentByte(c byte, tail bool) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || tail && '0' <= c && c <= '9'
}

// objectBraces returns the offsets of the "{" tokens, in text order.
func objectBraces(toks []jqToken) []int {
	var out []int
	for _, t := range toks {
		if t.is("{") {
			out = append(out, t.off)
		}
	}
	return out
}

// callArgs returns, for every call of function name in text order (name
// followed by "(", not a field .name, a variable $name, an object key or a
// definition), the offsets of its arguments: where each one starts.
func callArgs(toks []jqToken, name string) [][]int {
	var out [][]int
	for i, t := range toks {
		if !t.is(name) || i+1 >= len(toks) || !toks[i+1].is("(") {
			continue
		}
		if i > 0 && (toks[i-1].is(".") || toks[i-1].is("$") || toks[i-1].is("def")) {
			continue
		}
		out = append(out, argStarts(toks, i+1))
	}
	return out
}

// argStarts returns where the arguments of the call whose "(" is toks[open]
// start: after "(" and after each ";" at the call's own depth.
func argStarts(toks []jqToken, open int) []int {
	var out []int
	next := true
	depth := 0
	for _, t := range toks[open+1:] {
		if next {
			out = append(out, t.off)
			next = false
		}
		switch t.text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			if depth == 0 {
				return out
			}
			depth--
		case ";":
			if depth == 0 {
				next = true
			}
		}
	}
	return out
}
