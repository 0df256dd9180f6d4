package server

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

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
	// open, then fstat, as nginx does (one path lookup instead of two)
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return s.openError(r, loc, path, &fs.PathError{Op: "open", Path: path, Err: err})
	}
	f := fileFD(fd)
	defer f.Close()
	var sys syscall.Stat_t
	if err := syscall.Fstat(fd, &sys); err != nil {
		return s.openError(r, loc, path, &fs.PathError{Op: "fstat", Path: path, Err: err})
	}
	if sys.Mode&syscall.S_IFMT == syscall.S_IFDIR {
		target := uri + "/"
		if r.Args != "" {
			target += "?" + r.Args
		}
		r.Header.Set("Location", absoluteURL(r, target))
		r.LocationFirst = true
		return http.StatusMovedPermanently
	}
	if r.Method == http.MethodPost {
		return http.StatusMethodNotAllowed
	}
	return s.sendFile(r, loc, path, f, time.Unix(sys.Mtim.Unix()), sys.Size)
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

// sendFile sends the open file f (open(2) itself, read with pread(2): os.File
// would add an fstat to learn that a regular file cannot use the poller).
func (s *Server) sendFile(r *phases.Request, loc *config.Location, path string, f fileFD, mtime time.Time, size int64) int {
	out := r.Out.(*response)
	r.Header.Set("Content-Type", mimeType(loc, path))
	mod := mtime.UTC()
	r.Header["Last-Modified"] = []string{httpTime(mod)}
	if loc.Etag {
		r.Header["Etag"] = []string{`"` + strconv.FormatInt(mod.Unix(), 16) + "-" + strconv.FormatInt(size, 16) + `"`}
	}
	if !r.Subrequest {
		// the range filter (which adds Accept-Ranges) skips subrequests
		r.Header.Set("Accept-Ranges", "bytes")
	}
	if r.Status == 0 {
		r.Status = http.StatusOK
	}
	if r.Status != http.StatusOK || len(loc.Handlers[phases.BodyFilter]) > 0 || r.Internal && r.Status != 200 || r.Subrequest {
		// (a subrequest's body is captured whole, and the not-modified
		// and range filters do not apply to it)
		data, err := os.ReadFile(path)
		if err != nil {
			return s.openError(r, loc, path, err)
		}
		r.Header.Set("Content-Length", strconv.Itoa(len(data)))
		out.Write(r, data, true)
		return config.Done
	}
	// If-Modified-Since and If-None-Match are the not-modified filter's,
	// in SendHeader, as for every response
	start, end := int64(0), size
	var parts *multipart
	var ranges []byteRange
	if h := r.HTTP.Header.Get("Range"); h != "" {
		var rangeStatus int
		ranges, rangeStatus = parseRanges(h, size)
		switch {
		case rangeStatus == http.StatusRequestedRangeNotSatisfiable:
			r.Header.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
			delete(r.Header, "Accept-Ranges") // nginx's range filter drops it from 206 and 416
			return http.StatusRequestedRangeNotSatisfiable
		case rangeStatus == http.StatusPartialContent && len(ranges) == 1:
			r.Status = http.StatusPartialContent
			delete(r.Header, "Accept-Ranges")
			start, end = ranges[0].start, ranges[0].end
			r.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end-1, size))
		case rangeStatus == http.StatusPartialContent:
			// several ranges: multipart/byteranges, each part with the
			// file's type (and charset) as nginx's range filter writes it
			r.Status = http.StatusPartialContent
			delete(r.Header, "Accept-Ranges")
			parts = newMultipart(ranges, loc.CharsetFor(r.Header.Get("Content-Type")), size)
			r.Header.Set("Content-Type", "multipart/byteranges; boundary="+parts.boundary)
		}
	}
	if parts != nil {
		r.Header.Set("Content-Length", strconv.FormatInt(parts.size, 10))
	} else {
		r.Header.Set("Content-Length", strconv.FormatInt(end-start, 10))
	}
	sent := r.Status
	out.SendHeader(r)
	switch {
	case out.failed:
		return config.Abort // a header filter failed: the connection closes
	case out.replaced:
		return config.Done // ngx.exit in a header filter: its page is pending
	case r.Status != sent:
		// the not-modified filter answered (304, 412): no file goes out
		out.Write(r, nil, true)
		return config.Done
	}
	out.Drain()
	if r.Method == http.MethodHead {
		r.Finished = true
		return config.Done
	}
	buf := fileBufs.Get().(*[]byte)
	var n int64
	if parts != nil {
		for i, rg := range ranges {
			io.WriteString(out.w, parts.heads[i])
			io.CopyBuffer(out.w, io.NewSectionReader(f, rg.start, rg.end-rg.start), *buf)
		}
		io.WriteString(out.w, parts.tail)
		n = parts.size
	} else {
		n, _ = io.CopyBuffer(out.w, io.NewSectionReader(f, start, end-start), *buf)
	}
	fileBufs.Put(buf)
	r.BodySent = n
	r.Finished = true
	return config.Done
}

// httpTime formats t for Last-Modified; the last result is kept, as the
// same files are asked for again and again.
func httpTime(t time.Time) string {
	sec := t.Unix()
	if c := lastModified.Load(); c != nil && c.sec == sec {
		return c.s
	}
	c := &timeString{sec: sec, s: t.UTC().Format(http.TimeFormat)}
	lastModified.Store(c)
	return c.s
}

type timeString struct {
	sec int64
	s   string
}

var lastModified atomic.Pointer[timeString]

// fileFD is an open file read with pread(2), without os.File's poller
// bookkeeping.
type fileFD int

func (f fileFD) ReadAt(p []byte, off int64) (int, error) {
	n, err := syscall.Pread(int(f), p, off)
	if err != nil {
		return 0, &fs.PathError{Op: "read", Err: err}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f fileFD) Close() error { return syscall.Close(int(f)) }

// fileBufs are the buffers files are copied through (io.Copy would
// allocate 32 KB per response).
var fileBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// byteRange is one range of a file: [start, end).
type byteRange struct{ start, end int64 }

// parseRanges parses a "bytes=" Range header as nginx's range filter does:
// a bad header serves the whole file (200), ranges that start past the end
// are dropped, none left is 416, and ranges adding up to more than the
// file serve it whole.
func parseRanges(h string, size int64) ([]byteRange, int) {
	if !strings.HasPrefix(h, "bytes=") {
		return nil, http.StatusOK
	}
	var rs []byteRange
	var total int64
	for _, spec := range strings.Split(h[6:], ",") {
		start, end, status := parseRange(spec, size)
		switch status {
		case http.StatusOK:
			return nil, http.StatusOK
		case http.StatusRequestedRangeNotSatisfiable:
			continue
		}
		rs = append(rs, byteRange{start, end})
		total += end - start
	}
	switch {
	case len(rs) == 0:
		return nil, http.StatusRequestedRangeNotSatisfiable
	case total > size:
		return nil, http.StatusOK
	}
	return rs, http.StatusPartialContent
}

// parseRange parses one range of a Range header: 206 with the range, 416
// when it starts past the end, 200 when it is malformed.
func parseRange(spec string, size int64) (start, end int64, status int) {
	a, b, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return 0, size, http.StatusOK
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	switch {
	case a == "" && b == "":
		return 0, size, http.StatusOK
	case a == "":
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil {
			return 0, size, http.StatusOK
		}
		if n > size {
			n = size
		}
		if n == 0 {
			return 0, 0, http.StatusRequestedRangeNotSatisfiable
		}
		return size - n, size, http.StatusPartialContent
	}
	s, err := strconv.ParseInt(a, 10, 64)
	if err != nil {
		return 0, size, http.StatusOK
	}
	e := size - 1
	if b != "" {
		if e, err = strconv.ParseInt(b, 10, 64); err != nil || e < s {
			return 0, size, http.StatusOK
		}
		if e >= size {
			e = size - 1
		}
	}
	if s >= size {
		return 0, 0, http.StatusRequestedRangeNotSatisfiable
	}
	return s, e + 1, http.StatusPartialContent
}

// rangeBoundary numbers the boundaries of multipart answers, as nginx's
// ngx_next_temp_number does (20 digits, from 1).
var rangeBoundary atomic.Uint64

// multipart is the layout of a multipart/byteranges answer: the part heads
// (each before its range) and the closing line.
type multipart struct {
	boundary string
	heads    []string
	tail     string
	size     int64 // the whole body
}

func newMultipart(rs []byteRange, contentType string, size int64) *multipart {
	boundary := fmt.Sprintf("%020d", rangeBoundary.Add(1))
	m := &multipart{boundary: boundary, tail: "\r\n--" + boundary + "--\r\n"}
	total := strconv.FormatInt(size, 10)
	for _, rg := range rs {
		head := "\r\n--" + boundary + "\r\nContent-Type: " + contentType + "\r\nContent-Range: bytes " +
			strconv.FormatInt(rg.start, 10) + "-" + strconv.FormatInt(rg.end-1, 10) + "/" + total + "\r\n\r\n"
		m.heads = append(m.heads, head)
		m.size += int64(len(head)) + rg.end - rg.start
	}
	m.size += int64(len(m.tail))
	return m
}

// tryFiles implements try_files; redirected reports that processing moved on.
func (s *Server) tryFiles(st *state, r *phases.Request, loc *config.Location, tf *config.TryFiles) (int, bool) {
	for i, fv := range tf.Files {
		name := fv.Eval(r)
		dirOnly := tf.Dirs[i]
		path := filePath(r, loc, name)
		fi, err := os.Stat(path)
		if err != nil {
			continue
		}
		if dirOnly != fi.IsDir() {
			continue
		}
		// nginx keeps the name without the trailing slash: a directory
		// then gets the usual 301 to "name/"
		if dirOnly {
			name = name[:len(name)-1]
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
