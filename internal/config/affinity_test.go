package config_test

import (
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/goresty/goresty/internal/config"
)

func loadMain(t *testing.T, main string) *config.Plan {
	t.Helper()
	prefix, path := writeConf(t, main+"\nevents {}\n")
	p, err := config.Load(config.Options{Prefix: prefix, ConfFile: path})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// autoAll is what "auto" without a mask gives n workers (CPU i mod
// NumCPU), and the CPUs they use together.
func autoAll(n int) (workers [][]int, union []int) {
	for i := range n {
		workers = append(workers, []int{i % runtime.NumCPU()})
	}
	for i := range min(n, runtime.NumCPU()) {
		union = append(union, i)
	}
	return workers, union
}

func TestCPUAffinityWorkers(t *testing.T) {
	many := runtime.NumCPU() + 1
	autoWorkers, autoUnion := autoAll(many)
	tests := []struct {
		name string
		conf string
		// want is the CPUs of workers 0, 1, ...; nil for an unbound one
		want [][]int
		// union is the CPUs of all the workers; nil when none is bound
		union []int
	}{
		{name: "one mask per worker", conf: "worker_processes 2; worker_cpu_affinity 01 10;",
			want: [][]int{{0}, {1}}, union: []int{0, 1}},
		{name: "last mask repeats", conf: "worker_processes 4; worker_cpu_affinity 0001 0100;",
			want: [][]int{{0}, {2}, {2}, {2}}, union: []int{0, 2}},
		{name: "one mask for all", conf: "worker_processes 3; worker_cpu_affinity 1010;",
			want: [][]int{{1, 3}, {1, 3}, {1, 3}}, union: []int{1, 3}},
		{name: "unused masks", conf: "worker_processes 1; worker_cpu_affinity 01 10;",
			want: [][]int{{0}}, union: []int{0}},
		{name: "spaces are not CPUs", conf: `worker_cpu_affinity "1 0";`,
			want: [][]int{{1}}, union: []int{1}},
		{name: "leftmost is the highest CPU", conf: "worker_cpu_affinity 1" + strings.Repeat("0", 1023) + ";",
			want: [][]int{{1023}}, union: []int{1023}},
		{name: "all-zero mask binds to nothing", conf: "worker_cpu_affinity 00;",
			want: [][]int{{}}, union: []int{}},
		{name: "a worker with an all-zero mask leaves the process unbound", conf: "worker_processes 2; worker_cpu_affinity 00 01;",
			want: [][]int{{}, {0}}, union: []int{}},
		{name: "auto cycles over the mask", conf: "worker_processes 3; worker_cpu_affinity auto 0110;",
			want: [][]int{{1}, {2}, {1}}, union: []int{1, 2}},
		{name: "auto uses the first CPUs only", conf: "worker_processes 1; worker_cpu_affinity auto 1110;",
			want: [][]int{{1}}, union: []int{1}},
		{name: "auto across words", conf: "worker_processes 4; worker_cpu_affinity auto 1" + strings.Repeat("0", 65) + "11" + strings.Repeat("0", 63) + ";",
			want: [][]int{{63}, {64}, {130}, {63}}, union: []int{63, 64, 130}},
		{name: "auto without mask", conf: "worker_processes " + strconv.Itoa(many) + "; worker_cpu_affinity auto;",
			want: autoWorkers, union: autoUnion},
		{name: "auto with an empty mask binds nothing", conf: "worker_processes 2; worker_cpu_affinity auto 00;",
			want: [][]int{nil, nil}},
		{name: "no directive", conf: "worker_processes 2;", want: [][]int{nil, nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := loadMain(t, tc.conf)
			for i, want := range tc.want {
				set, ok := p.CPUAffinity.Worker(i)
				got := set.CPUs()
				if ok != (want != nil) || !slices.Equal(got, want) {
					t.Errorf("worker %d: got %v (bound %v), want %v (bound %v)", i, got, ok, want, want != nil)
				}
			}
			set, ok := p.CPUAffinity.Union(p.WorkerProcesses)
			if got := set.CPUs(); ok != (tc.union != nil) || !slices.Equal(got, tc.union) {
				t.Errorf("union: got %v (bound %v), want %v (bound %v)", got, ok, tc.union, tc.union != nil)
			}
		})
	}
}

func TestCPUAffinityWarning(t *testing.T) {
	const warning = `the number of "worker_processes" is not equal to the number of "worker_cpu_affinity" masks, using last mask for remaining worker processes`
	tests := []struct {
		name string
		conf string
		warn bool
	}{
		{"fewer workers than masks", "worker_cpu_affinity 01 10;", true},
		{"more workers than masks", "worker_processes 3; worker_cpu_affinity 01 10;", true},
		{"worker_processes after the masks", "worker_cpu_affinity 01 10 11; worker_processes 4;", true},
		{"counts match", "worker_processes 2; worker_cpu_affinity 01 10;", false},
		{"counts match, worker_processes after", "worker_cpu_affinity 01 10; worker_processes 2;", false},
		{"one mask", "worker_processes 4; worker_cpu_affinity 01;", false},
		{"auto", "worker_processes 4; worker_cpu_affinity auto;", false},
		{"auto with mask", "worker_processes 4; worker_cpu_affinity auto 01;", false},
		{"no directive", "worker_processes 4;", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := loadMain(t, tc.conf).Warnings
			var want []string
			if tc.warn {
				want = []string{warning}
			}
			if !slices.Equal(got, want) {
				t.Errorf("warnings %q, want %q", got, want)
			}
		})
	}
}
