package state

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	instA = "https://a.example.com/api"
	instB = "https://b.example.com/api"
)

// openTemp opens a fresh writable store in a temp dir, closed at cleanup.
func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), ".orosync")
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, dir
}

func TestOpenCreatesDirAndFileWithPrivateModes(t *testing.T) {
	s, dir := openTemp(t)
	if want := filepath.Join(dir, FileName); s.Path() != want {
		t.Errorf("Path() = %q, want %q", s.Path(), want)
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("dir mode = %v, want 0700", di.Mode().Perm())
	}
	fi, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode = %v, want 0600", fi.Mode().Perm())
	}
}

func TestSecondOpenFailsFastWithLockedError(t *testing.T) {
	s, dir := openTemp(t)
	for _, ro := range []bool{false, true} {
		start := time.Now()
		s2, err := Open(dir, Options{ReadOnly: ro, Timeout: 50 * time.Millisecond})
		if err == nil {
			_ = s2.Close()
			t.Fatalf("second Open (readOnly=%v) succeeded while the store is locked", ro)
		}
		if !errors.Is(err, ErrLocked) {
			t.Errorf("err = %v, want ErrLocked", err)
		}
		msg := err.Error()
		if !strings.Contains(msg, "state store "+s.Path()+" is locked by another orosync run") {
			t.Errorf("message %q does not name the path and the lock", msg)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("second Open took %v", d)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s3, err := Open(dir, Options{Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	_ = s3.Close()
}

func TestReadOnlyOpenOfMissingStoreCreatesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing", ".orosync")
	s, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("read-only Open created %s (stat err %v)", dir, err)
	}
	if !s.ReadOnly() {
		t.Error("ReadOnly() = false")
	}
	if _, ok, err := s.Lookup(instA, "m", "k"); ok || err != nil {
		t.Errorf("Lookup = %v, %v; want not found", ok, err)
	}
	if got, err := s.LookupMany(instA, "m", []string{"k"}); len(got) != 0 || got == nil || err != nil {
		t.Errorf("LookupMany = %v, %v; want empty map", got, err)
	}
	if _, ok, err := s.Checkpoint(instA, "m"); ok || err != nil {
		t.Errorf("Checkpoint = %v, %v; want none", ok, err)
	}
	if sum, err := s.Summary(); len(sum) != 0 || err != nil {
		t.Errorf("Summary = %v, %v; want empty", sum, err)
	}
	assertReadOnlyWrites(t, s)
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("writes on a read-only store created %s", dir)
	}
}

func TestReadOnlyOpenOfExistingStore(t *testing.T) {
	s, dir := openTemp(t)
	mustRemember(t, s, instA, "m", map[string]Entry{"k": {ID: "7"}})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r1, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("Open read-only: %v", err)
	}
	defer r1.Close()
	r2, err := Open(dir, Options{ReadOnly: true, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("second read-only Open (shared lock): %v", err)
	}
	defer r2.Close()
	if e, ok, err := r2.Lookup(instA, "m", "k"); !ok || err != nil || e.ID != "7" {
		t.Errorf("Lookup = %+v, %v, %v; want id 7", e, ok, err)
	}
	assertReadOnlyWrites(t, r1)
}

func assertReadOnlyWrites(t *testing.T, s *Store) {
	t.Helper()
	writes := map[string]error{
		"Remember":      s.Remember(instA, "m", map[string]Entry{"k": {ID: "1"}}),
		"Forget":        s.Forget(instA, "m", "k"),
		"SetCheckpoint": s.SetCheckpoint(instA, "m", []byte(`1`)),
		"Reset":         s.Reset(instA, "", ResetAll),
		"RecordRun":     s.RecordRun(instA, "m", RunInfo{}),
	}
	for name, err := range writes {
		if !errors.Is(err, ErrReadOnly) {
			t.Errorf("%s on read-only store: err = %v, want ErrReadOnly", name, err)
		}
	}
}

func TestReopenKeepsState(t *testing.T) {
	s, dir := openTemp(t)
	when := time.Date(2025, 3, 4, 5, 6, 7, 8, time.UTC)
	mustRemember(t, s, instA, "customers", map[string]Entry{"C1": {ID: "12", Hash: "h1", Updated: when}})
	if err := s.SetCheckpoint(instA, "customers", []byte(`"2025-03-04T00:00:00Z"`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	s2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	e, ok, err := s2.Lookup(instA, "customers", "C1")
	if err != nil || !ok || e.ID != "12" || e.Hash != "h1" || !e.Updated.Equal(when) {
		t.Errorf("Lookup after reopen = %+v, %v, %v", e, ok, err)
	}
	cp, ok, err := s2.Checkpoint(instA, "customers")
	if err != nil || !ok || string(cp) != `"2025-03-04T00:00:00Z"` {
		t.Errorf("Checkpoint after reopen = %s, %v, %v", cp, ok, err)
	}
}

func TestOpenReportsUnusableFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("not a bbolt file, just some text padding it out"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, Options{Timeout: 50 * time.Millisecond})
	if err == nil {
		_ = s.Close()
		t.Fatal("Open of a garbage file succeeded")
	}
	if !strings.Contains(err.Error(), filepath.Join(dir, FileName)) {
		t.Errorf("error %q does not name the file", err)
	}
}
