package cli

import (
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// contractCase is one case of testdata/cli.yaml.
type contractCase struct {
	Name      string            `yaml:"name"`
	Args      []string          `yaml:"args"`
	Stdin     string            `yaml:"stdin"`
	Env       map[string]string `yaml:"env"`
	Exit      int               `yaml:"exit"`
	Stdout    []string          `yaml:"stdout"`
	Stderr    []string          `yaml:"stderr"`
	NotOutput []string          `yaml:"not_output"`
}

// TestCLIContract runs the command-line contract table, testdata/cli.yaml:
// every command and every exit code, in the spirit of gojq's cli/test.yaml.
func TestCLIContract(t *testing.T) {
	data, err := os.ReadFile("testdata/cli.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	var cases []contractCase
	if err := dec.Decode(&cases); err != nil {
		t.Fatalf("testdata/cli.yaml: %v", err)
	}
	codes := map[int]bool{}
	for _, tc := range cases {
		codes[tc.Exit] = true
		t.Run(tc.Name, func(t *testing.T) {
			clearOroEnv(t)
			tmp := t.TempDir()
			expand := func(s string) string { return strings.ReplaceAll(s, "{tmp}", tmp) }
			for k, v := range tc.Env {
				t.Setenv(k, expand(v))
			}
			args := make([]string, len(tc.Args))
			for i, a := range tc.Args {
				args[i] = expand(a)
			}
			r := runCLI(t, tc.Stdin, args...)
			if r.code != tc.Exit {
				t.Errorf("orosync %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, tc.Exit, r.stdout, r.stderr)
			}
			for _, want := range tc.Stdout {
				if !strings.Contains(r.stdout, expand(want)) {
					t.Errorf("stdout lacks %q:\n%s", expand(want), r.stdout)
				}
			}
			for _, want := range tc.Stderr {
				if !strings.Contains(r.stderr, expand(want)) {
					t.Errorf("stderr lacks %q:\n%s", expand(want), r.stderr)
				}
			}
			for _, secret := range tc.NotOutput {
				if strings.Contains(r.stdout+r.stderr, secret) {
					t.Errorf("the output shows %q", secret)
				}
			}
			if r.stderr != "" && (!strings.HasSuffix(r.stderr, "\n") || strings.HasSuffix(r.stderr, "\n\n")) {
				t.Errorf("stderr must end with exactly one newline: %q", r.stderr[max(0, len(r.stderr)-40):])
			}
		})
	}
	for _, code := range []int{0, 1, 2, 3} {
		if !codes[code] {
			t.Errorf("testdata/cli.yaml has no case for exit code %d", code)
		}
	}
}
