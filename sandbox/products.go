package sandbox

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// This file holds the rules of Oro's Product entity and its owned records
// (names, unit precisions) that the shared table cannot express. Sources are
// in oroinc/orocommerce src/Oro/Bundle/ProductBundle unless said otherwise.

// Product error details, as ProductBundle/Resources/translations/validators.en.yml words them.
const (
	detailPrimaryNotInSet = "A primary product unit precision should be in the collection of product unit precisions."
	detailNoUnits         = "Please add one or more product units."
	detailDefaultName     = "Product default name is blank"
)

// normalizeProduct adds the primary unit precision to unitPrecisions, as
// Product::setPrimaryUnitPrecision does (via addUnitPrecision; oro-api.md
// §12.6: "its unit is added to unitPrecisions automatically"). A new
// primary precision for a unit the product already has is merged into the
// existing precision (see mergeUnitPrecision).
//
// An update that sends unitPrecisions replaces the set, and whether Oro then
// still adds the primary precision depends on the order in which its form
// submits the two fields, which is unconfirmed. The stand-in takes the
// stricter reading: such an update must list the primary precision itself,
// or validateUnitPrecisions refuses it.
func normalizeProduct(t *tx, w *write) {
	r := w.rec
	primary := r.Relationships["primaryUnitPrecision"]
	if len(primary) != 1 {
		return
	}
	if kept, ok := t.mergeUnitPrecision(r, primary[0]); ok {
		r.Relationships["primaryUnitPrecision"] = []Ref{kept}
		return
	}
	if (w.creating() || !w.sent("unitPrecisions")) && !slices.Contains(r.Relationships["unitPrecisions"], primary[0]) {
		r.Relationships["unitPrecisions"] = append(r.Relationships["unitPrecisions"], primary[0])
	}
}

// mergeUnitPrecision merges the precision ref, when it is created by this
// request, into the product's existing precision of the same unit, as
// Product::addUnitPrecision does: the existing precision takes the new
// precision value, conversion rate 1 and sell true, and stays the primary
// one, so its inventory levels and prices keep pointing at it. It returns
// the existing precision and true when it merged.
func (t *tx) mergeUnitPrecision(product *Resource, ref Ref) (Ref, bool) {
	created := t.pending(ref, true)
	if created == nil {
		return Ref{}, false
	}
	unit := created.rec.one("unit")
	for _, other := range product.Relationships["unitPrecisions"] {
		stored := t.st.get(other.Type, other.ID)
		if other == ref || stored == nil || stored.one("unit") != unit {
			continue
		}
		target := t.pending(other, false)
		if target == nil {
			target = &write{obj: &object{pointer: created.obj.pointer, typ: other.Type, id: created.obj.id, hasID: true,
				attrs: map[string]any{}, rels: map[string]any{}}, spec: created.spec, old: stored, rec: stored.clone()}
			t.writes = append(t.writes, target)
		}
		precision, ok := created.rec.Attributes["precision"]
		if !ok {
			precision = jsonInt(0)
		}
		target.rec.Attributes["precision"] = precision
		target.rec.Attributes["conversionRate"] = jsonInt(1)
		target.rec.Attributes["sell"] = true
		created.mergedInto = target
		return other, true
	}
	return Ref{}, false
}

// validateProduct checks a product about to be written: a unique SKU, a
// default name, and a consistent set of unit precisions.
func validateProduct(t *tx, w *write) {
	validateSKU(t, w)
	validateProductNames(t, w)
	validateUnitPrecisions(t, w)
}

// validateSKU: SKUs are unique (case-insensitively, as Oro compares
// upper-cased SKUs).
func validateSKU(t *tx, w *write) {
	sku := w.rec.str("sku")
	if sku == "" || !(w.creating() || w.sent("sku")) {
		return
	}
	for _, other := range t.st.withAttr("products", "sku", sku) {
		if other.ID != w.rec.ID && strings.EqualFold(other.str("sku"), sku) {
			t.fail(badPointer(titleUnique, "This value is already used.", w.obj.pointer+"/attributes/sku"))
			return
		}
	}
}

// validateProductNames requires a non-blank default name (localization
// null): validation.yml puts NotBlankDefaultLocalizedFallbackValue on
// Product::$names, whose violation has no path of its own, so it points at
// the names relationship. The title follows Oro's "<constraint name>
// constraint" pattern (oro-api.md §9); it is inferred, not seen in a test.
// An empty set on create is the create form's Count constraint instead
// (checkRequired).
func validateProductNames(t *tx, w *write) {
	names := w.rec.Relationships["names"]
	switch {
	case w.creating() && len(names) == 0:
		return // the create form's Count constraint reports it (checkRequired)
	case !w.creating() && !w.sent("names") && !t.updatesAny(names):
		return // the names are untouched
	}
	for _, ref := range names {
		n := t.get(ref.Type, ref.ID)
		if n != nil && n.one("localization") == "" && !blank(n.Attributes["string"]) {
			return
		}
	}
	t.fail(badPointer("not blank default localized fallback value constraint", detailDefaultName,
		w.obj.pointer+"/relationships/names/data"))
}

// updatesAny reports whether this request updates one of the records refs.
func (t *tx) updatesAny(refs []Ref) bool {
	return slices.ContainsFunc(refs, func(r Ref) bool { return t.pending(r, false) != nil })
}

// validateUnitPrecisions checks the unit precisions a create or an update
// that sends them leaves the product with:
//   - at least one (validation.yml: Count min 1 on unitPrecisions, "count
//     constraint");
//   - no unit twice: Api/Processor/AddValidateUnitPrecisionsDuplicateFormListener
//     walks the sent set against the units the product had before the
//     request and adds 'Unit precision "<unit>" already exists for this
//     product.' ("form constraint" on the relationship). A new precision for
//     a unit the product has in the database also breaks UniqueEntity(product,
//     unit) on ProductUnitPrecision: ProductTest::testUpdateWithDuplicateExistingUnitPrecision
//     expects both errors, the second pointing at
//     /included/N/relationships/product/data; testCreateWithDuplicateUnitPrecision
//     expects the first alone;
//   - on update, the primary precision among them (PrimaryProductUnitPrecision
//     in validation.yml; its validator adds the violation at unitPrecisions;
//     title inferred from the constraint name, oro-api.md §9).
func validateUnitPrecisions(t *tx, w *write) {
	if !(w.creating() || w.sent("unitPrecisions")) {
		return
	}
	ptr := w.obj.pointer + "/relationships/unitPrecisions/data"
	set := w.rec.Relationships["unitPrecisions"]
	if len(set) == 0 {
		t.fail(badPointer(titleCount, detailNoUnits, ptr))
	}
	stored := map[string]string{} // unit -> precision id, before this request
	if w.old != nil {
		for _, ref := range w.old.Relationships["unitPrecisions"] {
			if upr := t.st.get(ref.Type, ref.ID); upr != nil {
				stored[upr.one("unit")] = upr.ID
			}
		}
	}
	seen := maps.Clone(stored)
	for _, ref := range set {
		upr := t.get(ref.Type, ref.ID)
		unit := upr.one("unit")
		if unit == "" {
			continue
		}
		created := t.pending(ref, true)
		if prev, ok := seen[unit]; ok && (created != nil || prev != ref.ID) {
			t.fail(badPointer(titleForm, fmt.Sprintf("Unit precision %q already exists for this product.", unit), ptr))
			if _, inDB := stored[unit]; inDB && created != nil && created.obj.pointer != "/data" {
				t.fail(badPointer(titleUnique, "This value is already used.", created.obj.pointer+"/relationships/product/data"))
			}
		}
		seen[unit] = ref.ID
	}
	primary := w.rec.Relationships["primaryUnitPrecision"]
	if !w.creating() && len(primary) == 1 && !slices.Contains(set, primary[0]) {
		t.fail(badPointer("primary product unit precision constraint", detailPrimaryNotInSet, ptr))
	}
}

// ensureInventoryLevels creates one inventory level (quantity "0") per unit
// precision of a product that has none yet.
func ensureInventoryLevels(st *store, p *Resource) {
	levels := st.referrers("inventorylevels", "product", p.ID)
	for _, upr := range p.Relationships["unitPrecisions"] {
		exists := slices.ContainsFunc(levels, func(l *Resource) bool {
			return l.one("product") == p.ID && l.one("productUnitPrecision") == upr.ID
		})
		if exists {
			continue
		}
		st.put(&Resource{Type: "inventorylevels", ID: st.nextID("inventorylevels"),
			Attributes: map[string]any{"quantity": "0"},
			Relationships: map[string][]Ref{
				"product":              {p.ref()},
				"productUnitPrecision": {upr},
				"organization":         {{Type: "organizations", ID: "1"}},
			}})
	}
}

// deleteProductParts removes what belongs to a product: its owned records
// (names, short descriptions, unit precisions: cascade={"ALL"} in
// Product.php), inventory levels and prices.
func deleteProductParts(st *store, p *Resource) {
	var parts []*Resource
	for _, rs := range st.spec("products").Rels {
		if !rs.Owned {
			continue
		}
		for _, ref := range p.Relationships[rs.Name] {
			if r := st.get(ref.Type, ref.ID); r != nil {
				parts = append(parts, r)
			}
		}
	}
	for _, typ := range []string{"inventorylevels", "productprices"} {
		for _, r := range st.referrers(typ, "product", p.ID) {
			if r.one("product") == p.ID {
				parts = append(parts, r)
			}
		}
	}
	for _, r := range parts {
		st.drop(r)
	}
}

// deleteUnitPrecisionParts removes what hangs on a unit precision that is
// deleted (by DELETE or because an update left it out): its inventory
// levels (InventoryLevel::$productUnitPrecision is onDelete="CASCADE",
// InventoryBundle/Entity/InventoryLevel.php) and the product's prices in its
// unit (PricingBundle ProductUnitPrecisionListener::postRemove calls
// ProductPriceRepository::deleteByProductUnit).
func deleteUnitPrecisionParts(st *store, upr *Resource) {
	var parts []*Resource
	for _, l := range st.referrers("inventorylevels", "productUnitPrecision", upr.ID) {
		if l.one("productUnitPrecision") == upr.ID {
			parts = append(parts, l)
		}
	}
	for _, p := range st.referrers("products", "unitPrecisions", upr.ID) {
		if !slices.Contains(p.Relationships["unitPrecisions"], upr.ref()) {
			continue
		}
		for _, price := range st.referrers("productprices", "product", p.ID) {
			if price.one("product") == p.ID && price.one("unit") == upr.one("unit") {
				parts = append(parts, price)
			}
		}
	}
	for _, r := range parts {
		st.drop(r)
	}
}
