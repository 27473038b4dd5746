package resources

import (
	"slices"
	"testing"
)

// TestTableIsConsistent checks the invariants every caller relies on: each
// relationship points at a known type, owned children name their key, the
// filters and sorts name real fields, and upsert keys are attributes.
func TestTableIsConsistent(t *testing.T) {
	for _, r := range All() {
		for _, rel := range r.Rels {
			target, ok := Lookup(rel.Target)
			if !ok {
				t.Errorf("%s.%s: target %q is not in the table", r.Type, rel.Name, rel.Target)
				continue
			}
			if rel.Owned && (!rel.ToMany || rel.ChildKey == "") {
				t.Errorf("%s.%s: an owned relationship must be to-many with a ChildKey", r.Type, rel.Name)
			}
			if rel.ChildKey != "" && target.Rel(rel.ChildKey) == nil && target.Attr(rel.ChildKey) == nil {
				t.Errorf("%s.%s: ChildKey %q is not a field of %s", r.Type, rel.Name, rel.ChildKey, rel.Target)
			}
		}
		for _, f := range r.Filters {
			if f.Field != "id" && !f.Path && r.Attr(f.Field) == nil && r.Rel(f.Field) == nil {
				t.Errorf("%s: filter %q names no field", r.Type, f.Field)
			}
		}
		for _, s := range r.Sorts {
			if r.Attr(s) == nil {
				t.Errorf("%s: sort %q names no attribute", r.Type, s)
			}
		}
		for _, k := range r.UpsertKeys {
			if r.Attr(k) == nil {
				t.Errorf("%s: upsert key %q is not an attribute", r.Type, k)
			}
		}
		for a := range r.Since {
			if !r.Allows(a) {
				t.Errorf("%s: Since names %s, which the resource does not enable", r.Type, a)
			}
		}
		for a, next := range r.SinceInNextLine {
			if since, ok := r.Since[a]; !ok || !since.Less(next) || since.Major == next.Major && since.Minor == next.Minor {
				t.Errorf("%s: SinceInNextLine of %s must follow a Since of an older line", r.Type, a)
			}
		}
		if r.RequiredFilter != "" && r.Filter(r.RequiredFilter) == nil {
			t.Errorf("%s: required filter %q is not a filter", r.Type, r.RequiredFilter)
		}
		for _, f := range r.Filters {
			for _, op := range f.Operators {
				if !slices.Contains(knownOperators, op) {
					t.Errorf("%s: filter %q names unknown operator %q", r.Type, f.Field, op)
				}
			}
		}
		for _, a := range r.Attrs {
			if a.OutputOnly && (a.Required || a.CreateOnly || a.ReadOnly) {
				t.Errorf("%s.%s: an output-only attribute cannot also be required, create-only or read-only", r.Type, a.Name)
			}
		}
		for _, k := range r.NaturalKey {
			if r.Filter(k) == nil {
				t.Errorf("%s: natural key %q is not a filter", r.Type, k)
			}
		}
		if r.WritesUnconfirmed && r.Writable() {
			t.Errorf("%s: WritesUnconfirmed is for resources without create and update", r.Type)
		}
		if !ValidType(r.Type) || Unmodeled(r.Type) {
			t.Errorf("%s: not a valid type, or also listed as unmodeled", r.Type)
		}
	}
	if !slices.IsSorted(unmodeled) {
		t.Error("unmodeled must be sorted (Unmodeled searches it)")
	}
}

// knownOperators are Oro's filter operators (oro-api.md §8).
var knownOperators = []string{"eq", "neq", "lt", "lte", "gt", "gte", "exists", "neq_or_null", "contains",
	"not_contains", "starts_with", "not_starts_with", "ends_with", "not_ends_with", "empty"}

func TestCapabilities(t *testing.T) {
	tests := []struct {
		typ    string
		check  func(*Resource) bool
		want   bool
		reason string
	}{
		{"products", func(r *Resource) bool { return r.Filter("sku").AllowArray }, true, "filter[sku] allows arrays (§8)"},
		{"customers", func(r *Resource) bool { return r.Filter("name").AllowArray }, false, "a customer name filter takes no list"},
		{"productunits", func(r *Resource) bool { return r.CanUpsertBy("id") }, true, "client ids upsert by id (§7)"},
		{"products", func(r *Resource) bool { return len(r.UpsertFields()) > 0 }, false, "products have no upsert (§7)"},
		{"users", func(r *Resource) bool { return r.CanUpsertBy("email") }, true, "users upsert by email (§7)"},
		{"countries", func(r *Resource) bool { return r.CanUpsertBy("id") }, false, "read-only resources cannot be upserted"},
		{"customergroups", func(r *Resource) bool { return r.Allows(UpdateList) }, false, "no batch for customer groups (§10)"},
		{"inventorylevels", func(r *Resource) bool { return r.Allows(Create) }, false, "inventory levels cannot be created (§12.9)"},
		{"categories", func(r *Resource) bool { return r.Allows(Update) }, false, "categories are read-only (§12.7)"},
		{"customeraddresses", func(r *Resource) bool { return r.AllowsIn(UpdateList, MustVersion("5.1.1")) }, false, "address batch from 5.1.2"},
		{"customeraddresses", func(r *Resource) bool { return r.AllowsIn(UpdateList, MustVersion("6.0.0")) }, true, "address batch in 6.0"},
		{"customeraddresses", func(r *Resource) bool { return r.AllowsIn(UpdateList, Version{}) }, true, "unknown version assumes present"},
		{"inventorylevels", func(r *Resource) bool { return r.AllowsIn(UpdateList, MustVersion("5.1.7")) }, true, "inventory batch in 5.1.7"},
		{"inventorylevels", func(r *Resource) bool { return r.AllowsIn(UpdateList, MustVersion("6.0.0")) }, false, "no inventory batch in 6.0.0"},
		{"inventorylevels", func(r *Resource) bool { return r.AllowsIn(UpdateList, MustVersion("6.0.1")) }, true, "inventory batch from 6.0.1"},
		{"inventorylevels", func(r *Resource) bool { return r.AllowsIn(UpdateList, MustVersion("6.1.0")) }, true, "inventory batch in 6.1"},
		{"inventorylevels", func(r *Resource) bool { return r.Filter("product").AllowArray }, true, "association filters allow arrays"},
		{"productprices", func(r *Resource) bool { return r.Filter("priceList").AllowArray }, false, "filter[priceList] takes one id (api.yml allow_array: false)"},
		{"productprices", func(r *Resource) bool { return slices.Equal(r.Filter("priceList").Operators, []string{"eq"}) }, true, "filter[priceList] only has '=' (api.yml)"},
		{"customerusers", func(r *Resource) bool { return r.Attr("password").CreateOnly }, true, "password is create-only (CustomerBundle api.yml)"},
		{"customeraddresses", func(r *Resource) bool { return r.Rel("customer").CreateOnly }, true, "an address's customer is create-only (CustomerBundle api.yml)"},
		{"customers", func(r *Resource) bool { return r.Attr("createdAt").OutputOnly }, true, "createdAt is excluded from create and update (CustomerBundle api.yml)"},
		{"products", func(r *Resource) bool { return r.Attr("createdAt").ReadOnly }, true, "a product's createdAt stays read-only"},
		{"productprices", func(r *Resource) bool { return r.Rel("priceList").FixedAfterCreate }, true, "priceList is mapped: false on update (PricingBundle api.yml)"},
		{"productnames", func(r *Resource) bool { return r.Allows(Delete) }, false, "product names cannot be deleted on their own (ProductBundle api.yml)"},
		{"products", func(r *Resource) bool { return r.Rel("shortDescriptions").Owned }, true, "short descriptions are orphan-removed (Product.php)"},
		{"organizations", func(r *Resource) bool { return r.Allows(Update) && !r.Allows(Create) }, true, "organizations: update only (OrganizationBundle api.yml)"},
		{"businessunits", func(r *Resource) bool { return r.Allows(Create | Update) }, true, "business units are writable (OrganizationBundle api.yml)"},
		{"customeruserroles", func(r *Resource) bool { return r.Allows(Create|Update) && r.Attr("label").Required }, true, "roles are writable, label required (customer_user_role.md)"},
		{"attributefamilies", func(r *Resource) bool { return r.Allows(Update) && !r.Allows(Create) }, true, "families: update only (EntityConfigBundle api.yml)"},
		{"categories", func(r *Resource) bool { return r.Writable() }, false, "categories cannot be written (CatalogBundle api.yml)"},
		{"productprices", func(r *Resource) bool { return slices.Equal(r.NaturalKey, []string{"priceList", "product", "unit"}) }, true, "a price is found by price list, product and unit"},
	}
	for _, tc := range tests {
		r, ok := Lookup(tc.typ)
		if !ok {
			t.Fatalf("Lookup(%q) found nothing", tc.typ)
		}
		if got := tc.check(r); got != tc.want {
			t.Errorf("%s: got %v, want %v (%s)", tc.typ, got, tc.want, tc.reason)
		}
	}
	if g := LookupOrGeneric("myentities"); g.Allows(Create) || g.Filter("id") == nil {
		t.Errorf("Generic resource = %+v; want read-only with an id filter", g)
	}
}

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]Version{"6.1.3": {6, 1, 3}, "v5.1": {5, 1, 0}, "6.0.4-rc1": {6, 0, 4}, "7": {7, 0, 0}} {
		got, err := ParseVersion(in)
		if err != nil || got != want {
			t.Errorf("ParseVersion(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"banana", "", "6.x", "-1.2", "0.0.0"} {
		if _, err := ParseVersion(bad); err == nil {
			t.Errorf("ParseVersion(%q) succeeded; want an error", bad)
		}
	}
	if !Upsert.In(MustVersion("5.1.2")) || Upsert.In(MustVersion("5.1.1")) || !Upsert.In(Version{}) {
		t.Error("Upsert.In: want 5.1.2 yes, 5.1.1 no, unknown yes")
	}
}

func TestTypeNames(t *testing.T) {
	for typ, want := range map[string]bool{"products": true, "extendmyentities": true, "priceLists": false,
		"customer-groups": false, "1st": false, "": false, "product_kits": true} {
		if got := ValidType(typ); got != want {
			t.Errorf("ValidType(%q) = %v, want %v", typ, got, want)
		}
	}
	for typ, want := range map[string]string{
		"priceLists":      "pricelists",      // case
		"customer-groups": "customergroups",  // separators
		"product":         "products",        // one edit
		"invetorylevels":  "inventorylevels", // one edit
		"categorys":       "categories",      // two edits in nine letters
		"order":           "orders",          // an unmodeled type
		"products":        "",                // known
		"orders":          "",                // known, unmodeled
		"widgets":         "",                // nothing close
		"ab":              "",                // too short to guess
	} {
		got, ok := Suggest(typ)
		if got != want || ok != (want != "") {
			t.Errorf("Suggest(%q) = %q, %v; want %q", typ, got, ok, want)
		}
	}
	if !CustomType("extendmyentities") || CustomType("extend") || CustomType("products") {
		t.Error("CustomType: want extend... custom entities only")
	}
	if !Unmodeled("brands") || Unmodeled("products") {
		t.Error("Unmodeled: want brands, not products")
	}
}
