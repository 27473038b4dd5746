package cli

import (
	ucli "github.com/urfave/cli/v2"

	"github.com/orosync/orosync/mappings"
)

func (s *streams) schemaCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "schema",
		Usage: "print the JSON Schema of mapping files (for editor completion and checks)",
		Action: func(c *ucli.Context) error {
			_, err := s.out.Write(mappings.Schema)
			return err
		},
	}
}
