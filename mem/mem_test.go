package mem_test

import (
	"context"
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/mem"
)

func TestProbeCheck(t *testing.T) {
	tests := []struct {
		name    string
		limit   uint64
		heap    uint64
		wantErr string
	}{
		{"below", 100, 99, ""},
		{"at the limit", 100, 100, ""},
		{"above", 100, 101, "MEM-HEAP-001 heap: heap 101 bytes is above the limit of 100 bytes"},
		{"no limit", 0, math.MaxUint64, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mem.NewProbe(mem.Config{Limit: tt.limit, Read: func() uint64 { return tt.heap }})
			err := p.Check(context.Background())
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tt.wantErr)
			he, ok := heal.AsError(err)
			require.True(t, ok)
			assert.Equal(t, mem.Code, he.Code)
			assert.Equal(t, heal.SeverityHigh, he.Severity, "severity comes from the taxonomy")
			want := map[string]string{"heap_bytes": "101", "limit_bytes": "100"}
			assert.Equal(t, want, he.Metadata)
		})
	}
}

func TestProbeDefaults(t *testing.T) {
	p := mem.NewProbe(mem.Config{})
	assert.Equal(t, "mem.heap", p.Name())
	assert.Equal(t, mem.DefaultInterval, p.Interval())
	require.NoError(t, p.Check(context.Background()), "no limit, no failure")

	// The default reader sees this process's real live heap, which is
	// well above one byte once a collection has measured it.
	runtime.GC()
	p = mem.NewProbe(mem.Config{Limit: 1, Target: "worker", Interval: time.Second})
	assert.Equal(t, time.Second, p.Interval())
	err := p.Check(context.Background())
	require.True(t, heal.HasCode(err, mem.Code), "got %v", err)
	he, _ := heal.AsError(err)
	assert.Equal(t, "worker", he.Target)
}

func TestProbeZeroValue(t *testing.T) {
	var p mem.Probe
	require.NoError(t, p.Check(context.Background()))
}

// currentLimit reads the soft memory limit without changing it.
func currentLimit() int64 { return debug.SetMemoryLimit(-1) }

// keepLimit restores the process's soft memory limit after the test, since
// it is global state.
func keepLimit(t *testing.T) int64 {
	t.Helper()
	orig := currentLimit()
	t.Cleanup(func() { debug.SetMemoryLimit(orig) })
	return orig
}

func TestLimitRunUndo(t *testing.T) {
	orig := keepLimit(t)
	ctx := context.Background()
	l := mem.SetLimit(4 << 30)
	assert.Equal(t, "mem.set-limit", l.Name())

	require.NoError(t, l.Run(ctx, heal.Trigger{DryRun: true}))
	assert.Equal(t, orig, currentLimit(), "a dry run changes nothing")

	require.NoError(t, l.Run(ctx, heal.Trigger{}))
	assert.Equal(t, int64(4<<30), currentLimit())
	require.NoError(t, l.Run(ctx, heal.Trigger{}), "running twice")

	require.NoError(t, l.Undo(ctx, heal.Trigger{DryRun: true}))
	assert.Equal(t, int64(4<<30), currentLimit(), "a dry-run undo changes nothing")

	require.NoError(t, l.Undo(ctx, heal.Trigger{}))
	assert.Equal(t, orig, currentLimit(), "undo restores the limit before the first run")

	debug.SetMemoryLimit(8 << 30)
	require.NoError(t, l.Undo(ctx, heal.Trigger{}))
	assert.Equal(t, int64(8<<30), currentLimit(), "a second undo has nothing to restore")
}

func TestSetLimitPanicsOnNonPositive(t *testing.T) {
	assert.PanicsWithValue(t, "mem: SetLimit(0): limit must be positive",
		func() { mem.SetLimit(0) })
	assert.PanicsWithValue(t, "mem: SetLimit(-1): limit must be positive",
		func() { mem.SetLimit(-1) })
}
