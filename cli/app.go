package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"

	ucli "github.com/urfave/cli/v2"

	"github.com/orosync/orosync/engine"
)

// Run runs the orosync command line with args (args[0] is the program
// name) and returns the process exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	stderr = &lockedWriter{w: stderr} // progress comes from several goroutines
	app := newApp(stdin, stdout, stderr)
	err := app.RunContext(ctx, args)
	if err == nil {
		return engine.ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "orosync: %v\n", ee.err)
		}
		return ee.code
	}
	// Anything urfave/cli itself rejects (unknown flag or command) is usage.
	fmt.Fprintf(stderr, "orosync: %v\n", err)
	return engine.ExitUsage
}

// exitError carries an exit code. It deliberately has no ExitCode method,
// so that urfave/cli never calls os.Exit on its own.
type exitError struct {
	code int
	err  error // nil: already reported
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, a ...any) error {
	return &exitError{code: engine.ExitUsage, err: fmt.Errorf(format, a...)}
}

func fatalError(err error) error {
	return &exitError{code: engine.ExitCannotProceed, err: err}
}

// lockedWriter serialises writes, one line each, from concurrent goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// streams are the standard streams of one invocation.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *ucli.App {
	s := &streams{in: stdin, out: stdout, err: stderr}
	return &ucli.App{
		Name:    "orosync",
		Usage:   "declarative sync engine for OroCommerce",
		Version: version(),
		Description: "orosync runs YAML mapping files: it reads records from a source, turns each into an Oro\n" +
			"JSON:API document with jq, and writes it to Oro's back-office API. See README.md.",
		Reader:          stdin,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		ExitErrHandler:  func(*ucli.Context, error) {}, // never os.Exit from inside the library
		OnUsageError: func(c *ucli.Context, err error, _ bool) error {
			help := "orosync --help"
			if c.Command != nil && c.Command.Name != "" && c.Command.Name != c.App.Name {
				help = "orosync " + c.Command.Name + " --help"
			}
			return usageError("%v (see %s)", err, help)
		},
		Commands: []*ucli.Command{
			s.runCommand(),
			s.validateCommand(),
			s.initCommand(),
			s.testCommand(),
			s.sandboxCommand(),
			s.stateCommand(),
			s.schemaCommand(),
		},
	}
}

// version reports the module version stamped by the Go toolchain.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
