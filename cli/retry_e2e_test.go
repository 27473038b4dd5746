package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orosync/orosync/engine"
	"github.com/orosync/orosync/engine/source"
	"github.com/orosync/orosync/sandbox"
)

// TestRetryWritesExactlyTheDeadLetters: two customers fail because their
// group does not exist in Oro; once it does, `orosync retry` writes exactly
// those two (records added to the source since are not read), and the old
// dead-letter file is kept under its time.
func TestRetryWritesExactlyTheDeadLetters(t *testing.T) {
	t.Setenv("ORO_CLIENT_SECRET", testSecret)
	oro := newStandIn(t, sandbox.Options{})
	dir := t.TempDir()
	if _, err := oro.Seed("customergroups", map[string]any{"name": "Silver"}, nil); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "customers.jsonl")
	writeFile(t, src, `{"id":"C1","name":"One","tier":"Silver"}
{"id":"C2","name":"Two","tier":"Gold"}
{"id":"C3","name":"Three","tier":"Silver"}
{"id":"C4","name":"Four","tier":"Gold"}
{"id":"C5","name":"Five","tier":"Silver"}
`)
	m := filepath.Join(dir, "customers.yaml")
	writeFile(t, m, `version: 1
name: customers
source: {file: customers.jsonl}
target: {type: customers, key: .id, write: upsert, match: {name: .attributes.name}}
transform: |
  {type: "customers", attributes: {name: .name},
   relationships: {group: {data: {type: "customergroups", id: lookup("customergroups"; {name: .tier})}}}}
`)
	dead := filepath.Join(dir, "dead.jsonl")
	r := runCLI(t, "", oro.runArgs(dir, m)...)
	if r.code != 1 || len(readLines(t, dead)) != 2 {
		t.Fatalf("first run: exit %d, %d dead letters; want 1 and 2\n%s", r.code, len(readLines(t, dead)), r.stderr)
	}
	for _, l := range readLines(t, dead) {
		if l["file"] != m {
			t.Errorf("dead letter names mapping file %v, want %s", l["file"], m)
		}
	}

	// The cause is fixed in Oro; meanwhile the source has grown.
	if _, err := oro.Seed("customergroups", map[string]any{"name": "Gold"}, nil); err != nil {
		t.Fatal(err)
	}
	f, _ := os.OpenFile(src, os.O_APPEND|os.O_WRONLY, 0)
	fmt.Fprintln(f, `{"id":"C6","name":"Six","tier":"Gold"}`)
	f.Close()

	before := len(oro.Requests())
	args := oro.runArgs(dir, "--report", filepath.Join(dir, "report.json"))
	args[0] = "retry"
	r = runCLI(t, "", append(args, dead)...)
	if r.code != 0 {
		t.Fatalf("retry: exit %d, want 0\n%s", r.code, r.stderr)
	}
	names := map[any]bool{}
	for _, c := range oro.Records("customers") {
		names[c.Attributes["name"]] = true
	}
	if len(oro.Records("customers")) != 5 || !names["Two"] || !names["Four"] || names["Six"] {
		t.Errorf("Oro has %v; want the five customers of the first run, not Six", names)
	}
	written := 0
	for _, line := range requestsSince(oro, before) {
		if strings.HasPrefix(line, "POST /customers") || strings.HasPrefix(line, "PATCH /customers") {
			written++
		}
	}
	if written != 1 && written != 2 { // one batch of two, or two POSTs
		t.Errorf("retry sent %d writes, want the two records only: %v", written, requestsSince(oro, before))
	}
	if !strings.Contains(r.stderr, "customers: 2 read, 2 created") {
		t.Errorf("retry summary:\n%s", r.stderr)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("a clean retry left the dead-letter file at its path (%v): it would look like this run's", err)
	}
	kept, _ := filepath.Glob(filepath.Join(dir, "dead.*.jsonl"))
	if len(kept) != 1 || len(readLines(t, kept[0])) != 2 || !strings.Contains(r.stderr, "kept as "+kept[0]) {
		t.Errorf("the first run's dead letters were not kept under their time: %v\n%s", kept, r.stderr)
	}
}

func TestRetryUsageErrors(t *testing.T) {
	clearOroEnv(t)
	dir := t.TempDir()
	notDL := filepath.Join(dir, "x.jsonl")
	writeFile(t, notDL, `{"a":1}`+"\n")
	noFile := filepath.Join(dir, "old.jsonl")
	writeFile(t, noFile, `{"mapping":"customers","record":{"id":1},"error":{"stage":"write","message":"x"}}`+"\n")
	elsewhere := filepath.Join(dir, "elsewhere.jsonl")
	writeFile(t, elsewhere, `{"mapping":"groups","file":"mappings/groups.yaml","record":{"id":1},"error":{"stage":"write","message":"x"}}`+"\n")
	empty := filepath.Join(dir, "empty.jsonl")
	writeFile(t, empty, "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"retry"}, "retry needs a dead-letter file"},
		{[]string{"retry", filepath.Join(dir, "none.jsonl")}, "no such file"},
		{[]string{"retry", notDL}, "it names no mapping"},
		{[]string{"retry", noFile}, "do not name their mapping files"},
		{[]string{"retry", noFile, "testdata/contract/groups.yaml"}, "records of mapping(s) customers, which are not among the mapping files"},
		{[]string{"retry", elsewhere}, elsewhere + " names mapping file mappings/groups.yaml, which is not there: run retry from the directory of the original run, or name the files: orosync retry " + elsewhere + " PATH..."},
		{[]string{"retry", empty}, empty + " has no dead letters: nothing to retry"},
	} {
		r := runCLI(t, "", tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("orosync %v: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// TestRetryKeepsRecordsThatWereNeverRead: an entry whose record could not
// be read holds only its raw bytes; a retry hands it out as the same read
// error, bytes intact, so it stays dead-lettered until the source is fixed.
func TestRetryKeepsRecordsThatWereNeverRead(t *testing.T) {
	rs := &retrySource{file: "dead.jsonl", entries: []engine.DeadLetter{
		{Mapping: "m", Origin: "data.csv:7", Raw: "a,\"b", Error: engine.FailInfo{Message: "unterminated quote"}},
		{Mapping: "m", Origin: "data.jsonl:3", RawBase64: []byte{'{', 0xff, '}'}, Error: engine.FailInfo{Message: "invalid UTF-8"}},
		{Mapping: "m", Origin: "data.jsonl:4", Record: map[string]any{"id": "x"}},
	}}
	ctx := context.Background()
	for i, want := range [][]byte{[]byte("a,\"b"), {'{', 0xff, '}'}} {
		_, err := rs.Next(ctx)
		var re *source.RecordError
		if !errors.As(err, &re) || !bytes.Equal(re.Raw, want) || !strings.Contains(re.Err.Error(), "cannot be retried") ||
			!strings.Contains(re.Origin, "dead.jsonl #") {
			t.Errorf("entry %d: %v; want a read error with the raw bytes %q", i+1, err, want)
		}
	}
	rec, err := rs.Next(ctx)
	if err != nil || rec.Value.(map[string]any)["id"] != "x" || rec.Origin != "dead.jsonl #3 (data.jsonl:4)" {
		t.Errorf("entry 3 = %+v, %v", rec, err)
	}
	if _, err := rs.Next(ctx); err != io.EOF {
		t.Errorf("after the entries: %v, want io.EOF", err)
	}
}
