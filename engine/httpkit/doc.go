// Package httpkit holds the HTTP behaviour shared by the Oro client and HTTP
// record sources: when and how long to wait before another attempt
// ([Policy], [RetryAfter]), which answers and network errors are worth
// another attempt ([Throttled], [Unavailable], [ServerError], [Transient])
// and whether a failed request may have reached the server ([Sent]), how
// secrets are kept out of messages and logs ([Redactor]), how a response
// body is quoted in an error ([Excerpt], [Compact]), and one cached OAuth2
// client-credentials token shared by goroutines ([TokenSource]).
//
// Each caller decides what it retries: the package classifies, it does not
// send requests.
package httpkit
