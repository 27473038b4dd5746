package state

import (
	"strings"
	"testing"
)

func TestInstanceNormalises(t *testing.T) {
	cases := map[string]string{
		"https://shop.example.com/api":                   "https://shop.example.com/api",
		"HTTPS://Shop.Example.COM:443/api/":              "https://shop.example.com/api",
		"http://localhost:80/":                           "http://localhost",
		"http://127.0.0.1:8080/admin/api//":              "http://127.0.0.1:8080/admin/api",
		"https://user:pw@shop.example.com/api?x=1#frag":  "https://shop.example.com/api",
		" https://shop.example.com ":                     "https://shop.example.com",
		"http://[::1]:8000/api":                          "http://[::1]:8000/api",
		"https://[::1]:443/api":                          "https://[::1]/api",
		"https://shop.example.com/Path%20With%2FEscapes": "https://shop.example.com/Path%20With%2FEscapes",
	}
	for in, want := range cases {
		got, err := Instance(in)
		if err != nil || got != want {
			t.Errorf("Instance(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestInstanceErrorsHideCredentials(t *testing.T) {
	bad := []string{
		"https://admin:s3cret@shop example.com/api",
		"https://admin:s3cret@shop.example.com/%zz",
		"ftp://admin:s3cret@shop.example.com/api",
		"admin:s3cret@shop.example.com",
		"https://shop.example.com/%zz?api_key=s3cret",
		"/api",
		"",
	}
	for _, in := range bad {
		got, err := Instance(in)
		if err == nil {
			t.Errorf("Instance(%q) = %q, want an error", in, got)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Instance(%q) error leaks the secret: %v", in, err)
		}
		if !strings.Contains(err.Error(), "invalid Oro base URL") {
			t.Errorf("Instance(%q) error does not say what is wrong: %v", in, err)
		}
	}
}
