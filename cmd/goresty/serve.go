package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/internal/gctune"
	"github.com/goresty/goresty/internal/server"
)

func goVersion() string { return runtime.Version() }

// daemonEnv marks the re-executed daemon child; its value is the fd of the
// pipe on which the child reports that its listeners are bound.
const daemonEnv = "GORESTY_DAEMON_FD"

func serve(f *flags, opts config.Options, embedded bool, plan *config.Plan) int {
	foreground := !plan.Daemon || !plan.MasterProcess
	child := os.Getenv(daemonEnv) != ""
	if !foreground && !child {
		return daemonize()
	}
	headroom, err := gcHeadroom()
	if err != nil {
		emerg("%v", err)
		return 1
	}
	log, err := errlog.New(plan.ErrorLogs)
	if err != nil {
		emerg("%v", err)
		return 1
	}
	defer log.Close()
	// the signals are caught before the pid file tells anyone where to send
	// them: a "-s reload" right after start must not kill the process
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP, syscall.SIGUSR1)
	defer signal.Stop(sigs)
	report := func(msg string) {}
	if child {
		pipe := os.NewFile(3, "daemon-pipe")
		report = func(msg string) {
			if msg == "ok" {
				detachStderr(plan)
			}
			fmt.Fprintln(pipe, msg)
			pipe.Close()
		}
		os.Unsetenv(daemonEnv)
	}
	srv := server.New(server.Options{Log: log, NewRuntime: newRuntime})
	if err := srv.Listen(plan); err != nil {
		emerg("%v", err)
		log.Log(errlog.Emerg, nil, err.Error())
		report("error: " + err.Error())
		return 1
	}
	// the pid file is written once the listeners are bound and before they
	// serve: whoever gets an answer can also find the pid file
	pidPath := plan.Path(plan.PidFile)
	if err := os.WriteFile(pidPath, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		msg := fmt.Sprintf(`open() "%s" failed (%s)`, pidPath, sysErr(err))
		emerg("%s", msg)
		log.Log(errlog.Emerg, nil, msg)
		report("error: " + err.Error())
		srv.Shutdown(false)
		return 1
	}
	defer os.Remove(pidPath)
	warnConfig(plan, log, true)
	setCPUs(plan, applyAffinity(plan, log))
	defer gctune.Start(headroom).Stop()
	if err := srv.Start(plan); err != nil {
		emerg("%v", err)
		log.Log(errlog.Emerg, nil, err.Error())
		report("error: " + err.Error())
		srv.Shutdown(false)
		return 1
	}
	if embedded {
		log.Logf(errlog.Notice, "using the embedded default configuration (no %s): listening on 127.0.0.1:8080", opts.ConfFile)
	}
	log.Logf(errlog.Notice, "goresty/%s started, %d worker(s), %d CPU(s)", versionString(), plan.WorkerProcesses, runtime.GOMAXPROCS(0))
	report("ok")
	return signalLoop(sigs, srv, log, opts, embedded, plan)
}

// defaultGCHeadroom is how much the heap may grow between collections
// when little is live (internal/gctune).
const defaultGCHeadroom = 16 << 20

// gcHeadroom reads GORESTY_GC_HEADROOM: a size ("64m"), or 0 or off for
// Go's own pacing; unset, the default.
func gcHeadroom() (int64, error) {
	v, ok := os.LookupEnv("GORESTY_GC_HEADROOM")
	if !ok || v == "" {
		return defaultGCHeadroom, nil
	}
	if v == "off" {
		return 0, nil
	}
	n, ok := config.ParseSize(v)
	if !ok {
		return 0, fmt.Errorf("invalid GORESTY_GC_HEADROOM value \"%s\"", v)
	}
	return n, nil
}

// defaultCPUs is the Go runtime's own choice (CPUs, or the container's limit).
var defaultCPUs = runtime.GOMAXPROCS(0)

// setCPUs runs Go code on as many CPUs as worker_processes asks for, as
// nginx's workers occupy that many: "worker_processes 1" uses one CPU
// ("auto": all of them). bound is the number of CPUs worker_cpu_affinity
// bound the process to (0: not bound): no more than that, nor than the
// runtime's own choice for the new mask. The GOMAXPROCS environment
// variable, when set, wins. An embedding program keeps its own setting:
// only the goresty command calls this.
func setCPUs(p *config.Plan, bound int) {
	if os.Getenv("GOMAXPROCS") != "" {
		return
	}
	cpus := defaultCPUs
	if bound > 0 {
		// the CPUs of the new mask, or the container's limit if lower
		runtime.SetDefaultGOMAXPROCS()
		cpus = min(runtime.GOMAXPROCS(0), bound)
	}
	runtime.GOMAXPROCS(max(1, min(p.WorkerProcesses, cpus)))
}

// warnConfig reports the configuration's warnings in the error log and,
// at start-up, on standard error too.
func warnConfig(p *config.Plan, log *errlog.Logger, toStderr bool) {
	for _, w := range p.Warnings {
		if toStderr {
			stderrf("warn", "%s", w)
		}
		log.Log(errlog.Warn, nil, w)
	}
}

func versionString() string { return strings.TrimSpace(goVersionTag()) }

func signalLoop(sigs chan os.Signal, srv *server.Server, log *errlog.Logger, opts config.Options, embedded bool, plan *config.Plan) int {
	var wt *watcher
	watch := func(p *config.Plan) {
		switch {
		case !p.AutoReload:
			wt.Close()
			wt = nil
		case wt != nil:
			wt.update(p)
		default:
			var err error
			if wt, err = newWatcher(p, log); err != nil {
				log.Log(errlog.Alert, nil, "auto_reload: "+err.Error())
			}
		}
	}
	watch(plan)
	defer func() { wt.Close() }()
	for {
		var fire <-chan struct{}
		if wt != nil {
			fire = wt.fire
		}
		var sig os.Signal
		select {
		case sig = <-sigs:
		case <-fire:
			log.Logf(errlog.Notice, "a configuration or Lua file changed, reconfiguring (auto_reload)")
			if np := reload(srv, log, opts, embedded); np != nil {
				watch(np)
			}
			continue
		}
		switch sig {
		case syscall.SIGTERM, syscall.SIGINT:
			log.Logf(errlog.Notice, "signal %d (%s) received, exiting", sig, sigName(sig))
			srv.Shutdown(false)
			return 0
		case syscall.SIGQUIT:
			log.Logf(errlog.Notice, "signal %d (SIGQUIT) received, shutting down", sig)
			srv.Shutdown(true)
			log.Logf(errlog.Notice, "exit")
			return 0
		case syscall.SIGHUP:
			log.Logf(errlog.Notice, "signal 1 (SIGHUP) received, reconfiguring")
			if np := reload(srv, log, opts, embedded); np != nil {
				watch(np)
			}
		case syscall.SIGUSR1:
			log.Logf(errlog.Notice, "signal 10 (SIGUSR1) received, reopening logs")
			if err := log.Reopen(); err != nil {
				log.Log(errlog.Alert, nil, err.Error())
			}
			srv.ReopenLogs()
		}
	}
}

// reload loads the configuration again and swaps it in; on error the old
// one keeps serving and nil is returned.
func reload(srv *server.Server, log *errlog.Logger, opts config.Options, embedded bool) *config.Plan {
	np, err := load(opts, embedded)
	if err == nil {
		warnConfig(np, log, false)
		err = srv.Reload(np)
	}
	if err != nil {
		log.Log(errLevel(err), nil, err.Error())
		return nil
	}
	setCPUs(np, applyAffinity(np, log))
	log.Logf(errlog.Notice, "reconfigured")
	return np
}

func sigName(s os.Signal) string {
	if s == syscall.SIGINT {
		return "SIGINT"
	}
	return "SIGTERM"
}

// daemonize re-executes goresty in a new session and waits until the
// child has bound its listeners (or failed), like nginx's daemon mode.
func daemonize() int {
	r, w, err := os.Pipe()
	if err != nil {
		emerg("pipe() failed (%v)", err)
		return 1
	}
	exe, err := os.Executable()
	if err != nil {
		emerg("%v", err)
		return 1
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), daemonEnv+"=3")
	cmd.ExtraFiles = []*os.File{w}
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		emerg("%v", err)
		return 1
	}
	w.Close()
	line, _ := bufio.NewReader(r).ReadString('\n')
	line = strings.TrimSpace(line)
	if line != "ok" {
		cmd.Wait()
		return 1
	}
	cmd.Process.Release()
	return 0
}

// detachStderr points a started daemon's standard error at its error log
// (or /dev/null), as nginx does, so that the daemon does not hold the
// terminal or the pipe of whoever started it. A log on stderr keeps it.
func detachStderr(plan *config.Plan) {
	target := os.DevNull
	for _, s := range plan.ErrorLogs {
		if s.Path == "stderr" {
			return
		}
		if !strings.HasPrefix(s.Path, "syslog:") {
			target = s.Path
			break
		}
	}
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	syscall.Dup3(int(f.Fd()), 2, 0)
	f.Close()
}

// sendSignal implements -s: signal the running instance through its pid file.
func sendSignal(name string, opts config.Options, plan *config.Plan, loadErr error) int {
	pidFile := opts.Prefix + "logs/nginx.pid"
	if plan != nil {
		pidFile = plan.Path(plan.PidFile)
	} else if loadErr != nil {
		emerg("%v", loadErr)
		return 1
	}
	// nginx's signaller reports these at "error" and "alert" level
	data, err := os.ReadFile(pidFile)
	if err != nil {
		stderrf("error", `open() "%s" failed (%s)`, pidFile, sysErr(err))
		return 1
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		stderrf("error", `invalid PID number "%s" in "%s"`, strings.TrimSpace(string(data)), pidFile)
		return 1
	}
	sig := map[string]syscall.Signal{"stop": syscall.SIGTERM, "quit": syscall.SIGQUIT, "reload": syscall.SIGHUP, "reopen": syscall.SIGUSR1}[name]
	if err := syscall.Kill(pid, sig); err != nil {
		stderrf("alert", `kill(%d, %d) failed (%s)`, pid, int(sig), sysErr(err))
		return 1
	}
	return 0
}

// sysErr formats a failed system call's error as nginx does:
// "2: No such file or directory".
func sysErr(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	msg := errno.Error()
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return fmt.Sprintf("%d: %s", int(errno), msg)
}

// stderrf writes "goresty: [LEVEL] message" to standard error.
func stderrf(level, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "goresty: ["+level+"] "+format+"\n", args...)
}
