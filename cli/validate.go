package cli

import (
	"fmt"
	"io"
	"os"

	ucli "github.com/urfave/cli/v2"

	"github.com/orosync/orosync/mappings"
	"github.com/orosync/orosync/resources"
)

func (s *streams) validateCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "validate",
		Usage:     "check mapping files without running them",
		ArgsUsage: "PATH...",
		Description: "Reports every problem of every file as file:line:col: message and exits with 2 if there is any:\n" +
			"YAML syntax, unknown or misspelled keys, jq syntax and unknown jq functions, unset ${VARIABLES},\n" +
			"invalid settings, unknown after: names and dependency cycles, and what Oro would refuse:\n" +
			"unknown resource types, writes a resource does not allow, target.match and lookup() filters\n" +
			"the resource lacks or requires, match fields the transform never sets, required fields a\n" +
			"create lacks, and ref() to mappings that do not run before (an error when only directories\n" +
			"are given, since they hold the whole set; a warning for single files).\n\n" +
			"   orosync validate mappings/",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "oro-version", EnvVars: []string{"ORO_VERSION"}, Usage: "check version-dependent features against this Oro version, e.g. 6.1.3"},
			&ucli.BoolFlag{Name: "strict", Usage: "treat warnings as errors (exit 2), e.g. in CI"},
			selectFlag(),
		},
		Action: func(c *ucli.Context) error {
			all, ms, err := loadSelected(c, s.err)
			if err != nil {
				return err
			}
			v, err := oroVersion(c)
			if err != nil {
				return err
			}
			w := printWarnings
			if c.Bool("strict") {
				w = failWarnings
			}
			if err := reportProblems(validateProblems(all, ms, v, onlyDirectories(c.Args().Slice())), w, s.err); err != nil {
				return err
			}
			fmt.Fprintf(s.out, "ok: %d mapping file(s) valid\n", len(ms))
			return nil
		},
	}
}

// validateProblems runs the Oro-aware checks of the selected mappings
// (mappings.Check) and the checks of their ref() calls and after: lists
// against every mapping given (mappings.CheckRefs, AfterOutside), sorted
// by file and position. complete says that the mappings given are the
// whole set of a run.
func validateProblems(given, selected []*mappings.Mapping, v resources.Version, complete bool) mappings.ErrorList {
	files := map[string]bool{}
	var out mappings.ErrorList
	for _, m := range selected {
		files[m.File] = true
		out = append(out, m.Check(v)...)
	}
	for _, p := range append(mappings.CheckRefs(given, complete), mappings.AfterOutside(given)...) {
		if files[p.File] {
			out = append(out, p)
		}
	}
	return out.Sorted()
}

// reportProblems prints the problems; any error, or any warning under
// failWarnings, makes the result an exit-code-2 error.
func reportProblems(ps mappings.ErrorList, w warnings, errOut io.Writer) error {
	problems := 0
	for _, p := range ps {
		fmt.Fprintln(errOut, p.Error())
		if !p.Warning || w == failWarnings {
			problems++
		}
	}
	if problems > 0 {
		return invalidMappings(problems)
	}
	return nil
}

// onlyDirectories reports whether every path names a directory: then the
// mappings given are a whole set (a mappings directory), and a ref() to a
// mapping outside it is an error rather than a warning.
func onlyDirectories(paths []string) bool {
	for _, p := range paths {
		if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
			return false
		}
	}
	return len(paths) > 0
}
