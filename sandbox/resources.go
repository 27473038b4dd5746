package sandbox

// This file is the schema table: one entry per resource type. Adding a
// resource is a few lines here (plus seed data in seed.go when it is
// reference data).

// Shared relationship declarations.
var (
	relOwnerUser = relSpec{name: "owner", target: "users", def: "1"}
	relOwnerBU   = relSpec{name: "owner", target: "businessunits", def: "1"}
	relOrg       = relSpec{name: "organization", target: "organizations", def: "1"}
)

// referenceData declares a read-only resource with string attributes.
func referenceData(typ string, ids idKind, attrs ...string) *resourceSpec {
	sp := &resourceSpec{typ: typ, ids: ids, actions: actRead}
	for _, a := range attrs {
		sp.attrs = append(sp.attrs, attrSpec{name: a, kind: kindString, readOnly: true})
	}
	return sp
}

// schemaTable returns a fresh copy of every resource specification.
func schemaTable() []*resourceSpec {
	specs := []*resourceSpec{
		referenceData("organizations", idAuto, "name"),
		referenceData("businessunits", idAuto, "name"),
		usersSpec(),
		withFilters(referenceData("customeruserroles", idAuto, "role", "label"), "role"),
		regionsSpec(),
		referenceData("countries", idClient, "iso3Code", "name"),
		referenceData("addresstypes", idClient, "label"),
		referenceData("localizations", idAuto, "name", "formattingCode"),
		withFilters(referenceData("attributefamilies", idAuto, "code"), "code"),
		referenceData("prodinventorystatuses", idClient, "name"),
		withRel(referenceData("categorytitles", idAuto, "string", "fallback"),
			relSpec{name: "localization", target: "localizations", readOnly: true}),
		categoriesSpec(),
		customerGroupsSpec(),
		customersSpec(),
		customerUsersSpec(),
		customerAddressesSpec(),
		productUnitsSpec(),
		productNamesSpec(),
		productUnitPrecisionsSpec(),
		productsSpec(),
		priceListsSpec(),
		productPricesSpec(),
		inventoryLevelsSpec(),
	}
	for _, sp := range specs {
		sp.complete()
	}
	return specs
}

func withRel(sp *resourceSpec, rels ...relSpec) *resourceSpec {
	sp.rels = append(sp.rels, rels...)
	return sp
}

// withFilters enables filter[field]=value on the given fields (unique
// natural keys such as a role's "role" or an attribute family's "code").
func withFilters(sp *resourceSpec, fields ...string) *resourceSpec {
	for _, f := range fields {
		sp.filters = append(sp.filters, filterSpec{field: f})
	}
	return sp
}

func regionsSpec() *resourceSpec {
	sp := withRel(referenceData("regions", idClient, "code", "name"),
		relSpec{name: "country", target: "countries", readOnly: true})
	sp.filters = []filterSpec{{field: "country", allowArray: true}}
	return sp
}

func usersSpec() *resourceSpec {
	sp := referenceData("users", idAuto, "username", "email", "firstName", "lastName")
	sp.filters = []filterSpec{{field: "username"}, {field: "email"}}
	return sp
}

func categoriesSpec() *resourceSpec {
	return &resourceSpec{typ: "categories", actions: actRead, timestamps: true,
		rels: []relSpec{
			{name: "parentCategory", target: "categories", readOnly: true},
			{name: "titles", target: "categorytitles", toMany: true, readOnly: true},
		}}
}

func customerGroupsSpec() *resourceSpec {
	return &resourceSpec{typ: "customergroups", actions: actAll,
		attrs:   []attrSpec{{name: "name", kind: kindString, required: true}},
		rels:    []relSpec{relOwnerUser, relOrg},
		filters: []filterSpec{{field: "name"}},
		sorts:   []string{"name"}}
}

func customersSpec() *resourceSpec {
	return &resourceSpec{typ: "customers", actions: actAll, timestamps: true,
		attrs: []attrSpec{{name: "name", kind: kindString, required: true}},
		rels: []relSpec{
			{name: "parent", target: "customers"},
			{name: "group", target: "customergroups"},
			relOwnerUser, relOrg,
			{name: "salesRepresentatives", target: "users", toMany: true},
		},
		filters: []filterSpec{{field: "name"}, {field: "createdAt"}, {field: "updatedAt"}},
		sorts:   []string{"name", "createdAt", "updatedAt"}}
}

func customerUsersSpec() *resourceSpec {
	return &resourceSpec{typ: "customerusers", actions: actAll, timestamps: true,
		attrs: []attrSpec{
			{name: "email", kind: kindString, required: true},
			{name: "firstName", kind: kindString, required: true},
			{name: "lastName", kind: kindString, required: true},
			{name: "namePrefix", kind: kindString},
			{name: "middleName", kind: kindString},
			{name: "nameSuffix", kind: kindString},
			{name: "enabled", kind: kindBool, def: true},
			{name: "confirmed", kind: kindBool, def: true},
			{name: "password", kind: kindString, createOnly: true, hidden: true},
		},
		rels: []relSpec{
			{name: "customer", target: "customers", required: true},
			{name: "userRoles", target: "customeruserroles", toMany: true},
			relOwnerUser, relOrg,
			{name: "salesRepresentatives", target: "users", toMany: true},
		},
		filters: []filterSpec{{field: "email"}},
		sorts:   []string{"email"},
		hooks:   hooks{validate: validateCustomerUser}}
}

func customerAddressesSpec() *resourceSpec {
	str := func(n string, req bool) attrSpec { return attrSpec{name: n, kind: kindString, required: req} }
	return &resourceSpec{typ: "customeraddresses", actions: actAll, timestamps: true,
		attrs: []attrSpec{
			str("label", false), str("street", true), str("street2", false), str("city", true),
			str("postalCode", true), str("organization", false), str("namePrefix", false),
			str("firstName", false), str("middleName", false), str("lastName", false),
			str("nameSuffix", false), str("phone", false), str("customRegion", false),
			{name: "primary", kind: kindBool, def: false},
			{name: "types", kind: kindJSON, def: []any{}},
		},
		rels: []relSpec{
			{name: "customer", target: "customers", required: true, createOnly: true},
			{name: "country", target: "countries", required: true},
			{name: "region", target: "regions"},
			relOwnerUser, relOrg,
		},
		filters: []filterSpec{{field: "country", allowArray: true}, {field: "region", allowArray: true}},
		hooks:   hooks{validate: validateAddress}}
}

func productUnitsSpec() *resourceSpec {
	return &resourceSpec{typ: "productunits", ids: idClient, actions: actAll,
		attrs: []attrSpec{{name: "defaultPrecision", kind: kindInt, def: jsonInt(0)}}}
}

func productNamesSpec() *resourceSpec {
	return &resourceSpec{typ: "productnames", actions: actAll,
		attrs: []attrSpec{{name: "fallback", kind: kindString}, {name: "string", kind: kindString}},
		rels:  []relSpec{{name: "localization", target: "localizations"}}}
}

func productUnitPrecisionsSpec() *resourceSpec {
	return &resourceSpec{typ: "productunitprecisions", actions: actAll,
		attrs: []attrSpec{
			{name: "precision", kind: kindInt, def: jsonInt(0)},
			{name: "conversionRate", kind: kindNumber, def: jsonInt(1)},
			{name: "sell", kind: kindBool, def: true},
		},
		rels: []relSpec{{name: "unit", target: "productunits", required: true}}}
}

func productsSpec() *resourceSpec {
	return &resourceSpec{typ: "products", actions: actAll, timestamps: true,
		attrs: []attrSpec{
			{name: "sku", kind: kindString, required: true},
			{name: "status", kind: kindEnum, def: "disabled", enum: []string{"enabled", "disabled"}},
			{name: "productType", kind: kindEnum, def: "simple", enum: []string{"simple", "configurable", "kit"}},
			{name: "featured", kind: kindBool, def: false},
			{name: "newArrival", kind: kindBool, def: false},
		},
		rels: []relSpec{
			{name: "names", target: "productnames", toMany: true, required: true},
			{name: "attributeFamily", target: "attributefamilies", required: true},
			{name: "primaryUnitPrecision", target: "productunitprecisions", required: true},
			{name: "unitPrecisions", target: "productunitprecisions", toMany: true},
			{name: "inventory_status", target: "prodinventorystatuses", required: true},
			{name: "category", target: "categories"},
			relOwnerBU, relOrg,
		},
		filters: []filterSpec{{field: "sku", allowArray: true}, {field: "updatedAt"}},
		sorts:   []string{"sku", "createdAt", "updatedAt"},
		hooks: hooks{normalize: normalizeProduct, validate: validateProduct,
			afterCommit: ensureInventoryLevels, beforeDelete: deleteProductParts}}
}

func priceListsSpec() *resourceSpec {
	return &resourceSpec{typ: "pricelists", actions: actAll, timestamps: true,
		attrs: []attrSpec{
			{name: "name", kind: kindString, required: true},
			{name: "priceListCurrencies", kind: kindStrings, required: true},
			{name: "active", kind: kindBool, def: true},
			{name: "productAssignmentRule", kind: kindString},
		},
		rels:    []relSpec{relOrg},
		filters: []filterSpec{{field: "name"}},
		sorts:   []string{"name"}}
}

func productPricesSpec() *resourceSpec {
	return &resourceSpec{typ: "productprices", actions: actAll, requiredFilter: "priceList",
		attrs: []attrSpec{
			{name: "quantity", kind: kindNumber, required: true},
			{name: "currency", kind: kindString, required: true},
			{name: "value", kind: kindMoney, required: true},
		},
		rels: []relSpec{
			{name: "priceList", target: "pricelists", required: true, createOnly: true},
			{name: "product", target: "products", required: true},
			{name: "unit", target: "productunits", required: true},
		},
		filters: []filterSpec{{field: "product", allowArray: true}},
		hooks:   hooks{validate: validatePrice, finalID: priceID}}
}

func inventoryLevelsSpec() *resourceSpec {
	return &resourceSpec{typ: "inventorylevels", actions: actRead | actUpdate,
		attrs: []attrSpec{{name: "quantity", kind: kindDecimal, def: "0"}},
		rels: []relSpec{
			{name: "product", target: "products", readOnly: true},
			{name: "productUnitPrecision", target: "productunitprecisions", readOnly: true},
			{name: "organization", target: "organizations", readOnly: true, def: "1"},
		},
		filters: []filterSpec{{field: "product", allowArray: true}}}
}
