package cli

import (
	"io"
	"os"
	"strings"
	"testing"
)

func TestFlagsFirst(t *testing.T) {
	app := newApp(&streams{in: strings.NewReader(""), out: io.Discard, err: io.Discard})
	for _, tc := range []struct{ in, want string }{
		{"orosync run a.yaml --dry-run", "orosync run --dry-run a.yaml"},
		{"orosync run a.yaml --limit 5 b.yaml", "orosync run --limit 5 a.yaml b.yaml"},
		{"orosync run a.yaml --limit=5", "orosync run --limit=5 a.yaml"},
		{"orosync run --dry-run a.yaml", "orosync run --dry-run a.yaml"},
		{"orosync run a.yaml -- -b.yaml --dry-run", "orosync run -- a.yaml -b.yaml --dry-run"},
		{"orosync run - --dry-run", "orosync run --dry-run -"},
		{"orosync state reset groups --ids --state-dir /tmp/x", "orosync state reset --ids --state-dir /tmp/x groups"},
		{"orosync --version", "orosync --version"},
		{"orosync validate a.yaml --strict --oro-version 6.0.3", "orosync validate --strict --oro-version 6.0.3 a.yaml"},
		{"orosync nosuch a --x", "orosync nosuch a --x"},
		{"orosync run a.yaml --no-such-flag", "orosync run --no-such-flag a.yaml"},
	} {
		if got := strings.Join(flagsFirst(app, strings.Fields(tc.in)), " "); got != tc.want {
			t.Errorf("flagsFirst(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLongVersionNamesTheCommit(t *testing.T) {
	defer func(v, c string) { buildVersion, buildCommit = v, c }(buildVersion, buildCommit)
	buildVersion, buildCommit = "v1.2.3", "0123456789abcdef0123"
	got := longVersion()
	if !strings.HasPrefix(got, "v1.2.3 (commit 0123456789ab") || !strings.Contains(got, "go1.") {
		t.Errorf("longVersion() = %q, want the release version, the short commit and the Go version", got)
	}
}

// TestCompletionCandidates: the completion scripts run orosync with
// --generate-bash-completion last. urfave/cli reads the word before it
// from os.Args, so the test sets os.Args as the shell would.
func TestCompletionCandidates(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"orosync", "--generate-bash-completion"}, []string{"run\n", "validate\n", "completion\n", "help\n"}},
		{[]string{"orosync", "state", "--generate-bash-completion"}, []string{"show\n", "reset\n"}},
		{[]string{"orosync", "run", "--dry", "--generate-bash-completion"}, []string{"--dry-run\n"}},
	} {
		defer func(a []string) { os.Args = a }(os.Args)
		os.Args = tc.args
		r := runCLI(t, "", tc.args[1:]...)
		for _, w := range tc.want {
			if r.code != 0 || !strings.Contains(r.stdout, w) {
				t.Errorf("%v: exit %d, stdout %q; want %q among the candidates", tc.args, r.code, r.stdout, w)
			}
		}
	}
}
