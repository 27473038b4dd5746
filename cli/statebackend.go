package cli

import (
	ucli "github.com/urfave/cli/v2"

	"github.com/orosync/orosync/engine"
	"github.com/orosync/orosync/engine/state"
	"github.com/orosync/orosync/engine/state/pgstate"
)

// stateBackend is what the CLI uses of a state store, the embedded one
// (*state.Store) or PostgreSQL (*pgstate.Store).
type stateBackend interface {
	engine.StateStore
	state.Exporter
	state.Importer
	Reset(instance, mapping string, what state.ResetWhat) error
	Close() error
}

// stateURLFlag selects the PostgreSQL state backend.
func stateURLFlag() ucli.Flag {
	return &ucli.StringFlag{Name: "state", EnvVars: []string{"OROSYNC_STATE_URL"},
		Usage: "PostgreSQL `URL` of a state store shared by several machines, e.g. postgres://orosync:PASSWORD@db:5432/orosync (prefer the environment variable: flags show in process lists); default: the embedded store in --state-dir"}
}

// stateFlags are the flags that choose the state store.
func stateFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "state-dir", EnvVars: []string{"OROSYNC_STATE_DIR"}, Value: ".orosync", Usage: "directory of the embedded state store (id map, checkpoints)"},
		stateURLFlag(),
	}
}

// openStateFor opens the store the command's flags select: PostgreSQL
// (--state; migrated unless readOnly) or the embedded store in dir. where
// names the store for messages, without the password. A bad URL is a
// usage error, a store that cannot be opened a fatal one.
func openStateFor(c *ucli.Context, dir string, readOnly bool) (st stateBackend, where string, err error) {
	url := c.String("state")
	switch {
	case url == "":
		s, err := state.Open(dir, state.Options{ReadOnly: readOnly})
		if err != nil {
			return nil, "", fatalError(err)
		}
		return s, dir, nil
	case !pgstate.IsURL(url):
		return nil, "", usageError("--state (OROSYNC_STATE_URL) must be a postgres:// or postgresql:// URL; for the embedded store use --state-dir")
	}
	s, err := pgstate.Open(c.Context, url, pgstate.Options{ReadOnly: readOnly, Version: version()})
	if err != nil {
		return nil, "", fatalError(err)
	}
	return s, s.Where(), nil
}

var (
	_ stateBackend  = (*state.Store)(nil)
	_ stateBackend  = (*pgstate.Store)(nil)
	_ engine.Locker = (*pgstate.Store)(nil)
)
