package source

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/orosync/orosync/mappings"
)

// authenticator adds credentials to source requests.
type authenticator struct {
	header, value string // a header to set (bearer, api_key header)
	user, pass    string // basic
	basic         bool
	query, qvalue string // api_key query parameter

	oauth    *clientcredentials.Config
	tokenURL string // redacted, for messages
	ctx      context.Context
	mu       sync.Mutex
	ts       oauth2.TokenSource
}

// newAuthenticator records the credentials and their secrets. The settings
// were validated by mappings; one method is set at most.
func newAuthenticator(ctx context.Context, a *mappings.Auth, client *http.Client, red *redactor) *authenticator {
	au := &authenticator{}
	switch {
	case a == nil:
	case a.Bearer != nil:
		au.header, au.value = "Authorization", "Bearer "+text(a.Bearer)
		red.add(text(a.Bearer))
	case a.Basic != nil:
		au.basic, au.user, au.pass = true, text(a.Basic.Username), text(a.Basic.Password)
		red.add(au.pass)
	case a.APIKey != nil:
		au.setAPIKey(a.APIKey, red)
	case a.OAuth2 != nil:
		au.setOAuth2(ctx, a.OAuth2, client, red)
	}
	return au
}

// setAPIKey configures api_key auth: a header, else a query parameter.
func (au *authenticator) setAPIKey(k *mappings.APIKeyAuth, red *redactor) {
	v := text(k.Value)
	red.add(v)
	if k.Header != "" {
		au.header, au.value = k.Header, v
		return
	}
	au.query, au.qvalue = k.Query, v
	red.params = append(red.params, k.Query)
}

// setOAuth2 configures the client credentials grant. Tokens are fetched with
// the base client and reused until they expire.
func (au *authenticator) setOAuth2(ctx context.Context, o *mappings.OAuth2Auth, client *http.Client, red *redactor) {
	cfg := &clientcredentials.Config{
		ClientID:     text(o.ClientID),
		ClientSecret: text(o.ClientSecret),
		TokenURL:     text(o.TokenURL),
		Scopes:       o.Scopes,
	}
	red.add(cfg.ClientSecret)
	au.tokenURL = "***"
	if u, err := url.Parse(cfg.TokenURL); err == nil {
		au.tokenURL = red.url(u)
	}
	if len(o.Params) > 0 {
		cfg.EndpointParams = url.Values{}
		keys := make([]string, 0, len(o.Params))
		for k := range o.Params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			cfg.EndpointParams.Set(k, text(o.Params[k]))
			if o.Params[k].FromEnv {
				red.add(text(o.Params[k]))
			}
		}
	}
	au.oauth = cfg
	au.ctx = context.WithValue(ctx, oauth2.HTTPClient, client)
	au.ts = cfg.TokenSource(au.ctx)
}

// apply adds the credentials to req. Token errors are returned as
// *tokenError.
func (au *authenticator) apply(req *http.Request) error {
	switch {
	case au.basic:
		req.SetBasicAuth(au.user, au.pass)
	case au.header != "":
		req.Header.Set(au.header, au.value)
	case au.oauth != nil:
		au.mu.Lock()
		ts := au.ts
		au.mu.Unlock()
		tok, err := ts.Token()
		if err != nil {
			return au.tokenErr(err)
		}
		tok.SetAuthHeader(req)
	}
	if au.query != "" {
		q := req.URL.Query()
		q.Set(au.query, au.qvalue)
		req.URL.RawQuery = q.Encode()
	}
	return nil
}

// renewToken drops the cached token (after a 401) so that the next request
// fetches a new one. It reports whether there was a token to renew.
func (au *authenticator) renewToken() bool {
	if au.oauth == nil {
		return false
	}
	au.mu.Lock()
	au.ts = au.oauth.TokenSource(au.ctx)
	au.mu.Unlock()
	return true
}

// tokenError is a failed token request; status is 0 for network errors.
type tokenError struct {
	status int
	err    error
}

func (e *tokenError) Error() string { return e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// tokenErr describes a failed token request without its response body
// (which could echo credentials).
func (au *authenticator) tokenErr(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil {
		return &tokenError{err: fmt.Errorf("oauth2 token request to %s: %w", au.tokenURL, err)}
	}
	detail := strings.TrimSpace(re.ErrorCode + " " + re.ErrorDescription)
	if detail != "" {
		detail = ": " + detail
	}
	return &tokenError{status: re.Response.StatusCode, err: fmt.Errorf(
		"oauth2 token request to %s → %s%s (check http.auth.oauth2 client_id, client_secret, scopes)",
		au.tokenURL, re.Response.Status, detail)}
}
