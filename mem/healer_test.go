package mem_test

import (
	"context"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
	"github.com/selfheal/selfheal/mem"
	"github.com/selfheal/selfheal/supervisor"
)

// TestHeapProbeThroughAPolicy runs the whole loop: the probe sees the heap
// above its limit on each tick of the fake clock, the rule crosses, and the
// supervisor sets the soft memory limit; an operator's undo restores it.
func TestHeapProbeThroughAPolicy(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(before)

	clk := healtest.NewClock(time.Time{})
	audit := &healtest.AuditLog{}
	h, err := heal.New(heal.Config{Clock: clk, Logger: slog.New(slog.DiscardHandler),
		Supervisor: supervisor.Config{AuditSink: audit}})
	require.NoError(t, err)
	defer func() { assert.NoError(t, h.Close()) }()

	var heap atomic.Uint64
	heap.Store(900 << 20)
	reads := make(chan struct{}, 1)
	read := func() uint64 {
		reads <- struct{}{}
		return heap.Load()
	}
	limit := mem.SetLimit(768 << 20)
	require.NoError(t, h.On(string(mem.Code), heal.AtLeast(3, time.Minute), limit))
	h.AddProbe(mem.NewProbe(mem.Config{Limit: 512 << 20, Interval: 10 * time.Second, Read: read}))

	// The probe's next tick is armed before each check reads the heap, so
	// after each read the clock can move on to the next tick.
	for range 3 {
		clk.Advance(10 * time.Second)
		<-reads
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // against a hang
	defer cancel()
	rec, err := audit.WaitFor(ctx, supervisor.OutcomeOK, "mem.set-limit", "")
	require.NoError(t, err)
	assert.Equal(t, "mem.set-limit", rec.Action)
	assert.Equal(t, string(mem.Code), rec.Code)
	assert.Equal(t, int64(768<<20), debug.SetMemoryLimit(-1), "the soft limit is set")

	rec, err = h.Supervisor().Undo(ctx, supervisor.Trigger{Code: string(mem.Code),
		Target: rec.Target, Action: limit, Source: supervisor.SourceManual, Actor: "human:alice"})
	require.NoError(t, err)
	assert.Equal(t, supervisor.OutcomeOK, rec.Outcome)
	assert.Equal(t, before, debug.SetMemoryLimit(-1), "the undo restores the limit from before")
}
