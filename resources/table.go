package resources

import "encoding/json"

// This file is the table. Sources, unless a comment says otherwise:
// shared/reference/oro-api.md §12 (per-entity notes taken from
// Resources/doc/api/*.md and api.yml of oroinc/customer-portal,
// oroinc/orocommerce and oroinc/platform), §7 (upsert keys, from
// CompleteUpsertConfig), §8 (filters: automatic on indexed fields, ids and
// associations; allow_array only where api.yml says so) and §10 (which
// resources enable update_list).

// Shared relationship declarations.
var (
	relOwnerUser = Rel{Name: "owner", Target: "users", Default: "1"}
	relOwnerBU   = Rel{Name: "owner", Target: "businessunits", Default: "1"}
	relOrg       = Rel{Name: "organization", Target: "organizations", Default: "1"}
)

// byType indexes the table.
var byType = func() map[string]*Resource {
	out := map[string]*Resource{}
	for _, r := range table() {
		r.complete()
		out[r.Type] = r
	}
	return out
}()

// referenceData declares a read-only resource with read-only string
// attributes (countries, regions, enums: §12.1).
func referenceData(typ string, ids IDKind, attrs ...string) *Resource {
	r := &Resource{Type: typ, IDs: ids, Actions: Read}
	for _, a := range attrs {
		r.Attrs = append(r.Attrs, Attr{Name: a, Kind: String, ReadOnly: true})
	}
	return r
}

func withFilters(r *Resource, fs ...Filter) *Resource {
	r.Filters = append(r.Filters, fs...)
	return r
}

func withUnconfirmedWrites(r *Resource) *Resource {
	r.WritesUnconfirmed = true
	return r
}

// organizations: name required; platform OrganizationBundle api.yml
// disables create, delete and delete_list, so an organization can only be
// updated; upsert disabled in core (§7, §12.1).
func organizations() *Resource {
	return &Resource{Type: "organizations", Actions: Read | Update,
		Attrs: []Attr{{Name: "name", Kind: String, Required: true}}}
}

// businessUnits: name required (§12.1). Business units are a dictionary,
// whose writes Oro turns off by default, but platform OrganizationBundle
// api.yml re-enables create, update, delete and delete_list for them.
func businessUnits() *Resource {
	return &Resource{Type: "businessunits", Actions: CRUD,
		Attrs: []Attr{{Name: "name", Kind: String, Required: true}},
		Rels:  []Rel{relOrg}}
}

// customerUserRoles: customer-portal CustomerBundle api.yml disables no
// action, and Resources/doc/api/customer_user_role.md documents create,
// update and delete with role and label required; upsert is disabled in
// core (§7); the role is unique, so it is the natural key. role and label
// are Length(min: 3, max: 255) (CustomerBundle validation.yml).
func customerUserRoles() *Resource {
	return &Resource{Type: "customeruserroles", Actions: CRUD, NaturalKey: []string{"role"},
		Attrs: []Attr{
			{Name: "role", Kind: String, Required: true, MinLen: 3, MaxLen: 255},
			{Name: "label", Kind: String, Required: true, MinLen: 3, MaxLen: 255},
		},
		Rels:    []Rel{relOrg},
		Filters: []Filter{{Field: "role"}}}
}

func table() []*Resource {
	return []*Resource{
		organizations(),
		businessUnits(),
		users(),
		customerUserRoles(),
		// Regions: id is the combined code (US-CA); combinedCode and
		// country filters allow arrays (§8).
		withFilters(&Resource{Type: "regions", IDs: ClientID, Actions: Read,
			Attrs: []Attr{{Name: "code", Kind: String, ReadOnly: true}, {Name: "name", Kind: String, ReadOnly: true}},
			Rels:  []Rel{{Name: "country", Target: "countries", ReadOnly: true}}},
			Filter{Field: "combinedCode", AllowArray: true, Path: true}, Filter{Field: "country", AllowArray: true}),
		// Countries: id is ISO-3166 alpha-2 (§12.1).
		referenceData("countries", ClientID, "iso3Code", "name"),
		// Address types: billing, shipping; name allows arrays (§8).
		withFilters(referenceData("addresstypes", ClientID, "label"), Filter{Field: "name", AllowArray: true, Path: true}),
		referenceData("localizations", AutoID, "name", "formattingCode"),
		// Attribute families: platform EntityConfigBundle api.yml disables
		// create, delete and delete_list, so they can be updated but not
		// created; the code is their natural key.
		{Type: "attributefamilies", Actions: Read | Update, NaturalKey: []string{"code"},
			Attrs:   []Attr{{Name: "code", Kind: String, ReadOnly: true}},
			Filters: []Filter{{Field: "code"}}},
		// Product inventory statuses are enum values (in_stock, ...; §12.1).
		// Oro turns writes off for dictionaries by default (platform
		// OrganizationBundle api.yml has to re-enable them for business
		// units, "set manually because this entity is marked as a
		// dictionary"); that enums are read-only the same way is
		// unconfirmed, hence WritesUnconfirmed.
		withUnconfirmedWrites(referenceData("prodinventorystatuses", ClientID, "name")),
		// Category titles: create, update, delete and delete_list are off
		// (orocommerce CatalogBundle api.yml).
		&Resource{Type: "categorytitles", Actions: Read,
			Attrs: []Attr{{Name: "string", Kind: String, ReadOnly: true}, {Name: "fallback", Kind: String, ReadOnly: true}},
			Rels:  []Rel{{Name: "localization", Target: "localizations", ReadOnly: true}}},
		// Categories are read-only in the back office, 4.2 → master (§12.7;
		// orocommerce CatalogBundle api.yml: create, update, delete and
		// delete_list false).
		{Type: "categories", Actions: Read, Timestamps: true,
			Rels: []Rel{
				{Name: "parentCategory", Target: "categories", ReadOnly: true},
				{Name: "titles", Target: "categorytitles", ToMany: true, ReadOnly: true},
			}},
		customerGroups(),
		customers(),
		customerUsers(),
		customerAddresses(),
		productUnits(),
		localizedValues("productnames"),
		localizedValues("productshortdescriptions"),
		productUnitPrecisions(),
		products(),
		priceLists(),
		productPrices(),
		inventoryLevels(),
		// Tax codes and taxes: upsert by code (§7, taxjurisdictions and
		// taxes are the documented examples).
		{Type: "taxes", Actions: CRUD, UpsertKeys: []string{"code"}, NaturalKey: []string{"code"},
			Attrs:   []Attr{{Name: "code", Kind: String, Required: true}, {Name: "description", Kind: String}, {Name: "rate", Kind: Decimal, Required: true}},
			Filters: []Filter{{Field: "code"}}},
		{Type: "taxjurisdictions", Actions: CRUD, UpsertKeys: []string{"code"}, NaturalKey: []string{"code"},
			Attrs:   []Attr{{Name: "code", Kind: String, Required: true}, {Name: "description", Kind: String}},
			Filters: []Filter{{Field: "code"}}},
		// Weight and length units: client ids, upsert by id (§7).
		{Type: "weightunits", IDs: ClientID, Actions: CRUD,
			Attrs: []Attr{{Name: "conversionRates", Kind: JSON}}},
		{Type: "lengthunits", IDs: ClientID, Actions: CRUD,
			Attrs: []Attr{{Name: "conversionRates", Kind: JSON}}},
	}
}

// users: required username, email, firstName, lastName; password is
// create-only; upsert by username or email (both unique columns, §7,
// §12.1). Not batch-enabled (§10).
func users() *Resource {
	return &Resource{Type: "users", Actions: CRUD, UpsertKeys: []string{"username", "email"}, NaturalKey: []string{"username"}, Timestamps: true,
		Attrs: []Attr{
			{Name: "username", Kind: String, Required: true},
			{Name: "email", Kind: String, Required: true},
			{Name: "firstName", Kind: String, Required: true},
			{Name: "lastName", Kind: String, Required: true},
			{Name: "enabled", Kind: Bool, Default: true},
			{Name: "password", Kind: String, CreateOnly: true, Hidden: true},
		},
		Rels:    []Rel{relOwnerBU, relOrg},
		Filters: []Filter{{Field: "username"}, {Field: "email"}}}
}

// customerGroups: required name; no batch, no upsert (name is not unique
// in the database, §12.3). filter[name] and sorting by name exist because
// the column is indexed (oro_customer_group_name_idx in customer-portal
// CustomerBundle Entity/CustomerGroup.php; Oro enables filters on indexed
// fields, §8); the name is the natural key (§15).
func customerGroups() *Resource {
	return &Resource{Type: "customergroups", Actions: CRUD, NaturalKey: []string{"name"},
		Attrs:   []Attr{{Name: "name", Kind: String, Required: true}},
		Rels:    []Rel{relOwnerUser, relOrg},
		Filters: []Filter{{Field: "name"}},
		Sorts:   []string{"name"}}
}

// customers: required name, Length(max: 255) (customer-portal
// CustomerBundle validation.yml); the name column is indexed
// (oro_customer_name_idx in Customer.php), so filter[name] exists but takes
// no list; createdAt and updatedAt filters are enabled in api.yml; batch
// yes, upsert no (§12.2). customer-portal CustomerBundle api.yml excludes
// createdAt and updatedAt from both the create and the update action, so
// sending them is an extra field. The name is the natural key orosync finds
// customers by (§15: "look them up by name/email").
func customers() *Resource {
	return &Resource{Type: "customers", Actions: CRUD | UpdateList, Timestamps: true, TimestampsExcluded: true,
		NaturalKey: []string{"name"},
		Attrs:      []Attr{{Name: "name", Kind: String, Required: true, MaxLen: 255}},
		Rels: []Rel{
			{Name: "parent", Target: "customers"},
			{Name: "group", Target: "customergroups"},
			relOwnerUser, relOrg,
			{Name: "salesRepresentatives", Target: "users", ToMany: true},
		},
		Filters: []Filter{{Field: "name"}, {Field: "createdAt"}, {Field: "updatedAt"}},
		Sorts:   []string{"name", "createdAt", "updatedAt"}}
}

// customerUsers: required email, firstName, lastName and customer;
// userRoles while enabled; password exists only in the create action
// (customer-portal CustomerBundle api.yml: "password: exclude: true" for the
// entity, "exclude: false" under actions.create only, so a PATCH that sends
// it gets 400 "extra fields constraint"); createdAt and updatedAt are
// excluded from both create and update there; batch yes, upsert no (§12.4).
// The email is the natural key (§15). customer-portal CustomerBundle
// validation.yml: email is Email and Length(min: 6, max: 255), firstName
// and lastName Length(max: 255).
func customerUsers() *Resource {
	return &Resource{Type: "customerusers", Actions: CRUD | UpdateList, Timestamps: true, TimestampsExcluded: true,
		NaturalKey: []string{"email"},
		Attrs: []Attr{
			{Name: "email", Kind: String, Required: true, Email: true, MinLen: 6, MaxLen: 255},
			{Name: "firstName", Kind: String, Required: true, MaxLen: 255},
			{Name: "lastName", Kind: String, Required: true, MaxLen: 255},
			{Name: "namePrefix", Kind: String},
			{Name: "middleName", Kind: String},
			{Name: "nameSuffix", Kind: String},
			{Name: "enabled", Kind: Bool, Default: true},
			{Name: "confirmed", Kind: Bool, Default: true},
			{Name: "password", Kind: String, CreateOnly: true, Hidden: true},
		},
		Rels: []Rel{
			{Name: "customer", Target: "customers", Required: true},
			{Name: "userRoles", Target: "customeruserroles", ToMany: true},
			relOwnerUser, relOrg,
			{Name: "salesRepresentatives", Target: "users", ToMany: true},
		},
		Filters: []Filter{{Field: "email"}},
		Sorts:   []string{"email"}}
}

// customerAddresses: required street, city, postalCode, country and the
// customer, which api.yml excludes from update (create-only: "customer:
// exclude: true" under actions.update; platform AddressBundle
// UnchangeableAddressOwnerTestTrait expects 400 "extra fields constraint"
// when an update sends it); createdAt and updatedAt are excluded from
// create and update; country, region and addressType filters allow arrays;
// batch from 5.1.2 (§12.5, customer-portal CustomerBundle api.yml).
func customerAddresses() *Resource {
	str := func(n string, req bool) Attr { return Attr{Name: n, Kind: String, Required: req} }
	return &Resource{Type: "customeraddresses", Actions: CRUD | UpdateList, Timestamps: true, TimestampsExcluded: true,
		Since: map[Action]Version{UpdateList: {5, 1, 2}},
		Attrs: []Attr{
			str("label", false), str("street", true), str("street2", false), str("city", true),
			str("postalCode", true), str("organization", false), str("namePrefix", false),
			str("firstName", false), str("middleName", false), str("lastName", false),
			str("nameSuffix", false), str("phone", false), str("customRegion", false),
			{Name: "primary", Kind: Bool, Default: false},
			{Name: "types", Kind: JSON, Default: []any{}},
		},
		Rels: []Rel{
			{Name: "customer", Target: "customers", Required: true, CreateOnly: true},
			{Name: "country", Target: "countries", Required: true},
			{Name: "region", Target: "regions"},
			relOwnerUser, relOrg,
		},
		Filters: []Filter{{Field: "country", AllowArray: true}, {Field: "region", AllowArray: true},
			{Field: "addressType", AllowArray: true, Path: true}}}
}

// productUnits: client ids (item, set, kg, ...), creatable, upsert by id
// (§7, §12.1).
func productUnits() *Resource {
	return &Resource{Type: "productunits", IDs: ClientID, Actions: CRUD,
		Attrs: []Attr{{Name: "defaultPrecision", Kind: Int, Default: json.Number("0")}}}
}

// localizedValues: a product's names and short descriptions; localization
// null is the default value (§12.6). They cannot be deleted on their own:
// orocommerce ProductBundle api.yml sets "delete: false" and
// "delete_list: false" for ProductName and ProductShortDescription (they go
// when the product's set no longer lists them). The api.yml read is the
// current one; older versions are unconfirmed, so the stand-in takes the
// stricter reading.
func localizedValues(typ string) *Resource {
	return &Resource{Type: typ, Actions: Read | Create | Update,
		Attrs: []Attr{{Name: "fallback", Kind: String}, {Name: "string", Kind: String}},
		Rels:  []Rel{{Name: "localization", Target: "localizations"}}}
}

// productUnitPrecisions: precision, conversionRate, sell and the unit
// (§12.6).
func productUnitPrecisions() *Resource {
	return &Resource{Type: "productunitprecisions", Actions: CRUD,
		Attrs: []Attr{
			{Name: "precision", Kind: Int, Default: json.Number("0")},
			{Name: "conversionRate", Kind: Number, Default: json.Number("1")},
			{Name: "sell", Kind: Bool, Default: true},
		},
		Rels: []Rel{{Name: "unit", Target: "productunits", Required: true}}}
}

// products: required sku, names, attributeFamily, primaryUnitPrecision and
// inventory_status; filter[sku] allows arrays; names and unit precisions
// are owned records (a to-many PATCH replaces the set, so omitted ones are
// removed); batch yes, upsert no (SKU is unique only with the organization,
// §7, §12.6), so the SKU is the natural key orosync finds products by (§15:
// "SKU→id map ... filter[sku]").
func products() *Resource {
	return &Resource{Type: "products", Actions: CRUD | UpdateList, Timestamps: true, NaturalKey: []string{"sku"},
		Attrs: []Attr{
			{Name: "sku", Kind: String, Required: true},
			{Name: "status", Kind: Enum, Default: "disabled", Enum: []string{"enabled", "disabled"}},
			{Name: "productType", Kind: Enum, Default: "simple", Enum: []string{"simple", "configurable", "kit"}},
			{Name: "featured", Kind: Bool, Default: false},
			{Name: "newArrival", Kind: Bool, Default: false},
		},
		Rels: []Rel{
			{Name: "names", Target: "productnames", ToMany: true, Required: true, Owned: true, ChildKey: "localization"},
			{Name: "shortDescriptions", Target: "productshortdescriptions", ToMany: true, Owned: true, ChildKey: "localization"},
			{Name: "attributeFamily", Target: "attributefamilies", Required: true},
			{Name: "primaryUnitPrecision", Target: "productunitprecisions", Required: true},
			{Name: "unitPrecisions", Target: "productunitprecisions", ToMany: true, Owned: true, ChildKey: "unit"},
			{Name: "inventory_status", Target: "prodinventorystatuses", Required: true},
			{Name: "category", Target: "categories"},
			relOwnerBU, relOrg,
		},
		Filters: []Filter{{Field: "sku", AllowArray: true}, {Field: "updatedAt"}},
		Sorts:   []string{"sku", "createdAt", "updatedAt"}}
}

// priceLists: required name and priceListCurrencies; batch yes (§12.8).
// No filter or sort on name: Oro enables filters automatically only on
// indexed fields (§8), orocommerce PricingBundle api.yml defines no filters
// for PriceList, and PriceList.php / BasePriceList.php declare no index on
// name, so filter[name] is 400 "filter constraint" "The filter is not
// supported.". Price lists are addressed by id, hence no natural key.
func priceLists() *Resource {
	return &Resource{Type: "pricelists", Actions: CRUD | UpdateList, Timestamps: true,
		Attrs: []Attr{
			{Name: "name", Kind: String, Required: true},
			{Name: "priceListCurrencies", Kind: Strings, Required: true},
			{Name: "active", Kind: Bool, Default: true},
			{Name: "productAssignmentRule", Kind: String},
		},
		Rels: []Rel{relOrg}}
}

// productPrices: required quantity, currency, value, priceList, product and
// unit; the id is composite; list and delete_list need filter[priceList];
// batch yes (§8, §12.8). priceList is fixed after create but accepted on
// update: orocommerce PricingBundle api.yml maps it "form_options: mapped:
// false" under actions.update (accepted, value ignored), and Oro's own
// update example resends it. (A pre-4.0 ProductPriceTest expected 400
// "extra fields constraint" for it; that is older than any version orosync
// supports.) The priceList filter takes one id with the "=" operator only
// (api.yml "operators: ['=']", "allow_array: false"). A price is found by
// its price list, product and unit (the filters of its unique constraint,
// §12.8; quantity and currency have no filter, so one price per unit and
// price list is what a match can tell apart). api.yml sets get_subresource
// and get_relationship false. api.yml also enables meta.upsert by the
// combination [priceList, product, quantity, unit, currency] ("upsert: add"),
// which UpsertKeys (one field each) cannot express: the table leaves it
// out, so validate refuses native_upsert and the stand-in refuses
// meta.upsert for prices, stricter than Oro; use target.match.
func productPrices() *Resource {
	return &Resource{Type: "productprices", Actions: CRUD | UpdateList, RequiredFilter: "priceList", NoSubresources: true,
		NaturalKey: []string{"priceList", "product", "unit"},
		Attrs: []Attr{
			{Name: "quantity", Kind: Number, Required: true},
			{Name: "currency", Kind: String, Required: true},
			{Name: "value", Kind: Money, Required: true},
		},
		Rels: []Rel{
			{Name: "priceList", Target: "pricelists", Required: true, FixedAfterCreate: true},
			{Name: "product", Target: "products", Required: true},
			{Name: "unit", Target: "productunits", Required: true},
		},
		Filters: []Filter{{Field: "priceList", Operators: []string{"eq"}}, {Field: "product", AllowArray: true}}}
}

// inventoryLevels: created by Oro per unit precision; create, delete and
// delete_list are disabled; only quantity changes; batch update from 5.1.7
// and 6.0.1, not in 6.0.0 (§12.9, §14). product, productUnitPrecision and
// organization are "form_options: mapped: false" in orocommerce
// InventoryBundle api.yml: accepted on update, resolved (type and
// existence), then ignored. A level is found by its product (the workflow
// of §12.9: filter[product]).
func inventoryLevels() *Resource {
	return &Resource{Type: "inventorylevels", Actions: Read | Update | UpdateList, NaturalKey: []string{"product"},
		Since:           map[Action]Version{UpdateList: {5, 1, 7}},
		SinceInNextLine: map[Action]Version{UpdateList: {6, 0, 1}},
		Attrs:           []Attr{{Name: "quantity", Kind: Decimal, Default: "0"}},
		Rels: []Rel{
			{Name: "product", Target: "products", ReadOnly: true, Unmapped: true},
			{Name: "productUnitPrecision", Target: "productunitprecisions", ReadOnly: true, Unmapped: true},
			{Name: "organization", Target: "organizations", ReadOnly: true, Unmapped: true, Default: "1"},
		},
		Filters: []Filter{{Field: "product", AllowArray: true}}}
}
