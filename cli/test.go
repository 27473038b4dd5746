package cli

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/orosync/orosync/engine"
	"github.com/orosync/orosync/mappings"
)

// testTimeout bounds the transform of one test case, as --record-timeout
// bounds a record in a run.
const testTimeout = 5 * time.Second

func (s *streams) testCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "test",
		Usage:     "run the test cases that mapping files declare (fixture in, documents out)",
		ArgsUsage: "PATH...",
		Description: "Each case of a mapping's tests: list gives an input record and the expected documents\n" +
			"(want; [] means the record is skipped) or a substring of the expected error (want_error).\n" +
			"Numbers compare by value (1.0 equals 1). A failing case shows where it is and a diff.\n" +
			"Exit code 0 when every case passes, 1 when one fails, 2 for invalid mapping files.\n" +
			"No secrets are needed: a ${VARIABLE} that is not set stays as written (tests never read sources).\n\n" +
			"   orosync test examples/\n" +
			"   orosync test --run 'customers: inactive' examples/",
		Flags: []ucli.Flag{selectFlag(),
			&ucli.StringFlag{Name: "run", Usage: "only the cases whose \"MAPPING: NAME\" matches the regular expression `PATTERN`"}},
		Action: func(c *ucli.Context) error {
			_, ms, err := loadSelected(c, s.err, mappings.AllowUnsetEnv()) // tests need no secrets
			if err != nil {
				return err
			}
			var only *regexp.Regexp
			if p := c.String("run"); p != "" {
				if only, err = regexp.Compile(p); err != nil {
					return usageError("--run: %v", err)
				}
			}
			passed, failed := 0, 0
			for _, m := range ms {
				for i := range m.Tests {
					if only != nil && !only.MatchString(m.Name+": "+m.Tests[i].Name) {
						continue
					}
					if runTestCase(c.Context, s.out, m, i) {
						passed++
					} else {
						failed++
					}
				}
			}
			if only != nil && passed+failed == 0 {
				return usageError("--run %q matches no test case (cases are named \"MAPPING: NAME\")", c.String("run"))
			}
			fmt.Fprintf(s.out, "%d passed, %d failed\n", passed, failed)
			if failed > 0 {
				return &exitError{code: engine.ExitSomeFailed}
			}
			return nil
		},
	}
}

// runTestCase runs case i of m with mappings.RunTest, prints its outcome
// and reports whether it passed.
func runTestCase(ctx context.Context, out io.Writer, m *mappings.Mapping, i int) bool {
	ctx, cancel := context.WithTimeout(ctx, testTimeout)
	defer cancel()
	r := m.RunTest(ctx, i)
	if r.Passed() {
		fmt.Fprintf(out, "ok   %s: %s\n", m.Name, r.Name)
		return true
	}
	fmt.Fprintf(out, "FAIL %s: %s\n    %s\n", m.Name, r.Name, r.Failure)
	if r.Want != "" || r.Got != "" {
		fmt.Fprint(out, indent(lineDiff(r.Want, r.Got)))
	}
	return false
}

// indent prefixes every line of s with four spaces.
func indent(s string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if line != "" {
			b.WriteString("    " + line)
		}
	}
	return b.String()
}
