package main_test

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

const affinityWarning = `the number of "worker_processes" is not equal to the number of "worker_cpu_affinity" masks, using last mask for remaining worker processes`

// logLine matches one error-log entry of the level with the message.
func logLine(level, msg string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^\S+ \S+ \[` + level + `\] \d+#\d+: ` + regexp.QuoteMeta(msg) + `$`)
}

// cpusAllowed returns the Cpus_allowed_list line of a /proc status file.
func cpusAllowed(t *testing.T, status string) string {
	t.Helper()
	b, err := os.ReadFile(status)
	if err != nil {
		return "" // the thread has exited
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("%s has no Cpus_allowed_list", status)
	return ""
}

// threadCPUs returns the distinct CPU lists of the threads of process pid.
func threadCPUs(t *testing.T, pid int) []string {
	t.Helper()
	files, err := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/status")
	if err != nil || len(files) == 0 {
		t.Fatalf("no threads listed for %d: %v", pid, err)
	}
	var lists []string
	for _, f := range files {
		if l := cpusAllowed(t, f); l != "" && !slices.Contains(lists, l) {
			lists = append(lists, l)
		}
	}
	return lists
}

func needLinux(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("worker_cpu_affinity binds CPUs on Linux only")
	}
}

// startAffinity starts serveConf with the main directives added to the
// file (not -g, which a reload keeps) and waits for the start line;
// GOMAXPROCS is left to goresty.
func startAffinity(t *testing.T, main string) (dir string, port int, s *server) {
	t.Helper()
	t.Setenv("GOMAXPROCS", "")
	port = freePort(t)
	dir = prefix(t, serveConfig("cpu")+main+"\n", port)
	s = start(t, dir, port, "-g", foreground)
	waitFor(t, "the start line", func() bool {
		return strings.Contains(readFile(t, dir+"logs/error.log"), " started, ")
	})
	return dir, port, s
}

// Every thread of the process is bound to the workers' CPUs (CPU 0 always
// exists), Go code runs on no more CPUs than that, and a reload without
// the directive gives the process its first mask back.
func TestCPUAffinityBindsAllThreads(t *testing.T) {
	needLinux(t)
	own := cpusAllowed(t, "/proc/self/status")
	dir, port, s := startAffinity(t, "worker_processes 2; worker_cpu_affinity 01;")
	log := readFile(t, dir+"logs/error.log")
	if !logLine("notice", "sched_setaffinity(): using cpu #0").MatchString(log) {
		t.Errorf("error log lacks [notice] sched_setaffinity(): using cpu #0:\n%s", log)
	}
	if !strings.Contains(log, "2 worker(s), 1 CPU(s)") {
		t.Errorf("error log lacks 2 worker(s), 1 CPU(s): GOMAXPROCS exceeds the bound CPUs:\n%s", log)
	}
	if strings.Contains(log, "[alert]") || strings.Contains(log, "using cpu #1") {
		t.Errorf("error log has an alert or a CPU other than #0:\n%s", log)
	}
	if got := threadCPUs(t, s.cmd.Process.Pid); !slices.Equal(got, []string{"0"}) {
		t.Errorf("threads run on %q, want all on 0", got)
	}
	if got := mustGet(t, s.addr, "/"); got != "cpu\n" {
		t.Errorf("GET / = %q, want cpu", got)
	}

	rewriteConf(t, dir, port, serveConfig("unbound"))
	s.signal(t, syscall.SIGHUP)
	waitBody(t, dir, s.addr, "unbound\n")
	if got := threadCPUs(t, s.cmd.Process.Pid); !slices.Equal(got, []string{own}) {
		t.Errorf("after a reload without worker_cpu_affinity the threads run on %q, want %s as at start", got, own)
	}
}

// An all-zero mask passes the test, then sched_setaffinity fails: an
// alert, and goresty serves unbound.
func TestCPUAffinityEmptyMask(t *testing.T) {
	needLinux(t)
	own := cpusAllowed(t, "/proc/self/status")
	dir := prefix(t, serveConfig("cpu"), 1)
	if r := run(t, "-p", dir, "-tq", "-g", "worker_cpu_affinity 00;"); r.code != 0 || r.stderr != "" {
		t.Errorf("-t: code %d stderr %q, want 0 and nothing", r.code, r.stderr)
	}
	dir, _, s := startAffinity(t, "worker_cpu_affinity 00;")
	log := readFile(t, dir+"logs/error.log")
	if !logLine("alert", "sched_setaffinity() failed (22: Invalid argument)").MatchString(log) {
		t.Errorf("error log lacks the [alert] sched_setaffinity() failed (22: Invalid argument) line:\n%s", log)
	}
	if strings.Contains(log, "using cpu") {
		t.Errorf("error log names a CPU for an empty mask:\n%s", log)
	}
	if got := mustGet(t, s.addr, "/"); got != "cpu\n" {
		t.Errorf("GET / = %q, want cpu", got)
	}
	if got := threadCPUs(t, s.cmd.Process.Pid); !slices.Equal(got, []string{own}) {
		t.Errorf("threads run on %q, want %s as at start", got, own)
	}
}

// More than one mask and not one per worker: nginx's [warn] at -t (even
// with -q), at start-up (stderr and error log) and at each reload.
func TestCPUAffinityWarning(t *testing.T) {
	const masks = "worker_processes 1; worker_cpu_affinity 01 01;"
	dir := prefix(t, serveConfig("cpu"), 1)
	conf := dir + "conf/nginx.conf"
	warn := "goresty: [warn] " + affinityWarning + "\n"
	want := "goresty: the configuration file " + conf + " syntax is ok\n" + warn +
		"goresty: configuration file " + conf + " test is successful\n"
	if r := run(t, "-p", dir, "-t", "-g", masks); r.code != 0 || r.stderr != want {
		t.Errorf("-t: code %d stderr %q, want 0 and %q", r.code, r.stderr, want)
	}
	if r := run(t, "-p", dir, "-tq", "-g", masks); r.code != 0 || r.stderr != warn {
		t.Errorf("-tq: code %d stderr %q, want 0 and %q", r.code, r.stderr, warn)
	}
	if r := run(t, "-p", dir, "-tq", "-g", "worker_processes 2; worker_cpu_affinity 01 01;"); r.code != 0 || r.stderr != "" {
		t.Errorf("-tq with a mask per worker: code %d stderr %q, want 0 and nothing", r.code, r.stderr)
	}

	dir, _, s := startAffinity(t, masks)
	if !strings.Contains(s.stderr.String(), warn) {
		t.Errorf("start-up stderr %q lacks %q", s.stderr, warn)
	}
	s.signal(t, syscall.SIGHUP)
	waitFor(t, "a second warning after the reload", func() bool {
		return len(logLine("warn", affinityWarning).FindAllString(readFile(t, dir+"logs/error.log"), -1)) == 2
	})
}
