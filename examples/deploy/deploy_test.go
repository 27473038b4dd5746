package deploy

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/orosync/orosync/cli"
	"github.com/orosync/orosync/engine"
	"gopkg.in/yaml.v3"
)

// readYAML decodes one YAML document into generic maps and lists.
func readYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := yaml.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// dig walks maps by key and lists by index ("0"), and fails the test naming
// the path when something is missing.
func dig(t *testing.T, v any, path ...string) any {
	t.Helper()
	for i, p := range path {
		switch c := v.(type) {
		case map[string]any:
			next, ok := c[p]
			if !ok {
				t.Fatalf("%s: missing", strings.Join(path[:i+1], "."))
			}
			v = next
		case []any:
			var n int
			if _, err := fmt.Sscan(p, &n); err != nil || n >= len(c) {
				t.Fatalf("%s: no item %s", strings.Join(path[:i], "."), p)
			}
			v = c[n]
		default:
			t.Fatalf("%s: not a map or a list", strings.Join(path[:i], "."))
		}
	}
	return v
}

// str is dig for a string value.
func str(t *testing.T, v any, path ...string) string {
	t.Helper()
	s, ok := dig(t, v, path...).(string)
	if !ok {
		t.Fatalf("%s: not a string", strings.Join(path, "."))
	}
	return s
}

// help returns what `orosync help COMMAND` prints, to check that the
// examples only use flags orosync has.
func help(t *testing.T, command string) string {
	t.Helper()
	var out bytes.Buffer
	if code := cli.Run(context.Background(), []string{"orosync", "help", command}, strings.NewReader(""), &out, io.Discard); code != 0 {
		t.Fatalf("orosync help %s: exit code %d", command, code)
	}
	return out.String()
}

var cronField = regexp.MustCompile(`^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$`)

// TestKubernetesCronJob checks the fields of the CronJob that Kubernetes and
// the exit-code contract depend on.
func TestKubernetesCronJob(t *testing.T) {
	doc := readYAML(t, filepath.Join("kubernetes", "cronjob.yaml"))
	if v := str(t, doc, "apiVersion"); v != "batch/v1" {
		t.Errorf("apiVersion: %q, want batch/v1", v)
	}
	if v := str(t, doc, "kind"); v != "CronJob" {
		t.Errorf("kind: %q, want CronJob", v)
	}
	if str(t, doc, "metadata", "name") == "" {
		t.Error("metadata.name is empty")
	}
	sched := strings.Fields(str(t, doc, "spec", "schedule"))
	if len(sched) != 5 {
		t.Errorf("spec.schedule: %q, want five cron fields", sched)
	}
	for _, f := range sched {
		if !cronField.MatchString(f) {
			t.Errorf("spec.schedule: field %q is not a cron field", f)
		}
	}
	if v := str(t, doc, "spec", "concurrencyPolicy"); v != "Forbid" {
		t.Errorf("spec.concurrencyPolicy: %q, want Forbid: two runs must never share the state", v)
	}

	job := dig(t, doc, "spec", "jobTemplate", "spec")
	if n, ok := dig(t, job, "backoffLimit").(int); !ok || n < 0 {
		t.Errorf("spec.jobTemplate.spec.backoffLimit: %v, want a number", dig(t, job, "backoffLimit"))
	}
	pod := dig(t, job, "template", "spec")
	if v := str(t, pod, "restartPolicy"); v != "Never" {
		t.Errorf("restartPolicy: %q, want Never (podFailurePolicy requires it)", v)
	}
	containers, ok := dig(t, pod, "containers").([]any)
	if !ok || len(containers) != 1 {
		t.Fatalf("containers: want exactly one, got %v", dig(t, pod, "containers"))
	}
	c := containers[0]
	name := str(t, c, "name")

	// podFailurePolicy: what the README's table says. Exit 2 (invalid
	// mappings) and exit 1 (records failed: a rerun fails them again) fail
	// the Job at once; exit 3 (could not proceed) is retried.
	failsOn2 := false
	failJob := map[int]bool{}
	for i, r := range dig(t, job, "podFailurePolicy", "rules").([]any) {
		rule := r.(map[string]any)
		ex, ok := rule["onExitCodes"].(map[string]any)
		if !ok {
			continue
		}
		if cn, ok := ex["containerName"]; ok && cn != name {
			t.Errorf("podFailurePolicy.rules[%d].onExitCodes.containerName: %v, want %q", i, cn, name)
		}
		vals, _ := ex["values"].([]any)
		if slices.Contains(vals, any(0)) {
			t.Errorf("podFailurePolicy.rules[%d]: exit code 0 cannot be listed (Kubernetes refuses it)", i)
		}
		if rule["action"] == "FailJob" && ex["operator"] == "In" && slices.Contains(vals, any(engine.ExitUsage)) {
			failsOn2 = true
		}
		if rule["action"] == "FailJob" && ex["operator"] == "In" {
			for _, v := range vals {
				if n, ok := v.(int); ok {
					failJob[n] = true
				}
			}
		}
	}
	if !failsOn2 {
		t.Error("podFailurePolicy: no FailJob rule for exit code 2: a Job would retry invalid mappings")
	}
	if !failJob[engine.ExitSomeFailed] {
		t.Errorf("podFailurePolicy: no FailJob rule for exit code %d: the README says failed records fail the Job at once", engine.ExitSomeFailed)
	}
	if failJob[engine.ExitCannotProceed] || failJob[engine.ExitOK] {
		t.Errorf("podFailurePolicy: FailJob on %v; the README retries exit code %d (could not proceed) up to backoffLimit", failJob, engine.ExitCannotProceed)
	}

	image := str(t, c, "image")
	if image == "" || strings.HasSuffix(image, ":latest") || !strings.Contains(image, ":") {
		t.Errorf("image: %q, want a pinned tag", image)
	}
	args, _ := dig(t, c, "args").([]any)
	if !slices.Equal(args, []any{"run", "/work/mappings"}) {
		t.Errorf("args: %v, want [run /work/mappings]", args)
	}

	env := map[string]map[string]any{}
	for _, e := range dig(t, c, "env").([]any) {
		e := e.(map[string]any)
		env[e["name"].(string)] = e
	}
	for _, secret := range []string{"ORO_CLIENT_ID", "ORO_CLIENT_SECRET", "OROSYNC_STATE_URL"} {
		e, ok := env[secret]
		if !ok {
			t.Errorf("env: no %s", secret)
			continue
		}
		if _, literal := e["value"]; literal {
			t.Errorf("env %s has a literal value: secrets come from a Secret", secret)
		}
		if str(t, e, "valueFrom", "secretKeyRef", "name") == "" || str(t, e, "valueFrom", "secretKeyRef", "key") == "" {
			t.Errorf("env %s: want valueFrom.secretKeyRef with a name and a key", secret)
		}
	}
	if e, ok := env["ORO_API_URL"]; !ok {
		t.Error("env: no ORO_API_URL")
	} else if _, literal := e["value"]; !literal {
		if _, ok := dig(t, e, "valueFrom").(map[string]any)["configMapKeyRef"]; !ok {
			t.Error("env ORO_API_URL: want a value or valueFrom.configMapKeyRef")
		}
	}

	// The mappings: a ConfigMap volume mounted at /work/mappings.
	volumes := map[string]map[string]any{}
	for _, v := range dig(t, pod, "volumes").([]any) {
		v := v.(map[string]any)
		volumes[v["name"].(string)] = v
	}
	mounted := false
	for _, m := range dig(t, c, "volumeMounts").([]any) {
		m := m.(map[string]any)
		if m["mountPath"] != "/work/mappings" {
			continue
		}
		v, ok := volumes[m["name"].(string)]
		if !ok {
			t.Errorf("volumeMount %v names no volume", m["name"])
			continue
		}
		_, mounted = v["configMap"]
	}
	if !mounted {
		t.Error("no ConfigMap volume mounted at /work/mappings")
	}

	// Security: non-root (the pod's or the container's setting) and a
	// read-only root filesystem.
	nonRoot := false
	for _, sc := range []any{dig(t, pod, "securityContext"), dig(t, c, "securityContext")} {
		nonRoot = nonRoot || sc.(map[string]any)["runAsNonRoot"] == true
	}
	if !nonRoot {
		t.Error("securityContext.runAsNonRoot is not true")
	}
	if dig(t, c, "securityContext", "readOnlyRootFilesystem") != true {
		t.Error("container securityContext.readOnlyRootFilesystem is not true")
	}
}

// TestGitHubActionsWorkflow checks that the workflow runs on pull requests
// that touch mappings, and runs orosync validate (with the Oro version) and
// orosync test with flags orosync has.
func TestGitHubActionsWorkflow(t *testing.T) {
	doc := readYAML(t, filepath.Join("github-actions", "orosync.yml"))
	if str(t, doc, "name") == "" {
		t.Error("name is empty")
	}
	paths, _ := dig(t, doc, "on", "pull_request", "paths").([]any)
	if !slices.ContainsFunc(paths, func(p any) bool { s, _ := p.(string); return strings.HasPrefix(s, "mappings/") }) {
		t.Errorf("on.pull_request.paths: %v, want mappings/**", paths)
	}
	jobs, ok := dig(t, doc, "jobs").(map[string]any)
	if !ok || len(jobs) == 0 {
		t.Fatal("jobs: none")
	}
	var runs []string
	for id, j := range jobs {
		if str(t, j, "runs-on") == "" {
			t.Errorf("jobs.%s.runs-on is empty", id)
		}
		steps, ok := dig(t, j, "steps").([]any)
		if !ok || len(steps) == 0 {
			t.Errorf("jobs.%s.steps: none", id)
		}
		for i, s := range steps {
			s, ok := s.(map[string]any)
			_, uses := s["uses"]
			_, run := s["run"]
			if !ok || uses == run {
				t.Errorf("jobs.%s.steps[%d]: want exactly one of uses and run", id, i)
				continue
			}
			if uses && !strings.Contains(s["uses"].(string), "@") {
				t.Errorf("jobs.%s.steps[%d].uses: %q, want a pinned version (@...)", id, i, s["uses"])
			}
			if run {
				runs = append(runs, s["run"].(string))
			}
		}
	}
	find := func(what string) string {
		for _, r := range runs {
			if strings.Contains(r, what) {
				return r
			}
		}
		t.Errorf("no step runs %q", what)
		return ""
	}
	install := find("github.com/orosync/orosync@")
	if install != "" && !strings.Contains(install, "go install") {
		t.Errorf("install step %q: want go install", install)
	}
	validate := find("orosync validate")
	if validate != "" && !strings.Contains(validate, "--oro-version") {
		t.Errorf("validate step %q: want --oro-version", validate)
	}
	find("orosync test")
	// Every orosync command of every step uses only flags it has.
	checked := 0
	for _, r := range runs {
		for _, line := range strings.Split(r, "\n") {
			f := strings.Fields(line)
			if len(f) > 1 && f[0] == "orosync" {
				checkFlags(t, f[1], line)
				checked++
			}
		}
	}
	if checked < 2 {
		t.Errorf("checked the flags of %d orosync commands; want validate and test at least", checked)
	}
}

// checkFlags fails the test when cmdline uses a --flag that `orosync help
// command` does not list.
func checkFlags(t *testing.T, command, cmdline string) {
	t.Helper()
	h := help(t, command)
	for _, w := range strings.Fields(cmdline) {
		if strings.HasPrefix(w, "--") {
			flag, _, _ := strings.Cut(w, "=")
			if !strings.Contains(h, flag+" ") {
				t.Errorf("%q: orosync %s has no flag %s", cmdline, command, flag)
			}
		}
	}
}

// unit is a systemd unit file: section -> key -> values, in order.
type unit map[string]map[string][]string

// readUnit parses a systemd unit file as INI-like text: [Section] headers,
// Key=Value lines (a key may repeat), # and ; comments.
func readUnit(t *testing.T, path string) unit {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unit{}
	section := ""
	s := bufio.NewScanner(f)
	for n := 1; s.Scan(); n++ {
		l := strings.TrimSpace(s.Text())
		switch {
		case l == "" || l[0] == '#' || l[0] == ';':
		case l[0] == '[' && l[len(l)-1] == ']':
			section = l[1 : len(l)-1]
			if u[section] == nil {
				u[section] = map[string][]string{}
			}
		default:
			k, v, ok := strings.Cut(l, "=")
			if !ok || section == "" {
				t.Fatalf("%s:%d: want Key=Value inside a [Section], got %q", path, n, l)
			}
			u[section][strings.TrimSpace(k)] = append(u[section][strings.TrimSpace(k)], strings.TrimSpace(v))
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

// get returns the last value of key in section ("" when unset).
func (u unit) get(section, key string) string {
	v := u[section][key]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// TestSystemdUnits checks the service (a hardened oneshot run with its state
// in StateDirectory and its secrets in an EnvironmentFile) and the timer
// (every 15 minutes, catching up missed runs), and has systemd-analyze verify
// them when it is installed.
func TestSystemdUnits(t *testing.T) {
	svc := readUnit(t, filepath.Join("systemd", "orosync.service"))
	want := map[string]string{
		"Type":             "oneshot",
		"StateDirectory":   "orosync",
		"ProtectSystem":    "strict",
		"NoNewPrivileges":  "yes",
		"PrivateTmp":       "yes",
		"WorkingDirectory": "/var/lib/orosync",
	}
	for k, v := range want {
		if got := svc.get("Service", k); got != v {
			t.Errorf("orosync.service [Service] %s=%q, want %q", k, got, v)
		}
	}
	if svc.get("Service", "DynamicUser") != "yes" && (svc.get("Service", "User") == "" || svc.get("Service", "User") == "root") {
		t.Error("orosync.service runs as root: want DynamicUser=yes or User=orosync")
	}
	if svc.get("Service", "EnvironmentFile") == "" {
		t.Error("orosync.service has no EnvironmentFile: secrets must not be in the unit")
	}
	for _, e := range svc["Service"]["Environment"] {
		if strings.Contains(e, "SECRET") {
			t.Errorf("orosync.service Environment=%s: secrets belong in the EnvironmentFile", e)
		}
	}
	execStart := svc.get("Service", "ExecStart")
	argv := strings.Fields(execStart)
	if len(argv) < 3 || !filepath.IsAbs(argv[0]) || argv[1] != "run" {
		t.Fatalf("orosync.service ExecStart=%q: want /absolute/path/orosync run ...", execStart)
	}
	if !strings.Contains(execStart, "--state-dir /var/lib/orosync") {
		t.Errorf("orosync.service ExecStart=%q: want --state-dir /var/lib/orosync (the StateDirectory)", execStart)
	}
	checkFlags(t, "run", execStart)

	timer := readUnit(t, filepath.Join("systemd", "orosync.timer"))
	if cal := timer.get("Timer", "OnCalendar"); !slices.Contains([]string{"*:0/15", "*:00/15", "*-*-* *:00/15:00", "*-*-* *:0/15:00", "*:00,15,30,45"}, cal) {
		t.Errorf("orosync.timer [Timer] OnCalendar=%q: want every 15 minutes (*:0/15)", cal)
	}
	if p := timer.get("Timer", "Persistent"); p != "true" && p != "yes" {
		t.Errorf("orosync.timer [Timer] Persistent=%q, want true", p)
	}
	if u := timer.get("Timer", "Unit"); u != "" && u != "orosync.service" {
		t.Errorf("orosync.timer [Timer] Unit=%q, want orosync.service", u)
	}
	if w := timer.get("Install", "WantedBy"); w != "timers.target" {
		t.Errorf("orosync.timer [Install] WantedBy=%q, want timers.target", w)
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed: the checks above passed, but systemd itself did not verify the units")
	}
	// verify insists that ExecStart's binary exists: point it at one that does.
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join("systemd", "orosync.service"))
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(b, []byte(argv[0]), []byte(self))
	if err := os.WriteFile(filepath.Join(dir, "orosync.service"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err = os.ReadFile(filepath.Join("systemd", "orosync.timer")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "orosync.timer"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(analyze, "verify", "./orosync.service", "./orosync.timer")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
