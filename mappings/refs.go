package mappings

import (
	"fmt"
	"slices"
)

// CheckRefs checks every ref(NAME; ...) call whose mapping name is a string
// literal against the mappings ms, which passed Order. ref() reads the Oro
// ids that mapping NAME wrote, so NAME must run before the caller:
//
//   - NAME is not among ms: when complete (ms is every mapping of the run,
//     e.g. a whole directory), an error; otherwise a warning, since NAME
//     may be a mapping left out of this invocation that ran before.
//   - NAME is among ms but not in the caller's after: list, directly or
//     through other mappings: a warning, since it may run later (a mapping
//     that refers to itself, such as a customer's parent, is fine).
//
// Each problem points at the call's mapping name in the jq text.
func CheckRefs(ms []*Mapping, complete bool) ErrorList {
	byName := make(map[string]*Mapping, len(ms))
	names := make([]string, 0, len(ms))
	for _, m := range ms {
		byName[m.Name] = m
		names = append(names, m.Name)
	}
	slices.Sort(names)
	var out ErrorList
	for _, m := range ms {
		before := runsBefore(m, byName)
		m.eachExpr(func(e *Expr) {
			if len(e.calls.refCalls) == 0 || e.calls.shadowed {
				return
			}
			pos := locateJQ(e.Src, e.query, "ref")
			for _, c := range e.calls.refCalls {
				off := -1
				if args := pos.args[c.fn]; len(args) > 0 {
					off = args[0]
				}
				if msg, warning := refProblem(m, c.mapping, byName, before, names, complete); msg != "" {
					out = append(out, m.exprProblem(e, off, warning, "ref(%q; ...): %s", c.mapping, msg))
				}
			}
		})
	}
	return out.sort()
}

// refProblem says what is wrong with m's ref() to mapping name; "" when
// nothing is.
func refProblem(m *Mapping, name string, byName map[string]*Mapping, before map[string]bool, names []string, complete bool) (msg string, warning bool) {
	_, present := byName[name]
	switch {
	case name == m.Name || before[name]:
		return "", false
	case !present && complete:
		hint := ""
		if c := closest(name, names); c != "" {
			hint = fmt.Sprintf("; did you mean %q?", c)
		}
		return fmt.Sprintf("no mapping is named %q among the mappings validated%s: name one of them, or validate the file of mapping %q too", name, hint, name), false
	case !present:
		return fmt.Sprintf("mapping %q is not among the files validated: it must have run before this one (ref() reads the ids it wrote from the state store), or every ref() to it finds nothing", name), true
	}
	return fmt.Sprintf("mapping %q may run after this one, and then ref() finds nothing: add it to after:", name), true
}

// runsBefore returns the names of the mappings that surely run before m:
// its after: list, and theirs, transitively.
func runsBefore(m *Mapping, byName map[string]*Mapping) map[string]bool {
	seen := map[string]bool{}
	var visit func(*Mapping)
	visit = func(m *Mapping) {
		for _, dep := range m.After {
			if seen[dep] {
				continue
			}
			seen[dep] = true
			if d := byName[dep]; d != nil {
				visit(d)
			}
		}
	}
	visit(m)
	return seen
}
