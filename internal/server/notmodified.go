package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/phases"
)

// notModified is nginx's not-modified header filter, the first header
// filter: a main request's 200 answer meets the request's conditions
// (If-Unmodified-Since, If-Match: 412; If-Modified-Since, If-None-Match:
// 304) against the Last-Modified and ETag headers the handler set, whoever
// it was (a file, Lua). It returns true when it answered 412 itself.
func (o *response) notModified(r *phases.Request, loc *config.Location) bool {
	if r.Status != http.StatusOK || r.Subrequest || r.NoNotModified || r.NoConditions {
		return false
	}
	in := r.HTTP.Header
	ius, hasIUS := in["If-Unmodified-Since"]
	im, hasIM := in["If-Match"]
	ims, hasIMS := in["If-Modified-Since"]
	inm, hasINM := in["If-None-Match"]
	if !hasIUS && !hasIM && !hasIMS && !hasINM {
		return false // the common case: nothing to parse
	}
	lm := int64(-1) // nginx's last_modified_time
	if hasIUS || hasIMS {
		if v := r.Header.Get("Last-Modified"); v != "" {
			lm = parseHTTPTime(v)
		}
	}
	etag := ""
	if hasIM || hasINM {
		etag = r.Header.Get("ETag")
	}
	if hasIUS && len(ius) > 0 {
		if lm == -1 || parseHTTPTime(ius[0]) < lm {
			o.preconditionFailed(r)
			return true
		}
	}
	if hasIM && len(im) > 0 && !ifMatch(im[0], etag, false) {
		o.preconditionFailed(r)
		return true
	}
	if !hasIMS && !hasINM {
		return false
	}
	if hasIMS && len(ims) > 0 && modifiedSince(ims[0], lm, loc) {
		return false
	}
	if hasINM && len(inm) > 0 && !ifMatch(inm[0], etag, true) {
		return false
	}
	r.Status = http.StatusNotModified
	o.headOnly = true
	for _, k := range []string{"Content-Length", "Accept-Ranges", "Content-Encoding", "Content-Type"} {
		delete(r.Header, k)
	}
	return false
}

// preconditionFailed turns the response into nginx's 412 page: the
// handler's headers and output are dropped.
func (o *response) preconditionFailed(r *phases.Request) {
	clear(r.Header)
	r.Status = http.StatusPreconditionFailed
	tokens := true
	if loc := o.loc(); loc != nil {
		tokens = loc.ServerTokens
	}
	page := errorPageBody(http.StatusPreconditionFailed, tokens)
	r.Header["Content-Type"] = []string{"text/html"}
	r.Header["Content-Length"] = []string{strconv.Itoa(len(page))}
	if r.Method != http.MethodHead {
		o.pending = append(o.pending[:0], page...)
	}
	o.headOnly = true // what the handler writes now goes nowhere
}

// modifiedSince is nginx's test_if_modified: true unless ims names the
// response's Last-Modified (exactly, or not before it with
// "if_modified_since before").
func modifiedSince(ims string, lm int64, loc *config.Location) bool {
	if lm == -1 {
		return true
	}
	mode := ""
	if loc != nil {
		mode = loc.IfModifiedSince
	}
	if mode == "off" {
		return true
	}
	t := parseHTTPTime(ims)
	if t == lm {
		return false
	}
	return mode != "before" || t < lm
}

// ifMatch is nginx's test_if_match: "*" matches anything; otherwise one of
// the comma-separated entity tags must be etag, with "W/" prefixes
// ignored when weak.
func ifMatch(header, etag string, weak bool) bool {
	if header == "*" {
		return true
	}
	if etag == "" {
		return false
	}
	if weak {
		etag = strings.TrimPrefix(etag, "W/")
	}
	for s := header; s != ""; {
		if weak && strings.HasPrefix(s, "W/") {
			s = s[2:]
		}
		if strings.HasPrefix(s, etag) {
			rest := strings.TrimLeft(s[len(etag):], " \t")
			if rest == "" || rest[0] == ',' {
				return true
			}
		}
		i := strings.IndexByte(s, ',')
		if i < 0 {
			break
		}
		s = strings.TrimLeft(s[i:], " \t,")
	}
	return false
}

// parseHTTPTime is nginx's ngx_parse_http_time: seconds, or -1.
func parseHTTPTime(s string) int64 {
	t, err := http.ParseTime(strings.TrimSpace(s))
	if err != nil {
		return -1
	}
	return t.Unix()
}
