// Command goresty is OpenResty rebuilt in Go: it reads an nginx-style
// configuration and runs Lua in every request phase.
//
//	goresty [-p prefix] [-c file] [-e errlog] [-g directives] [-t] [-T] [-q] [-s signal] [-v] [-V]
package main

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/internal/nginxconf"
	"github.com/goresty/goresty/phases"
)

//go:embed default.conf
var defaultConf []byte

type flags struct {
	prefix, conf, errLog, global, signal string
	test, dump, quiet, version, verbose  bool
	help                                 bool
}

func usage() {
	fmt.Fprintf(os.Stderr, `Usage: goresty [-?hvVtTq] [-s signal] [-p prefix] [-e filename] [-c filename] [-g directives]

Options:
  -?,-h         : this help
  -v            : show version and exit
  -V            : show version and configure options then exit
  -t            : test configuration and exit
  -T            : test configuration, dump it and exit
  -q            : suppress non-error messages during configuration testing
  -s signal     : send signal to a master process: stop, quit, reopen, reload
  -p prefix     : set prefix path (default: the current directory)
  -e filename   : set error log file (default: logs/error.log)
  -c filename   : set configuration file (default: conf/nginx.conf)
  -g directives : set global directives out of configuration file
`)
}

// parseFlags reads nginx-style flags: "-p dir" or "-pdir", grouped "-tq".
func parseFlags(args []string) (*flags, error) {
	f := &flags{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' {
			return nil, fmt.Errorf(`invalid option: "%s"`, a)
		}
		for j := 1; j < len(a); j++ {
			switch c := a[j]; c {
			case '?', 'h':
				f.help = true
			case 'v':
				f.version = true
			case 'V':
				f.version, f.verbose = true, true
			case 't':
				f.test = true
			case 'T':
				f.test, f.dump = true, true
			case 'q':
				f.quiet = true
			case 'p', 'c', 'e', 'g', 's':
				val := a[j+1:]
				if val == "" {
					i++
					if i >= len(args) {
						return nil, fmt.Errorf(`option "-%c" requires %s`, c, map[byte]string{'p': "directory name", 'c': "file name", 'e': "file name", 'g': "parameter", 's': "parameter"}[c])
					}
					val = args[i]
				}
				switch c {
				case 'p':
					f.prefix = val
				case 'c':
					f.conf = val
				case 'e':
					f.errLog = val
				case 'g':
					f.global = val
				case 's':
					switch val {
					case "stop", "quit", "reopen", "reload":
					default:
						return nil, fmt.Errorf(`invalid option: "-s %s"`, val)
					}
					f.signal = val
				}
				j = len(a)
			default:
				return nil, fmt.Errorf(`invalid option: "%s"`, a[j:])
			}
		}
	}
	return f, nil
}

func main() {
	stop := startProfile()
	code := run(os.Args[1:])
	stop()
	os.Exit(code)
}

func emerg(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "goresty: [emerg] "+format+"\n", args...)
}

// setup resolves prefix and configuration file; embedded reports that the
// built-in default configuration is used.
func setup(f *flags) (opts config.Options, embedded bool, err error) {
	prefix := f.prefix
	if prefix == "" {
		if prefix, err = os.Getwd(); err != nil {
			return opts, false, err
		}
	}
	if prefix, err = filepath.Abs(prefix); err != nil {
		return opts, false, err
	}
	prefix = strings.TrimSuffix(prefix, "/") + "/"
	conf := f.conf
	if conf == "" {
		conf = "conf/nginx.conf"
		if _, statErr := os.Stat(prefix + conf); statErr != nil {
			embedded = true
		}
	}
	if !filepath.IsAbs(conf) {
		conf = prefix + conf
	}
	opts = config.Options{Prefix: prefix, ConfFile: conf}
	if f.global != "" {
		ds, perr := nginxconf.ParseBytes("command line", []byte(f.global), prefix)
		if perr != nil {
			return opts, embedded, perr
		}
		opts.Global = ds
	}
	return opts, embedded, nil
}

func load(opts config.Options, embedded bool) (*config.Plan, error) {
	if embedded {
		ds, err := nginxconf.ParseBytes(opts.ConfFile, defaultConf, filepath.Dir(opts.ConfFile))
		if err != nil {
			return nil, err
		}
		return config.Build(ds, opts)
	}
	return config.Load(opts)
}

func run(args []string) int {
	f, err := parseFlags(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "goresty: %v\n", err) // nginx prints no usage here
		return 1
	}
	if f.help {
		usage()
		return 0
	}
	if f.version {
		fmt.Fprintf(os.Stderr, "goresty version: goresty/%s (nginx/%s compatible)\n", phases.Version, phases.NginxVersion)
		if f.verbose {
			fmt.Fprintf(os.Stderr, "built with %s\nconfigure arguments: (none: modules are built in)\n", goVersion())
		}
		if !f.test && f.signal == "" {
			return 0
		}
	}
	opts, embedded, err := setup(f)
	var plan *config.Plan
	if err == nil {
		plan, err = load(opts, embedded)
	}
	err = commandLineErr(err)
	if f.signal != "" {
		return sendSignal(f.signal, opts, plan, err)
	}
	if err != nil {
		stderrf(errLevel(err).String(), "%v", err)
		logStartupError(opts, f, err)
		if f.test {
			fmt.Fprintf(os.Stderr, "goresty: configuration file %s test failed\n", opts.ConfFile)
		}
		return 1
	}
	if f.errLog != "" {
		p := f.errLog
		if p != "stderr" {
			p = plan.Path(p)
		}
		plan.ErrorLogs = append([]errlog.Sink{{Path: p, Level: errlog.Error}}, plan.ErrorLogs...)
	}
	if f.test {
		if !f.quiet {
			fmt.Fprintf(os.Stderr, "goresty: the configuration file %s syntax is ok\n", opts.ConfFile)
		}
		// nginx prints its warnings even with -q
		for _, w := range plan.Warnings {
			stderrf("warn", "%s", w)
		}
		if !f.quiet {
			fmt.Fprintf(os.Stderr, "goresty: configuration file %s test is successful\n", opts.ConfFile)
		}
		if f.dump {
			dump(opts.ConfFile, embedded)
		}
		return 0
	}
	return serve(f, opts, embedded, plan)
}

// commandLineErr words an error in the -g directives as nginx does: no line
// after "command line", and a missing ";" ends the parameter, not a file.
func commandLineErr(err error) error {
	var ce *config.Error
	var pe *nginxconf.Error
	switch {
	case errors.As(err, &ce) && ce.File == "command line":
		return errors.New(ce.Msg + " in command line")
	case errors.As(err, &pe) && pe.File == "command line":
		msg := pe.Msg
		if strings.HasPrefix(msg, "unexpected end of file") {
			msg = `unexpected end of parameter, expecting ";"`
		}
		return errors.New(msg + " in command line")
	}
	return err
}

// logStartupError writes a start-up error to the error log file too, as
// nginx does (the configured log is unknown, so the default one is used).
func logStartupError(opts config.Options, f *flags, err error) {
	path := opts.Prefix + "logs/error.log"
	if f.errLog != "" {
		path = f.errLog
		if !filepath.IsAbs(path) && path != "stderr" {
			path = opts.Prefix + path
		}
	}
	if path == "stderr" {
		return
	}
	l, lerr := errlog.New([]errlog.Sink{{Path: path, Level: errlog.Emerg}})
	if lerr != nil {
		return
	}
	l.Log(errLevel(err), nil, err.Error())
	l.Close()
}

// errLevel is the level a configuration error is reported at: [emerg],
// unless the error names its own (a shared dict zone too small is [crit]).
func errLevel(err error) errlog.Level {
	var le interface{ LogLevel() errlog.Level }
	if errors.As(err, &le) {
		return le.LogLevel()
	}
	return errlog.Emerg
}

// dump prints the configuration file and every file it includes, as
// nginx -T does: a "# configuration file NAME:" line, the text, a newline.
func dump(conf string, embedded bool) {
	if embedded {
		fmt.Printf("# configuration file %s:\n%s\n", conf, defaultConf)
		return
	}
	files := []string{conf}
	if ds, err := nginxconf.ParseFile(conf); err == nil {
		files = confFiles(files, map[string]bool{conf: true}, ds)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		fmt.Printf("# configuration file %s:\n%s\n", name, data)
	}
}

// confFiles appends the files the directives come from, in the order they
// are first met.
func confFiles(files []string, seen map[string]bool, ds []*nginxconf.Directive) []string {
	for _, d := range ds {
		if !seen[d.File] {
			seen[d.File] = true
			files = append(files, d.File)
		}
		files = confFiles(files, seen, d.Block)
	}
	return files
}
