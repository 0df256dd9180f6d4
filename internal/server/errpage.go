package server

import (
	"net/http"

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

// pageTitles are the titles of nginx's built-in error pages.
var pageTitles = map[int]string{
	301: "301 Moved Permanently", 302: "302 Found", 303: "303 See Other", 307: "307 Temporary Redirect",
	308: "308 Permanent Redirect", 400: "400 Bad Request", 401: "401 Authorization Required",
	402: "402 Payment Required", 403: "403 Forbidden", 404: "404 Not Found", 405: "405 Not Allowed",
	406: "406 Not Acceptable", 408: "408 Request Time-out", 409: "409 Conflict", 410: "410 Gone",
	411: "411 Length Required", 412: "412 Precondition Failed", 413: "413 Request Entity Too Large",
	414: "414 Request-URI Too Large", 415: "415 Unsupported Media Type", 416: "416 Requested Range Not Satisfiable",
	421: "421 Misdirected Request", 429: "429 Too Many Requests", 494: "400 Request Header Or Cookie Too Large",
	495: "400 The SSL certificate error", 496: "400 No required SSL certificate was sent",
	497: "400 The plain HTTP request was sent to HTTPS port", 500: "500 Internal Server Error",
	501: "501 Not Implemented", 502: "502 Bad Gateway", 503: "503 Service Temporarily Unavailable",
	504: "504 Gateway Time-out", 505: "505 HTTP Version Not Supported", 507: "507 Insufficient Storage",
}

// errorPageBody is nginx's built-in error page for code, or nil for codes
// nginx sends without a body.
func errorPageBody(code int, tokens bool) []byte {
	title, ok := pageTitles[code]
	if !ok {
		return nil
	}
	sig := "goresty"
	if tokens {
		sig = "goresty/" + phases.Version
	}
	return []byte("<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
		"</h1></center>\r\n<hr><center>" + sig + "</center>\r\n</body>\r\n</html>\r\n")
}
