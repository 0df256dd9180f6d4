package stdlib

import (
	"os"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// require, package.loaders, package.searchpath, loadfile and dofile as in
// LuaJIT. gopher-lua's compiled module files with its own compiler (so
// modules went without goresty's `..`, its `local f = function` fix and
// LuaJIT's messages) and worded "module not found" its own way.

func openRequire(L *lua.LState) {
	pkg, ok := L.GetGlobal("package").(*lua.LTable)
	if !ok {
		return
	}
	loaders := L.CreateTable(4, 0)
	for _, f := range []lua.LGFunction{loaderPreload, loaderLua, loaderC, loaderCRoot} {
		loaders.Append(L.NewFunction(f))
	}
	pkg.RawSetString("loaders", loaders)
	pkg.RawSetString("searchpath", lua.LNil) // a Lua 5.2 function LuaJIT builds leave out
	L.SetGlobal("require", L.NewFunction(baseRequire))
	L.SetGlobal("loadfile", L.NewFunction(baseLoadfile))
	L.SetGlobal("dofile", L.NewFunction(baseDofile))
}

// requireSentinel marks a module being loaded ("loop or previous error").
var requireSentinel = &lua.LUserData{}

func packageTable(L *lua.LState) *lua.LTable {
	pkg, ok := L.GetGlobal("package").(*lua.LTable)
	if !ok {
		raise(L, "'package' must be a table")
	}
	return pkg
}

func baseRequire(L *lua.LState) int {
	if L.GetTop() == 0 {
		argError(L, 1, "string expected, got nil") // a C API function in LuaJIT: "nil", not "no value"
	}
	name := checkString(L, 1)
	pkg := packageTable(L)
	loaded, ok := pkg.RawGetString("loaded").(*lua.LTable)
	if !ok {
		raise(L, "'package.loaded' must be a table")
	}
	if v := loaded.RawGetString(name); lua.LVAsBool(v) {
		if v == requireSentinel {
			raise(L, "loop or previous error loading module '%s'", name)
		}
		L.Push(v)
		return 1
	}
	loaders, ok := pkg.RawGetString("loaders").(*lua.LTable)
	if !ok {
		raise(L, "'package.loaders' must be a table")
	}
	var msg strings.Builder
	var loader lua.LValue
	for i := 1; ; i++ {
		f := loaders.RawGetInt(i)
		if f == lua.LNil {
			raise(L, "module '%s' not found:%s", name, msg.String())
		}
		L.Push(f)
		L.Push(lua.LString(name))
		L.Call(1, 1)
		v := L.Get(-1)
		L.Pop(1)
		if _, isFn := v.(*lua.LFunction); isFn {
			loader = v
			break
		}
		switch s := v.(type) {
		case lua.LString:
			msg.WriteString(string(s))
		case lua.LNumber:
			msg.WriteString(FormatNumber(float64(s)))
		}
	}
	loaded.RawSetString(name, requireSentinel)
	L.Push(loader)
	L.Push(lua.LString(name))
	L.Call(1, 1)
	if v := L.Get(-1); v != lua.LNil {
		loaded.RawSetString(name, v)
	}
	L.Pop(1)
	v := loaded.RawGetString(name)
	if v == requireSentinel {
		v = lua.LTrue
		loaded.RawSetString(name, v)
	}
	L.Push(v)
	return 1
}

func loaderPreload(L *lua.LState) int {
	name := checkString(L, 1)
	preload, ok := packageTable(L).RawGetString("preload").(*lua.LTable)
	if !ok {
		raise(L, "'package.preload' must be a table")
	}
	if v := preload.RawGetString(name); v != lua.LNil {
		L.Push(v)
		return 1
	}
	L.Push(lua.LString("\n\tno field package.preload['" + name + "']"))
	return 1
}

// searchPath looks for name in the templates of path as LuaJIT does:
// sep in name becomes rep, each "?" takes the result, and the first file
// that opens wins; the misses make the "no file" message.
func searchPath(name, path, sep, rep string) (string, string) {
	if sep != "" {
		name = strings.ReplaceAll(name, sep, rep)
	}
	var msg strings.Builder
	for _, tmpl := range strings.Split(path, ";") {
		if tmpl == "" {
			continue
		}
		file := strings.ReplaceAll(tmpl, "?", name)
		if f, err := os.Open(file); err == nil {
			f.Close()
			return file, ""
		}
		msg.WriteString("\n\tno file '" + file + "'")
	}
	return "", msg.String()
}

func pkgPath(L *lua.LState, field string) string {
	s, ok := packageTable(L).RawGetString(field).(lua.LString)
	if !ok {
		raise(L, "'package.%s' must be a string", field)
	}
	return string(s)
}

func loaderLua(L *lua.LState) int {
	name := checkString(L, 1)
	file, msg := searchPath(name, pkgPath(L, "path"), ".", "/")
	if file == "" {
		L.Push(lua.LString(msg))
		return 1
	}
	fn, err := loadFile(L, file)
	if err != "" {
		raise(L, "error loading module '%s' from file '%s':\n\t%s", name, file, err)
	}
	L.Push(fn)
	return 1
}

// loaderC finds name in package.cpath; goresty cannot load C modules.
func loaderC(L *lua.LState) int {
	name := checkString(L, 1)
	file, msg := searchPath(name, pkgPath(L, "cpath"), ".", "/")
	if file == "" {
		L.Push(lua.LString(msg))
		return 1
	}
	raise(L, "error loading module '%s' from file '%s':\n\tC modules are not supported by goresty", name, file)
	return 0
}

// loaderCRoot is the all-in-one C loader: "a.b" looked for as "a" in cpath.
func loaderCRoot(L *lua.LState) int {
	name := checkString(L, 1)
	root, _, dotted := strings.Cut(name, ".")
	if !dotted {
		return 0
	}
	file, msg := searchPath(root, pkgPath(L, "cpath"), ".", "/")
	if file == "" {
		L.Push(lua.LString(msg))
		return 1
	}
	raise(L, "error loading module '%s' from file '%s':\n\tC modules are not supported by goresty", name, file)
	return 0
}

// loadFile compiles a Lua file under the chunk name "@file"; a first line
// starting with "#" is skipped (kept as an empty line for the line
// numbers). err is the message LuaJIT gives.
func loadFile(L *lua.LState, file string) (*lua.LFunction, string) {
	src, err := os.ReadFile(file)
	if err != nil {
		what := "open"
		if fi, serr := os.Stat(file); serr == nil && fi.IsDir() {
			what = "read"
		}
		return nil, "cannot " + what + " " + file + ": " + errnoText(err)
	}
	if len(src) > 0 && src[0] == '#' {
		if i := strings.IndexByte(string(src), '\n'); i >= 0 {
			src = src[i:]
		} else {
			src = nil
		}
	}
	if len(src) > 0 && src[0] == 0x1b {
		return nil, "binary chunks are not supported by goresty"
	}
	proto, cerr := Compile(src, "@"+file)
	if cerr != nil {
		return nil, cerr.Error()
	}
	return L.NewFunctionFromProto(proto), ""
}

// errnoText is strerror's text of a file error ("No such file or directory").
func errnoText(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		err = pe.Err
	}
	s := err.Error()
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}

func baseLoadfile(L *lua.LState) int {
	if L.Get(1) == lua.LNil {
		raise(L, "loadfile from standard input is not supported by goresty")
	}
	fn, err := loadFile(L, checkString(L, 1))
	if err != "" {
		return loadFail(L, err)
	}
	L.Push(fn)
	return 1
}

func baseDofile(L *lua.LState) int {
	if L.Get(1) == lua.LNil {
		raise(L, "dofile from standard input is not supported by goresty")
	}
	fn, err := loadFile(L, checkString(L, 1))
	if err != "" {
		raise(L, "%s", err)
	}
	top := L.GetTop()
	L.Push(fn)
	L.Call(0, lua.MultRet)
	return L.GetTop() - top
}
