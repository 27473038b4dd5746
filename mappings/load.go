package mappings

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Load reads, decodes, validates and compiles the mapping file at path.
// env looks up environment variables for ${NAME} references (os.LookupEnv in
// production; nil means an empty environment). Problems in the file are
// returned as an ErrorList holding every problem found, sorted by position.
func Load(path string, env func(string) (string, bool), opts ...LoadOption) (*Mapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read mapping file: %w", err)
	}
	return Parse(path, data, env, opts...)
}

// Parse decodes, validates and compiles a mapping from data; file names it
// in messages and sets Mapping.File and Mapping.Dir. See Load.
func Parse(file string, data []byte, env func(string) (string, bool), opts ...LoadOption) (m *Mapping, err error) {
	p := &parser{file: file, raw: newRawText(data), env: env}
	for _, o := range opts {
		o(p)
	}
	defer func() {
		if r := recover(); r != nil { // a decoder bug must not crash the caller
			m, err = nil, ErrorList{{File: file, Line: 1, Col: 1, Msg: fmt.Sprintf("cannot decode the file: %v", r)}}
		}
	}()
	m = p.parse(data)
	if len(p.errs) > 0 {
		return nil, p.errs.sort()
	}
	m.File = file
	m.Dir = filepath.Dir(file)
	m.nodes, m.raw = p.tree, p.raw
	return m, nil
}

// parser holds the state of one Parse call.
type parser struct {
	file   string
	raw    *rawText
	env    func(string) (string, bool)
	tree   *nodeIndex
	errs   ErrorList
	dupKey bool // a duplicate key made the decoder skip a mapping
	// allowUnset tolerates ${NAME} references to unset variables
	// (AllowUnsetEnv).
	allowUnset bool
}

// LoadOption changes how Load and Parse treat a file.
type LoadOption func(*parser)

// AllowUnsetEnv loads a mapping whose ${NAME} references name variables
// that are not set: their value is the reference itself ("${NAME}") and
// the settings holding them are not checked further. For commands that
// only run the transform (test, eval), so that they need no secrets; such
// a mapping must not be run.
func AllowUnsetEnv() LoadOption { return func(p *parser) { p.allowUnset = true } }

func (p *parser) parse(data []byte) *Mapping {
	root := p.parseTree(data)
	if root == nil {
		return nil
	}
	p.tree = indexTree(root)
	if !p.checkVersion() {
		return nil
	}
	m := &Mapping{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(m); err != nil {
		p.decodeError(err)
	}
	if p.dupKey {
		// yaml.v3 skips a whole mapping with a duplicate key: checking
		// further would only report settings as missing.
		return m
	}
	p.prepare(m)
	p.validate(m)
	return m
}

// parseTree parses the file into a node tree (without the schema) and
// returns its top-level mapping node, or nil after reporting why not.
func (p *parser) parseTree(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.add(1, 1, "", `the file is empty: a mapping starts with "version: 1"`)
		} else {
			p.syntaxError(err)
		}
		return nil
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		p.add(extra.Line, extra.Column, "", `a mapping file holds one YAML document: remove the second document (after "---") or move it to its own file`)
	case !errors.Is(err, io.EOF):
		p.syntaxError(err)
	}
	if len(doc.Content) == 0 {
		p.add(1, 1, "", `the file is empty: a mapping starts with "version: 1"`)
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		p.add(root.Line, root.Column, "", fmt.Sprintf("expected a mapping (version, name, source, target, transform, ...), got %s", kindName(root)))
		return nil
	}
	return root
}

// checkVersion reports a missing or unsupported version; the rest of the
// file is not checked then, since it may follow another schema.
func (p *parser) checkVersion() bool {
	n := p.tree.value["version"]
	if n == nil {
		p.add(1, 1, "version", `missing: add "version: 1" at the top of the file`)
		return false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Value != "1" {
		what := kindName(n)
		if n.Kind == yaml.ScalarNode {
			what = strconv.Quote(truncate(n.Value, 20))
		}
		p.add(n.Line, n.Column, "version", fmt.Sprintf("unsupported version %s: this orosync reads version 1", what))
		return false
	}
	return true
}

// add records one problem; line and column are clamped to at least 1.
func (p *parser) add(line, col int, field, msg string) {
	p.errs = append(p.errs, &Error{File: p.file, Line: max(line, 1), Col: max(col, 1), Field: field, Msg: msg})
}

// prepare expands every Text and compiles every Expr of m.
func (p *parser) prepare(m *Mapping) {
	walkLeaves(m, func(path string, leaf any) {
		switch leaf := leaf.(type) {
		case *Text:
			if leaf.Line > 0 { // 0: the value was rejected while decoding
				p.expandText(path, leaf)
			}
		case *Expr:
			if leaf.Line > 0 {
				p.errs = append(p.errs, leaf.compile(p.raw, p.file, path)...)
			}
		}
	})
}

func (p *parser) expandText(path string, t *Text) {
	for _, e := range t.expand(p.env) {
		if e.Unset && p.allowUnset {
			continue
		}
		line, col := p.raw.scalarPos(t.Raw, e.Off, t.Line, t.Col, t.Style)
		p.add(line, col, path, e.Msg)
	}
}
