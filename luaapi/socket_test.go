package luaapi_test

import (
	"bufio"
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goresty/goresty/internal/testserver"
)

// scenarioServer is the Go twin of testdata/socket/srv.py: the first line
// a client sends picks what the server does.
type scenarioServer struct {
	tcp  net.Listener
	udp  net.PacketConn
	stop chan struct{}
	wg   sync.WaitGroup
}

const (
	scenarioPayload = "line1\r\nline2\nab\r\ncdpartial"
	scenarioMIME    = "hello--abc--world--ab--abcd--abc"
)

func startScenarioServer(t testing.TB) *scenarioServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &scenarioServer{tcp: ln, udp: pc, stop: make(chan struct{})}
	s.wg.Add(2)
	go s.acceptLoop()
	go s.udpLoop()
	t.Cleanup(func() {
		close(s.stop)
		ln.Close()
		pc.Close()
		s.wg.Wait()
	})
	return s
}

func (s *scenarioServer) port() int    { return s.tcp.Addr().(*net.TCPAddr).Port }
func (s *scenarioServer) udpPort() int { return s.udp.LocalAddr().(*net.UDPAddr).Port }

func (s *scenarioServer) acceptLoop() {
	defer s.wg.Done()
	for {
		c, err := s.tcp.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handle(c.(*net.TCPConn))
		}()
	}
}

func (s *scenarioServer) sleep(d time.Duration) {
	select {
	case <-time.After(d):
	case <-s.stop:
	}
}

func (s *scenarioServer) handle(c *net.TCPConn) {
	defer c.Close()
	go func() {
		<-s.stop
		c.Close()
	}()
	br := bufio.NewReader(c)
	cmd, err := br.ReadString('\n')
	if err != nil {
		return
	}
	switch strings.TrimSpace(cmd) {
	case "echo":
		buf := make([]byte, 4096)
		for {
			n, err := br.Read(buf)
			if n > 0 {
				c.Write(buf[:n])
			}
			if err != nil {
				return
			}
		}
	case "payload", "mime":
		data := scenarioPayload
		if strings.TrimSpace(cmd) == "mime" {
			data = scenarioMIME
		}
		c.Write([]byte(data))
		c.CloseWrite()
		s.sleep(200 * time.Millisecond)
	case "slow":
		c.Write([]byte("abc"))
		s.sleep(2 * time.Second)
	case "silent":
		s.sleep(2 * time.Second)
	}
}

func (s *scenarioServer) udpLoop() {
	defer s.wg.Done()
	buf := make([]byte, 65536)
	for {
		n, addr, err := s.udp.ReadFrom(buf)
		if err != nil {
			return
		}
		if string(buf[:n]) == "silent" {
			continue
		}
		s.udp.WriteTo(append([]byte("echo:"), buf[:n]...), addr)
	}
}

// startTLSEcho is the Go twin of testdata/socket/tls.py.
func startTLSEcho(t testing.TB) int {
	t.Helper()
	cert, err := tls.LoadX509KeyPair("testdata/socket/cert.pem", "testdata/socket/key.pem")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				buf := make([]byte, 4096)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						c.Write(buf[:n])
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().(*net.TCPAddr).Port
}

// freePort returns a loopback port nothing listens on.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return p
}

// refusedPort returns a port of 127.0.0.1 that refuses connections for
// the rest of the test: a socket bound to it that never listens keeps
// other sockets (listeners of tests running beside this one, the local
// end of an outgoing connection) off it, where a port closed after
// listening could be taken again.
func refusedPort(t testing.TB) int {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return sa.(*syscall.SockaddrInet4).Port
}

// oracleCase is one "== name" section of testdata/socket/cases.out.
type oracleCase struct {
	name string
	want string
}

func readOracleCases(t *testing.T) []oracleCase {
	t.Helper()
	b, err := os.ReadFile("testdata/socket/cases.out")
	if err != nil {
		t.Fatal(err)
	}
	var cases []oracleCase
	for _, sec := range strings.Split(string(b), "== ")[1:] {
		name, body, _ := strings.Cut(sec, "\n")
		cases = append(cases, oracleCase{name: name, want: body})
	}
	return cases
}

// logLineRE picks level and message out of nginx and goresty log lines
// (goresty's have the date; oracle lines were stripped of it).
var logLineRE = regexp.MustCompile(`\[(\w+)\] \d+#\d*:? (?:\*\d+ )?(.*?)(?:, client: .*case=(\w+)&.*)?$`)

var hexPtrRE = regexp.MustCompile(`\b([uc]):([0-9A-F]{16})`)

// normLog keeps what must match: level, message (pointers reduced to
// zero or not), and the case that logged it.
func normLog(text string) map[string][]string {
	out := map[string][]string{}
	for _, line := range strings.Split(text, "\n") {
		m := logLineRE.FindStringSubmatch(line)
		if m == nil || m[3] == "" {
			continue
		}
		msg := hexPtrRE.ReplaceAllStringFunc(m[2], func(s string) string {
			if strings.Trim(s[2:], "0") == "" {
				return s[:2] + "0"
			}
			return s[:2] + "P"
		})
		out[m[3]] = append(out[m[3]], "["+m[1]+"] "+msg)
	}
	return out
}

var funcAddrRE = regexp.MustCompile(`function: (builtin: )?0x[0-9a-f]+`)

// normBody maps the differences that are not behaviour: addresses, and
// LuaJIT's cdata session type (a userdata in goresty).
func normBody(s string) string {
	s = funcAddrRE.ReplaceAllString(s, "function: X")
	return strings.ReplaceAll(s, `"cdata"`, `"userdata"`)
}

// knownDiffs are differences from nginx that are not this package's:
// each rewrites a line of the oracle's output for one case.
var knownDiffs = map[string][][2]string{
	// cosocket dials with Go's default TCP keepalive on; nginx leaves
	// SO_KEEPALIVE off
	"misc": {{"\n1: 0\n", "\n1: 1\n"}},
}

// TestSocketOracle replays testdata/socket/cases.lua, whose output and
// error log were captured from nginx + lua-nginx-module by oracle.sh.
// The cases share one keepalive pool and run once, in file order, as
// they did against nginx.
func TestSocketOracle(t *testing.T) {
	srv := startScenarioServer(t)
	tlsPort := startTLSEcho(t)
	closed := refusedPort(t)
	dir, _ := filepath.Abs("testdata/socket")
	s := testserver.Boot(t, `
		location /t {
			lua_ssl_trusted_certificate `+dir+`/cert.pem;
			content_by_lua_file `+dir+`/cases.lua;
		}
		location /noca { content_by_lua_file `+dir+`/cases.lua; }`)
	oracleLog, err := os.ReadFile("testdata/socket/error.log.out")
	if err != nil {
		t.Fatal(err)
	}
	wantLog := normLog(string(oracleLog))
	q := "&tcp=" + strconv.Itoa(srv.port()) + "&udp=" + strconv.Itoa(srv.udpPort()) +
		"&closed=" + strconv.Itoa(closed) + "&tls=" + strconv.Itoa(tlsPort)
	for _, c := range readOracleCases(t) {
		t.Run(c.name, func(t *testing.T) {
			loc := "/t"
			if c.name == "ssl_noca" {
				loc = "/noca"
			}
			status, body, _ := s.Get(loc + "?case=" + c.name + q)
			if status != 200 {
				t.Fatalf("status %d, body %q\nerror log:\n%s", status, body, s.ErrorLog())
			}
			want := c.want
			for _, d := range knownDiffs[c.name] {
				want = strings.Replace(want, d[0], d[1], 1)
			}
			if got, want := normBody(body), normBody(want); got != want {
				t.Errorf("body:\n%s\nwant (nginx):\n%s", got, want)
			}
			gotLog := normLog(s.ErrorLog())[c.name]
			if strings.Join(gotLog, "\n") != strings.Join(wantLog[c.name], "\n") {
				t.Errorf("error log:\n%s\nwant (nginx):\n%s", strings.Join(gotLog, "\n"), strings.Join(wantLog[c.name], "\n"))
			}
		})
	}
}
