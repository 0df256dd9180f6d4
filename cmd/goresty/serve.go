package main

import (
	"bufio"
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
	log, err := errlog.New(plan.ErrorLogs)
	if err != nil {
		emerg("%v", err)
		return 1
	}
	defer log.Close()
	report := func(msg string) {}
	if child {
		pipe := os.NewFile(3, "daemon-pipe")
		report = func(msg string) {
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
	if err := srv.Start(plan); err != nil {
		emerg("%v", err)
		log.Log(errlog.Emerg, nil, err.Error())
		report("error: " + err.Error())
		srv.Shutdown(false)
		return 1
	}
	pidPath := plan.Path(plan.PidFile)
	if err := os.WriteFile(pidPath, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		emerg(`open() "%s" failed (%v)`, pidPath, err)
		log.Log(errlog.Emerg, nil, fmt.Sprintf(`open() "%s" failed (%v)`, pidPath, err))
		report("error: " + err.Error())
		srv.Shutdown(false)
		return 1
	}
	defer os.Remove(pidPath)
	if embedded {
		log.Logf(errlog.Notice, "using the embedded default configuration (no %s): listening on 127.0.0.1:8080", opts.ConfFile)
	}
	log.Logf(errlog.Notice, "goresty/%s started, %d worker(s)", versionString(), plan.WorkerProcesses)
	report("ok")
	return signalLoop(srv, log, opts, embedded, plan)
}

func versionString() string { return strings.TrimSpace(goVersionTag()) }

func signalLoop(srv *server.Server, log *errlog.Logger, opts config.Options, embedded bool, plan *config.Plan) int {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP, syscall.SIGUSR1)
	defer signal.Stop(sigs)
	for sig := range sigs {
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
			np, err := load(opts, embedded)
			if err == nil {
				err = srv.Reload(np)
			}
			if err != nil {
				log.Log(errlog.Emerg, nil, err.Error())
				continue
			}
			plan = np
			log.Logf(errlog.Notice, "reconfigured")
		case syscall.SIGUSR1:
			log.Logf(errlog.Notice, "signal 10 (SIGUSR1) received, reopening logs")
			if err := log.Reopen(); err != nil {
				log.Log(errlog.Alert, nil, err.Error())
			}
			srv.ReopenLogs()
		}
	}
	return 0
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

// sendSignal implements -s: signal the running instance through its pid file.
func sendSignal(name string, opts config.Options, plan *config.Plan, loadErr error) int {
	pidFile := opts.Prefix + "logs/nginx.pid"
	if plan != nil {
		pidFile = plan.Path(plan.PidFile)
	} else if loadErr != nil {
		emerg("%v", loadErr)
		return 1
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		emerg(`open() "%s" failed (%v)`, pidFile, unwrapPathErr(err))
		return 1
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		emerg(`invalid PID number "%s" in "%s"`, strings.TrimSpace(string(data)), pidFile)
		return 1
	}
	sig := map[string]syscall.Signal{"stop": syscall.SIGTERM, "quit": syscall.SIGQUIT, "reload": syscall.SIGHUP, "reopen": syscall.SIGUSR1}[name]
	if err := syscall.Kill(pid, sig); err != nil {
		emerg(`kill(%d, %d) failed (%v)`, pid, int(sig), err)
		return 1
	}
	return 0
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		if pe.Err == syscall.ENOENT {
			return fmt.Errorf("2: No such file or directory")
		}
		return pe.Err
	}
	return err
}
