package cli

import (
	"fmt"

	ucli "github.com/urfave/cli/v2"

	"github.com/orosync/orosync/engine"
)

func (s *streams) validateCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "validate",
		Usage:     "check mapping files without running them",
		ArgsUsage: "PATH...",
		Description: "Reports every problem of every file as file:line:col: message and exits with 2 if there is any:\n" +
			"YAML syntax, unknown or misspelled keys, jq syntax and unknown jq functions, unset ${VARIABLES},\n" +
			"invalid settings, unknown after: names and dependency cycles.\n\n" +
			"   orosync validate mappings/",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "oro-version", EnvVars: []string{"ORO_VERSION"}, Usage: "check version-dependent features against this Oro version, e.g. 6.1.3"},
		},
		Action: func(c *ucli.Context) error {
			ms, err := loadMappings(c.Args().Slice(), s.err)
			if err != nil {
				return err
			}
			if err := checkVersion(c.String("oro-version"), ms, s.err); err != nil {
				return err
			}
			for _, m := range ms {
				for _, w := range engine.Warnings(m) {
					fmt.Fprintf(s.err, "%s: warning: %s\n", m.File, w)
				}
			}
			fmt.Fprintf(s.out, "ok: %d mapping file(s) valid\n", len(ms))
			return nil
		},
	}
}
