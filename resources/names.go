package resources

import (
	"regexp"
	"slices"
	"strings"
)

// reType is the form of every resource type Oro can have: its JSON:API
// types are entity plural aliases, and platform EntityBundle
// Provider/EntityAliasStorage::validateAlias refuses any alias that does not
// match it ("The valid alias should start with a letter and only contain
// lower case letters, numbers and underscores").
var reType = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// ValidType reports whether typ has the form of an Oro resource type (a
// plural entity alias): lower case letters, digits and underscores,
// starting with a letter.
func ValidType(typ string) bool { return reType.MatchString(typ) }

// unmodeled are resource types of community Oro that the table does not
// describe (orosync knows their names, not their rules), from the notes in
// shared/reference/oro-api.md: §10 (resources with update_list), §12.1
// (reference data), §12.6 (product parts), §12.7, §12.8 (price list
// assignments) and §10.1 (asyncoperations). They are listed so that a
// mapping that writes one is not taken for a misspelling.
var unmodeled = []string{
	"asyncoperations", "brands", "customergroupproductvisibilities", "customerproductvisibilities",
	"customerratings", "customertaxcodes", "customeruseraddresses", "emails", "entityfieldfallbackvalues",
	"files", "localizedfallbackvalues", "orders", "paymentterms", "priceattributeproductprices",
	"pricelistcustomerfallbacks", "pricelistcustomergroupfallbacks", "pricelistschedules",
	"pricelisttocustomergroups", "pricelisttocustomers", "pricerules", "productdescriptions",
	"productimages", "productimagetypes", "producttaxcodes", "productvisibilities",
}

// Unmodeled reports whether typ is a resource type of community Oro that
// the table does not describe.
func Unmodeled(typ string) bool {
	_, found := slices.BinarySearch(unmodeled, typ)
	return found
}

// CustomType reports whether typ is the type of a custom entity: Oro names
// them "extend" followed by the lower-case class name (platform
// EntityBundle Resources/doc/entity_aliases.md).
func CustomType(typ string) bool { return strings.HasPrefix(typ, "extend") && len(typ) > len("extend") }

// Suggest returns the known type (in the table, or unmodeled) that typ is
// most likely a misspelling of: the same letters in another case or
// without "-" and "_" (priceLists, customer-groups), else the closest
// within an edit distance of a quarter of its length (at least 1:
// product → products). ok is false when no known type is close, and when
// typ is itself known.
func Suggest(typ string) (string, bool) {
	if _, known := byType[typ]; known || Unmodeled(typ) {
		return "", false
	}
	norm := normalize(typ)
	best, bestDist := "", max(1, len(norm)/4)+1
	for _, cand := range append(Types(), unmodeled...) {
		c := normalize(cand)
		if c == norm {
			return cand, true
		}
		if d := editDistance(norm, c, bestDist); d < bestDist {
			best, bestDist = cand, d
		}
	}
	return best, best != ""
}

// normalize lower-cases s and drops the separators people add to type
// names ("customer-groups", "customer_groups").
func normalize(s string) string {
	return strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(s))
}

// editDistance is the Levenshtein distance of a and b, or limit when it is
// limit or more.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d >= limit || -d >= limit {
		return limit
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit)
}
