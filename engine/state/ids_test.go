package state

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func mustRemember(t testing.TB, s *Store, instance, mapping string, entries map[string]Entry) {
	t.Helper()
	if err := s.Remember(instance, mapping, entries); err != nil {
		t.Fatalf("Remember(%s, %s): %v", instance, mapping, err)
	}
}

func TestRememberLookupRoundTrip(t *testing.T) {
	s, _ := openTemp(t)
	when := time.Date(2024, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600))
	before := time.Now().Add(-time.Second)
	mustRemember(t, s, instA, "products", map[string]Entry{
		"SKU-1":  {ID: "101", Hash: "sha256:aa", Updated: when},
		"SKU-2":  {ID: "102"},
		"ключ ü": {ID: "103", Hash: "x"},
	})
	e, ok, err := s.Lookup(instA, "products", "SKU-1")
	if err != nil || !ok {
		t.Fatalf("Lookup = %v, %v", ok, err)
	}
	if e.ID != "101" || e.Hash != "sha256:aa" || !e.Updated.Equal(when) || e.Updated.Location() != time.UTC {
		t.Errorf("Lookup = %+v, want id 101, hash, time %v in UTC", e, when)
	}
	e, _, _ = s.Lookup(instA, "products", "SKU-2")
	if e.Updated.Before(before) || e.Updated.After(time.Now().Add(time.Second)) {
		t.Errorf("zero Updated was stamped %v, want about now", e.Updated)
	}
	if e, ok, _ := s.Lookup(instA, "products", "ключ ü"); !ok || e.ID != "103" {
		t.Errorf("unicode key: %+v, %v", e, ok)
	}
	mustRemember(t, s, instA, "products", map[string]Entry{"SKU-1": {ID: "101", Hash: "sha256:bb"}})
	if e, _, _ := s.Lookup(instA, "products", "SKU-1"); e.Hash != "sha256:bb" {
		t.Errorf("overwrite: hash = %q, want sha256:bb", e.Hash)
	}
}

func TestInstanceAndMappingIsolation(t *testing.T) {
	s, _ := openTemp(t)
	scopes := []struct{ inst, mapping, id string }{
		{instA, "m1", "a1"}, {instA, "m2", "a2"}, {instB, "m1", "b1"},
	}
	for _, sc := range scopes {
		mustRemember(t, s, sc.inst, sc.mapping, map[string]Entry{"same-key": {ID: sc.id}})
	}
	for _, sc := range scopes {
		e, ok, err := s.Lookup(sc.inst, sc.mapping, "same-key")
		if err != nil || !ok || e.ID != sc.id {
			t.Errorf("Lookup(%s, %s) = %+v, %v, %v; want id %s", sc.inst, sc.mapping, e, ok, err, sc.id)
		}
	}
	if _, ok, _ := s.Lookup(instB, "m2", "same-key"); ok {
		t.Error("found a key in a mapping that never stored it")
	}
	if err := s.Forget(instA, "m1", "same-key"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Lookup(instB, "m1", "same-key"); !ok {
		t.Error("Forget on instance A removed the key of instance B")
	}
}

func TestLookupManyReturnsOnlyFoundKeys(t *testing.T) {
	s, _ := openTemp(t)
	mustRemember(t, s, instA, "m", map[string]Entry{"a": {ID: "1"}, "c": {ID: "3"}})
	got, err := s.LookupMany(instA, "m", []string{"a", "b", "c", "", "a"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["a"].ID != "1" || got["c"].ID != "3" {
		t.Errorf("LookupMany = %+v, want a and c only", got)
	}
	if _, ok := got["b"]; ok {
		t.Error("missing key b is in the result")
	}
	got, err = s.LookupMany(instA, "no-such-mapping", []string{"a"})
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("LookupMany on unknown mapping = %v, %v; want empty non-nil map", got, err)
	}
}

func TestForget(t *testing.T) {
	s, _ := openTemp(t)
	mustRemember(t, s, instA, "m", map[string]Entry{"a": {ID: "1"}, "b": {ID: "2"}})
	if err := s.Forget(instA, "m", "a", "missing", ""); err != nil {
		t.Fatal(err)
	}
	got, _ := s.LookupMany(instA, "m", []string{"a", "b"})
	if len(got) != 1 || got["b"].ID != "2" {
		t.Errorf("after Forget: %+v, want only b", got)
	}
	if err := s.Forget(instB, "never", "x"); err != nil {
		t.Errorf("Forget on unknown mapping: %v", err)
	}
}

func TestRememberRejectsBadInput(t *testing.T) {
	s, _ := openTemp(t)
	cases := []struct {
		name, inst, mapping string
		entries             map[string]Entry
		want                string
	}{
		{"empty key", instA, "m", map[string]Entry{"": {ID: "1"}}, "empty source key"},
		{"long key", instA, "m", map[string]Entry{strings.Repeat("k", maxKeyLen+1): {ID: "1"}}, "longer than"},
		{"no id", instA, "m", map[string]Entry{"k": {Hash: "h"}}, `source key "k" has no Oro id`},
		{"no instance", "", "m", map[string]Entry{"k": {ID: "1"}}, "empty Oro instance"},
		{"no mapping", instA, "", map[string]Entry{"k": {ID: "1"}}, "empty mapping name"},
	}
	for _, c := range cases {
		err := s.Remember(c.inst, c.mapping, c.entries)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to contain %q", c.name, err, c.want)
		}
	}
	if sum, _ := s.Summary(); len(sum) != 0 {
		t.Errorf("rejected batches left state behind: %+v", sum)
	}
	if _, _, err := s.Lookup("", "m", "k"); err == nil {
		t.Error("Lookup with empty instance: no error")
	}
}

func TestConcurrentUse(t *testing.T) {
	s, _ := openTemp(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			mapping := fmt.Sprintf("m%d", g%2)
			for i := range 20 {
				key := fmt.Sprintf("g%d-%d", g, i)
				if err := s.Remember(instA, mapping, map[string]Entry{key: {ID: key}}); err != nil {
					t.Error(err)
					return
				}
				if e, ok, err := s.Lookup(instA, mapping, key); err != nil || !ok || e.ID != key {
					t.Errorf("Lookup(%s) = %+v, %v, %v", key, e, ok, err)
					return
				}
			}
		})
	}
	wg.Wait()
	sum, err := s.Summary()
	if err != nil || len(sum) != 2 || sum[0].IDs+sum[1].IDs != 160 {
		t.Errorf("Summary = %+v, %v; want 160 ids in 2 mappings", sum, err)
	}
}

func TestKeyOfFollowsRememberAndForget(t *testing.T) {
	s, _ := openTemp(t)
	const inst, m = "https://oro.test/admin/api", "products"
	if err := s.Remember(inst, m, map[string]Entry{"A": {ID: "7"}, "B": {ID: "8"}}); err != nil {
		t.Fatal(err)
	}
	check := func(id, wantKey string, wantOK bool) {
		t.Helper()
		k, ok, err := s.KeyOf(inst, m, id)
		if err != nil || ok != wantOK || k != wantKey {
			t.Errorf("KeyOf(%s) = %q, %v, %v; want %q, %v", id, k, ok, err, wantKey, wantOK)
		}
	}
	check("7", "A", true)
	check("9", "", false)
	if err := s.Remember(inst, m, map[string]Entry{"A": {ID: "9"}}); err != nil { // A moved to 9
		t.Fatal(err)
	}
	check("7", "", false)
	check("9", "A", true)
	if err := s.Forget(inst, m, "B"); err != nil {
		t.Fatal(err)
	}
	check("8", "", false)
	if err := s.Reset(inst, m, ResetIDs); err != nil {
		t.Fatal(err)
	}
	check("9", "", false)
}

func TestKnownTellsWhetherAMappingEverRan(t *testing.T) {
	st, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const inst = "https://oro.test/admin/api"
	for _, m := range []string{"groups", "customers", "prices"} {
		if ok, err := st.Known(inst, m); ok || err != nil {
			t.Fatalf("Known(%s) in an empty store = %v, %v", m, ok, err)
		}
	}
	if err := st.Remember(inst, "groups", map[string]Entry{"W": {ID: "1", Hash: "h"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordRun(inst, "prices", RunInfo{}); err != nil { // a run that wrote nothing
		t.Fatal(err)
	}
	for m, want := range map[string]bool{"groups": true, "prices": true, "customers": false} {
		if ok, err := st.Known(inst, m); ok != want || err != nil {
			t.Errorf("Known(%s) = %v, %v; want %v", m, ok, err, want)
		}
	}
	if ok, _ := st.Known("https://other.test/admin/api", "groups"); ok {
		t.Error("a mapping is known on another instance")
	}
	if err := st.Reset(inst, "groups", ResetAll); err != nil {
		t.Fatal(err)
	}
	if ok, _ := st.Known(inst, "groups"); ok {
		t.Error("a mapping is still known after state reset --all")
	}
}
