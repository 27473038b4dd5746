package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/orosync/orosync/engine"
	"github.com/orosync/orosync/engine/source"
	"github.com/orosync/orosync/mappings"
)

func (s *streams) retryCommand() *ucli.Command {
	run := s.runCommand()
	return &ucli.Command{
		Name:      "retry",
		Usage:     "run the records of a dead-letter file through their mappings again",
		ArgsUsage: "DEAD_LETTER_FILE [PATH...]",
		Description: "Runs exactly the records of the dead-letter file, each through the mapping that failed it,\n" +
			"with the id map, natural keys and batches of a normal run; sources are not read and incremental\n" +
			"checkpoints do not move. The mapping files are those the entries name (as the run was given them),\n" +
			"or those in PATH. Records that fail again go to the new dead-letter file; the old file is kept\n" +
			"(renamed with its time) when the new one is written at its path.\n\n" +
			"   orosync retry orosync-dead-letter.jsonl\n" +
			"   orosync retry --dry-run failed.jsonl mappings/",
		Flags: slices.DeleteFunc(slices.Clone(run.Flags), func(f ucli.Flag) bool { return f.Names()[0] == "select" }),
		Action: func(c *ucli.Context) error {
			return s.execute(c, func() (runPlan, error) {
				ms, set, err := loadRetry(c.Args().Slice(), s.err)
				return runPlan{ms: ms, retry: set, dryRun: c.Bool("dry-run"), readOro: c.Bool("read-oro")}, err
			})
		},
	}
}

// retrySet is the records of a dead-letter file, by mapping.
type retrySet struct {
	file    string
	entries map[string][]engine.DeadLetter
}

// loadRetry reads the dead-letter file args[0] and loads the mappings its
// entries name: from the files in args[1:], or from the files the entries
// name.
func loadRetry(args []string, errOut io.Writer) ([]*mappings.Mapping, *retrySet, error) {
	if len(args) == 0 {
		return nil, nil, usageError("retry needs a dead-letter file, e.g. orosync retry orosync-dead-letter.jsonl")
	}
	entries, err := engine.ReadDeadLetters(args[0])
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, usageError("%v", err)
		}
		return nil, nil, usageError("%v (is it a dead-letter file?)", err)
	}
	if len(entries) == 0 {
		return nil, nil, usageError("%s has no dead letters: nothing to retry", args[0])
	}
	set := &retrySet{file: args[0], entries: map[string][]engine.DeadLetter{}}
	var files []string
	for _, e := range entries {
		set.entries[e.Mapping] = append(set.entries[e.Mapping], e)
		if e.File != "" && !slices.Contains(files, e.File) {
			files = append(files, e.File)
		}
	}
	paths := args[1:]
	if len(paths) == 0 {
		paths = files
		// The entries name the files as the run was given them, relative
		// to the directory it ran in.
		for _, f := range files {
			if _, err := os.Stat(f); errors.Is(err, os.ErrNotExist) {
				return nil, nil, usageError("%s names mapping file %s, which is not there: run retry from the directory of the original run, or name the files: orosync retry %s PATH...", args[0], f, args[0])
			}
		}
	}
	if len(paths) == 0 {
		return nil, nil, usageError("the entries of %s do not name their mapping files (written by an older orosync): name them, e.g. orosync retry %s mappings/", args[0], args[0])
	}
	all, err := loadMappings(paths, errOut)
	if err != nil {
		return nil, nil, err
	}
	var ms []*mappings.Mapping
	for _, m := range all {
		if len(set.entries[m.Name]) > 0 {
			ms = append(ms, m)
		}
	}
	var missing []string
	for name := range set.entries {
		if !slices.ContainsFunc(ms, func(m *mappings.Mapping) bool { return m.Name == name }) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, nil, usageError("%s has records of mapping(s) %s, which are not among the mapping files %s: name the files that define them",
			args[0], strings.Join(missing, ", "), strings.Join(paths, " "))
	}
	return ms, set, nil
}

// open is the engine's source opener for a retry: the mapping's dead
// letters, in file order.
func (rs *retrySet) open(_ context.Context, m *mappings.Mapping, _ any, limit int) (engine.Source, error) {
	entries := rs.entries[m.Name]
	if limit > 0 && limit < len(entries) {
		entries = entries[:limit]
	}
	return &retrySource{file: rs.file, entries: entries}, nil
}

// retrySource hands out dead letters as source records. An entry whose
// record was never read (a read error: only its raw text is kept) is
// handed out as the same read error, so that it stays in the dead-letter
// file until its source is fixed.
type retrySource struct {
	file    string
	entries []engine.DeadLetter
	i       int
}

// Next implements engine.Source.
func (r *retrySource) Next(context.Context) (source.Record, error) {
	if r.i >= len(r.entries) {
		return source.Record{}, io.EOF
	}
	e := r.entries[r.i]
	r.i++
	origin := fmt.Sprintf("%s #%d (%s)", r.file, r.i, e.Origin)
	if e.Record == nil && (e.Raw != "" || e.RawBase64 != nil) {
		raw := e.RawBase64
		if raw == nil {
			raw = []byte(e.Raw)
		}
		return source.Record{}, &source.RecordError{Origin: origin, Raw: raw,
			Err: fmt.Errorf("cannot be retried: the source could not read this record (%s); fix the source and run the mapping again", e.Error.Message)}
	}
	return source.Record{Value: e.Record, Origin: origin}, nil
}

// Close implements engine.Source.
func (r *retrySource) Close() error { return nil }
