package cli

import (
	"fmt"
	"text/tabwriter"

	ucli "github.com/urfave/cli/v2"

	"github.com/orosync/orosync/engine/state"
)

func (s *streams) stateCommand() *ucli.Command {
	stateDir := &ucli.StringFlag{Name: "state-dir", EnvVars: []string{"OROSYNC_STATE_DIR"}, Value: ".orosync", Usage: "directory of the embedded state store"}
	apiURL := &ucli.StringFlag{Name: "api-url", EnvVars: []string{"ORO_API_URL"}, Usage: "Oro API base URL whose state to reset"}
	return &ucli.Command{
		Name:            "state",
		Usage:           "inspect or rewind the state store (id maps and incremental checkpoints)",
		HideHelpCommand: true, // orosync help state reset
		Subcommands: []*ucli.Command{
			{
				Name:  "show",
				Usage: "list every mapping's id-map size, checkpoint and last run",
				Flags: []ucli.Flag{stateDir},
				Action: func(c *ucli.Context) error {
					st, err := state.Open(c.String("state-dir"), state.Options{ReadOnly: true})
					if err != nil {
						return fatalError(err)
					}
					defer st.Close()
					rows, err := st.Summary()
					if err != nil {
						return fatalError(err)
					}
					if len(rows) == 0 {
						fmt.Fprintf(s.out, "no state in %s\n", c.String("state-dir"))
						return nil
					}
					tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
					fmt.Fprintln(tw, "INSTANCE\tMAPPING\tIDS\tCHECKPOINT\tLAST RUN\tREAD\tWRITTEN\tUNCHANGED\tSKIPPED\tFAILED")
					for _, r := range rows {
						cp := "-"
						if r.Checkpoint != nil {
							cp = string(r.Checkpoint)
						}
						last, counts := "-", "-\t-\t-\t-\t-"
						if r.LastRun != nil {
							last = r.LastRun.Finished.Format("2006-01-02T15:04:05Z")
							counts = fmt.Sprintf("%d\t%d\t%d\t%d\t%d", r.LastRun.Read, r.LastRun.Written, r.LastRun.Unchanged, r.LastRun.Skipped, r.LastRun.Failed)
						}
						fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", r.Instance, r.Mapping, r.IDs, cp, last, counts)
					}
					return tw.Flush()
				},
			},
			{
				Name:      "reset",
				Usage:     "forget checkpoints (default), id maps (--ids) or both (--all) of one mapping or of every mapping",
				ArgsUsage: "[MAPPING]",
				Flags: []ucli.Flag{stateDir, apiURL,
					&ucli.BoolFlag{Name: "ids", Usage: "forget the id map instead of the checkpoint (the next run looks records up by target.match or creates them)"},
					&ucli.BoolFlag{Name: "all", Usage: "forget checkpoint, id map and last-run record"},
				},
				Action: func(c *ucli.Context) error {
					if c.NArg() > 1 {
						return usageError("state reset takes at most one mapping name")
					}
					if c.String("api-url") == "" {
						return usageError("state reset needs the Oro instance: set ORO_API_URL or --api-url (state is kept per instance)")
					}
					inst, err := state.Instance(c.String("api-url"))
					if err != nil {
						return usageError("%v", err)
					}
					what := state.ResetCheckpoint
					switch {
					case c.Bool("all"):
						what = state.ResetAll
					case c.Bool("ids"):
						what = state.ResetIDs
					}
					st, err := state.Open(c.String("state-dir"), state.Options{})
					if err != nil {
						return fatalError(err)
					}
					defer st.Close()
					mapping := c.Args().First()
					if err := st.Reset(inst, mapping, what); err != nil {
						return fatalError(err)
					}
					if mapping == "" {
						mapping = "every mapping"
					}
					fmt.Fprintf(s.err, "reset %s of %s on %s\n", what, mapping, inst)
					return nil
				},
			},
		},
	}
}
