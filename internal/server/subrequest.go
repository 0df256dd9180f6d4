package server

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/phases"
)

// maxSubrequestDepth is nginx's limit on nested subrequests.
const maxSubrequestDepth = 50

// captureWriter is the ResponseWriter of a subrequest: it keeps everything.
type captureWriter struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (c *captureWriter) Header() http.Header { return c.h }
func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}
func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}

// capture runs a subrequest of parent (ngx.location.capture) through the
// phases of its location and returns what it produced.
func (s *Server) capture(st *state, parent *phases.Request, sr *phases.SubRequest) *phases.SubResponse {
	depth := 0
	for p := parent; p.Parent != nil; p = p.Parent {
		depth++
	}
	if depth >= maxSubrequestDepth {
		return &phases.SubResponse{Status: http.StatusInternalServerError, Header: http.Header{}}
	}
	hr := parent.HTTP.Clone(context.WithoutCancel(parent.HTTP.Context()))
	hr.Method = sr.Method
	hr.URL.Path = sr.URI
	hr.URL.RawQuery = sr.Args
	hr.RequestURI = parent.HTTP.RequestURI
	if sr.HasBody {
		hr.Body = io.NopCloser(bytes.NewReader(sr.Body))
		hr.ContentLength = int64(len(sr.Body))
		hr.Header.Set("Content-Length", itoa(len(sr.Body)))
	} else {
		hr.Body = http.NoBody
		hr.ContentLength = 0
		hr.Header.Del("Content-Length")
	}
	r := &phases.Request{
		HTTP:       hr,
		Start:      parent.Start,
		Method:     sr.Method,
		URI:        sr.URI,
		Args:       sr.Args,
		RequestURI: parent.RequestURI,
		Proto:      parent.Proto,
		Host:       parent.Host,
		Scheme:     parent.Scheme,
		RemoteAddr: parent.RemoteAddr,
		RemotePort: parent.RemotePort,
		LocalAddr:  parent.LocalAddr,
		ConnID:     parent.ConnID,
		ConnReqs:   parent.ConnReqs,
		Internal:   true,
		Subrequest: true,
		Parent:     parent,
		Server:     parent.Server,
		ServerName: parent.ServerName,
		Prefix:     parent.Prefix,
		Vars:       parent.Vars,
		Worker:     parent.Worker,
		Ctx:        sr.Ctx,
		Srv:        parent.Srv,
	}
	r.Loc = parent.Server.(*config.Server).Conf
	switch {
	case sr.ShareAllVars:
		r.UserVars, r.UserSet = parent.UserVars, parent.UserSet
	case sr.CopyAllVars:
		r.UserVars = append([]string(nil), parent.UserVars...)
		r.UserSet = append([]bool(nil), parent.UserSet...)
	default:
		r.UserVars = make([]string, len(parent.UserVars))
		r.UserSet = make([]bool, len(parent.UserSet))
	}
	for name, v := range sr.Vars {
		if vv := r.Vars.Lookup(strings.TrimPrefix(name, "$")); vv != nil {
			if vv.User >= 0 {
				r.SetUserVar(vv.User, v)
			} else if vv.Set != nil {
				vv.Set(r, v)
			}
		}
	}
	w := &captureWriter{h: http.Header{}}
	r.Header = w.h // the handlers' headers are the response's
	out := &response{s: s, w: w, r: r, headOnly: sr.Method == http.MethodHead}
	r.Out = out
	code := s.process(st, r)
	s.finish(st, r, code)
	out.Drain()
	status := r.Status
	if w.status != 0 {
		status = w.status
	}
	// a subrequest that failed after its output began is cut short
	truncated := out.aborted || out.failed
	return &phases.SubResponse{Status: status, Header: w.h, Body: w.body.Bytes(), Truncated: truncated}
}
