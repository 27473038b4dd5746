package mappings

import (
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// nodeIndex maps the dotted paths of a YAML tree ("target.write",
// "tests[0].name") to their nodes, and positions back to paths.
type nodeIndex struct {
	key   map[string]*yaml.Node // path -> key node (mapping entries only)
	value map[string]*yaml.Node // path -> value node
	keys  []keyEntry            // every mapping key, in document order
	at    map[[2]int]string     // (line, col) of a key or value -> path
}

type keyEntry struct {
	node *yaml.Node
	path string
}

func indexTree(root *yaml.Node) *nodeIndex {
	ix := &nodeIndex{
		key:   map[string]*yaml.Node{},
		value: map[string]*yaml.Node{},
		at:    map[[2]int]string{},
	}
	ix.walk(root, "", 0)
	return ix
}

// maxTreeDepth bounds the recursion over hostile input.
const maxTreeDepth = 200

func (ix *nodeIndex) walk(n *yaml.Node, path string, depth int) {
	if depth > maxTreeDepth {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			child := joinPath(path, k.Value)
			ix.keys = append(ix.keys, keyEntry{k, child})
			if _, dup := ix.key[child]; !dup {
				ix.key[child], ix.value[child] = k, v
			}
			ix.mark(k, child)
			ix.mark(v, child)
			ix.walk(v, child, depth+1)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			child := path + "[" + strconv.Itoa(i) + "]"
			ix.value[child] = c
			ix.mark(c, child)
			ix.walk(c, child, depth+1)
		}
	}
}

func (ix *nodeIndex) mark(n *yaml.Node, path string) {
	pos := [2]int{n.Line, n.Column}
	if _, ok := ix.at[pos]; !ok {
		ix.at[pos] = path
	}
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// findKey returns the first mapping key named name on a line.
func (ix *nodeIndex) findKey(line int, name string) (keyEntry, bool) {
	for _, k := range ix.keys {
		if k.node.Line == line && k.node.Value == name {
			return k, true
		}
	}
	return keyEntry{}, false
}

// findValue returns the first non-key node on a line with the given tag.
func (ix *nodeIndex) findValue(line int, tag string) (*yaml.Node, string) {
	var best *yaml.Node
	var bestPath string
	for path, n := range ix.value {
		if n.Line != line || (tag != "" && n.ShortTag() != tag) {
			continue
		}
		if best == nil || n.Column < best.Column {
			best, bestPath = n, path
		}
	}
	return best, bestPath
}

// pos returns the position of path's value, or of the closest ancestor
// present in the file (its key), or 1:1.
func (ix *nodeIndex) pos(path string) (line, col int) {
	if n := ix.value[path]; n != nil {
		return n.Line, n.Column
	}
	for p := parentPath(path); p != ""; p = parentPath(p) {
		if k := ix.key[p]; k != nil {
			return k.Line, k.Column
		}
		if n := ix.value[p]; n != nil {
			return n.Line, n.Column
		}
	}
	return 1, 1
}

// keyPos returns the position of path's key (or of its value for list
// items), falling back like pos.
func (ix *nodeIndex) keyPos(path string) (line, col int) {
	if k := ix.key[path]; k != nil {
		return k.Line, k.Column
	}
	return ix.pos(path)
}

func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// fieldsByType lists the YAML keys of every struct type of the schema, by
// Go type name ("mappings.Target"), for "did you mean" hints.
var fieldsByType = schemaFields()

func schemaFields() map[string][]string {
	out := map[string][]string{}
	var visit func(t reflect.Type)
	visit = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || isLeafType(t) {
			return
		}
		if _, seen := out[t.String()]; seen {
			return
		}
		out[t.String()] = nil
		for f := range t.Fields() {
			name := yamlName(f)
			if name == "" {
				continue
			}
			out[t.String()] = append(out[t.String()], name)
			visit(f.Type)
		}
	}
	visit(reflect.TypeFor[Mapping]())
	return out
}

// yamlName is the YAML key of a struct field, or "" when it has none.
func yamlName(f reflect.StructField) string {
	tag := f.Tag.Get("yaml")
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" || name == "" {
		return ""
	}
	return name
}

// isLeafType reports the custom scalar types decoded by UnmarshalYAML.
func isLeafType(t reflect.Type) bool {
	switch t {
	case reflect.TypeFor[Text](), reflect.TypeFor[Expr](), reflect.TypeFor[Value](), reflect.TypeFor[Duration]():
		return true
	}
	return false
}

// walkLeaves calls fn with the path of every non-nil *Text and *Expr in m.
func walkLeaves(m *Mapping, fn func(path string, leaf any)) {
	walkValue(reflect.ValueOf(m).Elem(), "", fn)
}

func walkValue(v reflect.Value, path string, fn func(string, any)) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		switch leaf := v.Interface().(type) {
		case *Text, *Expr:
			fn(path, leaf)
			return
		}
		walkValue(v.Elem(), path, fn)
	case reflect.Struct:
		if isLeafType(v.Type()) {
			return
		}
		for i := range v.NumField() {
			if name := yamlName(v.Type().Field(i)); name != "" {
				walkValue(v.Field(i), joinPath(path, name), fn)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			walkValue(v.Index(i), path+"["+strconv.Itoa(i)+"]", fn)
		}
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			walkValue(v.MapIndex(k), joinPath(path, k.String()), fn)
		}
	}
}

var (
	reLine       = regexp.MustCompile(`^line (\d+)(?::(\d+))?: (.*)$`)
	reNotFound   = regexp.MustCompile(`^field (.+) not found in type (\S+)$`)
	reDuplicate  = regexp.MustCompile(`^mapping key "(.*)" already defined at line (\d+)$`)
	reUnmarshal  = regexp.MustCompile("^cannot unmarshal (!!\\w+)(?: `.*`)? into (.+)$")
	reYAMLSyntax = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)
)
