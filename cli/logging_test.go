package cli

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orosync/orosync/engine"
)

func TestTextHandlerPutsTheMappingFirst(t *testing.T) {
	var b bytes.Buffer
	log := logSettings{level: slog.LevelDebug}.logger(&b)
	log.With("mapping", "customers").Info("reading data/customers.jsonl")
	log.Warn("PATCH x → 503; retrying", "component", "oro")
	log.Debug("created customers 7", "mapping", "customers", "key", "C1", "id", "7", "batch", "a b")
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	want := []string{
		"customers: reading data/customers.jsonl",
		"WARN oro: PATCH x → 503; retrying",
		`DEBUG customers: created customers 7 batch="a b"`,
	}
	for i, w := range want {
		// "15:04:05 " first
		if i >= len(lines) || len(lines[i]) < 9 || lines[i][9:] != w {
			t.Errorf("line %d = %q, want the time and %q", i, lines[i], w)
		}
	}
}

func TestJSONLogsAreOneObjectPerLine(t *testing.T) {
	var b bytes.Buffer
	logSettings{json: true, level: slog.LevelInfo}.logger(&b).Info("reading x", "mapping", "customers")
	var entry map[string]any
	if err := json.Unmarshal(b.Bytes(), &entry); err != nil || entry["msg"] != "reading x" || entry["mapping"] != "customers" || entry["level"] != "INFO" {
		t.Errorf("entry %s (%v)", b.String(), err)
	}
}

func TestProgressLogsEveryIntervalWhenNotATerminal(t *testing.T) {
	var b bytes.Buffer
	p := newProgressPrinter(nil, logSettings{level: slog.LevelInfo}.logger(&b), 20*time.Millisecond)
	pr := engine.Progress{Mapping: "customers", Counts: engine.Counts{Read: 100, Created: 90, Failed: 10}, Elapsed: 30 * time.Millisecond}
	p.report(pr)
	p.report(pr) // within the interval: nothing
	time.Sleep(25 * time.Millisecond)
	p.report(pr)
	pr.Done = true
	p.report(pr) // the mapping's own last entry has the final counts
	if n := strings.Count(b.String(), "customers: 100 read, 90 written, 0 unchanged, 0 skipped, 10 failed"); n != 2 {
		t.Errorf("%d progress entries, want 2:\n%s", n, b.String())
	}
}

func TestProgressLineOnATerminalIsRedrawnAroundLogLines(t *testing.T) {
	var b bytes.Buffer
	status := &statusLine{w: &b}
	p := newProgressPrinter(status, nil, time.Second)
	p.report(engine.Progress{Mapping: "customers", Counts: engine.Counts{Read: 5}, Elapsed: time.Second})
	status.Write([]byte("a log line\n"))
	p.report(engine.Progress{Mapping: "customers", Done: true})
	got := b.String()
	want := "\r\033[Kcustomers: 5 read, 0 written, 0 unchanged, 0 skipped, 0 failed, 5 records/s, 1s" +
		"\r\033[Ka log line\ncustomers: 5 read, 0 written, 0 unchanged, 0 skipped, 0 failed, 5 records/s, 1s" +
		"\r\033[K"
	if got != want {
		t.Errorf("terminal output\n%q\nwant\n%q", got, want)
	}
}

// TestReportIsWrittenWhenTheRunCannotStart: a scheduler reading --report
// finds one also when Oro cannot be reached or the flags are wrong.
func TestReportIsWrittenWhenTheRunCannotStart(t *testing.T) {
	clearOroEnv(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		code int
	}{
		{"Oro unreachable", []string{"--timeout", "1s", "testdata/contract/groups.yaml"},
			map[string]string{"ORO_API_URL": "http://127.0.0.1:1/admin/api", "ORO_CLIENT_ID": "x", "ORO_CLIENT_SECRET": "report-secret-1"}, 3},
		{"bad flag value", []string{"--limit", "-1", "testdata/contract/groups.yaml"}, nil, 2},
		{"invalid mapping", []string{"--dry-run", "testdata/contract/bad.yaml"}, nil, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			report := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".json")
			args := append([]string{"run", "--state-dir", filepath.Join(dir, "state"), "--report", report}, tc.args...)
			r := runCLI(t, "", args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tc.code, r.stderr)
			}
			b, err := os.ReadFile(report)
			if err != nil {
				t.Fatalf("no report: %v", err)
			}
			var rep engine.Report
			if err := json.Unmarshal(b, &rep); err != nil || rep.ExitCode != tc.code || rep.Error == "" || rep.Mappings == nil {
				t.Errorf("report %s (%v): want exit_code %d, an error and an empty mapping list", b, err, tc.code)
			}
			if strings.Contains(string(b), "report-secret-1") {
				t.Error("the report shows the client secret")
			}
		})
	}
}
