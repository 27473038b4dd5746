package sandbox

import "time"

// seedReferenceData fills a new store with the reference data a fresh Oro
// install has and that the writable resources point at.
func seedReferenceData(st *store, now time.Time) {
	ts := now.UTC().Format(timeLayout)
	put := func(typ, id string, attrs map[string]any, rels map[string][]Ref) {
		if attrs == nil {
			attrs = map[string]any{}
		}
		if rels == nil {
			rels = map[string][]Ref{}
		}
		if st.spec(typ).Timestamps {
			attrs["createdAt"], attrs["updatedAt"] = ts, ts
		}
		st.put(&Resource{Type: typ, ID: id, Attributes: attrs, Relationships: rels})
	}
	org := map[string][]Ref{"organization": {{Type: "organizations", ID: "1"}}}
	put("organizations", "1", map[string]any{"name": "Sandbox Organization"}, nil)
	put("businessunits", "1", map[string]any{"name": "Main"}, nil)
	put("users", "1", map[string]any{"username": "admin", "email": "admin@example.com",
		"firstName": "John", "lastName": "Doe"}, nil)
	put("customeruserroles", "1", map[string]any{"role": "ROLE_FRONTEND_ADMINISTRATOR", "label": "Administrator"}, nil)
	put("customeruserroles", "2", map[string]any{"role": "ROLE_FRONTEND_BUYER", "label": "Buyer"}, nil)
	seedGeography(put)
	put("addresstypes", "billing", map[string]any{"label": "Billing"}, nil)
	put("addresstypes", "shipping", map[string]any{"label": "Shipping"}, nil)
	put("localizations", "1", map[string]any{"name": "English (United States)", "formattingCode": "en_US"}, nil)
	put("attributefamilies", "1", map[string]any{"code": "default_family"}, nil)
	for _, s := range [][2]string{{"in_stock", "In Stock"}, {"out_of_stock", "Out of Stock"}, {"discontinued", "Discontinued"}} {
		put("prodinventorystatuses", s[0], map[string]any{"name": s[1]}, nil)
	}
	for _, u := range []string{"each", "item", "kg", "piece", "set"} {
		put("productunits", u, map[string]any{"defaultPrecision": jsonInt(0)}, nil)
	}
	put("categorytitles", "1", map[string]any{"string": "All Products", "fallback": nil}, nil)
	put("categories", "1", nil, map[string][]Ref{"titles": {{Type: "categorytitles", ID: "1"}}})
	put("pricelists", "1", map[string]any{"name": "Default Price List", "priceListCurrencies": []any{"USD", "EUR"},
		"active": true, "productAssignmentRule": nil}, org)
}

func seedGeography(put func(string, string, map[string]any, map[string][]Ref)) {
	for _, c := range [][3]string{{"US", "USA", "United States"}, {"DE", "DEU", "Germany"}, {"CA", "CAN", "Canada"}} {
		put("countries", c[0], map[string]any{"iso3Code": c[1], "name": c[2]}, nil)
	}
	for _, r := range [][3]string{{"US", "NY", "New York"}, {"US", "CA", "California"}, {"DE", "BY", "Bayern"},
		{"CA", "ON", "Ontario"}} {
		put("regions", r[0]+"-"+r[1], map[string]any{"code": r[1], "name": r[2]},
			map[string][]Ref{"country": {{Type: "countries", ID: r[0]}}})
	}
}
