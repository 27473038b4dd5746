package engine

import (
	"context"
	"errors"
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
	var uo *unknownOutcome
	fi.MayHaveWritten = oro.MayHaveWritten(err) || errors.As(err, &uo)
}
