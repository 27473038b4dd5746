package sandbox

import "slices"

// collectOrphans finds the owned records that updates leave out. A PATCH
// (primary data or an included update) that sends a to-many relationship
// replaces the whole set (oro-api.md §4, §12.6, §13 pitfall 9); for the
// relationships the resources table marks Owned, the records left out are
// deleted, as Doctrine's orphanRemoval=true on Product::$names,
// $shortDescriptions and $unitPrecisions does (oroinc/orocommerce
// ProductBundle/Entity/Product.php). So a client that sends new name records
// on every update deletes the names maintained in Oro, translations
// included, and creates new ones.
func (t *tx) collectOrphans() {
	if t.trusted {
		return
	}
	for _, w := range t.writes {
		if w.creating() || w.mergedInto != nil {
			continue
		}
		for _, rs := range w.spec.Rels {
			if !rs.Owned || !w.sent(rs.Name) {
				continue
			}
			kept := w.rec.Relationships[rs.Name]
			for _, ref := range w.old.Relationships[rs.Name] {
				if slices.Contains(kept, ref) {
					continue
				}
				if r := t.st.get(ref.Type, ref.ID); r != nil && !slices.Contains(t.orphans, r) {
					t.orphans = append(t.orphans, r)
				}
			}
		}
	}
}
