package state

import (
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// dropReverseIndex makes the store look written before the reverse index
// existed: the mapping's rev bucket is gone.
func dropReverseIndex(t *testing.T, s *Store, instance, mapping string) {
	t.Helper()
	err := s.update("drop the reverse index", func(root *bolt.Bucket) error {
		return mappingBucket(root, instance, mapping).DeleteBucket(revBucket)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestKeyOfScansAStoreWithoutReverseIndex: KeyOf on a store written before
// the reverse index finds keys by scanning the id map.
func TestKeyOfScansAStoreWithoutReverseIndex(t *testing.T) {
	s, _ := openTemp(t)
	mustRemember(t, s, "i", "m", map[string]Entry{"a": {ID: "1"}, "b": {ID: "2"}})
	dropReverseIndex(t, s, "i", "m")
	if k, ok, err := s.KeyOf("i", "m", "2"); err != nil || !ok || k != "b" {
		t.Errorf("KeyOf(2) without reverse index = %q, %v, %v; want b", k, ok, err)
	}
	if k, ok, err := s.KeyOf("i", "m", "3"); err != nil || ok {
		t.Errorf("KeyOf(3) without reverse index = %q, %v, %v; want not found", k, ok, err)
	}
	if _, ok, err := s.KeyOf("i", "other", "1"); err != nil || ok {
		t.Errorf("KeyOf of a mapping without ids = %v, %v; want not found", ok, err)
	}
}

// TestReverseIndexIsFilledOnFirstWrite: the first Remember or Forget on a
// store without the reverse index fills it from the id map, so that ids of
// keys it does not touch are found, and a key's old id is unlinked.
func TestReverseIndexIsFilledOnFirstWrite(t *testing.T) {
	for _, write := range []string{"Remember", "Forget"} {
		t.Run(write, func(t *testing.T) {
			s, _ := openTemp(t)
			mustRemember(t, s, "i", "m", map[string]Entry{"a": {ID: "1"}, "b": {ID: "2"}, "c": {ID: "3"}})
			dropReverseIndex(t, s, "i", "m")
			if write == "Remember" {
				mustRemember(t, s, "i", "m", map[string]Entry{"a": {ID: "9"}})
			} else if err := s.Forget("i", "m", "a"); err != nil {
				t.Fatal(err)
			}
			err := s.view(func(root *bolt.Bucket) error {
				if child(mappingBucket(root, "i", "m"), revBucket) == nil {
					t.Error("no reverse index after a write")
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for id, want := range map[string]string{"2": "b", "3": "c"} {
				if k, ok, err := s.KeyOf("i", "m", id); err != nil || !ok || k != want {
					t.Errorf("KeyOf(%s) = %q, %v, %v; want %s (filled from the id map)", id, k, ok, err, want)
				}
			}
			if k, ok, err := s.KeyOf("i", "m", "1"); err != nil || ok {
				t.Errorf("KeyOf(1) = %q, %v, %v; want a's old id unlinked", k, ok, err)
			}
		})
	}
}

// TestImportRefusesBadInput: an export of another format version and bad
// lines are refused with the line number, entries before them kept.
func TestImportRefusesBadInput(t *testing.T) {
	const head = `{"kind":"header","format":"orosync-state","version":1}` + "\n"
	const id = `{"kind":"id","instance":"i","mapping":"m","key":"a","entry":{"id":"1","updated":"2024-01-02T03:04:05Z"}}` + "\n"
	for _, c := range []struct{ name, in, want string }{
		{"no header", id, "does not start with an orosync state export header"},
		{"newer version", `{"kind":"header","format":"orosync-state","version":2}` + "\n" + id, "export format version 2 is not supported"},
		{"not JSON", head + id + "{oops\n", "line 3:"},
		{"no mapping", head + `{"kind":"id","instance":"i","key":"a","entry":{"id":"1"}}` + "\n", "line 2: no instance or mapping"},
		{"id without entry", head + `{"kind":"id","instance":"i","mapping":"m","key":"a"}` + "\n", "line 2: id line without entry"},
		{"run without run", head + id + `{"kind":"run","instance":"i","mapping":"m"}` + "\n", "line 3: run line without run"},
		{"unknown kind", head + `{"kind":"what","instance":"i","mapping":"m"}` + "\n", `line 2: unknown kind "what"`},
		{"bad checkpoint", head + `{"kind":"checkpoint","instance":"i","mapping":"m"}` + "\n", "line 2:"},
		{"bad entry", head + `{"kind":"id","instance":"i","mapping":"m","key":"a","entry":{"id":""}}` + "\n", "has no Oro id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, _ := openTemp(t)
			_, err := Import(strings.NewReader(c.in), s)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Import: %v; want an error saying %q", err, c.want)
			}
		})
	}
	// Entries before a bad line are stored (in batches), the error says so.
	s, _ := openTemp(t)
	n, err := Import(strings.NewReader(head+id+`{"kind":"what","instance":"i","mapping":"m"}`+"\n"), s)
	if err == nil || n != 1 {
		t.Errorf("Import with a bad third line = %d, %v; want 1 entry and an error", n, err)
	}
	if _, ok, _ := s.Lookup("i", "m", "a"); !ok {
		t.Error("the entry before the bad line was not stored")
	}
}
