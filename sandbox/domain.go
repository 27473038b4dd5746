package sandbox

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// This file holds the resource-specific rules the schema table refers to.

// validateCustomerUser: userRoles are required while the user is enabled
// (CustomerUserCheckRole), the email must be unused
// (UniqueCustomerUserNameAndEmail; customer-portal CustomerBundle
// validation.yml). Its format is the table's Email constraint.
func validateCustomerUser(t *tx, w *write) {
	ptr := w.obj.pointer
	enabled := w.rec.Attributes["enabled"] != false
	if enabled && len(w.rec.Relationships["userRoles"]) == 0 && !t.failedAt(ptr+"/relationships/userRoles") {
		t.fail(badPointer(titleNotBlank, detailNotBlank, ptr+"/relationships/userRoles/data"))
	}
	email := w.rec.str("email")
	if email == "" || !(w.creating() || w.sent("email")) || t.failedAt(ptr+"/attributes/email") {
		return
	}
	for _, other := range t.st.withAttr("customerusers", "email", email) {
		if other.ID != w.rec.ID && strings.EqualFold(other.str("email"), email) {
			t.fail(badPointer("unique customer user name and email constraint", "This email is already used.",
				ptr+"/attributes/email"))
			return
		}
	}
}

// validateAddress: region required when the country has regions and must
// belong to it; a person's name or an organization is required; types must
// name existing address types.
func validateAddress(t *tx, w *write) {
	ptr := w.obj.pointer
	country, region := w.rec.one("country"), w.rec.one("region")
	switch {
	case region != "" && country != "" && t.get("regions", region).one("country") != country:
		t.fail(badPointer("valid region constraint",
			fmt.Sprintf("Region %s does not belong to country %s.", region, country), ptr+"/relationships/region/data"))
	case region == "" && country != "" && countryHasRegions(t.st, country) && blank(w.rec.Attributes["customRegion"]):
		t.fail(badPointer(titleNotBlank, detailNotBlank, ptr+"/relationships/region/data"))
	}
	a := w.rec.Attributes
	if blank(a["organization"]) && (blank(a["firstName"]) || blank(a["lastName"])) {
		t.fail(badPointer("name or organization constraint",
			"Organization or First Name and Last Name should not be blank.", ptr+"/attributes/organization"))
	}
	validateAddressTypes(t, a["types"], ptr+"/attributes/types")
}

func countryHasRegions(st *store, country string) bool {
	for _, r := range st.referrers("regions", "country", country) {
		if r.one("country") == country {
			return true
		}
	}
	return false
}

func validateAddressTypes(t *tx, v any, ptr string) {
	list, ok := v.([]any)
	if !ok && v != nil {
		t.fail(badPointer(titleType, "This value should be of type array.", ptr))
		return
	}
	for i, item := range list {
		p := fmt.Sprintf("%s/%d", ptr, i)
		m, ok := item.(map[string]any)
		if !ok {
			t.fail(badPointer(titleType, "This value should be of type object.", p))
			continue
		}
		name, _ := m["addressType"].(string)
		if name == "" || t.get("addresstypes", name) == nil {
			t.fail(badPointer(titleForm, detailNoEntity, p+"/addressType"))
		}
		if d, has := m["default"]; has {
			if _, isBool := d.(bool); !isBool {
				t.fail(badPointer(titleType, "This value should be of type boolean.", p+"/default"))
			}
		}
	}
}

// validatePrice: the currency must be one of the price list's, the unit one
// of the product's unit precisions, and (product, price list, quantity,
// unit, currency) unique.
func validatePrice(t *tx, w *write) {
	ptr := w.obj.pointer
	r := w.rec
	if pl := t.get("pricelists", r.one("priceList")); pl != nil && r.str("currency") != "" {
		currencies, _ := pl.Attributes["priceListCurrencies"].([]any)
		if !slices.Contains(currencies, any(r.str("currency"))) {
			t.fail(badPointer("product price currency constraint",
				fmt.Sprintf("Currency %q is not valid for current price list.", r.str("currency")), ptr+"/attributes/currency"))
		}
	}
	if p := t.get("products", r.one("product")); p != nil && r.one("unit") != "" && !productHasUnit(t, p, r.one("unit")) {
		t.fail(badPointer("product price allowed units constraint",
			fmt.Sprintf("Unit %q is not allowed for product %q.", r.one("unit"), p.str("sku")), ptr+"/relationships/unit/data"))
	}
	for _, other := range pricesOf(t.st, r.one("product")) {
		if other.ID != r.ID && samePrice(other, r) {
			t.fail(badPointer(titleUnique, `Product has duplication of product prices. Set of fields "PriceList", `+
				`"Quantity", "Unit" and "Currency" should be unique.`, ptr))
			return
		}
	}
}

// pricesOf returns the stored prices that may belong to product (all of
// them when product is ""); the caller checks each.
func pricesOf(st *store, product string) []*Resource {
	if product == "" {
		return st.all("productprices")
	}
	return st.referrers("productprices", "product", product)
}

func productHasUnit(t *tx, p *Resource, unit string) bool {
	for _, ref := range p.Relationships["unitPrecisions"] {
		if upr := t.get(ref.Type, ref.ID); upr != nil && upr.one("unit") == unit {
			return true
		}
	}
	return false
}

func samePrice(a, b *Resource) bool {
	for _, rel := range []string{"priceList", "product", "unit"} {
		if a.one(rel) != b.one(rel) {
			return false
		}
	}
	return a.str("currency") == b.str("currency") && compareNumbers(a.Attributes["quantity"], b.Attributes["quantity"]) == 0
}

// compareNumbers compares two numeric values (json.Number or numeric
// strings) exactly; non-numbers sort first.
func compareNumbers(a, b any) int {
	ra, okA := toRat(a)
	rb, okB := toRat(b)
	switch {
	case okA && okB:
		return ra.Cmp(rb)
	case okA:
		return 1
	case okB:
		return -1
	}
	return 0
}

func toRat(v any) (*big.Rat, bool) {
	s := fmt.Sprint(v)
	if v == nil || !numericString.MatchString(s) && !jsonNumber.MatchString(s) {
		return nil, false
	}
	return new(big.Rat).SetString(s)
}

// checkPriceListFilter refuses a price list filter naming no price list:
// 400 "filter constraint", "The specified price list does not exist.",
// without a source (PricingBundle Api/ProductPrice/Processor/HandlePriceListFilter).
func checkPriceListFilter(st *store, lq *listQuery) []*apiError {
	for _, c := range lq.conds {
		if c.field == "priceList" && c.op == "eq" && len(c.values) == 1 && st.get("pricelists", c.values[0]) == nil {
			return []*apiError{badParameter(titleFilter, "The specified price list does not exist.", "")}
		}
	}
	return nil
}

// priceID builds the composite productprices id "<uuid>-<priceListId>".
func priceID(r *Resource) string { return newUUID() + "-" + r.one("priceList") }

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
