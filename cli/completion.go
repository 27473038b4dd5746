package cli

import (
	"fmt"

	ucli "github.com/urfave/cli/v2"
)

// completionCommand prints a shell completion script. The scripts ask
// orosync itself for the candidates (urfave/cli's --generate-bash-completion),
// so they stay right when commands and flags change.
func (s *streams) completionCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash, zsh or fish)",
		ArgsUsage: "SHELL",
		Description: "Load it in the current shell, or install it for every session:\n\n" +
			"   source <(orosync completion bash)                 # bash, this shell\n" +
			"   orosync completion bash > /etc/bash_completion.d/orosync\n" +
			"   orosync completion zsh > \"${fpath[1]}/_orosync\"    # zsh\n" +
			"   orosync completion fish > ~/.config/fish/completions/orosync.fish",
		Action: func(c *ucli.Context) error {
			if c.NArg() != 1 {
				return usageError("completion needs one shell: bash, zsh or fish")
			}
			switch shell := c.Args().First(); shell {
			case "bash":
				fmt.Fprint(s.out, bashCompletion)
			case "zsh":
				fmt.Fprint(s.out, zshCompletion)
			case "fish":
				script, err := c.App.ToFishCompletion()
				if err != nil {
					return fatalError(fmt.Errorf("build the fish completion: %w", err))
				}
				fmt.Fprint(s.out, script)
			default:
				return usageError("completion: unknown shell %q: use bash, zsh or fish", shell)
			}
			return nil
		},
	}
}

// bashCompletion is urfave/cli v2's bash script (autocomplete/bash_autocomplete)
// bound to orosync.
const bashCompletion = `# bash completion for orosync
_orosync_complete() {
  local cur opts
  COMPREPLY=()
  cur="${COMP_WORDS[COMP_CWORD]}"
  if [[ "$cur" == "-"* ]]; then
    opts=$( "${COMP_WORDS[@]:0:$COMP_CWORD}" "${cur}" --generate-bash-completion 2>/dev/null )
  else
    opts=$( "${COMP_WORDS[@]:0:$COMP_CWORD}" --generate-bash-completion 2>/dev/null )
  fi
  COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
  return 0
}
complete -o bashdefault -o default -F _orosync_complete orosync
`

// zshCompletion is urfave/cli v2's zsh script (autocomplete/zsh_autocomplete)
// bound to orosync.
const zshCompletion = `#compdef orosync
_orosync() {
  local -a opts
  local cur
  cur=${words[-1]}
  if [[ "$cur" == "-"* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion 2>/dev/null)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}
compdef _orosync orosync
`
