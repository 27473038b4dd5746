package mappings

import (
	"strings"
	"testing"

	"github.com/orosync/orosync/resources"
)

// oroCase is one mapping checked by Check: its target (a YAML flow
// mapping, on line 4) and its transform (a | block from line 6, column 3),
// and the exact problems expected ("" lines are not allowed; none means
// the mapping is clean). The rerun warnings of rerunWarnings are left out.
type oroCase struct {
	name      string
	target    string
	transform string
	want      []string
}

func runOroCases(t *testing.T, cases []oroCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := "version: 1\nname: t\nsource: {file: x.json}\ntarget: " + tc.target + "\ntransform: |\n  " +
				strings.ReplaceAll(strings.TrimSpace(tc.transform), "\n", "\n  ") + "\n"
			m := mustParse(t, src)
			var got []string
			for _, p := range m.Check(resources.Version{}) {
				if !strings.Contains(p.Msg, "is not set:") {
					got = append(got, p.Error())
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("Check =\n%s\nwant\n%s\nmapping:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"), src)
			}
		})
	}
}

func TestCheckResourceTypes(t *testing.T) {
	runOroCases(t, []oroCase{
		{name: "known type", target: "{type: customergroups, key: .id, match: {name: .attributes.name}}",
			transform: `{type: "customergroups", attributes: {name: .n}}`},
		{name: "a type Oro cannot have, with a suggestion", target: "{type: customerGroups, key: .id}",
			transform: `{type: "customerGroups", attributes: {name: .n}}`,
			want:      []string{`test.yaml:4:16: target.type: "customerGroups" cannot be an Oro resource type (types are lower case letters, digits and _): did you mean "customergroups"?`}},
		{name: "a type Oro cannot have", target: "{type: Widgets, key: .id}", transform: `{type: "Widgets"}`,
			want: []string{`test.yaml:4:16: target.type: "Widgets" cannot be an Oro resource type: types are lower case letters, digits and _, starting with a letter, e.g. "customers"`}},
		{name: "an unknown type close to a known one", target: "{type: product, key: .id}", transform: `{type: "product"}`,
			want: []string{`test.yaml:4:16: target.type: warning: orosync does not know resource "product"; did you mean "products"? (if "product" is a resource of your Oro, such as an extension's, ignore this)`}},
		{name: "an unknown type", target: "{type: widgets, key: .id}", transform: `{type: "widgets"}`,
			want: []string{`test.yaml:4:16: target.type: warning: orosync does not know resource "widgets", so it cannot check its writes, filters or required fields: check the name in your Oro's API sandbox (/admin/api/doc)`}},
		{name: "a custom entity", target: "{type: extendwidgets, key: .id}", transform: `{type: "extendwidgets"}`},
		{name: "a community type the table does not describe", target: "{type: brands, key: .id}", transform: `{type: "brands"}`},
		{name: "lookup of a misspelt type", target: "{type: customers, key: .id, match: {name: .attributes.name}}",
			transform: `{type: "customers", attributes: {name: .n},
 relationships: {group: {data: {type: "customergroups", id: lookup("customerGroups"; {name: .g})}}}}`,
			want: []string{`test.yaml:7:70: transform: lookup("customerGroups"; ...): "customerGroups" cannot be an Oro resource type (types are lower case letters, digits and _): did you mean "customergroups"?`}},
		{name: "lookup of an unknown type", target: "{type: customers, key: .id, match: {name: .attributes.name}}",
			transform: `{type: "customers", attributes: {name: .n},
 relationships: {group: {data: {type: "customergroup", id: lookup("customergroup"; {name: .g})}}}}`,
			want: []string{`test.yaml:7:69: transform: warning: lookup("customergroup"; ...): orosync does not know resource "customergroup"; did you mean "customergroups"? (if "customergroup" is a resource of your Oro, such as an extension's, ignore this)`}},
		{name: "lookup with a computed type says nothing", target: "{type: customers, key: .id, match: {name: .attributes.name}}",
			transform: `{type: "customers", attributes: {name: .n},
 relationships: {group: {data: {type: "customergroups", id: lookup(.t; {name: .g})}}}}`},
	})
}

func TestCheckWrites(t *testing.T) {
	runOroCases(t, []oroCase{
		{name: "a read-only resource", target: "{type: categories, key: .id, write: update, match: {id: .id}}",
			transform: `{type: "categories", id: .id}`,
			want:      []string{`test.yaml:4:16: target.type: categories is read-only in Oro's back-office API (POST and PATCH are answered 405): records of it must exist in Oro; find them with lookup("categories"; {...}) in the mapping that refers to them`}},
		{name: "a resource whose writes are unconfirmed", target: "{type: prodinventorystatuses, key: .id, write: update}",
			transform: `{type: "prodinventorystatuses", id: .id}`,
			want:      []string{`test.yaml:4:16: target.type: warning: Oro probably cannot create or update prodinventorystatuses (enum values are read-only like dictionaries): expect 405 answers; find them with lookup("prodinventorystatuses"; {...}) instead`}},
		{name: "upsert where Oro has no POST", target: "{type: inventorylevels, key: .id, write: upsert, match: {product: .relationships.product.data.id}}",
			transform: `{type: "inventorylevels", attributes: {quantity: .q}, relationships: {product: {data: {type: "products", id: .p}}}}`,
			want:      []string{`test.yaml:4:50: target.write: Oro cannot create inventorylevels (POST is disabled: 405), so write: upsert fails for every record it does not find: use write: update`}},
		{name: "create by default where Oro has no POST", target: "{type: inventorylevels, key: .id}",
			transform: `{type: "inventorylevels", attributes: {quantity: .q}}`,
			want:      []string{`test.yaml:4:16: target.type: write defaults to create, but Oro cannot create inventorylevels (POST is disabled: 405): set target.write: update`}},
		{name: "update where Oro has PATCH", target: "{type: inventorylevels, key: .id, write: update, match: {product: .relationships.product.data.id}}",
			transform: `{type: "inventorylevels", attributes: {quantity: .q}, relationships: {product: {data: {type: "products", id: .p}}}}`},
		{name: "update of a resource Oro only updates", target: "{type: attributefamilies, key: .id, write: update, match: {code: .attributes.code}}",
			transform: `{type: "attributefamilies", attributes: {code: .c}}`},
	})
}

func TestCheckFilters(t *testing.T) {
	runOroCases(t, []oroCase{
		{name: "match on filters", target: "{type: products, key: .id, write: update, match: {sku: .attributes.sku}}",
			transform: `{type: "products", attributes: {sku: .sku}}`},
		{name: "match on a field without a filter", target: "{type: customerusers, key: .id, write: update, match: {firstName: .attributes.firstName}}",
			transform: `{type: "customerusers", attributes: {firstName: .f}}`,
			want:      []string{`test.yaml:4:64: target.match.firstName: Oro has no filter[firstName] for customerusers (it answers 400 "Filter is not supported"): filter by one of id, email, customer, owner, organization`}},
		{name: "match on a field the table does not know", target: "{type: customers, key: .id, write: update, match: {externalId: .attributes.externalId}}",
			transform: `{type: "customers", attributes: {externalId: .x}}`,
			want:      []string{`test.yaml:4:60: target.match.externalId: warning: orosync knows no filter[externalId] for customers (it knows id, name, createdAt, updatedAt, parent, group, owner, organization): unless your Oro enables one, it answers 400 "Filter is not supported"`}},
		{name: "a misspelt filter", target: "{type: customers, key: .id, write: update, match: {nme: .attributes.name}}",
			transform: `{type: "customers", attributes: {name: .x}}`,
			want:      []string{`test.yaml:4:60: target.match.nme: warning: orosync knows no filter[nme] for customers; did you mean "name"? (unless your Oro enables filter[nme], it answers 400 "Filter is not supported")`}},
		{name: "a required filter missing from match", target: "{type: productprices, key: .id, write: update, match: {product: .relationships.product.data.id}}",
			transform: `{type: "productprices", relationships: {product: {data: {type: "products", id: .p}}}}`,
			want:      []string{`test.yaml:4:56: target.match: Oro lists productprices only with filter[priceList]: add priceList to target.match, e.g. priceList: .relationships.priceList.data.id`}},
		{name: "a required filter in match", target: "{type: productprices, key: .id, write: update, match: {priceList: .relationships.priceList.data.id}}",
			transform: `{type: "productprices", relationships: {priceList: {data: {type: "pricelists", id: .p}}}}`},
		{name: "lookup without the required filter", target: "{type: customers, key: .id, match: {name: .attributes.name}}",
			transform: `{type: "customers", attributes: {name: .n},
 relationships: {group: {data: {type: "customergroups", id: lookup("productprices"; {product: "1"})}}}}`,
			want: []string{`test.yaml:7:87: transform: lookup("productprices"; ...): Oro lists productprices only with filter[priceList]: add priceList to the filter object`}},
		{name: "lookup with a filter the resource lacks", target: "{type: customers, key: .id, match: {name: .attributes.name}}",
			transform: `{type: "customers", attributes: {name: .n},
 relationships: {group: {data: {type: "customergroups", id: lookup("customerusers"; {firstName: .g})}}}}`,
			want: []string{`test.yaml:7:87: transform: lookup("customerusers"; ...): Oro has no filter[firstName] for customerusers (it answers 400 "Filter is not supported"): filter by one of id, email, customer, owner, organization`}},
		{name: "lookup with a computed filter says nothing", target: "{type: customers, key: .id, match: {name: .attributes.name}}",
			transform: `{type: "customers", attributes: {name: .n},
 relationships: {group: {data: {type: "customergroups", id: lookup("productprices"; .filter)}}}}`},
	})
}

func TestCheckMatchSet(t *testing.T) {
	runOroCases(t, []oroCase{
		{name: "the transform sets the match field", target: "{type: products, key: .id, write: update, match: {sku: .attributes.sku}}",
			transform: `{type: "products", attributes: {sku: .sku}}`},
		{name: "the transform never sets it", target: "{type: products, key: .id, write: update, match: {sku: .attributes.sku}}",
			transform: `{type: "products", attributes: {name: .sku}}`,
			want:      []string{`test.yaml:4:64: target.match.sku: the transform never sets .attributes.sku, so no record has this natural key and target.match finds nothing: set it in the transform's output, or match on a field it sets`}},
		{name: "a full document whose data never sets it", target: "{type: products, key: .id, write: update, match: {sku: .attributes.sku}}",
			transform: `{data: {type: "products"}, included: []}`,
			want:      []string{`test.yaml:4:64: target.match.sku: the transform never sets .attributes.sku, so no record has this natural key and target.match finds nothing: set it in the transform's output, or match on a field it sets`}},
		{name: "one branch sets it", target: "{type: products, key: .id, write: update, match: {sku: .attributes.sku}}",
			transform: `if .a then {type: "products", attributes: {sku: .sku}} else {type: "products", attributes: {}} end`},
		{name: "a dynamic transform says nothing", target: "{type: products, key: .id, write: update, match: {sku: .attributes.sku}}",
			transform: `{type: "products", attributes: ({} + .extra)}`},
		{name: "an assignment says nothing", target: "{type: products, key: .id, write: update, match: {sku: .attributes.sku}}",
			transform: `{type: "products", attributes: {}} | .attributes.sku = .x`},
	})
}

func TestCheckRequired(t *testing.T) {
	const product = `{
  data: {
    type: "products",
    attributes: {sku: .sku},
    relationships: {
      names: {data: [{type: "productnames", id: "n"}]},
      attributeFamily: {data: {type: "attributefamilies", id: "1"}},
      inventory_status: {data: {type: "prodinventorystatuses", id: "in_stock"}}
    }
  },
  included: [{type: "productnames", id: "n", attributes: {string: .name}}]
}`
	runOroCases(t, []oroCase{
		{name: "a create with every required field", target: "{type: customergroups, key: .id, match: {name: .attributes.name}}",
			transform: `{type: "customergroups", attributes: {name: .n}}`},
		{name: "a create without a required attribute", target: "{type: customergroups, key: .id}",
			transform: `{type: "customergroups", attributes: {label: .n}}`,
			want:      []string{`test.yaml:6:40: transform: customergroups needs attributes.name on create (Oro answers 400 "not blank constraint" without it): add attributes.name`}},
		{name: "a create without attributes", target: "{type: customergroups, key: .id}",
			transform: `{type: "customergroups", id: .n}`,
			want:      []string{`test.yaml:6:3: transform: customergroups needs attributes.name on create (Oro answers 400 "not blank constraint" without it): add attributes.name`}},
		{name: "an upsert without a required relationship", target: "{type: customerusers, key: .id, write: upsert, match: {email: .attributes.email}}",
			transform: `{type: "customerusers", attributes: {email: .e, firstName: .f, lastName: .l}, relationships: {}}`,
			want:      []string{`test.yaml:6:96: transform: customerusers needs relationships.customer on create (Oro answers 400 "not blank constraint" without it); write: upsert creates the records it does not find: add relationships.customer`}},
		{name: "an update need not carry them", target: "{type: customerusers, key: .id, write: update, match: {email: .attributes.email}}",
			transform: `{type: "customerusers", attributes: {email: .e}}`},
		{name: "a full document without the primary unit precision", target: "{type: products, key: .id, write: upsert, match: {sku: .attributes.sku}}",
			transform: product,
			want:      []string{`test.yaml:10:22: transform: products needs relationships.primaryUnitPrecision on create (Oro answers 400 "not blank constraint" without it); write: upsert creates the records it does not find: add relationships.primaryUnitPrecision`}},
		{name: "each branch is checked", target: "{type: customergroups, key: .id, match: {name: .attributes.name}}",
			transform: `if .a then {type: "customergroups", attributes: {name: .n}}
else {type: "customergroups", attributes: {}} end`,
			want: []string{`test.yaml:7:45: transform: customergroups needs attributes.name on create (Oro answers 400 "not blank constraint" without it): add attributes.name`}},
		{name: "a section added by + is read", target: "{type: customers, key: .id, match: {name: .attributes.name}}",
			transform: `. as $r | {type: "customers"} + {attributes: {name: $r.n}}`},
		{name: "a dynamic section says nothing", target: "{type: customergroups, key: .id}",
			transform: `{type: "customergroups", attributes: .attrs}`},
	})
}

func TestCheckRefs(t *testing.T) {
	parse := func(file, name, after, transform string) *Mapping {
		t.Helper()
		src := "version: 1\nname: " + name + "\nafter: [" + after + "]\nsource: {file: x.json}\ntarget: {type: customers, key: .id, match: {name: .attributes.name}}\ntransform: |\n  " + transform + "\n"
		m, err := Parse(file, []byte(src), nil)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	const tr = `{type: "customers", attributes: {name: .n}, relationships: {group: {data: {type: "customergroups", id: ref("%s"; .g)}}}}`
	groups := parse("groups.yaml", "groups", "", `{type: "customers", attributes: {name: .n}}`)
	self := parse("self.yaml", "self", "", strings.Replace(tr, "%s", "self", 1))
	ordered := parse("ordered.yaml", "ordered", "groups", strings.Replace(tr, "%s", "groups", 1))
	unordered := parse("unordered.yaml", "unordered", "", strings.Replace(tr, "%s", "groups", 1))
	missing := parse("missing.yaml", "missing", "", strings.Replace(tr, "%s", "grups", 1))
	for _, tc := range []struct {
		name     string
		ms       []*Mapping
		complete bool
		want     string
	}{
		{"a ref to a mapping that runs before", []*Mapping{groups, ordered}, true, ""},
		{"a ref to itself", []*Mapping{self}, true, ""},
		{"a ref to a mapping that may run after", []*Mapping{groups, unordered}, true,
			`unordered.yaml:7:110: transform: warning: ref("groups"; ...): mapping "groups" may run after this one, and then ref() finds nothing: add it to after:`},
		{"a ref to no mapping of the whole set", []*Mapping{groups, missing}, true,
			`missing.yaml:7:110: transform: ref("grups"; ...): no mapping is named "grups" among the mappings validated; did you mean "groups"?: name one of them, or validate the file of mapping "grups" too`},
		{"a ref to a mapping left out of a partial set", []*Mapping{missing}, false,
			`missing.yaml:7:110: transform: warning: ref("grups"; ...): mapping "grups" is not among the files validated: it must have run before this one (ref() reads the ids it wrote from the state store), or every ref() to it finds nothing`},
	} {
		if got := CheckRefs(tc.ms, tc.complete).Error(); got != tc.want {
			t.Errorf("%s: CheckRefs =\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}
}

// TestExamplesCheckClean keeps the shipped examples free of problems other
// than the one known rerun warning (addresses have no natural key).
func TestExamplesCheckClean(t *testing.T) {
	var ms []*Mapping
	for _, name := range []string{"customer-addresses", "customer-groups", "customer-users", "customers",
		"inventory-levels", "product-prices", "product-units", "products"} {
		m, err := Load("../examples/"+name+".yaml", nil)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
		for _, p := range m.Check(resources.Version{}) {
			if !strings.Contains(p.Msg, "target.match is not set") {
				t.Errorf("%s", p)
			}
		}
	}
	if got := CheckRefs(ms, true); len(got) > 0 {
		t.Errorf("CheckRefs(examples) = %v", got)
	}
}
