package supervisor_test

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/supervisor"
)

// benchSupervisor has no limits that a benchmark would run into, and keeps
// its audit trail in memory: the file sink's fsync would be all we measured.
func benchSupervisor(b *testing.B) *supervisor.Supervisor {
	b.Helper()
	sup, err := supervisor.New(supervisor.Config{
		Logger:    slog.New(slog.DiscardHandler),
		Budget:    supervisor.Limit{N: -1},
		Intensity: supervisor.Limit{N: -1},
	})
	require.NoError(b, err)
	b.Cleanup(func() { _ = sup.Close() })
	return sup
}

func reportRate(b *testing.B, start time.Time) {
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "triggers/s")
}

// BenchmarkDecisionSkip measures a trigger from Do to an outcome that a
// guardrail (here the cooldown) skips.
func BenchmarkDecisionSkip(b *testing.B) {
	sup := benchSupervisor(b)
	noop := supervisor.ActionFunc("noop",
		func(context.Context, supervisor.Trigger) error { return nil })
	tr := supervisor.Trigger{Code: "SVC-DEP-001", Target: "payments", Action: noop}
	ctx := context.Background()
	_, err := sup.Do(ctx, tr)
	require.NoError(b, err)

	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		rec, _ := sup.Do(ctx, tr)
		if rec.Guardrail != supervisor.GuardCooldown {
			b.Fatalf("got %s %s, want a cooldown skip", rec.Outcome, rec.Guardrail)
		}
	}
	reportRate(b, start)
}

// BenchmarkDecisionRun measures a trigger from Do to the outcome of a
// no-op action run on a worker, a new target each time so no cooldown
// intervenes.
func BenchmarkDecisionRun(b *testing.B) {
	sup := benchSupervisor(b)
	noop := supervisor.ActionFunc("noop",
		func(context.Context, supervisor.Trigger) error { return nil })
	targets := make([]string, 0, 1<<16)
	for i := range cap(targets) {
		targets = append(targets, "target-"+strconv.Itoa(i))
	}
	ctx := context.Background()

	b.ReportAllocs()
	start := time.Now()
	i := 0
	for b.Loop() {
		tr := supervisor.Trigger{Code: "SVC-DEP-001", Target: targets[i%len(targets)], Action: noop,
			Cooldown: time.Nanosecond}
		i++
		rec, _ := sup.Do(ctx, tr)
		if rec.Outcome != supervisor.OutcomeOK {
			b.Fatalf("got %s %s, want ok", rec.Outcome, rec.Guardrail)
		}
	}
	reportRate(b, start)
}
