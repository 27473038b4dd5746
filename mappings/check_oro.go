package mappings

import (
	"fmt"
	"slices"
	"strings"

	"github.com/itchyny/gojq"

	"github.com/orosync/orosync/resources"
)

// This file holds the checks of a mapping against orosync's table of Oro
// resources (package resources): the resource types it names, the writes
// it asks for, the filters of target.match and lookup(), and the fields
// its transform's object literals set. Checks that need the transform's
// output read it from the syntax tree (shape.go) and say nothing where it
// is too dynamic to read.

// typeProblem says what is wrong with a resource type name: an error for a
// name no Oro resource can have, a warning for a name orosync does not
// know that is close to one it knows or that is not a custom entity's.
// Known types, the community types the table does not describe and custom
// entities ("extend...") are fine.
func typeProblem(typ string) (msg string, warning bool) {
	if _, known := resources.Lookup(typ); known || resources.Unmodeled(typ) {
		return "", false
	}
	suggestion, near := resources.Suggest(typ)
	switch {
	case !resources.ValidType(typ) && near:
		return fmt.Sprintf("%q cannot be an Oro resource type (types are lower case letters, digits and _): did you mean %q?", typ, suggestion), false
	case !resources.ValidType(typ):
		return fmt.Sprintf("%q cannot be an Oro resource type: types are lower case letters, digits and _, starting with a letter, e.g. \"customers\"", typ), false
	case resources.CustomType(typ):
		return "", false
	case near:
		return fmt.Sprintf("orosync does not know resource %q; did you mean %q? (if %q is a resource of your Oro, such as an extension's, ignore this)", typ, suggestion, typ), true
	}
	return fmt.Sprintf("orosync does not know resource %q, so it cannot check its writes, filters or required fields: check the name in your Oro's API sandbox (/admin/api/doc)", typ), true
}

// checkTargetType reports a target.type orosync does not know.
func (m *Mapping) checkTargetType() ErrorList {
	msg, warning := typeProblem(m.Target.Type)
	if msg == "" {
		return nil
	}
	return ErrorList{m.problem("target.type", warning, "%s", msg)}
}

// checkWrite reports writes Oro refuses: any write to a read-only
// resource, a create (write: create or upsert) where Oro has no POST, an
// update where it has no PATCH (oro-api.md §4: a disabled action is
// answered 405).
func (m *Mapping) checkWrite(r *resources.Resource) ErrorList {
	t := m.Target
	if !r.Writable() {
		if r.WritesUnconfirmed {
			return ErrorList{m.Warnf("target.type", "Oro probably cannot create or update %s (enum values are read-only like dictionaries): expect 405 answers; find them with lookup(%q; {...}) instead", t.Type, t.Type)}
		}
		return ErrorList{m.Errorf("target.type", "%s is read-only in Oro's back-office API (POST and PATCH are answered 405): records of it must exist in Oro; find them with lookup(%q; {...}) in the mapping that refers to them", t.Type, t.Type)}
	}
	at, explicit := "target.write", m.nodes != nil && m.nodes.value["target.write"] != nil
	if !explicit {
		at = "target.type"
	}
	switch {
	case t.Write != "update" && !r.Allows(resources.Create):
		if !explicit {
			return ErrorList{m.Errorf(at, "write defaults to create, but Oro cannot create %s (POST is disabled: 405): set target.write: update", t.Type)}
		}
		return ErrorList{m.Errorf(at, "Oro cannot create %s (POST is disabled: 405), so write: %s fails for every record it does not find: use write: update", t.Type, t.Write)}
	case t.Write != "create" && !r.Allows(resources.Update):
		return ErrorList{m.Errorf(at, "Oro cannot update %s (PATCH is disabled: 405): use write: create", t.Type)}
	}
	return nil
}

// checkMatch checks target.match against the resource's filters: every
// name must be a filter of the resource (Oro answers 400 "filter
// constraint" otherwise, §8), and a filter the resource requires must be
// there (productprices need priceList, §8).
func (m *Mapping) checkMatch(r *resources.Resource) ErrorList {
	match := m.Target.Match
	if len(match) == 0 {
		return nil
	}
	names := make([]string, 0, len(match))
	for name := range match {
		names = append(names, name)
	}
	slices.Sort(names)
	var out ErrorList
	for _, name := range names {
		if msg, warning := filterProblem(r, name); msg != "" {
			out = append(out, m.keyProblem("target.match."+name, warning, "%s", msg))
		}
	}
	if f := r.RequiredFilter; f != "" && match[f] == nil {
		out = append(out, m.keyProblem("target.match", false, "Oro lists %s only with filter[%s]: add %s to target.match, e.g. %s",
			r.Type, f, f, matchExample(r, f)))
	}
	return out
}

// filterProblem says why filter[name] does not work on r: an error when
// the table knows the field and that it has no filter, a warning when the
// table does not know the field (an instance may enable a filter on a
// field of its own).
func filterProblem(r *resources.Resource, name string) (msg string, warning bool) {
	if r.Filter(name) != nil {
		return "", false
	}
	known := strings.Join(r.FilterNames(), ", ")
	if r.Attr(name) != nil || r.Rel(name) != nil {
		return fmt.Sprintf("Oro has no filter[%s] for %s (it answers 400 \"Filter is not supported\"): filter by one of %s", name, r.Type, known), false
	}
	if c := closest(name, r.FilterNames()); c != "" {
		return fmt.Sprintf("orosync knows no filter[%s] for %s; did you mean %q? (unless your Oro enables filter[%s], it answers 400 \"Filter is not supported\")", name, r.Type, c, name), true
	}
	return fmt.Sprintf("orosync knows no filter[%s] for %s (it knows %s): unless your Oro enables one, it answers 400 \"Filter is not supported\"", name, r.Type, known), true
}

// matchExample shows the target.match entry for filter f of r.
func matchExample(r *resources.Resource, f string) string {
	if r.Rel(f) != nil {
		return fmt.Sprintf("%s: .relationships.%s.data.id", f, f)
	}
	return fmt.Sprintf("%s: .attributes.%s", f, f)
}

// checkLookups checks the lookup() calls of every jq expression whose type
// is a string literal: the type, and, when the filter is an object literal,
// its filter names and the filter the resource requires.
func (m *Mapping) checkLookups() ErrorList {
	var out ErrorList
	m.eachExpr(func(e *Expr) {
		if len(e.calls.lookups) == 0 || e.calls.shadowed {
			return
		}
		pos := locateJQ(e.Src, e.query, "lookup")
		for _, c := range e.calls.lookups {
			out = append(out, m.checkLookup(e, pos, c)...)
		}
	})
	return out
}

func (m *Mapping) checkLookup(e *Expr, pos jqPositions, c lookupCall) ErrorList {
	args := pos.args[c.fn]
	typeAt, filterAt := -1, -1
	if len(args) == 2 {
		typeAt, filterAt = args[0], args[1]
	}
	if msg, warning := typeProblem(c.typ); msg != "" {
		return ErrorList{m.exprProblem(e, typeAt, warning, "lookup(%q; ...): %s", c.typ, msg)}
	}
	r, known := resources.Lookup(c.typ)
	if !known || !c.filterKnown {
		return nil
	}
	var out ErrorList
	for _, name := range c.filter {
		if msg, warning := filterProblem(r, name); msg != "" {
			out = append(out, m.exprProblem(e, filterAt, warning, "lookup(%q; ...): %s", c.typ, msg))
		}
	}
	if f := r.RequiredFilter; f != "" && !slices.Contains(c.filter, f) {
		out = append(out, m.exprProblem(e, filterAt, false, "lookup(%q; ...): Oro lists %s only with filter[%s]: add %s to the filter object",
			c.typ, r.Type, f, f))
	}
	return out
}

// checkMatchSet reports a target.match path that the transform never
// sets, such as match: {sku: .attributes.sku} with a transform whose
// object literal has no sku attribute: every record would have no natural
// key, so the match would find nothing. Only plain paths are checked, and
// only when every output of the transform can be read.
func (m *Mapping) checkMatchSet() ErrorList {
	if len(m.Target.Match) == 0 || m.Transform == nil || m.Transform.query == nil {
		return nil
	}
	primaries, ok := readablePrimaries(m.Transform)
	if !ok {
		return nil
	}
	var out ErrorList
	for name, e := range m.Target.Match {
		if e == nil || e.path == nil {
			continue
		}
		never := true
		for _, p := range primaries {
			never = never && pathAbsent(p, e.path)
		}
		if never {
			out = append(out, m.Errorf("target.match."+name, "the transform never sets %s, so no record has this natural key and target.match finds nothing: set it in the transform's output, or match on a field it sets", strings.TrimSpace(e.Src)))
		}
	}
	return out
}

// readablePrimaries reads the primary resource objects of the
// transform's outputs; ok is false when one of them cannot be read or the
// transform surely has no output.
func readablePrimaries(e *Expr) ([]*shape, bool) {
	outs := outputShapes(e.query)
	var out []*shape
	for _, o := range outs {
		p := primaryShape(o)
		if p == nil {
			return nil, false
		}
		out = append(out, p)
	}
	return out, len(out) > 0
}

// checkRequired reports required attributes and relationships (the
// table's Required fields, §12) that a readable output of the transform
// lacks, when the mapping may create records (write: create or upsert).
// An update need not carry them. Each problem points at the object
// literal that lacks the field.
func (m *Mapping) checkRequired(r *resources.Resource) ErrorList {
	if m.Target.Write == "update" || m.Transform == nil || m.Transform.query == nil || !r.Allows(resources.Create) {
		return nil
	}
	var attrs, rels []string
	for _, a := range r.Attrs {
		if a.Required {
			attrs = append(attrs, a.Name)
		}
	}
	for _, rel := range r.Rels {
		if rel.Required {
			rels = append(rels, rel.Name)
		}
	}
	var pos *jqPositions
	var out ErrorList
	for _, o := range outputShapes(m.Transform.query) {
		p := primaryShape(o)
		if p == nil {
			continue
		}
		for _, sec := range []struct {
			name   string
			fields []string
		}{{"attributes", attrs}, {"relationships", rels}} {
			missing, lit := missingFields(p, sec.name, sec.fields)
			if len(missing) == 0 {
				continue
			}
			if pos == nil {
				located := locateJQ(m.Transform.Src, m.Transform.query)
				pos = &located
			}
			off, found := pos.objects[lit]
			if !found {
				off = -1
			}
			out = append(out, m.exprProblem(m.Transform, off, false, "%s needs %s on create (Oro answers 400 \"not blank constraint\" without %s)%s: add %s",
				r.Type, joinFields(sec.name, missing), pronoun(missing), upsertNote(m.Target.Write), joinFields(sec.name, missing)))
		}
	}
	return out
}

// missingFields returns the fields a primary object surely lacks in
// section sec (attributes or relationships), and the object literal to
// point at: the section's, or the primary's when the section is missing.
func missingFields(p *shape, sec string, fields []string) ([]string, *gojq.Object) {
	if len(fields) == 0 || !p.closed() {
		return nil, nil
	}
	s := p.has(sec)
	if s == nil {
		return fields, p.lit
	}
	if !s.closed() {
		return nil, nil
	}
	var missing []string
	for _, f := range fields {
		if s.has(f) == nil {
			missing = append(missing, f)
		}
	}
	lit := s.lit
	if lit == nil {
		lit = p.lit
	}
	return missing, lit
}

func joinFields(sec string, fields []string) string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = sec + "." + f
	}
	return strings.Join(out, ", ")
}

func pronoun(fields []string) string {
	if len(fields) == 1 {
		return "it"
	}
	return "them"
}

func upsertNote(write string) string {
	if write == "upsert" {
		return "; write: upsert creates the records it does not find"
	}
	return ""
}

// eachExpr calls fn with every compiled jq expression of the mapping.
func (m *Mapping) eachExpr(fn func(*Expr)) {
	walkLeaves(m, func(_ string, leaf any) {
		if e, ok := leaf.(*Expr); ok && e.query != nil {
			fn(e)
		}
	})
}

// problem is Errorf or Warnf.
func (m *Mapping) problem(path string, warning bool, format string, args ...any) *Error {
	e := m.Errorf(path, format, args...)
	e.Warning = warning
	return e
}

// keyProblem is problem located at the key of path (a target.match
// entry's filter name) rather than at its value.
func (m *Mapping) keyProblem(path string, warning bool, format string, args ...any) *Error {
	e := m.problem(path, warning, format, args...)
	if m.nodes != nil {
		e.Line, e.Col = m.nodes.keyPos(path)
	}
	return e
}

// exprProblem is a problem located at byte offset off of expression e's
// text, or at the expression's start when off is negative.
func (m *Mapping) exprProblem(e *Expr, off int, warning bool, format string, args ...any) *Error {
	p := m.problem(e.field, warning, format, args...)
	if off >= 0 && m.raw != nil {
		p.Line, p.Col = m.raw.scalarPos(e.Src, off, e.Line, e.Col, e.Style)
	}
	return p
}
