package mappings

import (
	"fmt"
	"strings"
)

// Order returns the mappings in dependency order: every mapping after the
// mappings its after: list names, otherwise in the order given. It refuses
// duplicate names, after: names that are not among ms, and cycles; every
// such problem is an *Error located in the mapping file (an ErrorList).
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
	for _, m := range ms {
		for i, dep := range m.After {
			if _, ok := byName[dep]; !ok {
				errs = append(errs, m.Errorf(fmt.Sprintf("after[%d]", i),
					"mapping %q is not part of this run: add its file to the command line, or remove it from after:", dep))
			}
		}
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
		if err := o.visit(o.byName[dep]); err != nil {
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
