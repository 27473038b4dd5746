package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	ucli "github.com/urfave/cli/v2"

	"github.com/orosync/orosync/engine"
)

// Run runs the orosync command line with args (args[0] is the program
// name) and returns the process exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	tty := isTerminal(stderr)
	stderr = &lockedWriter{w: stderr} // progress comes from several goroutines
	app := newApp(&streams{in: stdin, out: stdout, err: stderr, tty: tty})
	err := app.RunContext(ctx, flagsFirst(app, args))
	if err == nil {
		return engine.ExitOK
	}
	var ee *exitError
	switch {
	case !errors.As(err, &ee):
		fmt.Fprintf(stderr, "orosync: %v\n", err) // urfave/cli's own: unknown flag or command
	case ee.err != nil:
		fmt.Fprintf(stderr, "orosync: %v\n", ee.err)
	}
	return exitCodeOf(err)
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
	tty      bool // stderr is a terminal: progress is a line redrawn in place
}

func newApp(s *streams) *ucli.App {
	return &ucli.App{
		Name:    "orosync",
		Usage:   "declarative sync engine for OroCommerce",
		Version: longVersion(),
		Description: "orosync runs YAML mapping files: it reads records from a source, turns each into an Oro\n" +
			"JSON:API document with jq, and writes it to Oro's back-office API. See README.md.",
		Reader:    s.in,
		Writer:    s.out,
		ErrWriter: s.err,
		// --generate-bash-completion answers the scripts of "orosync completion".
		EnableBashCompletion: true,
		// urfave/cli's own help command is one shared value that it
		// changes while running (a fish completion of a second app in the
		// process then recursed forever); ours is made per app.
		HideHelpCommand: true,
		// With a command named help, urfave/cli leaves out --help.
		Flags:          []ucli.Flag{ucli.HelpFlag},
		ExitErrHandler: func(*ucli.Context, error) {}, // never os.Exit from inside the library
		OnUsageError: func(c *ucli.Context, err error, _ bool) error {
			help := "orosync --help"
			if c.Command != nil && c.Command.Name != "" && c.Command.Name != c.App.Name {
				help = "orosync " + c.Command.Name + " --help"
			}
			return usageError("%v (see %s)", err, help)
		},
		Commands: []*ucli.Command{
			s.runCommand(),
			s.retryCommand(),
			s.explainCommand(),
			s.evalCommand(),
			s.validateCommand(),
			s.initCommand(),
			s.testCommand(),
			s.sandboxCommand(),
			s.stateCommand(),
			s.schemaCommand(),
			s.completionCommand(),
			helpCommand(),
		},
	}
}

// helpCommand is "orosync help [COMMAND]".
func helpCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "help",
		Usage:     "show the commands, or the help of one command",
		ArgsUsage: "[COMMAND]",
		Action: func(c *ucli.Context) error {
			if c.NArg() == 0 {
				return ucli.ShowAppHelp(c)
			}
			// urfave/cli stops reading flags at the first argument: --help
			// goes right after the command names, or the command would run.
			args := []string{c.App.Name}
			var cmd *ucli.Command
			for i, name := range c.Args().Slice() {
				var sub *ucli.Command
				if cmd == nil {
					sub = c.App.Command(name)
				} else {
					sub = cmd.Command(name)
				}
				switch {
				case sub == nil && cmd == nil:
					return usageError("no command %q: see orosync help", name)
				case sub == nil:
					path := strings.Join(c.Args().Slice()[:i], " ")
					return usageError("%q is not a subcommand of %s: help takes command names only, e.g. orosync help %s", name, path, path)
				}
				cmd = sub
				args = append(args, name)
			}
			return c.App.RunContext(c.Context, append(args, "--help"))
		},
	}
}

// Set by the release build (-ldflags "-X github.com/orosync/orosync/cli.buildVersion=v1.2.3
// -X github.com/orosync/orosync/cli.buildCommit=<sha>"); otherwise the Go
// toolchain's build information is used.
var buildVersion, buildCommit string

// version reports the release or module version: the release build's, the
// one `go install module@version` stamps, or "devel".
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// longVersion is what --version prints: the version, the commit it was
// built from (with "+dirty" for uncommitted changes), its time, the Go
// version and the platform.
func longVersion() string {
	commit, when, dirty := buildCommit, "", false
	bi, ok := debug.ReadBuildInfo()
	if ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if commit == "" {
					commit = s.Value
				}
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	var parts []string
	switch {
	case commit != "" && dirty:
		parts = append(parts, "commit "+shortCommit(commit)+"+dirty")
	case commit != "":
		parts = append(parts, "commit "+shortCommit(commit))
	default:
		parts = append(parts, "commit unknown")
	}
	if when != "" {
		parts = append(parts, when)
	}
	parts = append(parts, runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH)
	return version() + " (" + strings.Join(parts, ", ") + ")"
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}
