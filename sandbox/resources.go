package sandbox

import "github.com/orosync/orosync/resources"

// domainHooks attaches the rules of Oro's entities and validators that the
// shared table cannot express (domain.go), by resource type.
var domainHooks = map[string]hooks{
	"customerusers":     {validate: validateCustomerUser},
	"customeraddresses": {validate: validateAddress},
	"products": {normalize: normalizeProduct, validate: validateProduct,
		afterCommit: ensureInventoryLevels, beforeDelete: deleteProductParts},
	"productunitprecisions": {beforeDelete: deleteUnitPrecisionParts},
	"productprices":         {validate: validatePrice, finalID: priceID, checkList: checkPriceListFilter},
}

// schemaTable returns the specification of every resource the stand-in
// serves: every resource of the shared table.
func schemaTable() []*resourceSpec {
	var specs []*resourceSpec
	for _, r := range resources.All() {
		specs = append(specs, &resourceSpec{Resource: r, hooks: domainHooks[r.Type]})
	}
	return specs
}
