package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/goresty/goresty/internal/errlog"
)

// startH1 serves handler on the front end (behind the head checker).
func startH1(t *testing.T, handler http.HandlerFunc, fixed ...timeouts) (*h1Server, string) {
	t.Helper()
	h, addr, _ := startFrontEnd(t, handler, fixed...)
	return h, addr
}

// startFrontEnd is startH1 that also returns the error log's path.
func startFrontEnd(t *testing.T, handler http.HandlerFunc, fixed ...timeouts) (*h1Server, string, string) {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "error.log")
	lg, err := errlog.New([]errlog.Sink{{Path: logPath, Level: errlog.Info}})
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{Log: lg})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := newH1Server(s, "tcp:test", s.checkListener(ln, "tcp:test"))
	h.handler = handler
	if len(fixed) > 0 {
		h.fixed = &fixed[0]
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.Serve()
	}()
	t.Cleanup(func() {
		h.Close()
		<-done
		lg.Close()
	})
	return h, ln.Addr().String(), logPath
}

func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	return c, bufio.NewReader(c)
}

func readResp(t *testing.T, br *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestH1PipelinedRequestsAnsweredInOrder(t *testing.T) {
	_, addr := startH1(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "path="+r.URL.Path)
	})
	c, br := dial(t, addr)
	io.WriteString(c, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	for i, want := range []string{"path=/a", "path=/b", "path=/c"} {
		resp, body := readResp(t, br, "GET")
		if body != want {
			t.Fatalf("response %d: body %q, want %q", i, body, want)
		}
		// (ReadResponse turns "Connection: close" into resp.Close)
		if i < 2 && resp.Header.Get("Connection") != "keep-alive" || i == 2 && !resp.Close {
			t.Errorf("response %d: Connection %q close=%v", i, resp.Header.Get("Connection"), resp.Close)
		}
		if i < 2 && len(resp.TransferEncoding) != 1 {
			t.Errorf("response %d: a body of unknown length must go chunked, got %v", i, resp.TransferEncoding)
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("after Connection: close the server must close, got %v", err)
	}
}

func TestH1ExpectContinue(t *testing.T) {
	_, addr := startH1(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		io.WriteString(w, "got="+string(b))
	})
	c, br := dial(t, addr)
	io.WriteString(c, "POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("want 100 Continue before the body is sent, got %q, %v", line, err)
	}
	if blank, _ := br.ReadString('\n'); blank != "\r\n" {
		t.Fatalf("100 Continue must end with a blank line, got %q", blank)
	}
	io.WriteString(c, "hello")
	if _, body := readResp(t, br, "POST"); body != "got=hello" {
		t.Fatalf("body %q", body)
	}
}

func TestH1UnreadBodyIsDrainedAndConnectionKept(t *testing.T) {
	_, addr := startH1(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ignored the body of "+r.URL.Path)
	})
	c, br := dial(t, addr)
	io.WriteString(c, "POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789GET /two HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, body := readResp(t, br, "POST"); body != "ignored the body of /one" {
		t.Fatalf("first body %q", body)
	}
	if _, body := readResp(t, br, "GET"); body != "ignored the body of /two" {
		t.Fatalf("second body %q: the unread body must be skipped, not parsed as a request", body)
	}
}

func TestH1HTTP10BodyHeldForContentLength(t *testing.T) {
	_, addr := startH1(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "part1,")
		io.WriteString(w, "part2")
	})
	c, br := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	resp, body := readResp(t, br, "GET")
	if body != "part1,part2" || resp.ContentLength != 11 || resp.Header.Get("Connection") != "keep-alive" {
		t.Fatalf("got %q, length %d, Connection %q", body, resp.ContentLength, resp.Header.Get("Connection"))
	}
}

func TestH1ShutdownWaitsForActiveAndClosesIdle(t *testing.T) {
	before := runtime.NumGoroutine()
	started := make(chan struct{})
	release := make(chan struct{})
	h, addr := startH1(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(started)
			<-release
		}
		io.WriteString(w, "done "+r.URL.Path)
	})
	idle, idleBR := dial(t, addr)
	io.WriteString(idle, "GET /quick HTTP/1.1\r\nHost: x\r\n\r\n")
	readResp(t, idleBR, "GET")

	busy, busyBR := dial(t, addr)
	io.WriteString(busy, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started
	stopped := make(chan struct{})
	go func() {
		h.Shutdown(time.Now().Add(5 * time.Second))
		close(stopped)
	}()
	if _, err := idleBR.ReadByte(); err != io.EOF {
		t.Errorf("an idle connection must be closed by Shutdown, got %v", err)
	}
	select {
	case <-stopped:
		t.Fatal("Shutdown returned while a request was in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	resp, body := readResp(t, busyBR, "GET")
	if body != "done /slow" || !resp.Close {
		t.Errorf("in-flight request: body %q, close=%v (want its answer with Connection: close)", body, resp.Close)
	}
	<-stopped
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("the listener must be closed after Shutdown")
	}
	// no goroutine outlives the server: the accept loop and the
	// connections' goroutines are gone (the clients' sockets are closed
	// by the test, the server side by Shutdown)
	idle.Close()
	busy.Close()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before+1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+1 {
		t.Errorf("%d goroutines after Shutdown, %d before the server started", n, before)
	}
}

func TestH1AbortWatchSeesClientClose(t *testing.T) {
	gone := make(chan bool, 1)
	// the Lua runtime reaches this channel through phases.Request.ClientAbort
	_, addr := startH1(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-w.(*h1resp).c.Abort():
			gone <- true
		case <-time.After(3 * time.Second):
			gone <- false
		}
	})
	c, _ := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(50 * time.Millisecond)
	c.Close()
	if !<-gone {
		t.Fatal("the abort channel did not close when the client went away")
	}
}

func TestH1HeadAndNoBodyStatuses(t *testing.T) {
	_, addr := startH1(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/204" {
			w.WriteHeader(204)
		}
		io.WriteString(w, "body")
	})
	c, br := dial(t, addr)
	io.WriteString(c, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /204 HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := readResp(t, br, "HEAD")
	if body != "" || resp.StatusCode != 200 {
		t.Fatalf("HEAD: %d %q", resp.StatusCode, body)
	}
	resp, body = readResp(t, br, "GET")
	if body != "" || resp.StatusCode != 204 || strings.Contains(resp.Header.Get("Transfer-Encoding"), "chunked") {
		t.Fatalf("204: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if _, body = readResp(t, br, "GET"); body != "body" {
		t.Fatalf("the request after HEAD and 204 got %q", body)
	}
}

// send_timeout: a client that stops reading does not hold the connection;
// client_body_timeout: nor does one that stops sending its body.
func TestH1SendAndBodyTimeouts(t *testing.T) {
	type result struct {
		err     error
		elapsed time.Duration
	}
	got := make(chan result, 1)
	_, addr := startH1(t, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if r.URL.Path == "/body" {
			_, err := io.ReadAll(r.Body)
			got <- result{err, time.Since(start)}
			return
		}
		chunk := make([]byte, 1<<20)
		for i := 0; i < 256; i++ { // far more than the socket buffers hold
			if _, err := w.Write(chunk); err != nil {
				got <- result{err, time.Since(start)}
				return
			}
			w.(http.Flusher).Flush()
		}
		got <- result{nil, time.Since(start)}
	}, timeouts{keep: time.Minute, header: time.Minute, body: 200 * time.Millisecond, send: 200 * time.Millisecond})

	c, _ := dial(t, addr)
	io.WriteString(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
	r := <-got
	if r.err == nil || r.elapsed > 4*time.Second {
		t.Errorf("writing to a client that does not read: error %v after %v, want a timeout", r.err, r.elapsed)
	}

	c2, _ := dial(t, addr)
	io.WriteString(c2, "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
	r = <-got
	if !isTimeout(r.err) || r.elapsed > 4*time.Second {
		t.Errorf("reading a body that stops coming: error %v after %v, want a timeout", r.err, r.elapsed)
	}
}

// TestH1LocationPlace: a Location from one of nginx's own redirects goes in
// nginx's fixed place before Connection; any other follows it, as nginx
// writes them.
func TestH1LocationPlace(t *testing.T) {
	_, addr := startH1(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "/x")
		w.(*h1resp).locFirst = r.URL.Path == "/own"
		w.WriteHeader(http.StatusFound)
	})
	for path, first := range map[string]bool{"/own": true, "/lua": false} {
		c, br := dial(t, addr)
		io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: a\r\n\r\n")
		var head strings.Builder
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if line == "\r\n" {
				break
			}
			head.WriteString(line)
		}
		loc, conn := strings.Index(head.String(), "\r\nLocation: /x\r\n"), strings.Index(head.String(), "\r\nConnection: ")
		if loc < 0 || conn < 0 || (loc < conn) != first {
			t.Errorf("%s: Location before Connection should be %v: %q", path, first, head.String())
		}
	}
}
