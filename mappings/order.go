package mappings

import (
	"fmt"
	"strings"
)

// Order returns the mappings in dependency order: every mapping after the
// mappings its after: list names, otherwise in the order given. An after:
// name that is not among ms is a mapping that ran before (its id map
// serves ref()): it does not order anything (see AfterOutside). Order
// refuses duplicate names and cycles; every such problem is an *Error
// located in the mapping file (an ErrorList).
func Order(ms []*Mapping) ([]*Mapping, error) {
	byName := make(map[string]*Mapping, len(ms))
	var errs ErrorList
	for _, m := range ms {
		if prev, dup := byName[m.Name]; dup {
			errs = append(errs, m.Errorf("name", "%q is also the name of %s: names must be unique in a run", m.Name, prev.File))
			continue
		}
		byName[m.Name] = m
	}
	if len(errs) > 0 {
		return nil, errs.sort()
	}
	o := orderer{byName: byName, mark: make(map[string]int, len(ms))}
	for _, m := range ms {
		if err := o.visit(m); err != nil {
			return nil, ErrorList{err}
		}
	}
	return o.out, nil
}

// AfterOutside warns about after: names that are not among ms: such a
// mapping must have run before against the same Oro (its id map serves
// ref()), or the name is misspelled.
func AfterOutside(ms []*Mapping) ErrorList {
	names := make(map[string]bool, len(ms))
	for _, m := range ms {
		names[m.Name] = true
	}
	var out ErrorList
	for _, m := range ms {
		for i, dep := range m.After {
			if !names[dep] {
				out = append(out, m.Warnf(fmt.Sprintf("after[%d]", i),
					"mapping %q is not among the mapping files given: it must have run before against the same Oro (or give its file too)", dep))
			}
		}
	}
	return out.sort()
}

// orderer is a depth-first topological sort that reports the cycle it
// finds.
type orderer struct {
	byName map[string]*Mapping
	mark   map[string]int // 0 unvisited, 1 visiting, 2 done
	path   []*Mapping
	out    []*Mapping
}

func (o *orderer) visit(m *Mapping) *Error {
	switch o.mark[m.Name] {
	case 2:
		return nil
	case 1:
		return o.cycle(m)
	}
	o.mark[m.Name] = 1
	o.path = append(o.path, m)
	for _, dep := range m.After {
		d, ok := o.byName[dep]
		if !ok {
			continue // ran before: not part of this run
		}
		if err := o.visit(d); err != nil {
			return err
		}
	}
	o.path = o.path[:len(o.path)-1]
	o.mark[m.Name] = 2
	o.out = append(o.out, m)
	return nil
}

// cycle reports the cycle that leads back to m, at the after: entry of the
// last mapping on the path, which closes it.
func (o *orderer) cycle(m *Mapping) *Error {
	start := 0
	for i, p := range o.path {
		if p.Name == m.Name {
			start = i
		}
	}
	var names []string
	for _, p := range o.path[start:] {
		names = append(names, p.Name)
	}
	names = append(names, m.Name)
	last := o.path[len(o.path)-1]
	at := "after"
	for i, dep := range last.After {
		if dep == m.Name {
			at = fmt.Sprintf("after[%d]", i)
		}
	}
	return last.Errorf(at, "dependency cycle between mappings: %s: remove one of these after: entries",
		strings.Join(names, " → "))
}
