package server

import (
	"net/http"
	"strconv"

	"github.com/goresty/goresty/phases"
)

// statusText is nginx's reason phrase for a status (nginx's own table,
// which differs from net/http's in a few places).
func statusText(code int) string {
	switch code {
	case 302:
		return "Moved Temporarily"
	case 413:
		return "Request Entity Too Large"
	case 414:
		return "Request-URI Too Large"
	case 416:
		return "Requested Range Not Satisfiable"
	case 494:
		return "Request Header Too Large"
	case 495:
		return "SSL Certificate Error"
	case 496:
		return "SSL Certificate Required"
	case 497:
		return "HTTP Request Sent to HTTPS Port"
	case 499:
		return "Client Closed Request"
	}
	return http.StatusText(code)
}

// errorPageBody is nginx's built-in error page for code, or nil for codes
// nginx sends without a body.
func errorPageBody(code int, tokens bool) []byte {
	if code < 300 || code == 304 {
		return nil
	}
	title := strconv.Itoa(code) + " " + statusText(code)
	if code == 494 {
		title = "400 Request Header Or Cookie Too Large"
	}
	sig := "goresty"
	if tokens {
		sig = "goresty/" + phases.Version
	}
	return []byte("<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
		"</h1></center>\r\n<hr><center>" + sig + "</center>\r\n</body>\r\n</html>\r\n")
}
