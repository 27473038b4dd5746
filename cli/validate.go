package cli

import (
	"fmt"

	ucli "github.com/urfave/cli/v2"
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
			&ucli.BoolFlag{Name: "strict", Usage: "treat warnings as errors (exit 2), e.g. in CI"},
		},
		Action: func(c *ucli.Context) error {
			ms, err := loadMappings(c.Args().Slice(), s.err)
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
			if err := checkMappings(ms, v, w, s.err); err != nil {
				return err
			}
			fmt.Fprintf(s.out, "ok: %d mapping file(s) valid\n", len(ms))
			return nil
		},
	}
}
