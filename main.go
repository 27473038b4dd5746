// Command orosync is a declarative sync engine for OroCommerce: YAML mapping
// files with jq transforms turn source records into Oro JSON:API documents,
// and one generic engine fetches, maps and writes them.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/orosync/orosync/cli"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// The live heap stays small (records stream through), so trading a
		// little memory for fewer collections makes big runs much faster.
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
