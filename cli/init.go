package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/orosync/orosync/engine/source"
	"github.com/orosync/orosync/mappings"
	"github.com/orosync/orosync/resources"
)

// sampleRecords is how many records of a --from sample init reads for the
// fields they have.
const sampleRecords = 100

func (s *streams) initCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "init",
		Usage:     "write a commented starting mapping for an Oro resource type",
		ArgsUsage: "TYPE",
		Description: "Writes a mapping for Oro resource TYPE (e.g. products) that passes orosync validate: the write\n" +
			"mode Oro allows for it, a target.match on its natural key, and a transform with the attributes\n" +
			"and relationships Oro requires on create (and the records it requires with it, in included).\n" +
			"With --from, the sample's fields are listed as comments, mapped where their names match, and its\n" +
			"first record becomes a test case.\n\n" +
			"   orosync init products --from data/items.csv -o mappings/products.yaml",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "from", Usage: "a sample of the source records (.json, .jsonl, .csv, optionally .gz)"},
			&ucli.StringFlag{Name: "name", Usage: "the mapping's name (default: TYPE)"},
			&ucli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the mapping to this new file (never overwritten) instead of standard output"},
		},
		Action: func(c *ucli.Context) error {
			opts, err := initArgs(c)
			if err != nil {
				return err
			}
			return s.runInit(c.Context, opts)
		},
	}
}

// initOptions are the arguments of orosync init.
type initOptions struct {
	typ, from, name, output string
}

// initArgs reads TYPE and the flags.
func initArgs(c *ucli.Context) (initOptions, error) {
	args := c.Args().Slice()
	switch {
	case len(args) == 0:
		return initOptions{}, usageError("name the Oro resource type, e.g. orosync init products (see orosync init --help)")
	case len(args) > 1:
		return initOptions{}, usageError("init: unexpected argument %q: init writes one mapping, for one TYPE", args[1])
	}
	return initOptions{typ: args[0], from: c.String("from"), name: c.String("name"), output: c.String("output")}, nil
}

// runInit writes the mapping.
func (s *streams) runInit(ctx context.Context, o initOptions) error {
	if err := checkInitType(o.typ); err != nil {
		return err
	}
	if o.name != "" && !mappings.ValidName(o.name) {
		return usageError("init: --name %q is not a valid mapping name: use lower case letters, digits, '-' and '_'", o.name)
	}
	opts := mappings.SkeletonOptions{Name: o.name, Command: initCommandLine(o)}
	if o.from != "" {
		fields, first, err := readSample(ctx, o.from)
		if err != nil {
			return usageError("init: --from %s: %v", o.from, err)
		}
		opts.Fields, opts.Record, opts.File = fields, first, sourcePath(o.from, o.output)
	}
	body, err := mappings.Skeleton(o.typ, opts)
	if err != nil {
		return fatalError(fmt.Errorf("init: %w", err))
	}
	if o.output == "" {
		_, err := s.out.Write(body)
		return err
	}
	if err := writeNewFile(o.output, body); err != nil {
		return err
	}
	fmt.Fprintf(s.err, "wrote %s: fill in its TODOs, then run orosync validate %s\n", o.output, o.output)
	return nil
}

// checkInitType refuses a type init cannot write a mapping for, with a
// did-you-mean.
func checkInitType(typ string) error {
	var writable []string
	for _, r := range resources.All() {
		if r.Writable() {
			writable = append(writable, r.Type)
		}
	}
	known := "init writes mappings for " + strings.Join(writable, ", ")
	r, ok := resources.Lookup(typ)
	switch {
	case ok && !r.Writable():
		return usageError("init: %s is read-only in Oro: there is nothing to write into it (%s)", typ, known)
	case ok:
		return nil
	}
	if s, near := resources.Suggest(typ); near {
		if _, modeled := resources.Lookup(s); modeled {
			return usageError("init: unknown resource type %q: did you mean %q? (%s)", typ, s, known)
		}
	}
	if resources.Unmodeled(typ) || resources.CustomType(typ) {
		return usageError("init: orosync has no rules for %q, so init cannot tell what Oro requires: start from a mapping in examples/ (%s)", typ, known)
	}
	return usageError("init: unknown resource type %q (%s)", typ, known)
}

// initCommandLine is the command that asked for the mapping, for its
// header comment (without -o).
func initCommandLine(o initOptions) string {
	cmd := "orosync init " + o.typ
	if o.from != "" {
		cmd += " --from " + shellWord(o.from)
	}
	if o.name != "" {
		cmd += " --name " + o.name
	}
	return cmd
}

// shellWord quotes s for a shell when it has anything but plain path
// characters.
func shellWord(s string) string {
	if strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./") == "" {
		return s
	}
	return strconv.Quote(s)
}

// readSample reads up to sampleRecords records of a sample file with the
// same readers a run uses, and returns the fields of its object records
// in order of appearance (each with its first non-null value) and its
// first record.
func readSample(ctx context.Context, path string) ([]mappings.SampleField, map[string]any, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil, err
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, nil, errors.Unwrap(err)
	}
	src := mappings.Source{File: &mappings.Text{Raw: abs, Value: abs}, Format: "auto"}
	r, err := source.Open(ctx, &src, source.Options{Limit: sampleRecords})
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	var fields []mappings.SampleField
	var first map[string]any
	for {
		rec, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		var v any
		if err == nil {
			v, err = rec.Decode()
		}
		if err != nil {
			return nil, nil, err
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, nil, fmt.Errorf("record %s is not an object: a record must have fields", rec.Origin)
		}
		if first == nil {
			first = obj
		}
		fields = addFields(fields, obj)
	}
	if first == nil {
		return nil, nil, errors.New("no records in it")
	}
	return fields, first, nil
}

// addFields adds the fields of obj that are not in fields yet, in sorted
// order (JSON objects have none), and fills in examples still null.
func addFields(fields []mappings.SampleField, obj map[string]any) []mappings.SampleField {
	names := make([]string, 0, len(obj))
	for k := range obj {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		i := slices.IndexFunc(fields, func(f mappings.SampleField) bool { return f.Name == k })
		switch {
		case i < 0:
			fields = append(fields, mappings.SampleField{Name: k, Example: obj[k]})
		case fields[i].Example == nil:
			fields[i].Example = obj[k]
		}
	}
	return fields
}

// sourcePath is the sample's path as source.file of a mapping written to
// output: relative to output's directory (the working directory for
// standard output), in forward slashes.
func sourcePath(sample, output string) string {
	dir := "."
	if output != "" {
		dir = filepath.Dir(output)
	}
	absDir, err1 := filepath.Abs(dir)
	absSample, err2 := filepath.Abs(sample)
	if err1 != nil || err2 != nil {
		return filepath.ToSlash(sample)
	}
	rel, err := filepath.Rel(absDir, absSample)
	if err != nil {
		return filepath.ToSlash(absSample)
	}
	return filepath.ToSlash(rel)
}

// writeNewFile writes data to path, which must not exist.
func writeNewFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return usageError("init: %s exists: init never overwrites a file; choose another -o, or remove it", path)
	}
	if err != nil {
		return fatalError(fmt.Errorf("init: %w", err))
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fatalError(fmt.Errorf("init: write %s: %w", path, err))
	}
	if err := f.Close(); err != nil {
		return fatalError(fmt.Errorf("init: write %s: %w", path, err))
	}
	return nil
}
