package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orosync/orosync/sandbox"
)

// TestBadInputIsDeadLetteredAndTheRestWritten: a CSV row with a quote that
// never closes and a JSON Lines record with invalid UTF-8 each fail alone,
// the other records are written, and the counts add up.
func TestBadInputIsDeadLetteredAndTheRestWritten(t *testing.T) {
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	oro := newStandIn(t, sandbox.Options{})
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "groups.csv"), "code,name\nA,Alpha\nB,\"Beta\nC,Gamma\nD,Delta\n")
	writeFile(t, filepath.Join(dir, "groups.jsonl"), "{\"code\":\"E\",\"name\":\"Epsilon\"}\n{\"code\":\"F\",\"name\":\"M\xfcller\"}\n{\"code\":\"G\",\"name\":\"Eta\"}\n")
	for _, f := range []string{"csv", "jsonl"} {
		writeFile(t, filepath.Join(dir, "groups-"+f+".yaml"), "version: 1\nname: groups-"+f+"\nsource: {file: groups."+f+"}\n"+
			"target: {type: customergroups, key: .code, write: upsert, match: {name: .attributes.name}}\n"+
			"transform: '{type: \"customergroups\", attributes: {name: .name}}'\n")
	}
	report := filepath.Join(dir, "report.json")
	r := runCLI(t, "", oro.runArgs(dir, "--report", report, filepath.Join(dir, "groups-csv.yaml"), filepath.Join(dir, "groups-jsonl.yaml"))...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (some records failed)\n%s", r.code, r.stderr)
	}
	var rep struct {
		Total struct{ Read, Created, Failed int }
	}
	b, _ := os.ReadFile(report)
	json.Unmarshal(b, &rep)
	if rep.Total.Read != 7 || rep.Total.Created != 5 || rep.Total.Failed != 2 {
		t.Errorf("totals %+v: want 7 read (4 CSV rows, 3 lines), 5 created, 2 failed", rep.Total)
	}
	names := map[any]bool{}
	for _, g := range oro.Records("customergroups") {
		names[g.Attributes["name"]] = true
	}
	for _, want := range []string{"Alpha", "Gamma", "Delta", "Epsilon", "Eta"} {
		if !names[want] {
			t.Errorf("group %s was not written; Oro has %v", want, names)
		}
	}
	dead := readLines(t, filepath.Join(dir, "dead.jsonl"))
	if len(dead) != 2 {
		t.Fatalf("dead letters: %v", dead)
	}
	for _, d := range dead {
		e := d["error"].(map[string]any)
		if e["stage"] != "read" {
			t.Errorf("dead letter %v: want stage read", d)
		}
	}
	if o := dead[0]["origin"]; o != "groups.csv:3" {
		t.Errorf("CSV dead letter origin %v, want groups.csv:3", o)
	}
	raw, _ := dead[1]["raw_base64"].(string)
	if !strings.Contains(dead[1]["origin"].(string), "groups.jsonl:2") || raw == "" {
		t.Errorf("JSONL dead letter %v: want line 2 with its exact bytes", dead[1])
	}
	if !bytes.Contains(mustDecodeBase64(t, raw), []byte("M\xfcller")) {
		t.Errorf("raw_base64 does not hold the bytes as read")
	}
}

func mustDecodeBase64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("raw_base64 %q: %v", s, err)
	}
	return b
}
