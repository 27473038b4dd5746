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

// newAuthenticator checks the auth settings and records their secrets.
func newAuthenticator(ctx context.Context, a *mappings.Auth, client *http.Client, red *redactor) (*authenticator, error) {
	au := &authenticator{}
	if a == nil {
		return au, nil
	}
	n := 0
	if a.Bearer != nil {
		n++
		au.header, au.value = "Authorization", "Bearer "+text(a.Bearer)
		red.add(text(a.Bearer))
	}
	if a.Basic != nil {
		n++
		au.basic, au.user, au.pass = true, text(a.Basic.Username), text(a.Basic.Password)
		red.add(au.pass)
	}
	if a.APIKey != nil {
		n++
		if err := au.setAPIKey(a.APIKey, red); err != nil {
			return nil, err
		}
	}
	if a.OAuth2 != nil {
		n++
		if err := au.setOAuth2(ctx, a.OAuth2, client, red); err != nil {
			return nil, err
		}
	}
	if n > 1 {
		return nil, errors.New("http.auth: set only one of bearer, basic, api_key and oauth2")
	}
	return au, nil
}

// setAPIKey configures api_key auth.
func (au *authenticator) setAPIKey(k *mappings.APIKeyAuth, red *redactor) error {
	v := text(k.Value)
	if v == "" {
		return errors.New("http.auth.api_key.value is empty: set it (usually from an environment variable)")
	}
	red.add(v)
	switch {
	case k.Header != "" && k.Query != "":
		return errors.New("http.auth.api_key: set header or query, not both")
	case k.Header != "":
		au.header, au.value = k.Header, v
	case k.Query != "":
		au.query, au.qvalue = k.Query, v
		red.params = append(red.params, k.Query)
	default:
		return errors.New("http.auth.api_key: set header (e.g. X-API-Key) or query (a parameter name)")
	}
	return nil
}

// setOAuth2 configures the client credentials grant. Tokens are fetched with
// the base client and reused until they expire.
func (au *authenticator) setOAuth2(ctx context.Context, o *mappings.OAuth2Auth, client *http.Client, red *redactor) error {
	cfg := &clientcredentials.Config{
		ClientID:     text(o.ClientID),
		ClientSecret: text(o.ClientSecret),
		TokenURL:     text(o.TokenURL),
		Scopes:       o.Scopes,
	}
	red.add(cfg.ClientSecret)
	u, err := url.Parse(cfg.TokenURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("http.auth.oauth2.token_url %q: expected an absolute http(s) URL", red.text(cfg.TokenURL))
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
	au.oauth, au.tokenURL = cfg, red.url(u)
	au.ctx = context.WithValue(ctx, oauth2.HTTPClient, client)
	au.ts = cfg.TokenSource(au.ctx)
	return nil
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
