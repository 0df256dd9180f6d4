package main

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/goresty/goresty"
	"github.com/goresty/goresty/internal/testserver"
)

func TestEmbedZlib(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	dir := t.TempDir()
	conf, _ := os.ReadFile("nginx.conf")
	os.WriteFile(dir+"/nginx.conf", []byte(strings.ReplaceAll(string(conf), "127.0.0.1:8080", "127.0.0.1:"+port)), 0o644)
	goresty.RegisterModule("zlib", OpenZlib)
	srv, err := goresty.Start(dir, "nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(false)
	testserver.Replay(t, testserver.ReadmeExchanges(t, "README.md"), "http://127.0.0.1:"+port)
}
