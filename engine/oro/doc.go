// Package oro is a client for the OroCommerce / OroPlatform back-office
// JSON:API.
//
// It authenticates with the OAuth 2.0 client credentials grant against Oro's
// unprefixed token endpoint (https://host/oauth2-token), caches one access
// token for all goroutines until it expires, and refreshes it once when Oro
// answers 401 (whose body is empty). Every API request carries exactly
//
//	Accept: application/vnd.api+json
//	Content-Type: application/vnd.api+json   (only with a body, never with a charset)
//	Authorization: Bearer <token>
//	X-Include: noHateoas
//
// because Oro answers 415 to a Content-Type with parameters and switches to a
// different ("plain REST") format without the JSON:API Accept header.
//
// Failed requests are reported as *Error (an HTTP answer, with the parsed
// JSON:API error objects), *NetError (no answer) or *AuthError (no token).
// [IsFatal] tells the engine whether the run can go on, and [MayHaveWritten]
// whether a failed write may nevertheless have reached Oro, in which case it
// must not be repeated blindly.
//
// Retries inside the client are limited to what is safe: a 401 is retried once
// with a fresh token (Oro rejects it before processing); GET requests are
// retried on network errors, 429, 502, 503 and 504 with backoff and jitter
// (honouring Retry-After; a longer one than the cap ends the retries); writes
// are retried only when the connection could not be opened, so the request
// never left. [Config].Retry tunes the attempts and waits.
//
// The client secret and access tokens never appear in error messages or in
// the fmt, JSON or slog output of [Config] and [Client].
package oro
