package state

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCheckpointSetGetExactNumbers(t *testing.T) {
	s, _ := openTemp(t)
	if _, ok, err := s.Checkpoint(instA, "m"); ok || err != nil {
		t.Fatalf("Checkpoint before Set = %v, %v; want none", ok, err)
	}
	cases := []struct{ in, want string }{
		{`12345678901234567890`, `12345678901234567890`},
		{`19.990`, `19.990`},
		{`"2025-01-01T00:00:00+02:00"`, `"2025-01-01T00:00:00+02:00"`},
		{" {\"page\": 3,\n \"since\": 1.10} ", `{"page":3,"since":1.10}`},
		{`null`, `null`},
	}
	for _, c := range cases {
		if err := s.SetCheckpoint(instA, "m", json.RawMessage(c.in)); err != nil {
			t.Fatalf("SetCheckpoint(%s): %v", c.in, err)
		}
		got, ok, err := s.Checkpoint(instA, "m")
		if err != nil || !ok || string(got) != c.want {
			t.Errorf("Checkpoint after Set(%s) = %s, %v, %v; want %s", c.in, got, ok, err, c.want)
		}
	}
	if _, ok, _ := s.Checkpoint(instB, "m"); ok {
		t.Error("checkpoint leaked into another instance")
	}
	if _, ok, _ := s.Checkpoint(instA, "other"); ok {
		t.Error("checkpoint leaked into another mapping")
	}
}

func TestSetCheckpointRejectsInvalidJSON(t *testing.T) {
	s, _ := openTemp(t)
	for _, in := range []string{``, `   `, `{`, `1 2`, `'x'`} {
		err := s.SetCheckpoint(instA, "orders", json.RawMessage(in))
		if err == nil || !strings.Contains(err.Error(), "mapping orders on "+instA+": cursor is not a JSON value") {
			t.Errorf("SetCheckpoint(%q): err = %v", in, err)
		}
	}
	if _, ok, _ := s.Checkpoint(instA, "orders"); ok {
		t.Error("an invalid cursor was stored")
	}
}
