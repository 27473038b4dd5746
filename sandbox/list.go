package sandbox

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orosync/orosync/resources"
)

// Paging defaults (Oro's default_page_size and max_delete_entities).
const (
	defaultPageSize   = 10
	maxDeleteEntities = 100
)

// filterKey matches filter[field] and filter[field][op].
var filterKey = regexp.MustCompile(`^filter\[([^\[\]]+)\](?:\[([^\[\]]*)\])?$`)

// cond is one parsed filter condition.
type cond struct {
	field   string
	op      string   // eq neq gt gte lt lte exists
	values  []string // eq/neq: any of; range: [lo, hi]
	isRange bool
	exists  bool // for op "exists"
}

// listQuery is a parsed collection query.
type listQuery struct {
	conds      []cond
	sort       []string // field names, "-" prefix for descending
	pageNumber int
	pageSize   int // -1: all
	include    []string
	fields     map[string][]string
}

// opsFor returns the operators a field supports: those api.yml lists for
// the filter, otherwise those Oro enables for the field's type (oro-api.md
// §8).
func opsFor(sp *resourceSpec, field string) []string {
	if f := sp.Filter(field); f != nil && f.Operators != nil {
		return f.Operators
	}
	if orderedField(sp, field) {
		return []string{"eq", "neq", "lt", "lte", "gt", "gte", "exists"}
	}
	return []string{"eq", "neq", "exists"}
}

// orderedField reports whether a filter field compares by order: the id
// and attributes of an ordered kind (see isOrdered).
func orderedField(sp *resourceSpec, field string) bool {
	if field == "id" {
		return true
	}
	as := sp.Attr(field)
	return as != nil && isOrdered(as.Kind)
}

// parseListQuery parses filters, sorting, paging, include and fields.
func parseListQuery(sp *resourceSpec, q url.Values) (*listQuery, []*apiError) {
	lq := &listQuery{pageNumber: 1, pageSize: defaultPageSize, fields: map[string][]string{}}
	var errs []*apiError
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range q {
			if !yield(k) {
				return
			}
		}
	})
	for _, key := range keys {
		val := q.Get(key)
		if err := lq.parseParam(sp, key, val); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		// Oro stops a request at the end of the processor group that found
		// errors, and checks such as the required price list filter run
		// after the filter values were normalized (inferred from the
		// ApiBundle processor groups; unconfirmed by a test).
		return lq, errs
	}
	if sp.RequiredFilter != "" && !slices.ContainsFunc(lq.conds, func(c cond) bool { return c.field == sp.RequiredFilter }) {
		// No source: PricingBundle Api/ProductPrice/Processor/HandlePriceListFilter
		// adds Error::createValidationError(Constraint::FILTER, 'The "priceList"
		// filter is required.') without one.
		errs = append(errs, badParameter(titleFilter, fmt.Sprintf("The %q filter is required.", sp.RequiredFilter), ""))
	}
	return lq, errs
}

func (lq *listQuery) parseParam(sp *resourceSpec, key, val string) *apiError {
	switch {
	case strings.HasPrefix(key, "filter"):
		c, err := parseFilter(sp, key, val)
		if err == nil {
			lq.conds = append(lq.conds, c)
		}
		return err
	case key == "page[number]":
		n, err := parsePageParam(key, val, false)
		lq.pageNumber = n
		return err
	case key == "page[size]":
		n, err := parsePageParam(key, val, true)
		lq.pageSize = n
		return err
	case key == "sort":
		return lq.parseSort(sp, val)
	case key == "include":
		return lq.parseInclude(sp, val)
	case key == "fields" || strings.HasPrefix(key, "fields[") && strings.HasSuffix(key, "]"):
		return lq.parseFields(key, val)
	}
	return nil // other parameters (meta, ...) are ignored
}

// parseFields reads a sparse fieldset, fields[type]=a,b, as Oro's
// Processor/Shared/JsonApi/HandleFieldsFilter does (400 "filter
// constraint", the parameter as source; platform ApiBundle
// GetWithIncludeFieldsTest): no type ("fields", "fields[]"): "An entity
// type is not specified."; a type Oro does not know: "An entity type is not
// known."; an empty item (",a", "a,", "a,,b"): "Expected an array of
// strings. Given \"…\"."; an empty value asks for no fields at all. Names
// that are not fields of the type are ignored, as Oro does.
func (lq *listQuery) parseFields(key, val string) *apiError {
	typ := strings.TrimSuffix(strings.TrimPrefix(key, "fields["), "]")
	if key == "fields" || typ == "" {
		return badParameter(titleFilter, "An entity type is not specified.", key)
	}
	if _, known := resources.Lookup(typ); !known && !resources.Unmodeled(typ) {
		return badParameter(titleFilter, "An entity type is not known.", key)
	}
	if val == "" {
		lq.fields[typ] = []string{}
		return nil
	}
	names := strings.Split(val, ",")
	if slices.Contains(names, "") {
		return badParameter(titleFilter, fmt.Sprintf("Expected an array of strings. Given %q.", val), key)
	}
	lq.fields[typ] = names
	return nil
}

func parsePageParam(key, val string, allowAll bool) (int, *apiError) {
	n, err := strconv.Atoi(val)
	switch {
	case err != nil:
		return 0, badParameter(titleFilter, fmt.Sprintf("Expected integer value. Given %q.", val), key)
	case allowAll && n == -1:
		return -1, nil
	case n < 1:
		return 0, badParameter(titleFilter, "The value should be greater than or equal to 1.", key)
	}
	return n, nil
}

func (lq *listQuery) parseSort(sp *resourceSpec, val string) *apiError {
	for f := range strings.SplitSeq(val, ",") {
		name := strings.TrimPrefix(strings.TrimSpace(f), "-")
		if name != "id" && !slices.Contains(sp.Sorts, name) {
			return badParameter(titleSort, fmt.Sprintf("Sorting by %q field is not supported.", name), "sort")
		}
		lq.sort = append(lq.sort, strings.TrimSpace(f))
	}
	return nil
}

func (lq *listQuery) parseInclude(sp *resourceSpec, val string) *apiError {
	for name := range strings.SplitSeq(val, ",") {
		if sp.Rel(name) == nil {
			return badParameter(titleRelationship, fmt.Sprintf("The relationship %q is not supported.", name), "include")
		}
		lq.include = append(lq.include, name)
	}
	return nil
}

// parseFilter parses one filter parameter and checks field, operator and
// value against the resource's allowed filters. Oro's answers (400 "filter
// constraint", source.parameter = the query parameter as sent):
//   - an unknown or disabled filter: "The filter is not supported."
//     (platform ApiBundle Processor/Shared/NormalizeFilterValues;
//     GetWithFiltersTest::testFilterByWrongFieldName, CustomerAddressTest
//     for filter[types]);
//   - an operator the filter does not have: 'The operator "<op>" is not
//     supported.' (the message of ApiBundle Exception/InvalidFilterOperatorException,
//     which filters throw for it).
func parseFilter(sp *resourceSpec, key, val string) (cond, *apiError) {
	m := filterKey.FindStringSubmatch(key)
	if m == nil || sp.Filter(m[1]) == nil {
		return cond{}, badParameter(titleFilter, "The filter is not supported.", key)
	}
	c := cond{field: m[1], op: m[2]}
	if c.op == "" {
		c.op = "eq"
	}
	if !slices.Contains(opsFor(sp, c.field), c.op) {
		return cond{}, badParameter(titleFilter, fmt.Sprintf("The operator %q is not supported.", c.op), key)
	}
	if strings.TrimSpace(val) == "" {
		return cond{}, badParameter(titleFilter, "The value should not be blank.", key)
	}
	if c.op == "exists" {
		b, ok := parseBool(val)
		if !ok {
			return cond{}, badParameter(titleFilter, fmt.Sprintf("Expected boolean value. Given %q.", val), key)
		}
		c.exists = b
		return c, nil
	}
	c.values, c.isRange = splitFilterValue(sp, c.field, c.op, val)
	return c, checkFilterValues(sp, c, key)
}

// splitFilterValue splits comma lists only where allowed (id, relationships
// and allow_array fields) and recognises a..b ranges on ordered fields.
func splitFilterValue(sp *resourceSpec, field, op, val string) ([]string, bool) {
	if lo, hi, ok := strings.Cut(val, ".."); ok && orderedField(sp, field) && op == "eq" && lo != "" && hi != "" {
		return []string{lo, hi}, true
	}
	arrays := field == "id" || sp.Filter(field).AllowArray
	if arrays && (op == "eq" || op == "neq") {
		return strings.Split(val, ","), false
	}
	return []string{val}, false
}

// checkFilterValues validates value types: integer ids, datetimes, numbers
// and booleans.
func checkFilterValues(sp *resourceSpec, c cond, key string) *apiError {
	for _, v := range c.values {
		if detail := badFilterValue(sp, c.field, v); detail != "" {
			return badParameter(titleFilter, detail, key)
		}
	}
	return nil
}

func badFilterValue(sp *resourceSpec, field, v string) string {
	if field == "id" {
		if _, err := strconv.ParseInt(v, 10, 64); err != nil && sp.IDs == resources.AutoID {
			return fmt.Sprintf("Expected integer value. Given %q.", v)
		}
		return ""
	}
	if rs := sp.Rel(field); rs != nil {
		// Association filters take ids of the target (NormalizeFilterValues
		// normalizeIdentifierValue): integers for auto-generated ids.
		if target, ok := resources.Lookup(rs.Target); ok && target.IDs == resources.AutoID {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				return fmt.Sprintf("Expected integer value. Given %q.", v)
			}
		}
		return ""
	}
	as := sp.Attr(field)
	if as == nil {
		return ""
	}
	switch as.Kind {
	case resources.DateTime:
		if _, ok := parseFilterTime(v); !ok {
			return fmt.Sprintf("Expected datetime value. Given %q.", v)
		}
	case resources.Int, resources.Number, resources.Decimal, resources.Money:
		if !numericString.MatchString(v) {
			return fmt.Sprintf("Expected numeric value. Given %q.", v)
		}
	case resources.Bool:
		if _, ok := parseBool(v); !ok {
			return fmt.Sprintf("Expected boolean value. Given %q.", v)
		}
	}
	return ""
}

func parseBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "true", "1", "yes":
		return true, true
	case "false", "0", "no":
		return false, true
	}
	return false, false
}

// parseFilterTime accepts RFC 3339 datetimes and plain dates.
func parseFilterTime(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
