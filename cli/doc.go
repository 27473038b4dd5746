// Package cli implements the orosync command: run, validate, test, sandbox,
// state and schema. Nothing below Run calls os.Exit or reads os.Args; the
// streams are parameters so that tests run the real code path in-process.
package cli
