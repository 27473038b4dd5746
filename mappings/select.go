package mappings

import (
	"fmt"
	"slices"
	"strings"
)

// Select returns the mappings of ms that the selection expressions name,
// in the spirit of dbt's --select:
//
//	NAME     the mapping alone
//	+NAME    it and every mapping it runs after (after:, transitively)
//	NAME+    it and every mapping that runs after it, transitively
//	+NAME+   both
//
// Several expressions (or one with commas) select the union; the result
// keeps the order of ms. An unknown name is an error that suggests the
// closest name. No expression selects every mapping.
func Select(ms []*Mapping, exprs []string) ([]*Mapping, error) {
	var terms []string
	for _, e := range exprs {
		for _, t := range strings.Split(e, ",") {
			if t = strings.TrimSpace(t); t != "" {
				terms = append(terms, t)
			}
		}
	}
	if len(terms) == 0 {
		return ms, nil
	}
	byName := make(map[string]*Mapping, len(ms))
	after := map[string][]string{} // name → mappings that run after it
	var names []string
	for _, m := range ms {
		byName[m.Name] = m
		names = append(names, m.Name)
		for _, dep := range m.After {
			after[dep] = append(after[dep], m.Name)
		}
	}
	chosen := map[string]bool{}
	for _, t := range terms {
		up, down := strings.HasPrefix(t, "+"), strings.HasSuffix(t, "+")
		name := strings.TrimSuffix(strings.TrimPrefix(t, "+"), "+")
		if _, ok := byName[name]; !ok {
			msg := fmt.Sprintf("--select %s: no mapping named %q among the mapping files given", t, name)
			if best := closest(name, names); best != "" {
				msg += fmt.Sprintf("; did you mean %q?", best)
			}
			return nil, fmt.Errorf("%s", msg)
		}
		chosen[name] = true
		if up {
			walk(name, func(n string) []string {
				if m := byName[n]; m != nil {
					return m.After
				}
				return nil
			}, chosen)
		}
		if down {
			walk(name, func(n string) []string { return after[n] }, chosen)
		}
	}
	return slices.DeleteFunc(slices.Clone(ms), func(m *Mapping) bool { return !chosen[m.Name] }), nil
}

// walk marks every name reachable from start through next.
func walk(start string, next func(string) []string, seen map[string]bool) {
	for _, n := range next(start) {
		if !seen[n] {
			seen[n] = true
			walk(n, next, seen)
		}
	}
}
