package server

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/phases"
)

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
	hr := parent.HTTP.Clone(context.WithoutCancel(parent.HTTP.Context()))
	hr.Method = sr.Method
	hr.URL.Path = sr.URI
	hr.URL.RawQuery = sr.Args
	hr.RequestURI = parent.HTTP.RequestURI
	if sr.HasBody {
		n := int64(len(sr.Body))
		if sr.BodyFile != "" {
			if fi, err := os.Stat(sr.BodyFile); err == nil {
				n = fi.Size()
			}
		}
		hr.Body = io.NopCloser(bytes.NewReader(sr.Body))
		hr.ContentLength = n
		hr.Header.Set("Content-Length", strconv.FormatInt(n, 10))
	} else {
		hr.Body = http.NoBody
		hr.ContentLength = 0
		if !sr.Unread {
			hr.Header.Del("Content-Length")
		}
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
		// a subrequest never reads the client: it has the body it is given
		BodyRead:   true,
		Body:       sr.Body,
		BodyFile:   sr.BodyFile,
		BodyOnFile: sr.BodyFile != "",
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
	res := s.captured(st, r, code)
	res.Spell = r.HeaderCase // the names as the subrequest's Lua spelled them
	return res
}

// captured builds what ngx.location.capture returns from the end of a
// subrequest. nginx hands the capture its result before it would send an
// error page, so a status ending the subrequest before its headers gives
// an empty, truncated body; a body that never got its last buffer (a Lua
// error after output, HEAD) is truncated too.
func (s *Server) captured(st *state, r *phases.Request, code int) *phases.SubResponse {
	out := r.Out.(*response)
	w := out.w.(*captureWriter)
	main := r
	for main.Parent != nil {
		main = main.Parent
	}
	switch {
	case code == 444 || code == http.StatusRequestTimeout || code == 499 || main.Terminated.Load():
		// these end the whole request: the client connection closes
		main.Terminated.Store(true)
		if r.HeaderSent && !r.Finished {
			// nginx still passes the last buffer through the filters
			out.Write(r, nil, true)
		}
		return &phases.SubResponse{Status: code, Header: w.h, Truncated: true}
	case code == config.Abort:
		out.Drain()
		return &phases.SubResponse{Status: r.Status, Header: w.h, Body: w.body.Bytes(), Truncated: true}
	case code == config.Done || code == config.Continue || r.HeaderSent:
		if !r.Finished {
			out.Write(r, nil, true)
		}
		out.Drain()
		status := r.Status
		if w.status != 0 {
			status = w.status
		}
		// a 204 (ngx.exit(204)) goes out as a header only: no last buffer
		truncated := !out.eof || out.headOnly || status == http.StatusNoContent && w.body.Len() == 0
		return &phases.SubResponse{Status: status, Header: w.h, Body: w.body.Bytes(), Truncated: truncated}
	}
	if code < 0 {
		code = http.StatusInternalServerError
	}
	if _, ok := w.h["Content-Type"]; !ok && (code >= 200 || len(w.h) > 0) {
		if loc, ok := r.Loc.(*config.Location); ok {
			w.h["Content-Type"] = loc.DefaultTypeHdr()
		}
	}
	return &phases.SubResponse{Status: code, Header: w.h, Truncated: true}
}
