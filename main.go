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

// defaultMemoryLimit is the soft memory limit of the Go runtime unless
// GOMEMLIMIT sets one: a run's live heap is a few tens of MB, so this keeps
// the high GOGC above from growing the process far beyond it. A run that
// needs more (a key index of millions of names) still gets it; the
// collector then just runs more often.
const defaultMemoryLimit = 80 << 20

func main() {
	if os.Getenv("GOGC") == "" {
		// The live heap stays small (records stream through), so trading a
		// little memory for fewer collections makes big runs much faster.
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// ...but not beyond this: near the soft limit the collector works
		// harder instead (a batched run holds a few thousand records in
		// flight; measured with bench/throughput, README "Performance").
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
