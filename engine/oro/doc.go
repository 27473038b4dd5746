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
// JSON:API error objects), *NetError (no answer), *AuthError (no token) or
// *ExhaustedError (a transient fault that outlasted the retry budget).
// [IsFatal] tells the engine whether the run can go on, and [MayHaveWritten]
// whether a failed write may nevertheless have reached Oro, in which case it
// must not be repeated blindly.
//
// # Faults and retries
//
// Real Oro sits behind proxies that answer 429, 502, 503 and 504, drop
// connections and hang, and its tokens expire mid-run. Every attempt of
// every request, token requests included, gets a deliberate answer:
//
//	answer                          GET, HEAD       PATCH, PUT, DELETE   POST
//	429                             retried         retried              retried
//	502, 503, 504 (HTML pages too)  retried         retried              returned: MayHaveWritten
//	timeout, connection lost        retried         retried              returned: MayHaveWritten
//	connection not opened           retried         retried              retried
//	500, other 5xx but 501 and 505  retried, ≤ 3    returned (record)    returned (record), MayHaveWritten
//	401                             new token, repeated once; a second 401 is fatal
//	anything else                   returned, classified by IsFatal
//
// (OPTIONS is treated like GET; other methods like POST.)
//
// Why, per row:
//
//   - 429 means the request was refused before it was processed, so it is
//     safe to repeat for any method. The wait is the Retry-After header
//     (seconds or an HTTP date), capped at Retry.MaxBackoff, or else
//     exponential backoff with jitter.
//   - After a 502, 503, 504, a timeout or a connection lost once the
//     request was sent, Oro may have carried the request out. Repeating a
//     read is harmless; a PATCH sets the same values again, to-many sets
//     included (one caveat: a PATCH whose "included" section creates new
//     related records creates them again, and the set then holds the
//     second copies); a repeated DELETE may answer 404 when the lost
//     attempt did delete the record, which the caller must accept as done
//     ([Error].Attempts > 1 tells it so). A POST is not repeated here: it
//     may have created the record, and only the engine can look it up by
//     its natural key first; the error returned says [MayHaveWritten], and
//     a [Retrier] gives the engine's look-up-and-resend loop the same waits
//     and bound.
//   - A connection that could not be opened (refused, a temporary DNS
//     failure) left nothing behind, so every method is repeated. While
//     neither the API nor the token endpoint has ever answered, such a
//     failure is tried only 3 times (about a second and a half): a wrong
//     ORO_API_URL or ORO_TOKEN_URL is then more likely than a restarting
//     Oro. Certificate errors and unknown hosts are not retried at all.
//   - A 500 is Oro's own application error: a GET or HEAD gets a few
//     attempts (a deadlock or a lost database connection may pass); a
//     write answered 500 is the record's error, not retried, and
//     MayHaveWritten.
//   - The token endpoint retries 429, every 5xx (a proxy's HTML 502/503
//     page included), timeouts and lost or refused connections with the
//     same policy; 400 and 401 OAuth errors (invalid_client...), a redirect
//     and a 200 or 401 HTML login page are configuration errors, fatal at
//     once.
//
// Attempts and time are bounded by [Config].Retry (defaults: 15 attempts,
// waits of 0.5s doubling with jitter up to 30s each, 2 minutes in all; see
// DefaultMaxWait). The time charged covers the attempts themselves, so a
// hung Oro (accepting connections, never answering) is given up on within
// Retry.MaxWait plus one Config.Timeout, like an unreachable one. Running
// out of budget on a transient fault (429, 502, 503, 504, a timeout, a lost
// or refused connection) returns an *ExhaustedError, which is fatal: the
// run stops with its checkpoint untouched, instead of dead-lettering every
// later record. No wait outlasts the caller's context: a wait that would
// pass its deadline is not started.
//
// # Pressure
//
// All API requests of a Client share an adaptive concurrency limit
// ([httpkit.Limiter]): at most [Config].MaxInFlight in flight, halved on 429
// and 503, raised again by one after as many clean answers as the current
// limit. [Config].MaxRPS caps the attempts started per second. Token
// requests use neither. [Client.Stats] reports requests, retries, waits,
// the current limit and token requests; [Config].Logger receives an entry
// per retry and per change of the limit.
//
// The client secret and access tokens never appear in error messages, log
// lines, Stats, or in the fmt, JSON or slog output of [Config] and [Client].
package oro
