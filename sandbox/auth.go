package sandbox

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// maxBody caps request bodies read by the stand-in.
const maxBody = 8 << 20

// oauthError is an error answer of the token endpoint (OAuth JSON format).
type oauthError struct {
	status      int
	code        string
	description string
	hint        string
}

func (e oauthError) response(basic bool) *response {
	body := map[string]string{"error": e.code, "error_description": e.description, "message": e.description}
	if e.hint != "" {
		body["hint"] = e.hint
	}
	resp := jsonResponse(e.status, mediaJSON, body)
	if basic && e.status == http.StatusUnauthorized {
		resp.header.Set("WWW-Authenticate", `Basic realm="OAuth"`)
	}
	return resp
}

var (
	errUnsupportedGrant = oauthError{status: http.StatusBadRequest, code: "unsupported_grant_type",
		description: "The authorization grant type is not supported by the authorization server.",
		hint:        "Check that all required parameters have been provided"}
	errMissingClientID = oauthError{status: http.StatusBadRequest, code: "invalid_request",
		description: "The request is missing a required parameter, includes an invalid parameter value, " +
			"includes a parameter more than once, or is otherwise malformed.",
		hint: "Check the `client_id` parameter"}
	errInvalidClient = oauthError{status: http.StatusUnauthorized, code: "invalid_client",
		description: "Client authentication failed"}
)

// tokenRequest holds the parameters of a token request.
type tokenRequest struct {
	grantType, clientID, clientSecret string
	basic                             bool // credentials came (partly) from HTTP Basic
}

// handleToken serves POST /oauth2-token (client_credentials only).
func (s *Server) handleToken(r *http.Request) *response {
	if r.Method != http.MethodPost {
		resp := emptyResponse(http.StatusMethodNotAllowed)
		resp.header.Set("Allow", http.MethodPost)
		return resp
	}
	tr, err := readTokenRequest(r)
	if err != nil {
		return oauthError{status: http.StatusBadRequest, code: "invalid_request",
			description: "The request body could not be read: " + err.Error()}.response(false)
	}
	switch {
	case tr.grantType != "client_credentials":
		return errUnsupportedGrant.response(tr.basic)
	case tr.clientID == "":
		return errMissingClientID.response(tr.basic)
	case !s.validClient(tr.clientID, tr.clientSecret):
		return errInvalidClient.response(tr.basic)
	}
	token, expires := s.issueToken()
	return jsonResponse(http.StatusOK, mediaJSON+"; charset=UTF-8", map[string]any{
		"token_type": "Bearer", "expires_in": expires, "access_token": token})
}

func (s *Server) validClient(id, secret string) bool {
	okID := subtle.ConstantTimeCompare([]byte(id), []byte(s.opts.ClientID)) == 1
	okSecret := subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.ClientSecret)) == 1
	return okID && okSecret
}

// readTokenRequest reads a form-encoded or JSON body; HTTP Basic credentials
// are used for whatever the body does not carry.
func readTokenRequest(r *http.Request) (tokenRequest, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return tokenRequest{}, fmt.Errorf("read body: %w", err)
	}
	params, err := tokenParams(r.Header.Get("Content-Type"), body)
	if err != nil {
		return tokenRequest{}, err
	}
	tr := tokenRequest{grantType: params["grant_type"], clientID: params["client_id"],
		clientSecret: params["client_secret"]}
	if user, pass, ok := basicAuth(r); ok {
		tr.basic = true
		if tr.clientID == "" {
			tr.clientID = user
		}
		if tr.clientSecret == "" {
			tr.clientSecret = pass
		}
	}
	return tr, nil
}

func tokenParams(contentType string, body []byte) (map[string]string, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	out := map[string]string{}
	if mt == mediaJSON {
		var raw map[string]any
		if err := json.Unmarshal(body, &raw); err != nil {
			return nil, fmt.Errorf("invalid JSON body: %w", err)
		}
		for k, v := range raw {
			if s, ok := v.(string); ok {
				out[k] = s
			}
		}
		return out, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		// The parse error quotes part of the body, which may hold the secret.
		return nil, errors.New("invalid form-encoded body")
	}
	for k := range form {
		out[k] = form.Get(k)
	}
	return out, nil
}

// basicAuth returns HTTP Basic credentials, form-decoded as RFC 6749 §2.3.1
// requires (x/oauth2 escapes them).
func basicAuth(r *http.Request) (user, pass string, ok bool) {
	user, pass, ok = r.BasicAuth()
	if !ok {
		return "", "", false
	}
	if u, err := url.QueryUnescape(user); err == nil {
		user = u
	}
	if p, err := url.QueryUnescape(pass); err == nil {
		pass = p
	}
	return user, pass, true
}

// issueToken creates a random opaque token. The caller holds s.mu.
func (s *Server) issueToken() (string, int) {
	buf := make([]byte, 32)
	_, _ = rand.Read(buf) // crypto/rand.Read never fails (Go 1.24+)
	token := base64.RawURLEncoding.EncodeToString(buf)
	s.tokens[token] = s.opts.Now().Add(s.opts.TokenTTL)
	s.stats.TokensIssued++
	return token, int(s.opts.TokenTTL.Seconds())
}

// authenticate checks the bearer token of an API request. It returns nil when
// the request may proceed, otherwise the 401 answer (always with an empty
// body; WWW-Authenticate only when no credentials were sent). The caller
// holds s.mu.
func (s *Server) authenticate(r *http.Request) *response {
	if r.URL.Query().Has("access_token") {
		return emptyResponse(http.StatusUnauthorized)
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		resp := emptyResponse(http.StatusUnauthorized)
		resp.header.Set("WWW-Authenticate", "Bearer")
		return resp
	}
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return emptyResponse(http.StatusUnauthorized)
	}
	expiry, ok := s.tokens[strings.TrimSpace(token)]
	if !ok || !s.opts.Now().Before(expiry) {
		return emptyResponse(http.StatusUnauthorized)
	}
	return nil
}
