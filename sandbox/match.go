package sandbox

import (
	"fmt"
	"slices"
	"strings"

	"github.com/orosync/orosync/resources"
)

// fieldValues returns what a filter or sort compares for field: the id, the
// related ids, or the attribute value.
func fieldValues(sp *resourceSpec, r *Resource, field string) []any {
	switch {
	case field == "id":
		return []any{r.ID}
	case sp.Rel(field) != nil:
		var out []any
		for _, ref := range r.Relationships[field] {
			out = append(out, ref.ID)
		}
		return out
	}
	if v := r.Attributes[field]; v != nil {
		return []any{v}
	}
	return nil
}

// compareField compares a stored value with a filter value by the field's
// kind: ids numerically when both are integers, datetimes as times, numbers
// exactly, everything else as text.
func compareField(sp *resourceSpec, field string, stored any, want string) int {
	if field == "id" || sp.Rel(field) != nil {
		return compareIDs(toText(stored), want)
	}
	if as := sp.Attr(field); as != nil {
		switch as.Kind {
		case resources.DateTime:
			a, _ := parseFilterTime(toText(stored))
			b, _ := parseFilterTime(want)
			return a.Compare(b)
		case resources.Int, resources.Number, resources.Decimal, resources.Money:
			return compareNumbers(stored, want)
		case resources.Bool:
			b, _ := parseBool(want)
			if stored == b {
				return 0
			}
			return 1
		}
	}
	return strings.Compare(toText(stored), want)
}

func toText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// matches reports whether r satisfies c.
func matches(sp *resourceSpec, r *Resource, c cond) bool {
	vals := fieldValues(sp, r, c.field)
	if c.op == "exists" {
		return (len(vals) > 0) == c.exists
	}
	if len(vals) == 0 {
		return false // Oro's neq excludes nulls (neq_or_null includes them)
	}
	if c.isRange {
		return slices.ContainsFunc(vals, func(v any) bool {
			return compareField(sp, c.field, v, c.values[0]) >= 0 && compareField(sp, c.field, v, c.values[1]) <= 0
		})
	}
	anyEq := slices.ContainsFunc(vals, func(v any) bool {
		return slices.ContainsFunc(c.values, func(w string) bool { return compareField(sp, c.field, v, w) == 0 })
	})
	switch c.op {
	case "eq":
		return anyEq
	case "neq":
		return !anyEq
	}
	return slices.ContainsFunc(vals, func(v any) bool {
		d := compareField(sp, c.field, v, c.values[0])
		switch c.op {
		case "gt":
			return d > 0
		case "gte":
			return d >= 0
		case "lt":
			return d < 0
		}
		return d <= 0
	})
}

// sortRecords orders rows by the sort keys (default: id ascending); nulls
// come first.
func sortRecords(sp *resourceSpec, rows []*Resource, keys []string) {
	if len(keys) == 0 {
		return // rows come sorted by id
	}
	slices.SortStableFunc(rows, func(a, b *Resource) int {
		for _, k := range keys {
			field, desc := strings.TrimPrefix(k, "-"), strings.HasPrefix(k, "-")
			d := compareSortValues(sp, field, fieldValues(sp, a, field), fieldValues(sp, b, field))
			if desc {
				d = -d
			}
			if d != 0 {
				return d
			}
		}
		return 0
	})
}

func compareSortValues(sp *resourceSpec, field string, a, b []any) int {
	switch {
	case len(a) == 0 && len(b) == 0:
		return 0
	case len(a) == 0:
		return -1
	case len(b) == 0:
		return 1
	}
	return compareField(sp, field, a[0], toText(b[0]))
}
