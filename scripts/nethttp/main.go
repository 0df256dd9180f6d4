// Command nethttp is the bare Go net/http server that goresty's front end is
// measured against (scripts/bench-front.sh): "/hello" answers "hello\n" and
// every other path is served from -root with http.FileServer.
package main

import (
	"flag"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18501", "listen address")
	root := flag.String("root", ".", "document root")
	flag.Parse()
	files := http.FileServer(http.Dir(*root))
	hello := []byte("hello\n")
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hello" {
			w.Header().Set("Content-Type", "text/plain")
			w.Write(hello)
			return
		}
		files.ServeHTTP(w, r)
	})))
}
