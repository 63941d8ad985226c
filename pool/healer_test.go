package pool_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
	"github.com/selfheal/selfheal/pool"
	"github.com/selfheal/selfheal/supervisor"
)

// TestHealerRecyclesPoolOnConnectionFailures goes from a fault to healed
// queries: the server terminates the pool's connections, the service
// reports the failing queries as DB-CONN-001, the rule crosses, the
// supervisor recycles the pool, and queries succeed on fresh connections.
func TestHealerRecyclesPoolOnConnectionFailures(t *testing.T) {
	dsn, app, ctx := postgres(t), appName(t), testCtx(t)
	const size, threshold = 6, 3 // dead connections outnumber the reports
	p := newPGX(t, ctx, dsn, app, size)
	tax := heal.DefaultTaxonomy()

	audit := &healtest.AuditLog{}
	h, err := heal.New(heal.Config{
		Taxonomy:   tax,
		Clock:      healtest.NewClock(time.Time{}),
		Logger:     slog.New(slog.DiscardHandler),
		Supervisor: supervisor.Config{AuditSink: audit},
	})
	require.NoError(t, err)
	defer func() { assert.NoError(t, h.Close()) }()
	recycle := pool.Recycle(pool.PGX{Pool: p})
	require.NoError(t, h.On("DB-CONN-*", heal.AtLeast(threshold, 10*time.Second), recycle))

	// The fault, and the service reporting what it sees.
	old := pgxPIDs(t, ctx, p, size)
	terminate(t, ctx, dsn, app, size)
	for range threshold {
		_, err := pgxPID(ctx, p)
		require.Error(t, err)
		h.Report(tax.Wrap("DB-CONN-001", "orders", err))
	}

	rec, err := audit.WaitFor(ctx, supervisor.OutcomeOK, recycle.Name(), "orders")
	require.NoError(t, err, "the policy recycles the pool")
	assert.Equal(t, "DB-CONN-001", rec.Code)
	fresh := pgxPIDs(t, ctx, p, size)
	for _, pid := range old {
		assert.NotContains(t, fresh, pid, "every connection is fresh")
	}
}
