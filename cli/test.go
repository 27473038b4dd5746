package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/orosync/orosync/engine"
	"github.com/orosync/orosync/mappings"
)

func (s *streams) testCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "test",
		Usage:     "run the test cases that mapping files declare (fixture in, documents out)",
		ArgsUsage: "PATH...",
		Description: "Each case of a mapping's tests: list gives an input record and the expected documents\n" +
			"(want; [] means the record is skipped) or a substring of the expected error (want_error).\n" +
			"Exit code 0 when every case passes, 1 when one fails, 2 for invalid mapping files.\n\n" +
			"   orosync test examples/",
		Action: func(c *ucli.Context) error {
			ms, err := loadMappings(c.Args().Slice(), s.err)
			if err != nil {
				return err
			}
			passed, failed := 0, 0
			for _, m := range ms {
				for i, tc := range m.Tests {
					name := tc.Name
					if name == "" {
						name = fmt.Sprintf("case %d", i+1)
					}
					if msg := runTestCase(c.Context, m, tc); msg != "" {
						failed++
						fmt.Fprintf(s.out, "FAIL %s: %s\n%s\n", m.Name, name, indent(msg))
						continue
					}
					passed++
					fmt.Fprintf(s.out, "ok   %s: %s\n", m.Name, name)
				}
			}
			fmt.Fprintf(s.out, "%d passed, %d failed\n", passed, failed)
			if failed > 0 {
				return &exitError{code: engine.ExitSomeFailed}
			}
			return nil
		},
	}
}

// runTestCase runs one case and returns "" when it passes, or what went
// wrong.
func runTestCase(ctx context.Context, m *mappings.Mapping, tc mappings.TestCase) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	docs, err := m.Apply(ctx, tc.Input.V)
	if tc.WantError != "" {
		if err == nil {
			return fmt.Sprintf("%s:%d: want an error containing %q, got %d document(s)", m.File, tc.Input.Line, tc.WantError, len(docs))
		}
		if !strings.Contains(err.Error(), tc.WantError) {
			return fmt.Sprintf("want an error containing %q, got: %v", tc.WantError, err)
		}
		return ""
	}
	if err != nil {
		return fmt.Sprintf("%s:%d: transform failed: %v", m.File, tc.Input.Line, err)
	}
	if tc.Want == nil {
		return fmt.Sprintf("%s:%d: the case has neither want nor want_error", m.File, tc.Input.Line)
	}
	got, err := canonicalJSON(docs)
	if err != nil {
		return err.Error()
	}
	want, err := canonicalJSON(tc.Want.V)
	if err != nil {
		return err.Error()
	}
	if got != want {
		return fmt.Sprintf("%s:%d: documents differ\nwant: %s\ngot:  %s", m.File, tc.Want.Line, want, got)
	}
	return ""
}

// canonicalJSON encodes v with sorted keys and compact numbers, so that
// equal documents compare equal whatever their source notation.
func canonicalJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return "", fmt.Errorf("decode: %w", err)
	}
	if x == nil {
		x = []any{}
	}
	b, err = json.Marshal(x)
	return string(b), err
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
