package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/orosync/orosync/engine/state"
	"github.com/orosync/orosync/engine/state/pgstate"
	"github.com/orosync/orosync/engine/state/statetest"
	"github.com/orosync/orosync/sandbox"
)

// helperArgsEnv carries the orosync arguments of a re-executed test binary,
// separated by newlines.
const helperArgsEnv = "OROSYNC_TEST_HELPER_ARGS"

// TestHelperOrosyncProcess is not a test: a test re-executes the test
// binary with it to run orosync as a separate process.
func TestHelperOrosyncProcess(t *testing.T) {
	args := os.Getenv(helperArgsEnv)
	if args == "" {
		return
	}
	os.Exit(Run(context.Background(), append([]string{"orosync"}, strings.Split(args, "\n")...), os.Stdin, os.Stdout, os.Stderr))
}

// orosyncProcess returns orosync as a separate process (the test binary).
func orosyncProcess(t *testing.T, args ...string) (*exec.Cmd, *strings.Builder) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperOrosyncProcess$")
	cmd.Env = append(os.Environ(), helperArgsEnv+"="+strings.Join(args, "\n"), "ORO_CLIENT_SECRET="+testSecret)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	return cmd, &stderr
}

// writeGroupsMapping writes a mapping without target.match (so that only
// the id map keeps a rerun from creating the records again) and n records.
func writeGroupsMapping(t *testing.T, n int) string {
	dir := t.TempDir()
	var recs strings.Builder
	for i := range n {
		fmt.Fprintf(&recs, "{\"code\":\"G%02d\",\"name\":\"Group %02d\"}\n", i, i)
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "groups.jsonl"), []byte(recs.String()), 0o644))
	must(os.WriteFile(filepath.Join(dir, "groups.yaml"), []byte(`version: 1
name: groups
source: {file: groups.jsonl}
target: {type: customergroups, key: .code, write: create}
transform: '{type: "customergroups", attributes: {name: .name}}'
`), 0o644))
	return filepath.Join(dir, "groups.yaml")
}

// TestSeparateStateDirsDuplicate is the control of the PostgreSQL
// concurrency test: two machines with their own embedded stores create the
// records twice (issue 11), which a shared store prevents.
func TestSeparateStateDirsDuplicate(t *testing.T) {
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	oro := newStandIn(t, sandbox.Options{})
	mapping := writeGroupsMapping(t, 3)
	for range 2 {
		if r := runCLI(t, "", oro.runArgs(t.TempDir(), mapping)...); r.code != 0 {
			t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
		}
	}
	if n := len(oro.Records("customergroups")); n != 6 {
		t.Fatalf("two runs with separate state dirs left %d groups, want 6 (duplicates): the control no longer shows the problem", n)
	}
}

// TestConcurrentRunsOnOnePostgresNeverDuplicate runs orosync twice as
// separate processes against one stand-in and one PostgreSQL state store:
// the second run starts while the first holds the mapping's lock, stops
// naming the holder, and nothing is created twice.
func TestConcurrentRunsOnOnePostgresNeverDuplicate(t *testing.T) {
	stateURL, schema := statetest.PostgresURL(t)
	oro := newStandIn(t, sandbox.Options{})
	oro.SetLatency(60 * time.Millisecond) // the first run lasts about a second
	const n = 15
	mapping := writeGroupsMapping(t, n)
	args := func() []string {
		return append(oro.runArgs(t.TempDir(), "--state", stateURL, "--concurrency", "1"), mapping)
	}

	first, firstErr := orosyncProcess(t, args()...)
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	waitForLockHolder(t, stateURL, schema, first.Process.Pid)

	second, secondErr := orosyncProcess(t, args()...)
	err := second.Run()
	if code := exitCode(err); code != 3 {
		t.Errorf("second run: exit %d, want 3 (the mapping is locked)\n%s", code, secondErr)
	}
	host, _ := os.Hostname()
	holder := fmt.Sprintf("host %s pid %d", host, first.Process.Pid)
	if !strings.Contains(secondErr.String(), holder) || !strings.Contains(secondErr.String(), "locked by another orosync run") {
		t.Errorf("second run's message does not name the lock holder (%s):\n%s", holder, secondErr)
	}
	t.Logf("second run said:\n%s", secondErr)
	if err := first.Wait(); err != nil {
		t.Fatalf("first run: %v\n%s", err, firstErr)
	}
	// A third run after the first: everything is in the shared id map.
	third, thirdErr := orosyncProcess(t, args()...)
	if err := third.Run(); err != nil {
		t.Fatalf("third run: %v\n%s", err, thirdErr)
	}
	if got := len(oro.Records("customergroups")); got != n {
		t.Errorf("the stand-in holds %d groups, want %d: a run created duplicates", got, n)
	}
}

// waitForLockHolder waits until pid recorded itself as a lock holder.
func waitForLockHolder(t *testing.T, stateURL, schema string, pid int) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, stateURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+schema+`.orosync_locks WHERE pid = $1`, pid).Scan(&n); err == nil && n > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("process %d never took the mapping's lock", pid)
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// TestStateCommandsOnBothBackends: export from the embedded store, import
// into another and into PostgreSQL, export again; show and reset on
// PostgreSQL; the password never shows.
func TestStateCommandsOnBothBackends(t *testing.T) {
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	oro := newStandIn(t, sandbox.Options{})
	mapping := writeGroupsMapping(t, 4)
	dir := t.TempDir()
	if r := runCLI(t, "", oro.runArgs(dir, mapping)...); r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	stateDir := filepath.Join(dir, "state")
	exported := runCLI(t, "", "state", "export", "--state-dir", stateDir)
	if exported.code != 0 || strings.Count(exported.stdout, `"kind":"id"`) != 4 {
		t.Fatalf("state export: exit %d, stdout:\n%s\nstderr: %s", exported.code, exported.stdout, exported.stderr)
	}
	file := filepath.Join(t.TempDir(), "state.jsonl")
	if r := runCLI(t, "", "state", "export", "--state-dir", stateDir, file); r.code != 0 {
		t.Fatalf("state export FILE: %s", r.stderr)
	}
	other := t.TempDir()
	if r := runCLI(t, "", "state", "import", "--state-dir", other, file); r.code != 0 || !strings.Contains(r.stderr, "imported 4 id-map entries") {
		t.Fatalf("state import FILE: exit %d: %s", r.code, r.stderr)
	}
	if again := runCLI(t, "", "state", "export", "--state-dir", other); again.stdout != exported.stdout {
		t.Errorf("bbolt → file → bbolt changed the export:\n%s\n---\n%s", again.stdout, exported.stdout)
	}

	stateURL, _ := statetest.PostgresURL(t)
	// Trust authentication accepts any password: one that must never show.
	const password = "pg-Pa55word-never-shown"
	u, err := url.Parse(stateURL)
	if err != nil {
		t.Fatal(err)
	}
	user := "postgres"
	if u.User != nil {
		user = u.User.Username()
	}
	u.User = url.UserPassword(user, password)
	stateURL = u.String()
	all := func(rs ...result) string {
		var b strings.Builder
		for _, r := range rs {
			b.WriteString(r.stdout + r.stderr)
		}
		return b.String()
	}
	mig := runCLI(t, "", "state", "migrate", "--state", stateURL)
	imp := runCLI(t, exported.stdout, "state", "import", "--state", stateURL)
	if mig.code != 0 || imp.code != 0 {
		t.Fatalf("migrate/import into PostgreSQL: %s", all(mig, imp))
	}
	back := runCLI(t, "", "state", "export", "--state", stateURL)
	if micro(t, back.stdout) != micro(t, exported.stdout) {
		t.Errorf("bbolt → PostgreSQL changed the export:\n%s\n---\n%s", back.stdout, exported.stdout)
	}
	show := runCLI(t, "", "state", "show", "--state", stateURL)
	if show.code != 0 || !strings.Contains(show.stdout, "groups") || !strings.Contains(show.stdout, "4") {
		t.Errorf("state show on PostgreSQL: exit %d\n%s%s", show.code, show.stdout, show.stderr)
	}
	// A run against the imported state: everything is unchanged.
	rerun := runCLI(t, "", append(oro.runArgs(t.TempDir(), "--state", stateURL, "--report", "-"), mapping)...)
	if rerun.code != 0 || !strings.Contains(rerun.stdout, `"unchanged": 4`) && !strings.Contains(rerun.stdout, `"unchanged":4`) {
		t.Errorf("run on the imported state: exit %d\n%s\n%s", rerun.code, rerun.stdout, rerun.stderr)
	}
	if n := len(oro.Records("customergroups")); n != 4 {
		t.Errorf("the run on imported state created records: %d groups, want 4", n)
	}
	// A reset waits for no run: it refuses while one holds the mapping.
	held, err := pgstate.Open(context.Background(), stateURL, pgstate.Options{Version: "v-holder"})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	inst, _ := state.Instance(oro.URL + sandbox.DefaultAPIPrefix)
	unlock, err := held.Lock(context.Background(), inst, "groups", nil)
	if err != nil {
		t.Fatal(err)
	}
	before := runCLI(t, "", "state", "export", "--state", stateURL)
	refused := runCLI(t, "", "state", "reset", "--all", "--state", stateURL, "--api-url", oro.URL+sandbox.DefaultAPIPrefix)
	unlock()
	if refused.code != 3 || !strings.Contains(refused.stderr, "reset nothing") || !strings.Contains(refused.stderr, "orosync v-holder") {
		t.Errorf("state reset while a run holds the mapping: exit %d\n%s", refused.code, refused.stderr)
	}
	if r := runCLI(t, "", "state", "export", "--state", stateURL); r.stdout != before.stdout || !strings.Contains(r.stdout, `"kind":"id"`) {
		t.Errorf("a refused reset changed the state")
	}
	reset := runCLI(t, "", "state", "reset", "--all", "--state", stateURL, "--api-url", oro.URL+sandbox.DefaultAPIPrefix)
	after := runCLI(t, "", "state", "show", "--state", stateURL)
	if reset.code != 0 || !strings.Contains(after.stdout, "no state in postgres://"+user+":xxxxx@") {
		t.Errorf("state reset --all then show:\n%s", all(reset, after))
	}
	if out := all(mig, imp, back, show, rerun, refused, reset, after); strings.Contains(out, password) {
		t.Errorf("the state database password appeared in orosync's output:\n%s", out)
	}
	bad := runCLI(t, "", "state", "show", "--state", "mysql://u:"+password+"@h/db")
	if bad.code != 2 || strings.Contains(bad.stderr, password) {
		t.Errorf("state show with a non-PostgreSQL URL: exit %d, %s", bad.code, bad.stderr)
	}
}

// micro truncates the id-map times of an export to the microsecond, the
// precision of PostgreSQL's timestamptz.
func micro(t *testing.T, export string) string {
	var out strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(export), "\n") {
		var l map[string]any
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("export line %q: %v", line, err)
		}
		if e, ok := l["entry"].(map[string]any); ok {
			for _, k := range []string{"updated", "verified"} {
				if v, ok := e[k].(string); ok {
					tm, err := time.Parse(time.RFC3339Nano, v)
					if err != nil {
						t.Fatal(err)
					}
					e[k] = tm.Truncate(time.Microsecond).Format(time.RFC3339Nano)
				}
			}
		}
		b, _ := json.Marshal(l)
		out.Write(append(b, '\n'))
	}
	return out.String()
}

// TestStateBackendChoiceWithoutPostgres: what needs no database.
func TestStateBackendChoiceWithoutPostgres(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"help lists the new subcommands", "", []string{"help", "state"}, 0, "migrate", ""},
		{"migrate on the embedded store", "", []string{"state", "migrate", "--state-dir", dir}, 0, "", "needs no migrations"},
		{"export of an empty store", "", []string{"state", "export", "--state-dir", dir}, 0, `{"kind":"header","format":"orosync-state","version":1}`, "exported 0 id-map entries"},
		{"import of something else", "{\"id\":1}\n", []string{"state", "import", "--state-dir", dir}, 3, "", "does not start with an orosync state export header"},
		{"import of a missing file", "", []string{"state", "import", "--state-dir", dir, filepath.Join(dir, "nope.jsonl")}, 2, "", "open import file"},
		{"a state URL that is not PostgreSQL", "", []string{"state", "show", "--state", "sqlite:///tmp/x.db"}, 2, "", "must be a postgres:// or postgresql:// URL"},
		{"run with a state URL that is not PostgreSQL", "", []string{"run", "--dry-run", "--state", "mysql://u:pw@h/db", "testdata/contract/groups.yaml"}, 2, "", "must be a postgres://"},
		{"an unreachable database is fatal and keeps the password", "", []string{"state", "show", "--state", "postgres://u:Hidden-Pw@127.0.0.1:1/db?connect_timeout=2"}, 3, "", "postgres://u:xxxxx@127.0.0.1:1/db"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.stdin, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stdout, tc.stdout) || !strings.Contains(r.stderr, tc.stderr) ||
				strings.Contains(r.stdout+r.stderr, "Hidden-Pw") || strings.Contains(r.stdout+r.stderr, ":pw@") {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s\nwant stdout with %q, stderr with %q, no password", r.code, tc.code, r.stdout, r.stderr, tc.stdout, tc.stderr)
			}
		})
	}
}

// TestSimultaneousRunsOnOnePostgresNeverDuplicate starts three runs of the
// same mapping at once: whichever order the database gives them, nothing
// is created twice, and every run that did not run names the holder.
func TestSimultaneousRunsOnOnePostgresNeverDuplicate(t *testing.T) {
	stateURL, _ := statetest.PostgresURL(t)
	oro := newStandIn(t, sandbox.Options{})
	oro.SetLatency(30 * time.Millisecond)
	const n = 10
	mapping := writeGroupsMapping(t, n)
	type proc struct {
		cmd    *exec.Cmd
		stderr *strings.Builder
	}
	var procs []proc
	for range 3 {
		cmd, stderr := orosyncProcess(t, append(oro.runArgs(t.TempDir(), "--state", stateURL, "--concurrency", "1"), mapping)...)
		procs = append(procs, proc{cmd, stderr})
	}
	for _, p := range procs {
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	ran := 0
	for i, p := range procs {
		switch code := exitCode(p.cmd.Wait()); {
		case code == 0:
			ran++
		case code == 3 && strings.Contains(p.stderr.String(), "locked by another orosync run"): // the holder is named when it recorded itself within a second
		default:
			t.Errorf("run %d: exit %d, want 0 or 3 naming the holder\n%s", i, code, p.stderr)
		}
	}
	if ran == 0 {
		t.Error("no run ran")
	}
	if got := len(oro.Records("customergroups")); got != n {
		t.Errorf("the stand-in holds %d groups, want %d: runs created duplicates", got, n)
	}
}
