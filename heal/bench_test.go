package heal_test

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
)

// The benchmarks here run side by side with their peers so that one
// `go test -bench` run yields ratios: scripts/bench.sh computes them.

var quiet = slog.New(slog.DiscardHandler)

// benchHealer returns a Healer on the system clock with a rule bound to
// every code, so that the trigger comparison is on the measured path.
func benchHealer(tb testing.TB, tax *heal.Taxonomy) *heal.Healer {
	tb.Helper()
	h, err := heal.New(heal.Config{Taxonomy: tax, Logger: quiet})
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = h.Close() })
	for _, d := range tax.Definitions() {
		if !d.Deprecated {
			require.NoError(tb, h.On(string(d.Code), heal.AtLeast(1<<38, time.Minute), nil))
			break
		}
	}
	require.NoError(tb, h.On(domainOf(tax)+"-*", heal.AtLeast(1<<38, time.Minute), nil))
	return h
}

func domainOf(tax *heal.Taxonomy) string { return tax.Definitions()[0].Code.Domain() }

// serialAndParallel runs op as /serial and /parallel sub-benchmarks.
func serialAndParallel(b *testing.B, op func()) {
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			op()
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				op()
			}
		})
	})
}

func BenchmarkReportCode(b *testing.B) {
	h := benchHealer(b, heal.DefaultTaxonomy())
	hd := h.Code("DB-CONN-001").Target("primary")
	serialAndParallel(b, hd.Report)
}

func BenchmarkReportError(b *testing.B) {
	h := benchHealer(b, heal.DefaultTaxonomy())
	err := fmt.Errorf("charge: %w", heal.DefaultTaxonomy().Wrap("SVC-DEP-001", "payments", io.EOF))
	serialAndParallel(b, func() { h.Report(err) })
	b.Run("parallel-targets", func(b *testing.B) {
		reportTargets(b, h, 4)
	})
}

// reportTargets reports from parallel goroutines, each on one of n targets
// of the same code, so that the code's shared state is read by reporters
// whose targets differ.
func reportTargets(b *testing.B, h *heal.Healer, n int) {
	tax := heal.DefaultTaxonomy()
	errs := make([]error, n)
	for i := range errs {
		target := fmt.Sprint("payments-", i)
		errs[i] = fmt.Errorf("charge: %w", tax.Wrap("SVC-DEP-001", target, io.EOF))
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		err := errs[int(next.Add(1))%n]
		for pb.Next() {
			h.Report(err)
		}
	})
}

// BenchmarkReportCodeTaxonomy shows that a handle's cost does not depend
// on the size of the taxonomy.
func BenchmarkReportCodeTaxonomy(b *testing.B) {
	for _, n := range []int{10, 10000} {
		b.Run(fmt.Sprintf("codes=%d", n), func(b *testing.B) {
			tax := bigTaxonomy(b, n)
			h := benchHealer(b, tax)
			hd := h.Code(tax.Definitions()[n/2].Code).Target("primary")
			b.ReportAllocs()
			for b.Loop() {
				hd.Report()
			}
		})
	}
}

func bigTaxonomy(tb testing.TB, n int) *heal.Taxonomy {
	tb.Helper()
	defs := make([]heal.Definition, n)
	for i := range defs {
		defs[i] = def(fmt.Sprintf("BENCH-K%02d-%03d", i/1000, i%1000), heal.SeverityLow)
	}
	tax, err := heal.NewTaxonomy(defs...)
	require.NoError(tb, err)
	return tax
}

func BenchmarkPeerPromCounterInc(b *testing.B) {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "reports_total", Help: "x"})
	serialAndParallel(b, c.Inc)
}

func BenchmarkPeerPromCounterVec(b *testing.B) {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "reports_total", Help: "x"},
		[]string{"code", "severity", "target"})
	serialAndParallel(b, func() { v.WithLabelValues("SVC-DEP-001", "high", "payments").Inc() })
}

func BenchmarkPeerSlogJSON(b *testing.B) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	err := heal.DefaultTaxonomy().Wrap("SVC-DEP-001", "payments", io.EOF)
	serialAndParallel(b, func() {
		logger.Warn("call failed", "code", "SVC-DEP-001", "target", "payments", "error", err)
	})
}

// BenchmarkDetectToFire measures, while other goroutines report at full
// speed on another code, the time from the Report that crosses a rule to
// a subscriber receiving the incident. It reports the median and p99.
func BenchmarkDetectToFire(b *testing.B) {
	lat := detectToFire(b, b.N)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	b.ReportMetric(0, "ns/op")
}

// TestDetectToFireLatency logs the distribution of detect-to-fire
// latencies; it asserts nothing about time, which depends on the machine.
func TestDetectToFireLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("measures latency under load")
	}
	lat := detectToFire(t, 2000)
	q := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)] }
	t.Logf("detect to fire over %d crossings: p50 %v  p90 %v  p99 %v  max %v",
		len(lat), q(0.5), q(0.9), q(0.99), lat[len(lat)-1])
}

// detectToFire measures n crossings, each on a fresh target, in batches
// of at most 1000 targets per Healer: a target's counters live as long as
// its Healer, and a benchmark's n can run to millions.
func detectToFire(tb testing.TB, n int) []time.Duration {
	tb.Helper()
	lat := make([]time.Duration, 0, n)
	for n > 0 {
		batch := min(n, 1000)
		lat = append(lat, detectToFireBatch(tb, batch)...)
		n -= batch
	}
	slices.Sort(lat)
	return lat
}

func detectToFireBatch(tb testing.TB, n int) []time.Duration {
	tb.Helper()
	tax := heal.DefaultTaxonomy()
	h, err := heal.New(heal.Config{Taxonomy: tax, Logger: quiet, MaxTargets: n + 1})
	require.NoError(tb, err)
	defer h.Close()
	require.NoError(tb, h.On("DB-CONN-001", heal.AtLeast(3, time.Second), nil))

	var t0 atomic.Int64
	got := make(chan time.Duration, 1)
	h.Subscribe(func(i heal.Incident) {
		if !i.Resolved {
			got <- time.Duration(time.Now().UnixNano() - t0.Load())
		}
	})
	stop := loadOtherCodes(h)
	defer stop()

	targets := make([]heal.Handle, n)
	for i := range targets {
		targets[i] = h.Code("DB-CONN-001").Target(fmt.Sprint("t", i))
	}
	lat := make([]time.Duration, 0, n)
	for _, hd := range targets {
		hd.Report()
		hd.Report()
		t0.Store(time.Now().UnixNano())
		hd.Report()
		lat = append(lat, <-got)
	}
	return lat
}

// loadOtherCodes reports on another code from GOMAXPROCS-1 goroutines (at
// least one) until stopped.
func loadOtherCodes(h *heal.Healer) (stop func()) {
	var done atomic.Bool
	var wg sync.WaitGroup
	hd := h.Code("SVC-DEP-001").Target("payments")
	for range max(runtime.GOMAXPROCS(0)-1, 1) {
		wg.Go(func() {
			for !done.Load() {
				for range 1000 {
					hd.Report()
				}
			}
		})
	}
	return func() { done.Store(true); wg.Wait() }
}

func TestReportAllocatesNothing(t *testing.T) {
	h := benchHealer(t, heal.DefaultTaxonomy())
	err := fmt.Errorf("charge: %w", heal.DefaultTaxonomy().Wrap("SVC-DEP-001", "payments", io.EOF))
	hd := h.Code("DB-CONN-001").Target("primary")
	cases := map[string]func(){
		"Report(err)":    func() { h.Report(err) },
		"Handle.Report":  hd.Report,
		"Handle.Success": hd.Success,
		"Success":        func() { h.Success("DB-CONN-001", "primary") },
	}
	for name, op := range cases {
		t.Run(name, func(t *testing.T) {
			op()
			assert.Zero(t, testing.AllocsPerRun(1000, op))
		})
	}
}

// TestReportSlowPathAllocatesNothing moves a fake clock one bucket per
// report, so that every report takes the slow path: it rolls the stripes
// into the ring and checks a Ratio rule whose failure share is above its
// fraction but whose volume stays below the minimum, so it never fires.
//
// The Healer runs no loop, whose timers on the fake clock would allocate
// on every bucket, so what is counted is the reporter's alone; storm
// logging, which allocates once per code and interval by design, is off.
// The count is taken over many reports from MemStats rather than with
// testing.AllocsPerRun, whose integer average hides anything below one
// allocation per report.
func TestReportSlowPathAllocatesNothing(t *testing.T) {
	clk := healtest.NewClock(time.Time{})
	tax := heal.DefaultTaxonomy()
	h, err := heal.NewUnstarted(heal.Config{Taxonomy: tax, Clock: clk, Logger: quiet,
		StormInterval: -1})
	require.NoError(t, err)
	defer h.Close()
	require.NoError(t, h.On("SVC-DEP-001", heal.Ratio(0.05, time.Minute, 1<<30), nil))
	fail := fmt.Errorf("charge: %w", tax.Wrap("SVC-DEP-001", "payments", io.EOF))
	report := func(n int) {
		for range n {
			clk.Advance(time.Second)
			h.Report(fail)
		}
	}
	report(100) // the target, its ring and the rule's state exist from here on

	const n = 10_000
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	report(n)
	runtime.ReadMemStats(&after)
	allocs := after.Mallocs - before.Mallocs
	t.Logf("%d allocations over %d slow-path reports", allocs, n)
	assert.Less(t, allocs, uint64(n/1000), "the slow path allocates")
	assert.Equal(t, int64(n+100), countOf(h, "SVC-DEP-001", "payments"))
}

// TestStormDoesNotGrowMemory reports a million failures with distinct
// random codes and targets, half of them on codes in the taxonomy.
func TestStormDoesNotGrowMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("a million reports")
	}
	tax := heal.DefaultTaxonomy()
	known := tax.Definitions()
	h := benchHealer(t, tax)
	h.Report(io.EOF)

	before := heapAfterGC()
	for i := range 1_000_000 {
		code := heal.Code(fmt.Sprintf("R%x-X-%03d", rand.Uint64(), i%1000))
		if i%2 == 0 {
			code = known[i%len(known)].Code
		}
		h.Report(&heal.Error{Code: code, Target: fmt.Sprintf("target-%x", rand.Uint64())})
	}
	grown := int64(heapAfterGC()) - int64(before)
	t.Logf("heap grew by %d bytes", grown)
	assert.LessOrEqual(t, grown, int64(1<<20))
}

func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
