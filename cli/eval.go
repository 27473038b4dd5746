package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/orosync/orosync/engine"
	"github.com/orosync/orosync/mappings"
)

func (s *streams) evalCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "eval",
		Usage:     "print the documents a mapping's transform makes of records (no Oro, no state)",
		ArgsUsage: "MAPPING_FILE [RECORDS_FILE]",
		Description: "Reads JSON records from RECORDS_FILE or standard input (one JSON value each, as JSON Lines or\n" +
			"concatenated; a top-level array is a list of records) and prints each record's documents as\n" +
			"one JSON line, ref() and lookup() shown as {\"$ref\": …} and {\"$lookup\": …}. A record the\n" +
			"transform skips prints nothing; a record it fails is reported on stderr (exit 1).\n\n" +
			"   echo '{\"account_no\":\"C-1\",\"company\":\"Acme\",\"status\":\"active\",\"price_tier\":\"RETAIL\"}' | orosync eval examples/customers.yaml\n" +
			"   orosync eval examples/products.yaml examples/data/products.json",
		Flags: []ucli.Flag{
			&ucli.DurationFlag{Name: "record-timeout", Value: testTimeout, Usage: "time limit of the transform of one record"},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() < 1 || c.NArg() > 2 {
				return usageError("eval takes a mapping file and, optionally, a file of records: orosync eval MAPPING_FILE [RECORDS_FILE]")
			}
			m, err := loadOneMapping(c.Args().First(), s.err, mappings.AllowUnsetEnv()) // no secrets needed
			if err != nil {
				return err
			}
			in, name := s.in, "standard input"
			if c.NArg() == 2 {
				name = c.Args().Get(1)
				f, err := os.Open(name)
				if err != nil {
					return usageError("records file %s: %v: name a file of JSON records, or give them on standard input", name, errors.Unwrap(err))
				}
				defer f.Close()
				in = f
			}
			return evalRecords(c.Context, m, in, name, s.out, s.err, c.Duration("record-timeout"))
		},
	}
}

// evalRecords applies m's transform to every JSON value of in, which name
// names in messages.
func evalRecords(ctx context.Context, m *mappings.Mapping, in io.Reader, name string, out, errOut io.Writer, limit time.Duration) error {
	dec := json.NewDecoder(bufio.NewReader(in))
	dec.UseNumber()
	w := bufio.NewWriter(out)
	defer w.Flush()
	n, failed := 0, 0
	apply := func(rec any) {
		n++
		rctx, cancel := context.WithTimeout(ctx, limit)
		defer cancel()
		docs, err := m.Apply(rctx, rec)
		if err != nil {
			failed++
			fmt.Fprintf(errOut, "record %d: %v\n", n, err)
			return
		}
		for _, d := range docs {
			b, err := mappings.AppendJSON(nil, d.Public())
			if err != nil {
				failed++
				fmt.Fprintf(errOut, "record %d: %v\n", n, err)
				return
			}
			w.Write(b)
			w.WriteByte('\n')
		}
	}
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			w.Flush()
			return usageError("records: not JSON after record %d (byte %d of %s): %v", n, dec.InputOffset(), name, err)
		}
		if list, ok := v.([]any); ok {
			for _, rec := range list {
				apply(rec)
			}
			continue
		}
		apply(v)
	}
	if failed > 0 {
		w.Flush()
		fmt.Fprintf(errOut, "%d of %d record(s) failed\n", failed, n)
		return &exitError{code: engine.ExitSomeFailed}
	}
	return nil
}
