package source

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/orosync/orosync/mappings"
)

// pendingRecords holds the outputs of a records selector not yet returned.
type pendingRecords struct {
	values []any
	origin string
	i      int
}

// fill runs the selector over v; a jq error is a *RecordError.
func (p *pendingRecords) fill(ctx context.Context, sel *mappings.Expr, v any, origin string) error {
	out, err := sel.Eval(ctx, v)
	if err != nil {
		raw, _ := json.Marshal(v)
		return &RecordError{Origin: origin, Raw: raw, Err: fmt.Errorf("%s %s: %w", exprPos("records", sel), sel.Src, err)}
	}
	p.values, p.origin, p.i = out, origin, 0
	return nil
}

// next returns the next pending record. With several outputs the origin
// gets the output's number.
func (p *pendingRecords) next() (Record, bool) {
	if p.i >= len(p.values) {
		return Record{}, false
	}
	v := p.values[p.i]
	p.i++
	origin := p.origin
	if len(p.values) > 1 {
		origin += " [" + strconv.Itoa(p.i) + "]"
	}
	if p.i == len(p.values) {
		p.values = nil
	}
	return Record{Value: v, Origin: origin}, true
}
