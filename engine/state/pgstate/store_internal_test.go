package pgstate

import (
	"errors"
	"strings"
	"testing"
)

// TestScrubHidesEveryPassword: scrub removes the user's password and the
// client key's (sslpassword) from an error text that repeats them; pgx
// hides the first itself, so only an error written here can catch the
// second.
func TestScrubHidesEveryPassword(t *testing.T) {
	for _, raw := range []string{
		"postgres://u:s3cr3t@h/db?sslkey=/k.pem&sslpassword=t0psecret",
		"postgresql://u@h/db?password=s3cr3t&SSLPassword=t0psecret",
		"host=h user=u password=s3cr3t sslkey=/k.pem sslpassword='t0psecret' dbname=db",
	} {
		s := &Store{secrets: passwords(raw)}
		cause := errors.New("cannot decrypt /k.pem with sslpassword=t0psecret (user password s3cr3t)")
		err := s.scrub(cause)
		if strings.Contains(err.Error(), "t0psecret") || strings.Contains(err.Error(), "s3cr3t") || !strings.Contains(err.Error(), "/k.pem") {
			t.Errorf("%s: scrub = %q; want the paths without the passwords", raw, err)
		}
		plain := errors.New("connection refused")
		if got := s.scrub(plain); got != plain {
			t.Errorf("%s: scrub of an error without a secret = %v; want it unchanged", raw, got)
		}
		if got := Redact(raw); strings.Contains(got, "t0psecret") || strings.Contains(got, "s3cr3t") {
			t.Errorf("Redact(%q) = %q", raw, got)
		}
	}
}
