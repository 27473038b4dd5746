package sandbox

import (
	"fmt"
	"html"
	"net/http"
)

// htmlResponse is an HTML page with status: what a proxy (502, 503, 504), a
// rate limiter (429) or, for a 2xx status, Oro's login page (oro-api.md §13
// pitfall 16) answers instead of JSON. Clients must not parse it as JSON:API.
func htmlResponse(status int) *response {
	resp := newResponse(status)
	resp.header.Set("Content-Type", "text/html; charset=utf-8")
	if status >= 200 && status < 300 {
		resp.body = []byte(loginPage)
		return resp
	}
	title := html.EscapeString(fmt.Sprintf("%d %s", status, http.StatusText(status)))
	resp.body = []byte(fmt.Sprintf(`<html>
<head><title>%s</title></head>
<body>
<center><h1>%s</h1></center>
<hr><center>nginx</center>
<!-- orosync sandbox: injected fault -->
</body>
</html>
`, title, title))
	return resp
}

// loginPage imitates the back-office login form Oro served from the token
// endpoint in oroinc/platform#1027.
const loginPage = `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Login</title></head>
<body>
<form id="login-form" action="/admin/user/login-check" method="post">
<input type="text" name="_username" placeholder="Username or Email">
<input type="password" name="_password" placeholder="Password">
<button type="submit">Log in</button>
</form>
<!-- orosync sandbox: injected fault -->
</body>
</html>
`
