package server

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/phases"
)

func itoa(n int) string { return strconv.Itoa(n) }

// filePath maps the URI to a file under root or alias.
func filePath(r *phases.Request, loc *config.Location, uri string) string {
	if loc.Alias && loc.Re == nil {
		rest := strings.TrimPrefix(uri, loc.Pattern)
		return r.DocRoot + "/" + strings.TrimPrefix(rest, "/")
	}
	if loc.Alias {
		return r.DocRoot
	}
	return r.DocRoot + uri
}

// static is the default content handler: index files, directories, files.
func (s *Server) static(r *phases.Request, loc *config.Location) int {
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPost {
		return http.StatusMethodNotAllowed
	}
	uri := r.URI
	if strings.HasSuffix(uri, "/") {
		return s.index(r, loc)
	}
	path := filePath(r, loc, uri)
	st, err := os.Stat(path)
	if err != nil {
		return s.openError(r, loc, path, err)
	}
	if st.IsDir() {
		target := uri + "/"
		if r.Args != "" {
			target += "?" + r.Args
		}
		r.Header.Set("Location", absoluteURL(r, target))
		return http.StatusMovedPermanently
	}
	if r.Method == http.MethodPost {
		return http.StatusMethodNotAllowed
	}
	return s.sendFile(r, loc, path, st)
}

func (s *Server) openError(r *phases.Request, loc *config.Location, path string, err error) int {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if loc.LogNotFound {
			s.logReq(r, errlog.Error, fmt.Sprintf(`open() "%s" failed (2: No such file or directory)`, path))
		}
		return http.StatusNotFound
	case errors.Is(err, fs.ErrPermission):
		s.logReq(r, errlog.Error, fmt.Sprintf(`open() "%s" failed (13: Permission denied)`, path))
		return http.StatusForbidden
	}
	if pe, ok := err.(*fs.PathError); ok && strings.Contains(pe.Err.Error(), "not a directory") {
		if loc.LogNotFound {
			s.logReq(r, errlog.Error, fmt.Sprintf(`open() "%s" failed (20: Not a directory)`, path))
		}
		return http.StatusNotFound
	}
	s.logReq(r, errlog.Crit, fmt.Sprintf(`open() "%s" failed (%v)`, path, err))
	return http.StatusInternalServerError
}

func (s *Server) index(r *phases.Request, loc *config.Location) int {
	dir := filePath(r, loc, r.URI)
	for _, iv := range loc.Index {
		name := iv.Eval(r)
		if strings.HasPrefix(name, "/") {
			return s.internalRedirect(s.cur.Load(), r, name, "")
		}
		st, err := os.Stat(dir + name)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return s.openError(r, loc, dir+name, err)
		}
		if st.IsDir() {
			continue
		}
		// nginx redirects internally to the index URI
		return s.internalRedirect(s.cur.Load(), r, r.URI+name, "")
	}
	st, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			s.logReq(r, errlog.Error, fmt.Sprintf(`"%s" is not found (2: No such file or directory)`, dir))
			return http.StatusNotFound
		}
		return s.openError(r, loc, dir, err)
	}
	if st.IsDir() {
		s.logReq(r, errlog.Error, fmt.Sprintf(`directory index of "%s" is forbidden`, dir))
		return http.StatusForbidden
	}
	return http.StatusNotFound
}

func mimeType(loc *config.Location, path string) string {
	ext := filepath.Ext(path)
	if ext != "" {
		if t, ok := loc.Types[strings.ToLower(ext[1:])]; ok {
			return t
		}
	}
	return loc.DefaultType
}

func (s *Server) sendFile(r *phases.Request, loc *config.Location, path string, st os.FileInfo) int {
	f, err := os.Open(path)
	if err != nil {
		return s.openError(r, loc, path, err)
	}
	defer f.Close()
	out := r.Out.(*response)
	r.Header.Set("Content-Type", mimeType(loc, path))
	mod := st.ModTime().UTC()
	r.Header.Set("Last-Modified", mod.Format(http.TimeFormat))
	if loc.Etag {
		r.Header.Set("ETag", fmt.Sprintf(`"%x-%x"`, mod.Unix(), st.Size()))
	}
	r.Header.Set("Accept-Ranges", "bytes")
	if r.Status == 0 {
		r.Status = http.StatusOK
	}
	if r.Status != http.StatusOK || len(loc.Handlers[phases.BodyFilter]) > 0 || r.Internal && r.Status != 200 {
		data, err := os.ReadFile(path)
		if err != nil {
			return s.openError(r, loc, path, err)
		}
		r.Header.Set("Content-Length", strconv.Itoa(len(data)))
		out.Write(r, data, true)
		return config.Done
	}
	out.SendHeader(r)
	w := out.w
	h := w.Header()
	for k, vs := range r.Header {
		h[k] = vs
	}
	if loc.ServerTokens {
		h["Server"] = serverFull
	} else {
		h["Server"] = serverShort
	}
	out.wrote = true
	rec := &statusRecorder{ResponseWriter: w}
	http.ServeContent(rec, r.HTTP, "", mod, f)
	r.Status = rec.status
	r.BodySent = rec.n
	r.Finished = true
	return config.Done
}

// statusRecorder notes what http.ServeContent sent.
type statusRecorder struct {
	http.ResponseWriter
	status int
	n      int64
}

func (w *statusRecorder) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

// tryFiles implements try_files; redirected reports that processing moved on.
func (s *Server) tryFiles(st *state, r *phases.Request, loc *config.Location, tf *config.TryFiles) (int, bool) {
	for _, fv := range tf.Files {
		name := fv.Eval(r)
		dirOnly := strings.HasSuffix(name, "/")
		path := filePath(r, loc, name)
		fi, err := os.Stat(strings.TrimSuffix(path, "/"))
		if err != nil {
			continue
		}
		if dirOnly != fi.IsDir() {
			continue
		}
		r.URI = name
		return config.Continue, false
	}
	if tf.Code != 0 {
		return tf.Code, true
	}
	uri, args, _ := strings.Cut(tf.Last.Eval(r), "?")
	return s.internalRedirect(st, r, uri, args), true
}
