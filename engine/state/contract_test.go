package state_test

import (
	"testing"

	"github.com/orosync/orosync/engine/state"
	"github.com/orosync/orosync/engine/state/statetest"
)

// TestContract runs the backend contract suite against the embedded store.
func TestContract(t *testing.T) {
	statetest.Run(t, func(t *testing.T) statetest.Backend {
		s, err := state.Open(t.TempDir(), state.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
