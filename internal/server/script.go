package server

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/phases"
)

type regexpT = regexp.Regexp

// runScript runs rewrite-module instructions. It returns the code to finish
// with (Continue to go on) and again=true when "rewrite ... last" changed
// the URI and the location must be found anew.
func (s *Server) runScript(r *phases.Request, ops []config.Op) (int, bool) {
	code, again, _ := s.runOps(r, ops)
	return code, again
}

// runOps runs instructions; stopped reports a "break" (or a rewrite with
// last/break), which ends the whole script, not just an "if" block.
func (s *Server) runOps(r *phases.Request, ops []config.Op) (int, bool, bool) {
	changed := false // a rewrite without flag changed the URI: find the location again at the end
	for i := range ops {
		op := &ops[i]
		switch op.Kind {
		case config.OpSet:
			v := op.Val.Eval(r)
			if op.Var.User >= 0 {
				r.SetUserVar(op.Var.User, v)
			} else if op.Var.Set != nil {
				op.Var.Set(r, v)
			}
		case config.OpHandler:
			v, err := op.Handler.Run(r)
			if err != nil {
				return http.StatusInternalServerError, false, true
			}
			if op.Var.User >= 0 {
				r.SetUserVar(op.Var.User, v)
			}
		case config.OpBreak:
			return config.Continue, false, true
		case config.OpReturn:
			return s.doReturn(r, op), false, true
		case config.OpIf:
			if op.Cond.Eval(r) {
				// the if block's configuration applies; its instructions run
				// and then the script goes on after the block
				s.setLoc(r, op.Loc)
				code, again, stopped := s.runOps(r, op.Loc.Script)
				if stopped || code != config.Continue {
					return code, again, true
				}
				changed = changed || again
			}
		case config.OpRewrite:
			code, again, stop := s.doRewrite(r, op)
			if stop || code != config.Continue {
				return code, again, true
			}
			changed = changed || again
		}
	}
	return config.Continue, changed, false
}

func (s *Server) doReturn(r *phases.Request, op *config.Op) int {
	code := op.Code
	text := ""
	if op.Val == nil {
		switch {
		case code >= 400, code == 301, code == 302, code == 303, code == 307, code == 308:
			return code
		}
		// below 400 nginx answers with an empty body of the default
		// type, not with a special response
	} else {
		text = op.Val.Eval(r)
	}
	if code == 301 || code == 302 || code == 303 || code == 307 || code == 308 {
		if strings.HasPrefix(text, "/") {
			text = absoluteURL(r, text)
			r.LocationFirst = true
		}
		r.Header.Set("Location", text)
		return code
	}
	if code >= 400 && text == "" {
		return code
	}
	r.Status = code
	loc := r.Loc.(*config.Location)
	r.Header.Set("Content-Type", loc.DefaultType)
	r.Header.Set("Content-Length", itoa(len(text)))
	if text == "" && r.Subrequest {
		// nginx sends no last buffer for an empty text in a subrequest:
		// the capture reports it truncated
		r.Out.SendHeader(r)
		r.Finished = true
		return config.Done
	}
	r.Out.Write(r, []byte(text), true)
	return config.Done
}

// doRewrite applies one "rewrite". stop means "break" semantics (no more
// rewrite-module instructions).
func (s *Server) doRewrite(r *phases.Request, op *config.Op) (code int, again, stop bool) {
	if !config.MatchCaptures(op.Re, r.URI, r) {
		return config.Continue, false, false
	}
	target := op.Repl.Eval(r)
	if op.Redir || op.Flag == "redirect" || op.Flag == "permanent" {
		// the original arguments follow the new ones unless the
		// replacement ends with "?"
		if !op.DropArgs && r.Args != "" {
			if strings.Contains(target, "?") {
				target += "&" + r.Args
			} else {
				target += "?" + r.Args
			}
		}
		if strings.HasPrefix(target, "/") {
			target = absoluteURL(r, target)
			r.LocationFirst = true
		}
		r.Header.Set("Location", target)
		if op.Flag == "permanent" {
			return http.StatusMovedPermanently, false, true
		}
		return http.StatusFound, false, true
	}
	uri, args, hasQ := strings.Cut(target, "?")
	r.URI = uri
	switch {
	case op.DropArgs:
		r.Args = args
	case hasQ && r.Args != "":
		r.Args = args + "&" + r.Args
	case hasQ:
		r.Args = args
	}
	switch op.Flag {
	case "last":
		return config.Continue, true, true
	case "break":
		return config.Continue, false, true
	}
	// no flag: the script goes on, and the location is searched again after it
	return config.Continue, true, false
}

func isRedirect(code int) bool {
	return code == 301 || code == 302 || code == 303 || code == 307 || code == 308
}

func absoluteURL(r *phases.Request, p string) string {
	if loc, ok := r.Loc.(*config.Location); ok && loc.RelativeRedirect || r.Subrequest {
		// nginx completes a relative Location in the header filter, which
		// subrequests do not go through
		return p
	}
	host := r.HTTP.Host
	if host == "" {
		host = r.ServerName
	}
	return r.Scheme + "://" + host + p
}
