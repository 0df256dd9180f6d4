package nginxconf

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// FuzzParse checks that no input panics, that results are well formed and
// that printing a result and parsing it again gives the same tree.
func FuzzParse(f *testing.F) {
	f.Add([]byte("events {}\nhttp { server { listen 80; location / { content_by_lua_block { ngx.say('}') } } } }\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		ds, err := parseNoFS(src)
		if err != nil {
			var perr *Error
			if errors.As(err, &perr) && perr.File != "" && perr.Line < 1 {
				t.Fatalf("error %q has line %d", err, perr.Line)
			}
			return
		}
		checkTree(t, ds)
		printed := printTree(ds)
		if strings.Contains(printed, longMarker) {
			return // a re-quoted argument may pass nginx's 4096-byte limit
		}
		again, err := parseNoFS([]byte(printed))
		if err != nil {
			t.Fatalf("reparse of %q failed: %v", printed, err)
		}
		if a, b := printTree(again), printed; a != b {
			t.Fatalf("reparse differs:\nfirst  %q\nsecond %q", b, a)
		}
	})
}

// emptyFS holds empty files: globs match nothing, any named file is empty.
type emptyFS struct{}

func (emptyFS) read(string) ([]byte, *fileError) { return nil, nil }
func (emptyFS) glob(string) []string             { return nil }

// parseNoFS parses src without touching the file system.
func parseNoFS(src []byte) ([]*Directive, error) {
	p := &parser{confDir: "/conf/", fs: emptyFS{}}
	return p.parseFile("/conf/fuzz.conf", src)
}

func checkTree(t *testing.T, ds []*Directive) {
	t.Helper()
	for _, d := range ds {
		if d.Line < 1 || d.EndLine < d.Line || len(d.Args) != len(d.Quoted) {
			t.Fatalf("malformed directive %+v", d)
		}
		if d.Lua != nil && (d.Block != nil || d.LuaLine != d.EndLine) {
			t.Fatalf("malformed lua directive %+v", d)
		}
		checkTree(t, d.Block)
	}
}

const longMarker = "\x00long\x00"

// printTree renders directives back to nginx syntax with every word in
// double quotes, or longMarker if a word may grow past nginx's limit.
func printTree(ds []*Directive) string {
	var b strings.Builder
	for _, d := range ds {
		words := append([]string{d.Name}, d.Args...)
		for i, w := range words {
			if len(w) > 2000 {
				return longMarker
			}
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(quoteWord(w))
		}
		switch {
		case d.Lua != nil:
			fmt.Fprintf(&b, " {%s}\n", *d.Lua)
		case d.Block != nil:
			inner := printTree(d.Block)
			if inner == longMarker {
				return longMarker
			}
			b.WriteString(" {\n" + inner + "}\n")
		default:
			b.WriteString(";\n")
		}
	}
	return b.String()
}

// quoteWord double-quotes w so that nginx reads it back as w. A tab, CR or
// newline is written raw: nginx would turn "\t" back into one anyway.
func quoteWord(w string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(w) + `"`
}

func BenchmarkParse200Lines(b *testing.B) {
	src := benchConfig()
	if n := bytes.Count(src, []byte{'\n'}); n < 190 {
		b.Fatalf("bench config has %d lines", n)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := ParseBytes("/conf/nginx.conf", src, "/conf/"); err != nil {
			b.Fatal(err)
		}
	}
}

// benchConfig builds a realistic configuration of about 200 lines.
func benchConfig() []byte {
	var b strings.Builder
	b.WriteString("worker_processes auto;\nerror_log logs/error.log warn;\nevents { worker_connections 1024; }\n")
	b.WriteString("http {\n    include_none_here on;\n    lua_shared_dict cache 10m;\n    log_format main '$remote_addr - \"$request\" $status';\n")
	b.WriteString("    init_by_lua_block {\n        local cjson = require \"cjson\"\n        -- warm up } things\n        _G.cfg = { a = { b = 1 } }\n    }\n")
	for s := 0; s < 6; s++ {
		fmt.Fprintf(&b, "    server {\n        listen 127.0.0.1:%d;\n        server_name s%d.example.com;\n", 8000+s, s)
		for l := 0; l < 3; l++ {
			fmt.Fprintf(&b, "        location /api/%d {\n            set $upstream \"u%d\";\n", l, l)
			b.WriteString("            if ($http_x_debug = \"1\") { return 403; }\n")
			b.WriteString("            access_by_lua_block {\n                if ngx.var.arg_x == '}' then\n" +
				"                    return ngx.exit(403) -- [[ not a { block\n                end\n" +
				"                local s = [==[ long } string ]==]\n            }\n")
			b.WriteString("            content_by_lua_block { ngx.say(\"ok\") }\n        }\n")
		}
		b.WriteString("    }\n")
	}
	b.WriteString("}\n")
	return []byte(b.String())
}
