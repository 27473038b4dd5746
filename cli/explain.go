package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	ucli "github.com/urfave/cli/v2"

	"github.com/orosync/orosync/engine"
	"github.com/orosync/orosync/engine/source"
	"github.com/orosync/orosync/mappings"
)

func (s *streams) explainCommand() *ucli.Command {
	run := s.runCommand()
	flags := []ucli.Flag{
		&ucli.StringFlag{Name: "key", Usage: "the record whose target.key is `KEY`"},
		&ucli.IntFlag{Name: "record", Usage: "the `N`th record of the source (from 1), for a mapping without target.key"},
		&ucli.BoolFlag{Name: "send", Usage: "send the record's request to Oro and show the answer (a real write)"},
	}
	for _, f := range run.Flags {
		switch f.Names()[0] {
		case "dry-run", "read-oro", "limit", "report", "full-refresh", "verify", "verify-older-than", "select", "metrics-addr":
		default:
			flags = append(flags, f)
		}
	}
	return &ucli.Command{
		Name:      "explain",
		Usage:     "show one record's way through a mapping: source, transform, ids, decision and request",
		ArgsUsage: "MAPPING_FILE",
		Description: "Reads the mapping's source up to the record and shows: where it came from, the transform's\n" +
			"documents, each ref()/lookup() with the id it resolved to and how, the decision (POST, PATCH,\n" +
			"unchanged, skip) and why, and the exact request. Without --send nothing is written: with the\n" +
			"connection settings (or --sandbox) Oro is asked with GET requests only, without them ids Oro would\n" +
			"tell are shown as placeholders. The record goes through the same code as in a run; a mapping that\n" +
			"writes in batches shows the Batch API request, a batch of this one record.\n\n" +
			"   orosync explain --key C-1001 examples/customers.yaml\n" +
			"   orosync explain --record 3 --send mappings/prices.yaml",
		Flags: flags,
		Action: func(c *ucli.Context) error {
			return s.execute(c, func() (runPlan, error) { return s.explainPlan(c) })
		},
	}
}

// explainPlan checks the arguments of explain and loads its mapping.
func (s *streams) explainPlan(c *ucli.Context) (runPlan, error) {
	if c.NArg() != 1 {
		return runPlan{}, usageError("explain takes one mapping file, e.g. orosync explain --key C-1 examples/customers.yaml")
	}
	key, n := c.String("key"), c.Int("record")
	switch {
	case c.IsSet("key") == c.IsSet("record"):
		return runPlan{}, usageError("explain needs the record: --key KEY (its target.key) or --record N (its position in the source)")
	case c.IsSet("record") && n < 1:
		return runPlan{}, usageError("--record counts from 1")
	}
	m, err := loadOneMapping(c.Args().First(), s.err)
	if err != nil {
		return runPlan{}, err
	}
	if c.IsSet("key") && m.Target.Key == nil {
		return runPlan{}, usageError("%s has no target.key: name the record with --record N", m.File)
	}
	send := c.Bool("send")
	canRead := c.Bool("sandbox") || c.String("api-url") != ""
	ex := &explanation{mapping: m, key: key, n: n, byKey: c.IsSet("key"), send: send, read: !send && canRead}
	return runPlan{ms: []*mappings.Mapping{m}, dryRun: !send, readOro: ex.read, explain: ex}, nil
}

// explanation collects the steps of one record through a mapping.
type explanation struct {
	mapping    *mappings.Mapping
	key        string
	n          int
	byKey      bool
	send, read bool

	mu     sync.Mutex
	steps  []engine.Step
	found  bool
	looked int // records read to find it
}

// opener wraps the run's source opener: only the record explained passes.
func (ex *explanation) opener(open engine.SourceOpener) engine.SourceOpener {
	return func(ctx context.Context, m *mappings.Mapping, cursor any, limit int) (engine.Source, error) {
		src, err := open(ctx, m, cursor, 0)
		if err != nil {
			return nil, err
		}
		return &oneRecord{Source: src, ex: ex, m: m}, nil
	}
}

// step is engine.Options.Trace.
func (ex *explanation) step(st engine.Step) {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	ex.steps = append(ex.steps, st)
}

// finish prints the steps, or says that the record was not found.
func (ex *explanation) finish(w io.Writer, rep *engine.Report) error {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	if !ex.found {
		what := fmt.Sprintf("no record with key %q", ex.key)
		if !ex.byKey {
			what = fmt.Sprintf("no record %d", ex.n)
		}
		msg := fmt.Sprintf("%s in the source of %s (%d record(s) read)", what, ex.mapping.Name, ex.looked)
		if len(rep.Mappings) > 0 && rep.Mappings[0].Error != "" {
			msg += ": " + rep.Mappings[0].Error
		}
		return &exitError{code: engine.ExitUsage, err: fmt.Errorf("%s", msg)}
	}
	switch {
	case ex.send:
		fmt.Fprintf(w, "%s: one record, sent to Oro (--send)\n\n", ex.mapping.Name)
	case ex.read:
		fmt.Fprintf(w, "%s: one record; Oro was read (GET requests only), nothing was sent\n\n", ex.mapping.Name)
	default:
		fmt.Fprintf(w, "%s: one record; Oro was not asked (no connection settings), nothing was sent\n\n", ex.mapping.Name)
	}
	// A dry run prints a batch when the mapping ends, after the record's
	// outcome: the outcome is shown last.
	steps := slices.Clone(ex.steps)
	slices.SortStableFunc(steps, func(a, b engine.Step) int {
		return cmp.Compare(boolInt(a.Stage == engine.StageOutcome), boolInt(b.Stage == engine.StageOutcome))
	})
	seen := map[string]bool{}
	for _, st := range steps {
		if line := string(st.Stage) + st.What; st.Data == nil {
			if seen[line] {
				continue // a record waiting for its parent is resolved again
			}
			seen[line] = true
		}
		fmt.Fprintf(w, "%-9s %s\n", st.Stage, st.What)
		if st.Data != nil {
			var b strings.Builder
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(st.Data); err != nil {
				fmt.Fprintf(&b, "%v\n", st.Data)
			}
			fmt.Fprintf(w, "          %s", b.String())
		}
	}
	if rep.ExitCode != engine.ExitOK {
		return &exitError{code: rep.ExitCode}
	}
	return nil
}

// oneRecord passes only the explained record of a source.
type oneRecord struct {
	engine.Source
	ex   *explanation
	m    *mappings.Mapping
	done bool
}

// Next implements engine.Source: it reads until the record and then ends.
func (o *oneRecord) Next(ctx context.Context) (source.Record, error) {
	if o.done {
		return source.Record{}, io.EOF
	}
	for {
		rec, err := o.Source.Next(ctx)
		if err != nil {
			return rec, err // io.EOF: not found; a read error of another record is not this one's
		}
		o.ex.mu.Lock()
		o.ex.looked++
		n := o.ex.looked
		o.ex.mu.Unlock()
		if !o.ex.byKey {
			if n == o.ex.n {
				return o.take(rec), nil
			}
			continue
		}
		v, err := rec.Decode()
		if err != nil {
			continue
		}
		k, err := o.m.Key(ctx, v)
		if err == nil && k == o.ex.key {
			rec.Value, rec.Raw = v, nil
			return o.take(rec), nil
		}
	}
}

func (o *oneRecord) take(rec source.Record) source.Record {
	o.done = true
	o.ex.mu.Lock()
	o.ex.found = true
	o.ex.mu.Unlock()
	return rec
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
