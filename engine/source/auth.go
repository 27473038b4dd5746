package source

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/orosync/orosync/engine/httpkit"
	"github.com/orosync/orosync/mappings"
)

// authenticator adds credentials to source requests. The settings were
// validated by mappings; one method is set at most.
type authenticator struct {
	header, value string // a header to set (bearer, api_key header)
	user, pass    string // basic
	basic         bool
	query, qvalue string // api_key query parameter
	tokens        *httpkit.TokenSource
}

// tokenOptions says how token requests are sent: with client, each bounded
// by timeout, failures that may go away retried under retry (honouring
// Retry-After) with now, sleep and the retry logged by onRetry.
type tokenOptions struct {
	client  *http.Client
	timeout time.Duration
	retry   httpkit.Policy
	now     func() time.Time
	sleep   func(context.Context, time.Duration) error
	onRetry func(attempt int, err *httpkit.TokenError, wait time.Duration)
}

// newAuthenticator records the credentials and their secrets.
func newAuthenticator(a *mappings.Auth, to tokenOptions, red *httpkit.Redactor) *authenticator {
	au := &authenticator{}
	switch {
	case a == nil:
	case a.Bearer != nil:
		au.header, au.value = "Authorization", "Bearer "+text(a.Bearer)
		red.Add(text(a.Bearer))
	case a.Basic != nil:
		au.basic, au.user, au.pass = true, text(a.Basic.Username), text(a.Basic.Password)
		red.Add(au.pass)
	case a.APIKey != nil:
		au.setAPIKey(a.APIKey, red)
	case a.OAuth2 != nil:
		au.tokens = newTokenSource(a.OAuth2, to, red)
	}
	return au
}

// setAPIKey configures api_key auth: a header, else a query parameter.
func (au *authenticator) setAPIKey(k *mappings.APIKeyAuth, red *httpkit.Redactor) {
	v := text(k.Value)
	red.Add(v)
	if k.Header != "" {
		au.header, au.value = k.Header, v
		return
	}
	au.query, au.qvalue = k.Query, v
	red.AddParam(k.Query)
}

// newTokenSource configures the client credentials grant. Parameters taken
// from the environment are treated as secrets. The TokenSource alone
// retries its requests, so that it sees their Retry-After.
func newTokenSource(o *mappings.OAuth2Auth, to tokenOptions, red *httpkit.Redactor) *httpkit.TokenSource {
	cfg := clientcredentials.Config{
		ClientID:     text(o.ClientID),
		ClientSecret: text(o.ClientSecret),
		TokenURL:     text(o.TokenURL),
		Scopes:       o.Scopes,
	}
	if len(o.Params) > 0 {
		cfg.EndpointParams = url.Values{}
		for _, k := range sortedKeys(o.Params) {
			cfg.EndpointParams.Set(k, text(o.Params[k]))
			if o.Params[k].FromEnv {
				red.Add(text(o.Params[k]))
			}
		}
	}
	return httpkit.NewTokenSource(httpkit.TokenConfig{Credentials: cfg, Client: to.client, Timeout: to.timeout, Redactor: red,
		Now: to.now, Retry: to.retry, Sleep: to.sleep, OnRetry: to.onRetry})
}

// token returns the access token to send (nil without oauth2), fetching
// one if needed. A failed token request is a *tokenError; the TokenSource
// has retried it already when that could help.
func (au *authenticator) token(ctx context.Context) (*httpkit.Token, error) {
	if au.tokens == nil {
		return nil, nil
	}
	tok, err := au.tokens.Token(ctx)
	if err != nil {
		return nil, tokenErr(err)
	}
	return tok, nil
}

// apply adds the credentials to req: tok, taken from token, or the static
// ones.
func (au *authenticator) apply(req *http.Request, tok *httpkit.Token) {
	switch {
	case au.basic:
		req.SetBasicAuth(au.user, au.pass)
	case au.header != "":
		req.Header.Set(au.header, au.value)
	case tok != nil:
		tok.SetAuthHeader(req)
	}
	if au.query != "" {
		q := req.URL.Query()
		q.Set(au.query, au.qvalue)
		req.URL.RawQuery = q.Encode()
	}
}

// renewToken drops tok (after a 401) so that the next request fetches a new
// one. It reports whether there was a token to renew.
func (au *authenticator) renewToken(tok *httpkit.Token) bool {
	if au.tokens == nil || tok == nil {
		return false
	}
	au.tokens.Invalidate(tok)
	return true
}

// tokenError is a failed token request, worded for source settings.
type tokenError struct {
	err *httpkit.TokenError
}

// Error names the token URL, the answer and the settings to check.
func (e *tokenError) Error() string {
	if e.err.Status == 0 {
		return "oauth2 " + e.err.Error()
	}
	return "oauth2 " + e.err.Error() + " (check http.auth.oauth2 client_id, client_secret, scopes)"
}

// Unwrap returns the *httpkit.TokenError.
func (e *tokenError) Unwrap() error { return e.err }

// tokenErr wraps a failed token request; other errors (the context ended
// while waiting) are returned as they are.
func tokenErr(err error) error {
	var te *httpkit.TokenError
	if errors.As(err, &te) {
		return &tokenError{err: te}
	}
	return fmt.Errorf("oauth2: %w", err)
}
