// Package httpkit holds the HTTP behaviour shared by the Oro client and HTTP
// record sources: when and how long to wait before another attempt
// ([Policy], [RetryAfter]) and when to stop ([Budget]: attempts, and the
// time the attempts and the waits took), which answers and network errors
// are worth another attempt ([Throttled], [Unavailable], [ServerError],
// [Transient]), which methods may be repeated ([Safe], [Idempotent]) and
// whether a failed request may have reached the server ([Sent]), how many
// requests may be in flight under pressure ([Limiter], AIMD on 429/503) and
// how fast they may start ([Pacer]), how secrets are kept out of messages
// and logs ([Redactor]), how a response body is quoted in an error
// ([Excerpt], [Compact]), and one cached OAuth2 client-credentials token
// shared by goroutines, with its own retries ([TokenSource]).
//
// Each caller decides what it retries: the package classifies and keeps
// count, it does not send API requests. Every type that waits takes its
// clock and its sleep from the caller, so that tests need not wait.
package httpkit
