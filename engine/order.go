package engine

import (
	"fmt"
	"strings"

	"github.com/orosync/orosync/mappings"
)

// Order returns the mappings in dependency order: every mapping after the
// mappings its `after:` list names, otherwise in the order given. It refuses
// duplicate names, unknown names in `after:` and cycles.
func Order(ms []*mappings.Mapping) ([]*mappings.Mapping, error) {
	byName := make(map[string]*mappings.Mapping, len(ms))
	for _, m := range ms {
		if prev, dup := byName[m.Name]; dup {
			return nil, fmt.Errorf("%s: mapping name %q is also used by %s: names must be unique in a run", m.File, m.Name, prev.File)
		}
		byName[m.Name] = m
	}
	for _, m := range ms {
		for _, dep := range m.After {
			if _, ok := byName[dep]; !ok {
				return nil, fmt.Errorf("%s: after: mapping %q is not part of this run: add its file to the command line, or remove it from after:", m.File, dep)
			}
		}
	}
	const (
		unvisited = iota
		visiting
		done
	)
	mark := make(map[string]int, len(ms))
	out := make([]*mappings.Mapping, 0, len(ms))
	var path []string
	var visit func(m *mappings.Mapping) error
	visit = func(m *mappings.Mapping) error {
		switch mark[m.Name] {
		case done:
			return nil
		case visiting:
			start := 0
			for i, n := range path {
				if n == m.Name {
					start = i
				}
			}
			cycle := append(append([]string{}, path[start:]...), m.Name)
			return fmt.Errorf("%s: dependency cycle between mappings: %s: remove one of these after: entries", m.File, strings.Join(cycle, " → "))
		}
		mark[m.Name] = visiting
		path = append(path, m.Name)
		for _, dep := range m.After {
			if err := visit(byName[dep]); err != nil {
				return err
			}
		}
		path = path[:len(path)-1]
		mark[m.Name] = done
		out = append(out, m)
		return nil
	}
	for _, m := range ms {
		if err := visit(m); err != nil {
			return nil, err
		}
	}
	return out, nil
}
