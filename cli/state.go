package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	ucli "github.com/urfave/cli/v2"

	"github.com/orosync/orosync/engine"
	"github.com/orosync/orosync/engine/state"
	"github.com/orosync/orosync/engine/state/pgstate"
)

func (s *streams) stateCommand() *ucli.Command {
	apiURL := &ucli.StringFlag{Name: "api-url", EnvVars: []string{"ORO_API_URL"}, Usage: "Oro API base URL whose state to reset"}
	return &ucli.Command{
		Name:            "state",
		Usage:           "inspect or rewind the state store (id maps and incremental checkpoints)",
		HideHelpCommand: true, // orosync help state reset
		Subcommands: []*ucli.Command{
			{
				Name:  "show",
				Usage: "list every mapping's id-map size, checkpoint and last run",
				Flags: stateFlags(),
				Action: func(c *ucli.Context) error {
					st, where, err := openStateFor(c, c.String("state-dir"), true)
					if err != nil {
						return err
					}
					defer st.Close()
					rows, err := st.Summary()
					if err != nil {
						return fatalError(err)
					}
					if len(rows) == 0 {
						fmt.Fprintf(s.out, "no state in %s\n", where)
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
				Flags: append(stateFlags(), apiURL,
					&ucli.BoolFlag{Name: "ids", Usage: "forget the id map instead of the checkpoint (the next run looks records up by target.match or creates them)"},
					&ucli.BoolFlag{Name: "all", Usage: "forget checkpoint, id map and last-run record"},
				),
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
					st, _, err := openStateFor(c, c.String("state-dir"), false)
					if err != nil {
						return err
					}
					defer st.Close()
					mapping := c.Args().First()
					unlock, err := lockForReset(c.Context, st, inst, mapping)
					if err != nil {
						return fatalError(err)
					}
					defer unlock()
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
			s.stateMigrateCommand(),
			s.stateExportCommand(),
			s.stateImportCommand(),
		},
	}
}

func (s *streams) stateMigrateCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "migrate",
		Usage: "bring the PostgreSQL state schema (--state, OROSYNC_STATE_URL) to this orosync's version; runs also do it on first use",
		Flags: stateFlags(),
		Action: func(c *ucli.Context) error {
			url := c.String("state")
			if url == "" {
				fmt.Fprintf(s.err, "the embedded state store in %s needs no migrations; state migrate is for --state postgres://…\n", c.String("state-dir"))
				return nil
			}
			if !pgstate.IsURL(url) {
				return usageError("--state (OROSYNC_STATE_URL) must be a postgres:// or postgresql:// URL")
			}
			// Open migrates; Migrate reports the version.
			st, err := pgstate.Open(c.Context, url, pgstate.Options{Version: version()})
			if err != nil {
				return fatalError(err)
			}
			defer st.Close()
			v, err := st.Migrate(c.Context)
			if err != nil {
				return fatalError(err)
			}
			fmt.Fprintf(s.err, "state schema of %s is at version %d\n", st.Where(), v)
			return nil
		},
	}
}

func (s *streams) stateExportCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "export",
		Usage:     "write the whole state (id maps, checkpoints, last runs) as JSON Lines to FILE or stdout",
		ArgsUsage: "[FILE]",
		Flags:     stateFlags(),
		Action: func(c *ucli.Context) error {
			if c.NArg() > 1 {
				return usageError("state export takes at most one file name (default: stdout)")
			}
			st, where, err := openStateFor(c, c.String("state-dir"), true)
			if err != nil {
				return err
			}
			defer st.Close()
			var w io.Writer = s.out
			name := c.Args().First()
			var f *os.File
			if name != "" && name != "-" {
				if f, err = os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600); err != nil {
					return fatalError(fmt.Errorf("create export file: %w", err))
				}
				// The mode of OpenFile applies to a new file only: an
				// existing one would keep its (maybe readable) mode.
				if err := f.Chmod(0o600); err != nil {
					_ = f.Close()
					return fatalError(fmt.Errorf("restrict export file to its owner: %w", err))
				}
				w = f
			}
			n, err := state.Export(w, st)
			if f != nil {
				if cerr := f.Close(); err == nil && cerr != nil {
					err = fmt.Errorf("write export file: %w", cerr)
				}
			}
			if err != nil {
				return fatalError(fmt.Errorf("%w (from %s)", err, where))
			}
			fmt.Fprintf(s.err, "exported %d id-map entries from %s\n", n, where)
			return nil
		},
	}
}

func (s *streams) stateImportCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "import",
		Usage: "store what `state export` wrote (FILE or stdin) in the selected state store, over what it holds",
		Description: "Entries of the same keys, checkpoints and last runs are replaced; nothing is deleted. Import into\n" +
			"a store no run uses at the time, e.g. a laptop's embedded store into PostgreSQL:\n\n" +
			"   orosync state export --state-dir .orosync | OROSYNC_STATE_URL=postgres://… orosync state import",
		ArgsUsage: "[FILE]",
		Flags:     stateFlags(),
		Action: func(c *ucli.Context) error {
			if c.NArg() > 1 {
				return usageError("state import takes at most one file name (default: stdin)")
			}
			var r io.Reader = s.in
			if name := c.Args().First(); name != "" && name != "-" {
				f, err := os.Open(name)
				if err != nil {
					return usageError("open import file: %v", err)
				}
				defer f.Close()
				r = f
			}
			st, where, err := openStateFor(c, c.String("state-dir"), false)
			if err != nil {
				return err
			}
			defer st.Close()
			n, err := state.Import(r, st)
			if err != nil {
				return fatalError(fmt.Errorf("%w (into %s; %d entries were stored before the error, importing again is safe)", err, where, n))
			}
			fmt.Fprintf(s.err, "imported %d id-map entries into %s\n", n, where)
			return nil
		},
	}
}

// lockForReset takes the run locks of what a reset clears, on a store that
// has them (PostgreSQL), so that state is never reset under a running
// mapping: one mapping, or every mapping of the instance the store knows.
func lockForReset(ctx context.Context, st stateBackend, instance, mapping string) (unlock func(), err error) {
	l, ok := st.(engine.Locker)
	if !ok {
		return func() {}, nil
	}
	names := []string{mapping}
	if mapping == "" {
		rows, err := st.Summary()
		if err != nil {
			return nil, err
		}
		names = nil
		for _, r := range rows {
			if r.Instance == instance {
				names = append(names, r.Mapping)
			}
		}
	}
	var unlocks []func()
	unlock = func() {
		for _, u := range unlocks {
			u()
		}
	}
	for _, n := range names {
		u, err := l.Lock(ctx, instance, n, nil) // held for one reset transaction
		if err != nil {
			unlock()
			return nil, fmt.Errorf("reset nothing: %w", err)
		}
		unlocks = append(unlocks, u)
	}
	return unlock, nil
}
