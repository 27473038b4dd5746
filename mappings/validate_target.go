package mappings

import (
	"fmt"
	"slices"
	"strings"
)

func (p *parser) validateTarget(t *Target) {
	const at = "target"
	switch {
	case t.Type == "":
		p.errAt(at+".type", `missing: the Oro resource type, e.g. "customers"`)
	case !reResourceType.MatchString(t.Type):
		p.errAt(at+".type", "%q is not a resource type: use its API name, e.g. \"customers\" or \"productprices\"", t.Type)
	}
	p.oneOf(at+".write", t.Write, "create", "update", "upsert")
	t.Write = or(t.Write, "create")
	if (t.Write == "update" || t.Write == "upsert") && t.Key == nil {
		p.errAt(at+".key", "missing: write: %s needs a key (a jq expression giving the record's identity in the source, e.g. .code)", t.Write)
	}
	for name := range t.Match {
		if name == "" {
			p.errKey(at+".match", "a filter name must not be empty")
		}
	}
	p.validateNativeUpsert(t)
	p.oneOf(at+".on_missing", t.OnMissing, "fail", "skip", "empty")
	t.OnMissing = or(t.OnMissing, "fail")
	p.validateRelationships(t)
	p.validateCreateOnly(t)
	p.oneOf(at+".batch", t.Batch, BatchAuto, BatchSync, BatchAsync, BatchOff)
	t.Batch = or(t.Batch, BatchAuto)
	switch {
	case t.MaxDocuments < 0:
		p.errAt(at+".max_documents", "must be a positive number of documents per record (default %d)", DefaultMaxDocuments)
	case t.MaxDocuments == 0:
		t.MaxDocuments = DefaultMaxDocuments
	}
}

func (p *parser) validateRelationships(t *Target) {
	for name, rp := range t.Relationships {
		at := "target.relationships." + name
		switch {
		case name == "":
			p.errKey("target.relationships", "a relationship name must not be empty")
			continue
		case rp == nil:
			p.errKey(at, "has no value: give {policy: merge} or {policy: replace}")
			continue
		}
		p.oneOf(at+".policy", rp.Policy, PolicyMerge, PolicyReplace)
		rp.Policy = or(rp.Policy, PolicyMerge)
	}
}

func (p *parser) validateCreateOnly(t *Target) {
	for i, f := range t.CreateOnly {
		at := fmt.Sprintf("target.create_only[%d]", i)
		section, name, ok := strings.Cut(f, ".")
		switch {
		case !ok || name == "" || section != "attributes" && section != "relationships":
			p.errAt(at, "%q is not a field path: write attributes.NAME or relationships.NAME", f)
		case slices.Index(t.CreateOnly, f) < i:
			p.errAt(at, "%q is listed twice", f)
		}
	}
}

func (p *parser) validateNativeUpsert(t *Target) {
	const at = "target.native_upsert"
	if t.NativeUpsert == nil {
		return
	}
	if t.Write == "update" {
		p.errKey(at, "needs write: create or upsert (Oro's meta.upsert creates missing records)")
	}
	if len(t.NativeUpsert) == 0 {
		p.errAt(at, `list the fields Oro matches on, e.g. [email], or [id]`)
	}
	for i, f := range t.NativeUpsert {
		path := fmt.Sprintf("%s[%d]", at, i)
		switch {
		case f == "":
			p.errAt(path, "a field name must not be empty")
		case slices.Index(t.NativeUpsert, f) < i:
			p.errAt(path, "%q is listed twice", f)
		case f == "id" && len(t.NativeUpsert) > 1:
			p.errAt(path, `"id" cannot be combined with other fields`)
		}
	}
}

func (p *parser) validateTests(tests []TestCase) {
	names := map[string]bool{}
	for i := range tests {
		tc := &tests[i]
		at := fmt.Sprintf("tests[%d]", i)
		switch {
		case tc.Name == "":
			p.errAt(at+".name", "missing: name the test case")
		case names[tc.Name]:
			p.errAt(at+".name", "%q is used by another test case", tc.Name)
		}
		names[tc.Name] = true
		if p.tree.value[at+".input"] == nil {
			p.errAt(at+".input", "missing: the source record")
		}
		switch {
		case tc.Want == nil && tc.WantError == "":
			p.errAt(at, "set want (the expected documents; [] for a skipped record) or want_error")
		case tc.Want != nil && tc.WantError != "":
			p.errKey(at+".want_error", "set want or want_error, not both")
		case tc.Want != nil:
			p.validateWant(at+".want", tc.Want)
		}
	}
}

// validateWant checks that want is a list of JSON:API documents.
func (p *parser) validateWant(path string, want *Value) {
	list, ok := want.V.([]any)
	if !ok {
		p.errAt(path, "expected a list of documents ({data: ...}); [] means the record is skipped")
		return
	}
	for i, d := range list {
		item := fmt.Sprintf("%s[%d]", path, i)
		obj, ok := d.(map[string]any)
		if _, hasData := obj["data"]; !ok || !hasData {
			p.errAt(item, `expected a document in full form: {data: {type: ..., attributes: ...}}`)
			continue
		}
		if _, msg := toDocument(obj); msg != "" {
			p.errAt(item, "%s", msg)
		}
	}
}
