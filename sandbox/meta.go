package sandbox

import "strings"

// This file reads the operation options of a resource object's meta
// ("update", "upsert", "validate") as platform ApiBundle
// Util/MetaOperationParser::getOperationFlags does, for the primary data of
// a single request, a batch item and an included object alike, then refuses
// what the place does not support (Processor/Shared/JsonApi/
// DisableUpdateOperation and DisableValidateOperation).

// metaScope is where a resource object is; it decides which options Oro
// refuses.
type metaScope int

const (
	// metaMain is the primary data of a single POST or PATCH.
	metaMain metaScope = iota
	// metaBatchItem is a primary item of a batch (update_list).
	metaBatchItem
	// metaIncluded is an object of the "included" section.
	metaIncluded
)

// metaOps are the operation options of an object.
type metaOps struct {
	update bool     // meta.update: true
	upsert []string // the fields of meta.upsert ("id" for true); nil when absent or false
}

// upsertByID reports whether the upsert finds the record by its id.
func (m metaOps) upsertByID() bool {
	return len(m.upsert) == 1 && m.upsert[0] == "id"
}

// parseMeta reads o.meta; ptr is the pointer of the meta object ("/meta" for
// the primary data, whose errors Oro points there, not under /data; a batch
// item's pointers are completed later by completeItemPath;
// "/included/N/meta" for an included object). Errors, as Oro words them:
//   - update or validate not a boolean: 400 "value constraint", "This value
//     should be a boolean." at ptr/update or ptr/validate;
//   - upsert neither a boolean nor a non-empty list of non-blank strings:
//     "This value should be a boolean or an array of strings." at ptr/upsert;
//   - more than one option true: 400 "request data constraint", "Only one
//     meta option can be used." at ptr (options set to false do not count);
//   - meta.update, whatever its value, on a main request: "The option is not
//     supported." at ptr/update (DisableUpdateOperation: an update is a
//     PATCH on the record's URL);
//   - meta.validate, whatever its value, on primary data: the same at
//     ptr/validate (DisableValidateOperation refuses it wherever the
//     resource does not enable validation, and no resource of the table
//     does; Oro before 6.1 does not know the option).
func parseMeta(o *object, ptr string, scope metaScope) (metaOps, *apiError) {
	var ops metaOps
	truthy := 0
	boolean := func(name string) (present bool, err *apiError) {
		v, ok := o.meta[name]
		if !ok {
			return false, nil
		}
		b, isBool := v.(bool)
		if !isBool {
			return true, badPointer(titleValue, "This value should be a boolean.", ptr+"/"+name)
		}
		if b {
			truthy++
		}
		return true, nil
	}
	hasUpdate, err := boolean("update")
	if err != nil {
		return ops, err
	}
	ops.update = o.meta["update"] == true
	if v, ok := o.meta["upsert"]; ok {
		fields, valid := upsertValue(v)
		if !valid {
			return ops, badPointer(titleValue, "This value should be a boolean or an array of strings.", ptr+"/upsert")
		}
		if fields != nil {
			truthy++
		}
		ops.upsert = fields
	}
	hasValidate, err := boolean("validate")
	if err != nil {
		return ops, err
	}
	switch {
	case truthy > 1:
		return ops, badPointer(titleRequestData, "Only one meta option can be used.", ptr)
	case hasUpdate && scope == metaMain:
		return ops, badPointer(titleValue, "The option is not supported.", ptr+"/update")
	case hasValidate && scope != metaIncluded:
		return ops, badPointer(titleValue, "The option is not supported.", ptr+"/validate")
	}
	return ops, nil
}

// upsertValue reads meta.upsert: true is ["id"], false is nil; a list must
// hold non-blank strings only and not be empty
// (MetaOperationParser::getUpsertFlag).
func upsertValue(v any) (fields []string, valid bool) {
	switch v := v.(type) {
	case bool:
		if v {
			return []string{"id"}, true
		}
		return nil, true
	case []any:
		for _, f := range v {
			s, ok := f.(string)
			if !ok || strings.TrimSpace(s) == "" {
				return nil, false
			}
			fields = append(fields, s)
		}
		return fields, len(fields) > 0
	}
	return nil, false
}
