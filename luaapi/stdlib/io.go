package stdlib

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"

	lua "github.com/yuin/gopher-lua"
)

// The io library as LuaJIT 2.1 has it (gopher-lua's differs in results,
// error values and formats): failures return nil, "path: Strerror", errno;
// f:write returns true; read takes "*L" and LuaJIT's number syntax;
// closing a standard file is refused instead of closing goresty's own
// descriptor.

// ioFile is a Lua file handle.
type ioFile struct {
	f      *os.File
	r      *bufio.Reader // made by the first read
	std    bool          // io.stdin, io.stdout, io.stderr: never closed
	isErr  bool          // io.stderr: writes go to stderr(L)
	closed bool
	proc   *exec.Cmd // io.popen's child
}

// ioLib is one state's io library: the handle metatable and the default
// input and output files.
type ioLib struct {
	mt      *lua.LTable
	in, out *lua.LUserData
}

// openIO replaces L's io table.
func openIO(L *lua.LState) {
	lib := &ioLib{mt: L.NewTable()}
	for name, fn := range map[string]func(*lua.LState) int{
		"close": lib.fileClose, "flush": lib.fileFlush, "lines": lib.fileLines, "read": lib.fileRead,
		"seek": lib.fileSeek, "setvbuf": lib.fileSetvbuf, "write": lib.fileWrite,
		"__tostring": lib.fileToString, "__gc": func(*lua.LState) int { return 0 },
	} {
		lib.mt.RawSetString(name, L.NewFunction(fn))
	}
	lib.mt.RawSetString("__index", lib.mt)
	t := L.NewTable()
	for name, fn := range map[string]func(*lua.LState) int{
		"close": lib.ioClose, "flush": lib.ioFlush, "input": lib.ioInput, "lines": lib.ioLines,
		"open": lib.ioOpen, "output": lib.ioOutput, "popen": lib.ioPopen, "read": lib.ioRead,
		"tmpfile": lib.ioTmpfile, "type": lib.ioType, "write": lib.ioWrite,
	} {
		t.RawSetString(name, L.NewFunction(fn))
	}
	lib.in = lib.newFile(L, &ioFile{f: os.Stdin, std: true})
	lib.out = lib.newFile(L, &ioFile{f: os.Stdout, std: true})
	t.RawSetString("stdin", lib.in)
	t.RawSetString("stdout", lib.out)
	t.RawSetString("stderr", lib.newFile(L, &ioFile{f: os.Stderr, std: true, isErr: true}))
	L.SetGlobal("io", t)
	if loaded, ok := L.GetField(L.Get(lua.RegistryIndex), "_LOADED").(*lua.LTable); ok {
		loaded.RawSetString("io", t)
	}
}

func (lib *ioLib) newFile(L *lua.LState, f *ioFile) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = f
	ud.Metatable = lib.mt
	return ud
}

// toFile returns the handle in v, or nil.
func toFile(v lua.LValue) *ioFile {
	if ud, ok := v.(*lua.LUserData); ok {
		if f, ok := ud.Value.(*ioFile); ok {
			return f
		}
	}
	return nil
}

// checkFile is LuaJIT's io_tofile: a handle that is still open.
func checkFile(L *lua.LState, n int) *ioFile {
	f := toFile(L.Get(n))
	if f == nil {
		argExpected(L, n, "FILE*")
	}
	if f.closed {
		raise(L, "attempt to use a closed file")
	}
	return f
}

// strerror is C's strerror for err's errno, and the errno (EIO when err
// carries none).
func strerror(err error) (string, int) {
	var no syscall.Errno
	if !errors.As(err, &no) {
		no = syscall.EIO
	}
	msg := no.Error()
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return msg, int(no)
}

// fileResult is luaL_fileresult: true, or nil, "[path: ]Strerror", errno.
func fileResult(L *lua.LState, err error, path string) int {
	if err == nil {
		L.Push(lua.LTrue)
		return 1
	}
	msg, no := strerror(err)
	if path != "" {
		msg = path + ": " + msg
	}
	L.Push(lua.LNil)
	L.Push(lua.LString(msg))
	L.Push(lua.LNumber(no))
	return 3
}

// openFile is fopen: C's mode strings, EINVAL for a bad one.
func openFile(path, mode string) (*ioFile, error) {
	if mode == "" || !strings.ContainsRune("rwa", rune(mode[0])) {
		return nil, syscall.EINVAL
	}
	plus := strings.Contains(mode[1:], "+")
	flag := os.O_RDONLY
	switch mode[0] {
	case 'w':
		flag = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	case 'a':
		flag = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	if plus {
		flag = flag&^os.O_WRONLY | os.O_RDWR
	}
	if mode[0] != 'r' && strings.Contains(mode[1:], "x") {
		flag |= os.O_EXCL
	}
	f, err := os.OpenFile(path, flag, 0o666)
	if err != nil {
		return nil, err
	}
	if mode[0] == 'a' && !plus {
		_, _ = f.Seek(0, io.SeekEnd) // ftell reports the end, as glibc's does
	}
	return &ioFile{f: f}, nil
}

// ioOpen is io.open(path [, mode]).
func (lib *ioLib) ioOpen(L *lua.LState) int {
	path := checkString(L, 1)
	mode := "r"
	if L.Get(2) != lua.LNil {
		mode = checkString(L, 2)
	}
	f, err := openFile(path, mode)
	if err != nil {
		return fileResult(L, err, path)
	}
	L.Push(lib.newFile(L, f))
	return 1
}

// ioTmpfile is io.tmpfile: a read-write file removed at once.
func (lib *ioLib) ioTmpfile(L *lua.LState) int {
	f, err := os.CreateTemp("", "lua_")
	if err != nil {
		return fileResult(L, err, "")
	}
	_ = os.Remove(f.Name())
	L.Push(lib.newFile(L, &ioFile{f: f}))
	return 1
}

// ioPopen is io.popen(cmd [, mode]): the command runs under /bin/sh and
// blocks the worker while it is read or waited for, as in nginx.
func (lib *ioLib) ioPopen(L *lua.LState) int {
	cmdline := checkString(L, 1)
	mode := "r"
	if L.Get(2) != lua.LNil {
		mode = checkString(L, 2)
	}
	if mode != "r" && mode != "w" && mode != "re" && mode != "we" {
		return fileResult(L, syscall.EINVAL, cmdline)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return fileResult(L, err, cmdline)
	}
	cmd := exec.Command("/bin/sh", "-c", cmdline)
	cmd.Stderr, cmd.Env = stderr(L), environ(L)
	mine, theirs := pr, pw
	if mode[0] == 'r' {
		cmd.Stdout = pw
	} else {
		cmd.Stdin, cmd.Stdout = pr, os.Stdout
		mine, theirs = pw, pr
	}
	err = cmd.Start()
	theirs.Close()
	if err != nil {
		mine.Close()
		return fileResult(L, err, cmdline)
	}
	f := &ioFile{f: mine, proc: cmd}
	// LuaJIT's __gc closes a forgotten pipe; here the child is reaped
	runtime.SetFinalizer(f, func(f *ioFile) {
		if !f.closed {
			f.f.Close()
			go func() { _ = f.proc.Wait() }()
		}
	})
	L.Push(lib.newFile(L, f))
	return 1
}

// closeFile closes f and pushes the results of f:close().
func closeFile(L *lua.LState, f *ioFile) int {
	if f.std {
		L.Push(lua.LNil)
		L.Push(lua.LString("cannot close standard file"))
		return 2
	}
	f.closed = true
	err := f.f.Close()
	if f.proc != nil {
		// pclose's result: true whatever the exit status (in nginx, nil,
		// "No child processes", 10 when its SIGCHLD handler reaped the
		// child first, which varies from call to call)
		_ = f.proc.Wait()
	}
	return fileResult(L, err, "")
}

func (lib *ioLib) fileClose(L *lua.LState) int { return closeFile(L, checkFile(L, 1)) }

// ioClose is io.close([f]): the default output without an argument.
func (lib *ioLib) ioClose(L *lua.LState) int {
	if L.Get(1) == lua.LNil {
		L.SetTop(0)
		L.Push(lib.out)
	}
	return closeFile(L, checkFile(L, 1))
}

// std returns the default input or output, which must be open.
func (lib *ioLib) std(L *lua.LState, ud *lua.LUserData) *ioFile {
	f := ud.Value.(*ioFile)
	if f.closed {
		raise(L, "standard file is closed")
	}
	return f
}

func (lib *ioLib) fileToString(L *lua.LState) int {
	f := toFile(L.Get(1))
	if f == nil {
		argExpected(L, 1, "FILE*")
	}
	if f.closed {
		L.Push(lua.LString("file (closed)"))
	} else {
		L.Push(lua.LString(fmt.Sprintf("file (%p)", f)))
	}
	return 1
}

// ioType is io.type(v): "file", "closed file" or nil.
func (lib *ioLib) ioType(L *lua.LState) int {
	if L.GetTop() < 1 {
		argError(L, 1, "value expected")
	}
	switch f := toFile(L.Get(1)); {
	case f == nil:
		L.Push(lua.LNil)
	case f.closed:
		L.Push(lua.LString("closed file"))
	default:
		L.Push(lua.LString("file"))
	}
	return 1
}

// setStd is io.input and io.output: with a name the file is opened, with
// a handle it becomes the default; the default is returned.
func (lib *ioLib) setStd(L *lua.LState, cur **lua.LUserData, mode string) int {
	switch v := L.Get(1).(type) {
	case *lua.LNilType:
	case *lua.LUserData:
		checkFile(L, 1)
		*cur = v
	default:
		path := checkString(L, 1)
		f, err := openFile(path, mode)
		if err != nil {
			msg, _ := strerror(err)
			argError(L, 1, path+": "+msg)
		}
		*cur = lib.newFile(L, f)
	}
	L.Push(*cur)
	return 1
}

func (lib *ioLib) ioInput(L *lua.LState) int  { return lib.setStd(L, &lib.in, "r") }
func (lib *ioLib) ioOutput(L *lua.LState) int { return lib.setStd(L, &lib.out, "w") }

// fileFlush is f:flush(): writes are not buffered, so there is nothing
// left to write.
func (lib *ioLib) fileFlush(L *lua.LState) int {
	checkFile(L, 1)
	L.Push(lua.LTrue)
	return 1
}

func (lib *ioLib) ioFlush(L *lua.LState) int {
	lib.std(L, lib.out)
	L.Push(lua.LTrue)
	return 1
}

// fileSetvbuf is f:setvbuf(mode [, size]): the mode is checked; writes
// go straight to the file whatever it is.
func (lib *ioLib) fileSetvbuf(L *lua.LState) int {
	checkFile(L, 1)
	checkOption(L, 2, "", "no", "full", "line")
	L.Push(lua.LTrue)
	return 1
}

// checkOption is luaL_checkoption: the argument (def when nil and def is
// not "") must be one of opts.
func checkOption(L *lua.LState, n int, def string, opts ...string) string {
	s := def
	if def == "" || L.Get(n) != lua.LNil {
		s = checkString(L, n)
	}
	for _, o := range opts {
		if s == o {
			return s
		}
	}
	argError(L, n, "invalid option '"+s+"'")
	return ""
}

// fileSeek is f:seek([whence [, offset]]).
func (lib *ioLib) fileSeek(L *lua.LState) int {
	f := checkFile(L, 1)
	whence := map[string]int{"set": io.SeekStart, "cur": io.SeekCurrent, "end": io.SeekEnd}[checkOption(L, 2, "cur", "set", "cur", "end")]
	var off int64
	switch v := L.Get(3).(type) {
	case *lua.LNilType:
	case lua.LNumber:
		off = toInt64(float64(v))
	default:
		argExpected(L, 3, "number")
	}
	if whence == io.SeekCurrent && f.r != nil {
		off -= int64(f.r.Buffered())
	}
	pos, err := f.f.Seek(off, whence)
	if f.r != nil {
		f.r.Reset(f.f)
	}
	if err != nil {
		return fileResult(L, err, "")
	}
	L.Push(lua.LNumber(pos))
	return 1
}

// write writes the arguments from first on; numbers as LuaJIT prints them.
func (f *ioFile) write(L *lua.LState, first int) int {
	if f.r != nil && f.r.Buffered() > 0 {
		// the next write goes where the reader stopped, not past its buffer
		_, _ = f.f.Seek(-int64(f.r.Buffered()), io.SeekCurrent)
		f.r.Reset(f.f)
	}
	var out io.Writer = f.f
	if f.isErr {
		out = stderr(L)
	}
	var werr error
	for i := first; i <= L.GetTop(); i++ {
		var s string
		switch v := L.Get(i).(type) {
		case lua.LString:
			s = string(v)
		case lua.LNumber:
			s = FormatNumber(float64(v))
		default:
			argExpected(L, i, "string")
		}
		if werr == nil {
			_, werr = io.WriteString(out, s)
		}
	}
	return fileResult(L, werr, "")
}

func (lib *ioLib) fileWrite(L *lua.LState) int { return checkFile(L, 1).write(L, 2) }
func (lib *ioLib) ioWrite(L *lua.LState) int {
	return lib.std(L, lib.out).write(L, 1)
}

// fileRead is f:read(...).
func (lib *ioLib) fileRead(L *lua.LState) int {
	f := checkFile(L, 1)
	n, err := f.read(L, stackArgs(L, 2), 2)
	if err != nil {
		return fileResult(L, err, "")
	}
	return n
}

func (lib *ioLib) ioRead(L *lua.LState) int {
	n, err := lib.std(L, lib.in).read(L, stackArgs(L, 1), 1)
	if err != nil {
		return fileResult(L, err, "")
	}
	return n
}

func stackArgs(L *lua.LState, first int) []lua.LValue {
	var a []lua.LValue
	for i := first; i <= L.GetTop(); i++ {
		a = append(a, L.Get(i))
	}
	return a
}

// fileLines is f:lines(...): an iterator that reads with the formats and
// leaves the file open.
func (lib *ioLib) fileLines(L *lua.LState) int {
	checkFile(L, 1)
	L.Push(lib.linesIter(L, L.Get(1).(*lua.LUserData), stackArgs(L, 2), false))
	return 1
}

// ioLines is io.lines([path, ...]): without a path, the lines of the
// default input; with one, the file is opened now and closed at its end.
func (lib *ioLib) ioLines(L *lua.LState) int {
	if L.Get(1) == lua.LNil {
		L.Push(lib.linesIter(L, lib.in, nil, false))
		return 1
	}
	path := checkString(L, 1)
	f, err := openFile(path, "r")
	if err != nil {
		msg, _ := strerror(err)
		argError(L, 1, path+": "+msg)
	}
	L.Push(lib.linesIter(L, lib.newFile(L, f), stackArgs(L, 2), true))
	return 1
}

func (lib *ioLib) linesIter(L *lua.LState, ud *lua.LUserData, formats []lua.LValue, closeAtEnd bool) *lua.LFunction {
	return L.NewFunction(func(L *lua.LState) int {
		f := ud.Value.(*ioFile)
		if f.closed {
			raise(L, "attempt to use a closed file")
		}
		top := L.GetTop()
		n, err := f.read(L, formats, 1)
		if err != nil {
			msg, _ := strerror(err)
			raise(L, "%s", msg)
		}
		// LuaJIT closes at the end only when there are no formats: it
		// tests its first format's slot, which is the first result then
		if closeAtEnd && len(formats) == 0 && L.Get(top+1) == lua.LNil {
			f.closed = true
			_ = f.f.Close()
			L.SetTop(top)
			return 0
		}
		return n
	})
}
