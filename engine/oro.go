package engine

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/orosync/orosync/engine/oro"
)

// OroClient is what the engine needs from an Oro connection (implemented by
// *oro.Client).
type OroClient interface {
	Create(ctx context.Context, typ string, doc []byte) (*oro.Resource, error)
	Update(ctx context.Context, typ, id string, doc []byte) (*oro.Resource, error)
	List(ctx context.Context, typ string, query url.Values, limit int) ([]oro.Resource, error)
	GetWith(ctx context.Context, typ, id string, query url.Values) (*oro.Resource, error)
}

// fillOroError copies Oro's answer into a dead-letter entry.
func fillOroError(fi *FailInfo, err error) {
	var oe *oro.Error
	if errors.As(err, &oe) {
		fi.Status = oe.Status
		for _, e := range oe.Errors {
			fi.Errors = append(fi.Errors, OroError{Status: e.Status, Code: e.Code, Title: e.Title, Detail: e.Detail,
				Pointer: e.Pointer, Parameter: e.Parameter})
		}
	}
	var w interface{ MayHaveWritten() bool } // unknownOutcome, stateFailure
	fi.MayHaveWritten = oro.MayHaveWritten(err) || errors.As(err, &w) && w.MayHaveWritten()
}

// readOnly is the Oro connection of a dry run that asks Oro: reads pass,
// writes are refused (the engine never sends them in a dry run; this makes
// sure of it).
type readOnly struct{ c OroClient }

// errReadOnly is what a write through readOnly returns.
var errReadOnly = errors.New("a dry run never writes to Oro")

func (r readOnly) Create(context.Context, string, []byte) (*oro.Resource, error) {
	return nil, errReadOnly
}

func (r readOnly) Update(context.Context, string, string, []byte) (*oro.Resource, error) {
	return nil, errReadOnly
}

func (r readOnly) List(ctx context.Context, typ string, q url.Values, limit int) ([]oro.Resource, error) {
	return r.c.List(ctx, typ, q, limit)
}

func (r readOnly) GetWith(ctx context.Context, typ, id string, q url.Values) (*oro.Resource, error) {
	return r.c.GetWith(ctx, typ, id, q)
}

// Count implements OroCounter when the client does.
func (r readOnly) Count(ctx context.Context, typ string, q url.Values) (int, error) {
	c, ok := r.c.(OroCounter)
	if !ok {
		return 0, fmt.Errorf("count %s: the Oro client cannot count", typ)
	}
	return c.Count(ctx, typ, q)
}
