package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// TestStateExportFileIsOwnerOnly: `state export FILE` leaves FILE readable
// by its owner only (the README says mode 0600), an existing file too:
// OpenFile's mode applies to new files only.
func TestStateExportFileIsOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	for _, existing := range []bool{false, true} {
		file := filepath.Join(dir, "state.jsonl")
		_ = os.Remove(file)
		if existing {
			if err := os.WriteFile(file, []byte("old\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(file, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if r := runCLI(t, "", "state", "export", "--state-dir", t.TempDir(), file); r.code != 0 {
			t.Fatalf("state export FILE: exit %d: %s", r.code, r.stderr)
		}
		fi, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("existing file %v: export left mode %v; want 0600", existing, fi.Mode().Perm())
		}
	}
}
