package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDeadLetterFileKeepsAnEarlierRunsFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dead.jsonl")
	os.WriteFile(path, []byte(`{"mapping":"old"}`+"\n"), 0o600)
	old := time.Date(2026, 11, 29, 8, 30, 0, 0, time.UTC)
	os.Chtimes(path, old, old)

	d := NewDeadLetterFile(path)
	if err := d.Write(DeadLetter{Mapping: "new", Record: map[string]any{"n": json.Number("12345678901234567890")}}); err != nil {
		t.Fatal(err)
	}
	d.Write(DeadLetter{Mapping: "new", Raw: "{bad"})
	d.Close()
	kept := filepath.Join(dir, "dead.20261129T083000Z.jsonl")
	if d.Rotated() != kept {
		t.Fatalf("Rotated() = %q, want %q", d.Rotated(), kept)
	}
	if b, _ := os.ReadFile(kept); !strings.Contains(string(b), `"old"`) {
		t.Errorf("the earlier file was not kept: %s", b)
	}
	entries, err := ReadDeadLetters(path)
	if err != nil || len(entries) != 2 || d.Written() != 2 {
		t.Fatalf("read back %d entries (%v), written %d; want 2", len(entries), err, d.Written())
	}
	if n := entries[0].Record.(map[string]any)["n"]; n != json.Number("12345678901234567890") {
		t.Errorf("record number read back as %#v, want it exact", n)
	}
	if entries[1].Record != nil || entries[1].Raw != "{bad" {
		t.Errorf("entry 2 = %+v, want the raw text and no record", entries[1])
	}

	// A run without failures moves this run's predecessor aside too; a
	// second file of the same second gets a counter.
	os.Chtimes(path, old, old)
	clean := NewDeadLetterFile(path)
	to, err := clean.Rotate()
	if err != nil || to != filepath.Join(dir, "dead.20261129T083000Z-2.jsonl") {
		t.Errorf("Rotate() = %q, %v", to, err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the path still holds an earlier run's file")
	}
	if to, err := NewDeadLetterFile(path).Rotate(); to != "" || err != nil {
		t.Errorf("Rotate() with no file = %q, %v; want nothing to do", to, err)
	}
}

func TestReadDeadLettersRefusesOtherFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.jsonl")
	os.WriteFile(path, []byte(`{"mapping":"m"}`+"\n"+"not json\n"), 0o600)
	if _, err := ReadDeadLetters(path); err == nil || !strings.Contains(err.Error(), "x.jsonl:2: not a dead-letter entry") {
		t.Errorf("err = %v, want the line of the bad entry", err)
	}
}
