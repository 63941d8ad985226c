package pool_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/pool"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakePool counts recycles and pings with a configurable error.
type fakePool struct {
	recycles int
	pingErr  error
}

func (f *fakePool) Recycle(context.Context) error { f.recycles++; return nil }
func (f *fakePool) Ping(context.Context) error    { return f.pingErr }
func triggerFor(target string, dry bool) heal.Trigger {
	return heal.Trigger{Code: "DB-CONN-001", Target: target, DryRun: dry}
}

func TestRecycleAction(t *testing.T) {
	tests := []struct {
		name string
		dry  bool
		want int
	}{
		{"recycles", false, 1},
		{"dry run leaves the pool alone", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakePool{}
			a := pool.Recycle(f)
			assert.Equal(t, "pool.recycle", a.Name())
			require.NoError(t, a.Run(context.Background(), triggerFor("", tt.dry)))
			assert.Equal(t, tt.want, f.recycles)
		})
	}
}

func TestRecycleTarget(t *testing.T) {
	orders, users := &fakePool{}, &fakePool{}
	a := pool.RecycleTarget(map[string]pool.Recycler{"orders": orders, "users": users})
	ctx := context.Background()

	require.NoError(t, a.Run(ctx, triggerFor("orders", false)))
	require.NoError(t, a.Run(ctx, triggerFor("users", true)))
	assert.Equal(t, 1, orders.recycles)
	assert.Equal(t, 0, users.recycles, "dry run")

	err := a.Run(ctx, triggerFor("billing", false))
	require.EqualError(t, err, `pool: no pool named "billing" to recycle`)
	err = a.Run(ctx, triggerFor("billing", true))
	require.Error(t, err, "a dry run still reports a miswired policy")
}

func TestProbe(t *testing.T) {
	refused := errors.New("dial tcp 127.0.0.1:5432: connection refused")
	tests := []struct {
		name     string
		cfg      pool.ProbeConfig
		pingErr  error
		wantName string
		wantErr  string
	}{
		{"healthy", pool.ProbeConfig{}, nil, "pool.ping:db", ""},
		{"failing, defaults", pool.ProbeConfig{}, refused, "pool.ping:db",
			"DB-CONN-001 db: Database connection pool exhausted: " + refused.Error()},
		{"failing, named", pool.ProbeConfig{Target: "orders"}, refused, "pool.ping:orders",
			"DB-CONN-001 orders: Database connection pool exhausted: " + refused.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pool.NewProbe(&fakePool{pingErr: tt.pingErr}, tt.cfg)
			assert.Equal(t, tt.wantName, p.Name())
			assert.Equal(t, pool.DefaultProbeInterval, p.Interval())
			err := p.Check(context.Background())
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tt.wantErr)
			assert.True(t, heal.HasCode(err, pool.Code))
			assert.ErrorIs(t, err, refused)
			he, _ := heal.AsError(err)
			assert.Equal(t, heal.SeverityCritical, he.Severity)
		})
	}
}

// deadlinePinger reports whether its context carried a deadline.
type deadlinePinger struct{ hadDeadline bool }

func (d *deadlinePinger) Ping(ctx context.Context) error {
	_, d.hadDeadline = ctx.Deadline()
	return nil
}

func TestProbeTimeout(t *testing.T) {
	d := &deadlinePinger{}
	p := pool.NewProbe(d, pool.ProbeConfig{Timeout: time.Second, Interval: time.Minute})
	require.NoError(t, p.Check(context.Background()))
	assert.True(t, d.hadDeadline)
	assert.Equal(t, time.Minute, p.Interval())
}

func TestPGXZeroValue(t *testing.T) {
	var p pool.PGX
	assert.Error(t, p.Recycle(context.Background()))
	assert.Error(t, p.Ping(context.Background()))
}
