package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/orosync/orosync/engine"
	"github.com/orosync/orosync/mappings"
	"github.com/orosync/orosync/resources"
)

// mappingFiles expands the command-line paths: a file is taken as is, a
// directory contributes its *.yaml and *.yml files (not recursively, in
// lexical order).
func mappingFiles(paths []string) ([]string, error) {
	if len(paths) == 0 {
		return nil, usageError("no mapping files given: name mapping files or directories, e.g. orosync run examples/")
	}
	var files []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, usageError("%s: %v", p, errors.Unwrap(err))
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, usageError("%s: %v", p, err)
		}
		var found []string
		for _, e := range entries {
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
				found = append(found, filepath.Join(p, e.Name()))
			}
		}
		if len(found) == 0 {
			return nil, usageError("%s: no mapping files (*.yaml, *.yml) in this directory", p)
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, nil
}

// loadMappings loads and checks every mapping named by paths. Every problem
// of every file is printed to errOut as file:line:col: field: message; any
// problem makes the result an exit-code-2 error.
func loadMappings(paths []string, errOut io.Writer, opts ...mappings.LoadOption) ([]*mappings.Mapping, error) {
	files, err := mappingFiles(paths)
	if err != nil {
		return nil, err
	}
	var ms []*mappings.Mapping
	problems := 0
	for _, f := range files {
		m, err := mappings.Load(f, os.LookupEnv, opts...)
		if err != nil {
			problems += printLoadError(errOut, f, err)
			continue
		}
		ms = append(ms, m)
	}
	if problems == 0 {
		if _, err := mappings.Order(ms); err != nil {
			problems += printLoadError(errOut, "", err)
		}
	}
	if problems > 0 {
		return nil, invalidMappings(problems)
	}
	return ms, nil
}

// loadOneMapping loads the single mapping a command such as explain or eval
// works on: path may be a file or a directory holding exactly one mapping.
func loadOneMapping(path string, errOut io.Writer, opts ...mappings.LoadOption) (*mappings.Mapping, error) {
	ms, err := loadMappings([]string{path}, errOut, opts...)
	if err != nil {
		return nil, err
	}
	if len(ms) != 1 {
		return nil, usageError("%s holds %d mappings: name one mapping file", path, len(ms))
	}
	return ms[0], nil
}

// selectFlag is --select, for commands that take mapping files.
func selectFlag() ucli.Flag {
	return &ucli.StringSliceFlag{Name: "select", Aliases: []string{"s"}, Usage: "only the mapping `NAME`; +NAME adds the mappings it runs after, NAME+ those that run after it (repeatable, or comma-separated)"}
}

// loadSelected loads every mapping named by the arguments and returns them
// and those --select chooses among them (all of them without --select).
func loadSelected(c *ucli.Context, errOut io.Writer, opts ...mappings.LoadOption) (given, selected []*mappings.Mapping, err error) {
	given, err = loadMappings(c.Args().Slice(), errOut, opts...)
	if err != nil {
		return nil, nil, err
	}
	selected, err = mappings.Select(given, c.StringSlice("select"))
	if err != nil {
		return nil, nil, usageError("%v", err)
	}
	return given, selected, nil
}

// invalidMappings is the exit-code-2 error after problems were printed.
func invalidMappings(n int) error {
	return &exitError{code: engine.ExitUsage, err: fmt.Errorf("%d problem(s) in mapping files", n)}
}

// printLoadError prints every problem of one file and returns their number.
func printLoadError(w io.Writer, file string, err error) int {
	var list mappings.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Fprintln(w, e.Error())
		}
		return len(list)
	}
	fmt.Fprintf(w, "%s: %v\n", file, err)
	return 1
}

// oroVersion reads --oro-version (ORO_VERSION); a value that is not a
// version is a usage error.
func oroVersion(c *ucli.Context) (resources.Version, error) {
	s := c.String("oro-version")
	if s == "" {
		return resources.Version{}, nil
	}
	v, err := resources.ParseVersion(s)
	if err != nil {
		return v, usageError("--oro-version (ORO_VERSION): %v", err)
	}
	return v, nil
}

// warnings says what reportProblems does with warnings.
type warnings int

const (
	printWarnings warnings = iota // validate
	failWarnings                  // validate --strict: warnings are errors
)

// checkMappings runs the Oro-aware checks of every mapping (mappings.Check)
// and prints their errors; any makes the result an exit-code-2 error. Their
// warnings are not repeated: they are validate's advice.
func checkMappings(ms []*mappings.Mapping, v resources.Version, errOut io.Writer) error {
	var ps mappings.ErrorList
	for _, m := range ms {
		ps = append(ps, m.Check(v).Errors()...)
	}
	return reportProblems(ps, printWarnings, errOut)
}
