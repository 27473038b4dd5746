package mappings

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/orosync/orosync/resources"
)

// SkeletonOptions describe the starting mapping that Skeleton writes.
type SkeletonOptions struct {
	// Name is the mapping's name; "" means the resource type.
	Name string
	// File is source.file as it is to be written in the mapping (relative
	// to the mapping file's directory); "" writes a placeholder path.
	File string
	// Fields are the fields of the source records, in order, with an
	// example value each (from a sample file); nil when there is no sample.
	Fields []SampleField
	// Record is a source record for the tests: stub (the sample's first);
	// nil makes one up from the fields the transform reads.
	Record map[string]any
	// Command is the command line that asked for the mapping, for its
	// header comment.
	Command string
}

// SampleField is one field of sample source records.
type SampleField struct {
	Name    string
	Example any
}

// Skeleton returns a commented starting mapping for the Oro resource type
// typ, which must be in the resources table and writable: version, name,
// source, a target with the write mode the resource allows and its
// natural key (resources.Resource.NaturalKey) as target.match, a transform
// with the attributes and relationships Oro requires on create (the
// records Oro requires with it in included, such as a product's names and
// primary unit precision), the sample's fields as comments, and a tests:
// case made of a sample record and what the transform makes of it. The
// result passes Parse and Check without errors.
func Skeleton(typ string, opts SkeletonOptions) ([]byte, error) {
	r, ok := resources.Lookup(typ)
	if !ok {
		return nil, fmt.Errorf("orosync has no rules for resource %q", typ)
	}
	if !r.Writable() {
		return nil, fmt.Errorf("%s is read-only in Oro: there is nothing to write", typ)
	}
	s := &skeleton{r: r, opts: opts, kinds: map[string]resources.Kind{}}
	if s.opts.Name == "" {
		s.opts.Name = typ
	}
	body := s.mapping()
	m, err := Parse("skeleton.yaml", body, nil)
	if err != nil {
		return nil, fmt.Errorf("the mapping written for %s is invalid: %w", typ, err)
	}
	body = append(body, s.tests(m)...)
	m, err = Parse("skeleton.yaml", body, nil)
	if err != nil {
		return nil, fmt.Errorf("the mapping written for %s is invalid: %w", typ, err)
	}
	if errs := m.Check(resources.Version{}).Errors(); len(errs) > 0 {
		return nil, fmt.Errorf("the mapping written for %s does not pass validate: %w", typ, errs)
	}
	return body, nil
}

// skeleton writes one starting mapping.
type skeleton struct {
	r    *resources.Resource
	opts SkeletonOptions
	// read are the source fields the transform reads, in order, with the
	// kind of value they are read as (for a made-up test record).
	read  []string
	kinds map[string]resources.Kind
	// included are the resource objects of the included records.
	included []string
	// keySources are the source paths of the natural key's fields, for a
	// target.key made of them; lastSource is the path valueExpr read last.
	keySources map[string]string
	lastSource string
	// missed is set when fieldFor found no sample field for a value.
	missed bool
}

// noteKey remembers the source path of field when it is part of the
// natural key.
func (s *skeleton) noteKey(field, source string) {
	if slices.Contains(s.r.NaturalKey, field) {
		if s.keySources == nil {
			s.keySources = map[string]string{}
		}
		s.keySources[field] = source
	}
}

// mapping writes everything but the tests.
func (s *skeleton) mapping() []byte {
	var b bytes.Buffer
	s.header(&b)
	fmt.Fprintf(&b, "version: 1\nname: %s\n", yamlScalar(s.opts.Name))
	b.WriteString("source:\n")
	if s.opts.File == "" {
		fmt.Fprintf(&b, "  file: %s  # TODO: the export of your %s records (JSON, JSON Lines or CSV)\n",
			yamlScalar("data/"+s.r.Type+".jsonl"), s.r.Type)
	} else {
		fmt.Fprintf(&b, "  file: %s\n", yamlScalar(strings.ReplaceAll(s.opts.File, "${", "$${")))
	}
	transform := s.transform() // first: target.key uses the source fields it picks for the natural key
	s.target(&b)
	b.WriteString("transform: |\n")
	for _, line := range strings.Split(transform, "\n") {
		if line == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString("  " + line + "\n")
	}
	return b.Bytes()
}

func (s *skeleton) header(b *bytes.Buffer) {
	fmt.Fprintf(b, "# A starting mapping for Oro's %s.\n", s.r.Type)
	if s.opts.Command != "" {
		fmt.Fprintf(b, "# Written by: %s\n", s.opts.Command)
	}
	b.WriteString("# Map the source fields in the transform (see the TODOs), then check and try it\n")
	b.WriteString("# with orosync validate, orosync test and orosync run --dry-run.\n")
}

// writeMode is the write mode the resource allows: upsert where Oro
// creates and updates, else the one it has.
func writeMode(r *resources.Resource) string {
	switch {
	case r.Allows(resources.Create) && r.Allows(resources.Update):
		return "upsert"
	case r.Allows(resources.Update):
		return "update"
	}
	return "create"
}

// byID reports whether records are identified by an id the source gives:
// client ids upserted natively, or Oro ids where the resource has no
// natural key and can only be updated.
func (s *skeleton) byID() bool {
	return s.r.CanUpsertBy("id") || len(s.r.NaturalKey) == 0 && writeMode(s.r) == "update"
}

func (s *skeleton) target(b *bytes.Buffer) {
	r := s.r
	b.WriteString("target:\n")
	fmt.Fprintf(b, "  type: %s\n", r.Type)
	fmt.Fprintf(b, "  key: %s  # the record's identity in the source system\n", yamlExpr(s.keyExpr()))
	mode := writeMode(r)
	switch mode {
	case "upsert":
		fmt.Fprintf(b, "  write: upsert  # PATCH the records orosync finds, POST the others\n")
	case "update":
		fmt.Fprintf(b, "  write: update  # Oro cannot create %s: PATCH the records orosync finds, skip the others\n", r.Type)
	default:
		fmt.Fprintf(b, "  write: create  # Oro cannot update %s: POST records orosync has not written yet\n", r.Type)
	}
	switch {
	case r.CanUpsertBy("id"):
		fmt.Fprintf(b, "  native_upsert: [id]  # the id is chosen by the source: Oro's meta.upsert (Oro 5.1.2+) creates or updates\n")
	case len(r.NaturalKey) > 0:
		var parts []string
		for _, k := range r.NaturalKey {
			parts = append(parts, k+": "+naturalKeyPath(r, k))
		}
		fmt.Fprintf(b, "  match: {%s}  # Oro's natural key: finds records written before, or by others\n", strings.Join(parts, ", "))
	case s.byID():
		fmt.Fprintf(b, "  match: {id: .id}  # %s has no natural key: the transform sets the Oro id\n", r.Type)
	default:
		fmt.Fprintf(b, "  # no match: Oro has no natural key for %s, so the id map in orosync's\n", r.Type)
		b.WriteString("  # state store is what keeps reruns from creating records again\n")
	}
}

// naturalKeyPath is the jq path of a natural-key field in the resource
// object.
func naturalKeyPath(r *resources.Resource, field string) string {
	if r.Rel(field) != nil {
		return ".relationships." + field + ".data.id"
	}
	return ".attributes." + field
}

// keyExpr is target.key: a natural-key attribute's source field, the
// source fields of a natural key of several fields joined with "|", else
// an id or code field of the sample, else its first field.
func (s *skeleton) keyExpr() string {
	if nk := s.r.NaturalKey; len(nk) > 0 && len(s.keySources) == len(nk) {
		if len(nk) == 1 {
			return s.keySources[nk[0]]
		}
		var parts []string
		for _, k := range nk {
			parts = append(parts, `\(`+s.keySources[k]+`)`)
		}
		return `"` + strings.Join(parts, "|") + `"`
	}
	var cands []string
	for _, k := range s.r.NaturalKey {
		if s.r.Attr(k) != nil {
			cands = append(cands, k)
		}
	}
	cands = append(cands, "id", "code", "key", "sku")
	f := SampleField{Name: cands[0]}
	if len(s.opts.Fields) > 0 {
		f = s.opts.Fields[0]
	}
	for _, c := range cands {
		if found, ok := s.sampleField(c); ok {
			f = found
			break
		}
	}
	s.valueExpr(f, resources.String) // the test record needs it too
	return jqPath(f.Name)
}

// transform writes the jq program.
func (s *skeleton) transform() string {
	var b strings.Builder
	s.fieldComments(&b)
	res := s.resourceObject()
	if len(s.included) == 0 {
		b.WriteString(res.render(""))
		return b.String()
	}
	doc := jqObject{entries: []jqEntry{
		{key: "data", obj: res},
		{key: "included", text: "[\n    " + strings.Join(s.included, ",\n    ") + "\n  ]",
			comment: "records Oro requires with it, linked by temporary ids"},
	}}
	b.WriteString(doc.render(""))
	return b.String()
}

func (s *skeleton) fieldComments(b *strings.Builder) {
	if len(s.opts.Fields) == 0 {
		b.WriteString("# TODO: replace the source fields (.name) with your records' fields.\n")
		return
	}
	b.WriteString("# The fields of the sample records, with an example value:\n")
	for _, f := range s.opts.Fields {
		ex, err := AppendJSON(nil, f.Example)
		if err != nil {
			ex = []byte("?")
		}
		fmt.Fprintf(b, "#   %s: %s\n", jqPath(f.Name), truncate(string(ex), 50))
	}
}

// resourceObject is the primary resource object.
func (s *skeleton) resourceObject() *jqObject {
	r := s.r
	obj := &jqObject{entries: []jqEntry{{key: "type", text: strconv.Quote(r.Type)}}}
	if s.byID() {
		obj.entries = append(obj.entries, jqEntry{key: "id", text: "(" + s.keyExpr() + " | tostring)", comment: "Oro ids are strings"})
	}
	if attrs := s.attributes(); len(attrs.entries)+len(attrs.optional) > 0 {
		obj.entries = append(obj.entries, jqEntry{key: "attributes", obj: attrs})
	}
	if rels := s.relationships(); len(rels.entries)+len(rels.optional) > 0 {
		obj.entries = append(obj.entries, jqEntry{key: "relationships", obj: rels})
	}
	return obj
}

// attributes are the required and natural-key attributes, and the other
// writable ones as comments.
func (s *skeleton) attributes() *jqObject {
	obj := &jqObject{}
	for _, a := range s.r.Attrs {
		key := slices.Contains(s.r.NaturalKey, a.Name)
		if (a.ReadOnly || a.OutputOnly) && !key {
			continue
		}
		if a.Required || key || writeMode(s.r) == "update" {
			expr, comment := s.attrValue(a)
			switch {
			case a.Required:
				comment = joinComments("required", comment)
			case a.ReadOnly:
				comment = joinComments("for target.match (Oro ignores it: read-only)", comment)
			}
			s.noteKey(a.Name, s.lastSource)
			obj.entries = append(obj.entries, jqEntry{key: a.Name, text: expr, comment: comment})
			continue
		}
		f, found := s.sampleField(a.Name)
		expr := jqPath(a.Name)
		switch {
		case found:
			expr = s.valueExpr(f, a.Kind)
		case a.Default != nil:
			expr = jsonText(a.Default)
		}
		obj.optional = append(obj.optional, jqEntry{key: a.Name, text: expr, comment: attrNote(a)})
	}
	return obj
}

// attrValue is the value of a required attribute: its source field.
func (s *skeleton) attrValue(a resources.Attr) (expr, comment string) {
	f, found := s.sampleField(a.Name)
	if !found {
		f = SampleField{Name: a.Name}
	}
	expr = s.valueExpr(f, a.Kind)
	if !found && len(s.opts.Fields) > 0 {
		comment = "TODO: no sample field is named like it"
	}
	return expr, comment
}

// attrNote describes an optional attribute.
func attrNote(a resources.Attr) string {
	var parts []string
	if len(a.Enum) > 0 {
		parts = append(parts, strings.Join(a.Enum, " | "))
	}
	if a.Default != nil {
		parts = append(parts, "default "+jsonText(a.Default))
	}
	if a.CreateOnly {
		parts = append(parts, "create only: Oro refuses it on update, orosync leaves it out of updates")
	}
	return joinComments("optional", strings.Join(parts, "; "))
}

// relationships are the required and natural-key relationships; the
// other writable ones are named in a comment.
func (s *skeleton) relationships() *jqObject {
	obj := &jqObject{}
	var others []string
	for _, rel := range s.r.Rels {
		key := slices.Contains(s.r.NaturalKey, rel.Name)
		switch {
		case rel.Required && !rel.ReadOnly || key:
			comment := "required"
			if !rel.Required {
				comment = "for target.match"
			}
			s.missed = false
			value := s.relValue(rel)
			if s.missed {
				comment += "; TODO: no sample field is named like it"
			}
			obj.entries = append(obj.entries, jqEntry{key: rel.Name, text: value, comment: comment})
			s.noteKey(rel.Name, s.lastSource)
		case !rel.ReadOnly:
			others = append(others, fmt.Sprintf("%s (%s)", rel.Name, rel.Target))
		}
	}
	if len(others) > 0 {
		obj.optional = append(obj.optional, jqEntry{comment: "optional: " + strings.Join(others, ", ")})
	}
	return obj
}

// relValue is a relationship's value: records Oro requires with this one
// go to included; others are named by their id (client ids), found by
// their natural key with lookup(), or given as Oro ids.
func (s *skeleton) relValue(rel resources.Rel) string {
	if rel.Owned || !rel.ToMany && s.ownsType(rel.Target) {
		id := rel.Name + "-1"
		s.included = append(s.included, s.child(rel, id))
		ident := fmt.Sprintf("{type: %q, id: %q}", rel.Target, id)
		if rel.ToMany {
			return "{data: [" + ident + "]}"
		}
		return "{data: " + ident + "}"
	}
	ident := fmt.Sprintf("{type: %q, id: %s}", rel.Target, s.idExpr(rel))
	if rel.ToMany {
		return "{data: [" + ident + "]}"
	}
	return "{data: " + ident + "}"
}

// ownsType reports whether an owned relationship of the resource has
// records of type typ (a product's primary unit precision is one of its
// unit precisions).
func (s *skeleton) ownsType(typ string) bool {
	for _, rel := range s.r.Rels {
		if rel.Owned && rel.Target == typ {
			return true
		}
	}
	return false
}

// idExpr is the id of a related record.
func (s *skeleton) idExpr(rel resources.Rel) string {
	t := resources.LookupOrGeneric(rel.Target)
	switch {
	case t.IDs == resources.ClientID:
		return s.valueExpr(s.fieldFor(rel.Name), resources.String)
	case len(t.NaturalKey) == 1 && t.Attr(t.NaturalKey[0]) != nil:
		key := t.NaturalKey[0]
		cands := []string{rel.Name, rel.Name + upperFirst(key)}
		if !genericKey[key] {
			cands = append(cands, key) // a product's sku is "sku" in most sources
		}
		f := s.fieldFor(cands...)
		return fmt.Sprintf("lookup(%q; {%s: %s})", t.Type, key, s.valueExpr(f, t.Attr(key).Kind))
	}
	return s.valueExpr(s.fieldFor(rel.Name, rel.Name+"Id"), resources.String)
}

// genericKey are natural-key names that, alone, more likely name the
// source record's own field than the related record's.
var genericKey = map[string]bool{"name": true, "code": true, "id": true}

// child is the resource object of a record included for relationship
// rel: attributes with a default get it, a localized value's "string"
// comes from the source field named like the relationship (names: name),
// the others are null; required relationships are named by idExpr.
func (s *skeleton) child(rel resources.Rel, id string) string {
	t := resources.LookupOrGeneric(rel.Target)
	var attrs, rels []string
	for _, a := range t.Attrs {
		if a.ReadOnly || a.OutputOnly {
			continue
		}
		val := "null"
		switch {
		case a.Default != nil:
			val = jsonText(a.Default)
		case a.Name == "string":
			val = s.valueExpr(s.fieldFor(strings.TrimSuffix(rel.Name, "s"), rel.Name), resources.String)
		}
		attrs = append(attrs, a.Name+": "+val)
	}
	for _, cr := range t.Rels {
		if cr.Required && !cr.ReadOnly {
			rels = append(rels, fmt.Sprintf("%s: {data: {type: %q, id: %s}}", cr.Name, cr.Target, s.idExpr(cr)))
		}
	}
	out := fmt.Sprintf("{type: %q, id: %q", t.Type, id)
	if len(attrs) > 0 {
		out += ", attributes: {" + strings.Join(attrs, ", ") + "}"
	}
	if len(rels) > 0 {
		out += ",\n     relationships: {" + strings.Join(rels, ", ") + "}"
	}
	return out + "}"
}

// fieldFor returns the sample field named like the first candidate that
// has one, else (no sample, or no such field) the first candidate; missed
// is set when there is a sample and none of its fields is.
func (s *skeleton) fieldFor(cands ...string) SampleField {
	for _, c := range cands {
		if f, ok := s.sampleField(c); ok {
			return f
		}
	}
	s.missed = s.missed || len(s.opts.Fields) > 0
	return SampleField{Name: cands[0]}
}

// sampleField finds the sample field named like name, ignoring case and
// "_", "-" and spaces (postal_code is postalCode).
func (s *skeleton) sampleField(name string) (SampleField, bool) {
	want := fieldKey(name)
	for _, f := range s.opts.Fields {
		if fieldKey(f.Name) == want {
			return f, true
		}
	}
	return SampleField{}, false
}

func fieldKey(s string) string {
	return strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(s))
}

// valueExpr reads source field f as a value of kind k, converting the
// strings of CSV samples where Oro wants a number, a boolean or a list.
func (s *skeleton) valueExpr(f SampleField, k resources.Kind) string {
	if _, seen := s.kinds[f.Name]; !seen {
		s.read = append(s.read, f.Name)
		s.kinds[f.Name] = k
	}
	path := jqPath(f.Name)
	s.lastSource = path
	if _, isString := f.Example.(string); !isString {
		return path
	}
	switch k {
	case resources.Int, resources.Number:
		return "(" + path + " | tonumber)"
	case resources.Bool:
		return "(" + path + " == \"true\")"
	case resources.Strings:
		return "[" + path + "]"
	}
	return path
}

// tests writes a tests: case: a sample record (or one made up from the
// fields the transform reads) and the documents the transform makes of
// it, so that `orosync test` passes until the author changes the
// transform. When the transform cannot run on it, the case is a comment.
func (s *skeleton) tests(m *Mapping) []byte {
	input := s.opts.Record
	if input == nil {
		input = s.madeUpRecord()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	docs, err := m.Apply(ctx, input)
	want := []any{}
	for _, d := range docs {
		want = append(want, d.value())
	}
	name := "the first sample record"
	if s.opts.Record == nil {
		name = "a made-up record"
	}
	tc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		yamlNode("name"), yamlNode(name), yamlNode("input"), yamlNode(input), yamlNode("want"), yamlNode(want)}}
	node := &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{tc}}
	text, mErr := marshalYAML(node)
	var b bytes.Buffer
	b.WriteString("# What the transform makes of a record: edit want to the documents Oro\n")
	b.WriteString("# should get, then run `orosync test`.\n")
	if err != nil || len(docs) == 0 || mErr != nil {
		b.WriteString("# tests:\n")
		for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
			b.WriteString("#   " + line + "\n")
		}
		return b.Bytes()
	}
	b.WriteString("tests:\n")
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		b.WriteString("  " + line + "\n")
	}
	return b.Bytes()
}

// madeUpRecord is a source record with an example value for every field
// the transform reads.
func (s *skeleton) madeUpRecord() map[string]any {
	out := map[string]any{}
	for _, name := range s.read {
		switch s.kinds[name] {
		case resources.Int, resources.Number:
			out[name] = json.Number("1")
		case resources.Decimal, resources.Money:
			out[name] = "9.99"
		case resources.Bool:
			out[name] = true
		case resources.Strings:
			out[name] = []any{"USD"}
		default:
			out[name] = "example-" + name
		}
	}
	return out
}

// jqObject is an object literal of the transform: entries, and optional
// ones written as comments (with a leading comma, so that uncommenting
// one keeps the program valid).
type jqObject struct {
	entries  []jqEntry
	optional []jqEntry
}

// jqEntry is one entry of an object literal: key and value (text, or a
// nested object), or a comment alone (no key).
type jqEntry struct {
	key     string
	text    string
	obj     *jqObject
	comment string
}

func (e jqEntry) render(indent string) string {
	if e.obj != nil {
		return e.key + ": " + e.obj.render(indent)
	}
	return e.key + ": " + e.text
}

// render writes the object over several lines; indent is the indentation
// of the line it starts on.
func (o *jqObject) render(indent string) string {
	if len(o.entries) == 0 && len(o.optional) == 0 {
		return "{}"
	}
	in := indent + "  "
	var b strings.Builder
	b.WriteString("{\n")
	for i, e := range o.entries {
		b.WriteString(in + e.render(in))
		if i < len(o.entries)-1 {
			b.WriteString(",")
		}
		writeComment(&b, e.comment)
	}
	for i, e := range o.optional {
		switch {
		case e.key == "":
			b.WriteString(in + "# " + e.comment + "\n")
			continue
		case i == 0 && len(o.entries) == 0:
			b.WriteString(in + "# " + e.render(in))
		default:
			b.WriteString(in + "# , " + e.render(in))
		}
		writeComment(&b, e.comment)
	}
	b.WriteString(indent + "}")
	return b.String()
}

func writeComment(b *strings.Builder, comment string) {
	if comment != "" {
		b.WriteString("  # " + comment)
	}
	b.WriteString("\n")
}

func joinComments(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

// jqPath is the jq path of a field: .name, or ."odd name".
func jqPath(name string) string {
	if name != "" && isIdent(name) {
		return "." + name
	}
	return "." + strconv.Quote(name)
}

// yamlExpr writes a jq expression as a YAML scalar: plain when it is a
// path of identifiers, single-quoted otherwise.
func yamlExpr(src string) string {
	if simplePath(src) != nil {
		return src
	}
	return "'" + strings.ReplaceAll(src, "'", "''") + "'"
}

// yamlScalar writes a string as a YAML scalar: plain when it is made of
// letters, digits and "_-./" and YAML reads it back as that string (not
// as true, null or a number), double-quoted otherwise.
func yamlScalar(s string) string {
	var back any
	if rePlainScalar.MatchString(s) && yaml.Unmarshal([]byte(s), &back) == nil && back == s {
		return s
	}
	b, _ := json.Marshal(s) // JSON string escapes are YAML's
	return string(b)
}

var rePlainScalar = regexp.MustCompile(`^[A-Za-z0-9_.][A-Za-z0-9_./-]*$`)

func jsonText(v any) string {
	b, err := AppendJSON(nil, v)
	if err != nil {
		return "null"
	}
	return string(b)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// yamlNode converts a JSON value into a YAML node, numbers written as
// they are and object keys sorted.
func yamlNode(v any) *yaml.Node {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		n := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range keys {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, yamlNode(v[k]))
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		if len(v) == 0 {
			n.Style = yaml.FlowStyle
		}
		for _, e := range v {
			n.Content = append(n.Content, yamlNode(e))
		}
		return n
	case string:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v)}
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	}
	text := jsonText(v) // numbers
	tag := "!!int"
	if strings.ContainsAny(text, ".eE") {
		tag = "!!float"
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: text}
}

func marshalYAML(n *yaml.Node) (string, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return b.String(), nil
}
