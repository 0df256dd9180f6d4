package shdict

import (
	"fmt"
	"sync/atomic"
	"testing"
)

func benchDict(b *testing.B) *Dict {
	d, err := New("bench", 16<<20)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		d.Set(fmt.Sprint("key", i), String("value-value"), 0, 0)
	}
	return d
}

var benchKeys = func() []string {
	k := make([]string, 1000)
	for i := range k {
		k[i] = fmt.Sprint("key", i)
	}
	return k
}()

func BenchmarkGet(b *testing.B) {
	d := benchDict(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		d.Get(benchKeys[i%1000])
	}
}

func BenchmarkSet(b *testing.B) {
	d := benchDict(b)
	v := String("value-value")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		d.Set(benchKeys[i%1000], v, 0, 0)
	}
}

// runParallel runs op on 2 goroutines; with shared=false each goroutine has
// its own dict, the best any sharding could do.
func runParallel(b *testing.B, shared bool, op func(d *Dict, i int)) {
	dicts := []*Dict{benchDict(b), benchDict(b)}
	var next atomic.Int32
	b.SetParallelism(1)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		d := dicts[0]
		if !shared {
			d = dicts[next.Add(1)%2]
		}
		for i := 0; pb.Next(); i++ {
			op(d, i)
		}
	})
}

func BenchmarkParallelGet(b *testing.B) {
	get := func(d *Dict, i int) { d.Get(benchKeys[i%1000]) }
	b.Run("one-zone", func(b *testing.B) { runParallel(b, true, get) })
	b.Run("two-zones", func(b *testing.B) { runParallel(b, false, get) })
}

func BenchmarkParallelSet(b *testing.B) {
	v := String("value-value")
	set := func(d *Dict, i int) { d.Set(benchKeys[i%1000], v, 0, 0) }
	b.Run("one-zone", func(b *testing.B) { runParallel(b, true, set) })
	b.Run("two-zones", func(b *testing.B) { runParallel(b, false, set) })
}
