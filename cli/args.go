package cli

import (
	"strings"

	ucli "github.com/urfave/cli/v2"
)

// flagsFirst lets flags go anywhere on the command line: urfave/cli, like
// Go's flag package, stops reading flags at the first argument, so
// "orosync run mappings/ --dry-run" would take --dry-run for a path. It
// moves the flags of the command (and subcommand) named in args before
// their positional arguments, keeping their order and values. A "--"
// ends the flags: what follows stays an argument, even "-x.yaml".
// Unknown flags are moved too, so that urfave/cli reports them.
func flagsFirst(app *ucli.App, args []string) []string {
	// urfave/cli looks for the completion request in the last place only.
	const complete = "--generate-bash-completion"
	if n := len(args); n > 1 && args[n-1] == complete {
		return append(flagsFirst(app, args[:n-1]), complete)
	}
	if len(args) < 2 {
		return args
	}
	out := []string{args[0]}
	rest := args[1:]
	// Global flags (--version, --help) come before the command.
	for len(rest) > 0 && strings.HasPrefix(rest[0], "-") && rest[0] != "-" && rest[0] != "--" {
		out = append(out, rest[0])
		rest = rest[1:]
	}
	commands := app.Commands
	for len(rest) > 0 {
		cmd := findCommand(commands, rest[0])
		if cmd == nil {
			return append(out, rest...)
		}
		out = append(out, rest[0])
		rest = rest[1:]
		flags, positional, sub := splitFlags(cmd, rest)
		out = append(out, flags...)
		if sub == nil {
			return append(out, positional...)
		}
		// A subcommand (state show): its own flags are sorted the same way.
		commands, rest = cmd.Subcommands, positional
	}
	return out
}

// findCommand returns the command of commands named (or aliased) name.
func findCommand(commands []*ucli.Command, name string) *ucli.Command {
	for _, c := range commands {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// splitFlags separates the flags of cmd in args from its positional
// arguments. When the first positional argument names a subcommand, sub is
// that subcommand and positional starts with its name.
func splitFlags(cmd *ucli.Command, args []string) (flags, positional []string, sub *ucli.Command) {
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, boolean := f.(*ucli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !boolean
		}
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			// urfave/cli drops the "--" and takes the rest as arguments.
			return flags, append(append([]string{"--"}, positional...), args[i+1:]...), nil
		case a == "-" || !strings.HasPrefix(a, "-"):
			if len(positional) == 0 && len(cmd.Subcommands) > 0 {
				if s := findCommand(cmd.Subcommands, a); s != nil {
					return flags, args[i:], s
				}
			}
			positional = append(positional, a)
		default:
			flags = append(flags, a)
			name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			if takesValue[name] && !hasValue && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		}
	}
	return flags, positional, nil
}
