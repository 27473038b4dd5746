package state

import (
	"testing"
)

// seed stores one id and a checkpoint for every (instance, mapping) pair.
func seed(t *testing.T, s *Store) {
	t.Helper()
	for _, inst := range []string{instA, instB} {
		for _, m := range []string{"m1", "m2"} {
			mustRemember(t, s, inst, m, map[string]Entry{"k": {ID: "1"}})
			if err := s.SetCheckpoint(inst, m, []byte(`5`)); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// has reports whether the id "k" and a checkpoint exist for inst/m.
func has(t *testing.T, s *Store, inst, m string) (ids, cp bool) {
	t.Helper()
	_, ids, err := s.Lookup(inst, m, "k")
	if err != nil {
		t.Fatal(err)
	}
	_, cp, err = s.Checkpoint(inst, m)
	if err != nil {
		t.Fatal(err)
	}
	return ids, cp
}

func TestReset(t *testing.T) {
	type state struct{ ids, cp bool }
	cases := []struct {
		name    string
		mapping string
		what    ResetWhat
		m1, m2  state // expected for instance A; instance B must stay intact
	}{
		{"checkpoint of one mapping", "m1", ResetCheckpoint, state{true, false}, state{true, true}},
		{"ids of one mapping", "m1", ResetIDs, state{false, true}, state{true, true}},
		{"all of one mapping", "m1", ResetAll, state{false, false}, state{true, true}},
		{"checkpoint of all mappings", "", ResetCheckpoint, state{true, false}, state{true, false}},
		{"ids of all mappings", "", ResetIDs, state{false, true}, state{false, true}},
		{"all of all mappings", "", ResetAll, state{false, false}, state{false, false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := openTemp(t)
			seed(t, s)
			if err := s.Reset(instA, c.mapping, c.what); err != nil {
				t.Fatalf("Reset: %v", err)
			}
			for m, want := range map[string]state{"m1": c.m1, "m2": c.m2} {
				if ids, cp := has(t, s, instA, m); ids != want.ids || cp != want.cp {
					t.Errorf("instance A %s: ids=%v checkpoint=%v, want %+v", m, ids, cp, want)
				}
				if ids, cp := has(t, s, instB, m); !ids || !cp {
					t.Errorf("instance B %s was touched: ids=%v checkpoint=%v", m, ids, cp)
				}
			}
		})
	}
}

func TestResetEdgeCases(t *testing.T) {
	s, _ := openTemp(t)
	if err := s.Reset("https://never.example.com", "", ResetAll); err != nil {
		t.Errorf("Reset of unknown instance: %v", err)
	}
	if err := s.Reset(instA, "never", ResetIDs); err != nil {
		t.Errorf("Reset of unknown mapping: %v", err)
	}
	for _, w := range []ResetWhat{0, 8} {
		if err := s.Reset(instA, "m", w); err == nil {
			t.Errorf("Reset(%s): no error", w)
		}
	}
	if err := s.Reset("", "", ResetAll); err == nil {
		t.Error("Reset with empty instance: no error")
	}
	if got := ResetAll.String() + "," + ResetIDs.String() + "," + ResetCheckpoint.String(); got != "all,ids,checkpoint" {
		t.Errorf("String() = %s", got)
	}
}
