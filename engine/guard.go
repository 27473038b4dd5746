package engine

import (
	"errors"
	"fmt"
	"strings"

	"github.com/orosync/orosync/engine/oro"
)

// This file tells configuration errors, which every record would hit, from
// bad records: a mapping that Oro refuses for a reason of its own making
// stops at once, with the error and what to do, instead of dead-lettering
// thousands of records one by one.

// maxShownErrors is how many distinct errors a mapping's report lists.
const maxShownErrors = 5

// errorGuard watches the outcomes of a mapping's records in source order.
type errorGuard struct {
	limit     int    // Options.StopAfterSameErrors
	succeeded bool   // a record was written or found unchanged
	sig       string // the Oro answer the records failed with so far
	same      int    // how many records in a row failed with sig
	first     []string
}

// observe takes one settled record and returns an error when the mapping
// must stop: its first records all failed with the same Oro answer.
func (g *errorGuard) observe(o outcome) error {
	if o.status != Failed {
		if o.status != Skipped {
			g.succeeded = true
		}
		return nil
	}
	g.remember(o.dead)
	sig := answerSignature(o.dead)
	if g.succeeded || sig == "" || g.limit <= 0 {
		return nil
	}
	if sig != g.sig {
		g.sig, g.same = sig, 0
	}
	g.same++
	if g.same < g.limit {
		return nil
	}
	return fmt.Errorf("the first %d records all failed with the same answer from Oro (%s), and none succeeded: that is a configuration error, not bad data. Fix the mapping (or Oro) and run again; the records are in the dead-letter file. The answer: %s",
		g.same, sig, o.dead.Error.Message)
}

// remember keeps the first few distinct errors for the report.
func (g *errorGuard) remember(d *DeadLetter) {
	if d == nil || d.Error.Stage == StageAborted || len(g.first) >= maxShownErrors {
		return
	}
	msg := fmt.Sprintf("%s: %s", d.Error.Stage, d.Error.Message)
	for _, m := range g.first {
		if m == msg {
			return
		}
	}
	g.first = append(g.first, msg)
}

// answerSignature identifies Oro's answer to a failed record: its status,
// and the title and pointer of its first error; "" when Oro did not answer.
func answerSignature(d *DeadLetter) string {
	if d == nil || d.Error.Status == 0 {
		return ""
	}
	parts := []string{fmt.Sprint(d.Error.Status)}
	if len(d.Error.Errors) > 0 {
		e := d.Error.Errors[0]
		parts = append(parts, e.Title, e.Pointer+e.Parameter)
	}
	return strings.Join(parts, " ")
}

// queryRefused reports whether Oro refused a request's query parameters
// (a filter it does not support, a missing required filter): an error
// with source.parameter (oro-api.md §8, §9). Every lookup of the mapping
// would get the same answer.
func queryRefused(err error) (*oro.ErrorObject, bool) {
	var oe *oro.Error
	if !errors.As(err, &oe) || oe.Status != 400 {
		return nil, false
	}
	for i := range oe.Errors {
		if oe.Errors[i].Parameter != "" {
			return &oe.Errors[i], true
		}
	}
	return nil, false
}
