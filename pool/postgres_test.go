package pool_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/pool"
)

// dsnEnv names the variable holding the PostgreSQL URL the tests use.
const dsnEnv = "SELFHEAL_POSTGRES_DSN"

// conns is how many connections each test warms and then breaks.
const conns = 3

// postgres returns the test server's URL, skipping the test without one.
func postgres(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		msg := "needs PostgreSQL; run with " + dsnEnv +
			"=postgres://postgres@127.0.0.1:5432/test?sslmode=disable go test ./pool/" +
			" (or make test-postgres)"
		if os.Getenv("SELFHEAL_REQUIRE_SERVICES") != "" {
			t.Fatal(msg + "; SELFHEAL_REQUIRE_SERVICES is set, so CI does not skip")
		}
		t.Skip(msg)
	}
	return dsn
}

// testCtx returns a context bounding the test's database work, so that a
// wedged server fails the test instead of hanging it.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// appName returns an application_name unique to this run of the test, so
// that terminating "our" backends cannot touch another package's or
// another test's connections on the same server.
func appName(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "selfheal-" + hex.EncodeToString(b) + "-" + t.Name()
	return name[:min(len(name), 63)] // PostgreSQL keeps 63 bytes
}

// terminate kills, from an admin connection, every server backend of the
// application, waits until they have exited, and checks that there were
// want of them.
func terminate(t *testing.T, ctx context.Context, dsn, app string, want int) {
	t.Helper()
	admin, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer admin.Close(ctx)
	var n int
	err = admin.QueryRow(ctx, `
		select count(*) from (
			select pg_terminate_backend(pid, 5000) from pg_stat_activity
			where application_name = $1 and pid <> pg_backend_pid()) killed`,
		app).Scan(&n)
	require.NoError(t, err)
	require.Equal(t, want, n, "backends terminated")
}

// noPing stops the pools from checking connections before use: a pool
// that checks would quietly replace dead connections itself, and the test
// wants the failure a recycle heals.
func noPing[P any](context.Context, P) bool { return false }

func TestPGXRecycleHealsTerminatedConnections(t *testing.T) {
	dsn, app, ctx := postgres(t), appName(t), testCtx(t)
	p := newPGX(t, ctx, dsn, app, conns)

	db := pool.PGX{Pool: p}
	probe := pool.NewProbe(db, pool.ProbeConfig{Target: "test"})
	require.NoError(t, probe.Check(ctx))
	old := pgxPIDs(t, ctx, p, conns)
	terminate(t, ctx, dsn, app, conns)

	_, err := pgxPID(ctx, p)
	require.Error(t, err, "a query on a terminated connection fails")
	recycle := pool.Recycle(db)
	require.NoError(t, recycle.Run(ctx, heal.Trigger{Target: "test", DryRun: true}))
	_, err = pgxPID(ctx, p)
	require.Error(t, err, "a dry run heals nothing")

	require.NoError(t, recycle.Run(ctx, heal.Trigger{Target: "test"}))
	require.NoError(t, probe.Check(ctx))
	fresh := pgxPIDs(t, ctx, p, conns)
	for _, pid := range old {
		assert.NotContains(t, fresh, pid)
	}
}

// newPGX returns a pgxpool of at most size connections to the test server,
// closed when the test ends.
func newPGX(t *testing.T, ctx context.Context, dsn, app string, size int32) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dsn)
	require.NoError(t, err)
	cfg.ConnConfig.RuntimeParams["application_name"] = app
	cfg.MaxConns = size
	cfg.ShouldPing = noPing[pgxpool.ShouldPingParams]
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}

// pgxPIDs holds n connections at once and returns their backend pids.
func pgxPIDs(t *testing.T, ctx context.Context, p *pgxpool.Pool, n int) []uint32 {
	t.Helper()
	var pids []uint32
	for range n {
		c, err := p.Acquire(ctx)
		require.NoError(t, err)
		defer c.Release()
		pids = append(pids, c.Conn().PgConn().PID())
		require.NoError(t, c.Ping(ctx))
	}
	return pids
}

func pgxPID(ctx context.Context, p *pgxpool.Pool) (int, error) {
	var pid int
	err := p.QueryRow(ctx, "select pg_backend_pid()").Scan(&pid)
	return pid, err
}

// openSQL returns an opener of database/sql pools through pgx's driver.
func openSQL(dsn, app string) func(context.Context) (*sql.DB, error) {
	return func(context.Context) (*sql.DB, error) {
		cc, err := pgx.ParseConfig(dsn)
		if err != nil {
			return nil, err
		}
		cc.RuntimeParams["application_name"] = app
		db := stdlib.OpenDB(*cc, stdlib.OptionShouldPing(noPing[stdlib.ShouldPingParams]))
		db.SetMaxOpenConns(conns)
		db.SetMaxIdleConns(conns)
		return db, nil
	}
}

func TestSQLRecycleHealsTerminatedConnections(t *testing.T) {
	dsn, app, ctx := postgres(t), appName(t), testCtx(t)
	s, err := pool.OpenSQL(ctx, openSQL(dsn, app))
	require.NoError(t, err)
	defer s.Close()

	old := sqlPIDs(t, ctx, s.DB())
	terminate(t, ctx, dsn, app, conns)
	_, err = sqlPID(ctx, s.DB())
	require.Error(t, err, "a query on a terminated connection fails")
	probe := pool.NewProbe(s, pool.ProbeConfig{})
	err = probe.Check(ctx)
	require.True(t, heal.HasCode(err, pool.Code), "the probe reports the dead pool: %v", err)

	require.NoError(t, pool.Recycle(s).Run(ctx, heal.Trigger{}))
	require.NoError(t, probe.Check(ctx))
	fresh := sqlPIDs(t, ctx, s.DB())
	for _, pid := range old {
		assert.NotContains(t, fresh, pid)
	}
}

// sqlPIDs holds conns connections of db at once and returns their pids.
func sqlPIDs(t *testing.T, ctx context.Context, db *sql.DB) []int {
	t.Helper()
	var pids []int
	for range conns {
		c, err := db.Conn(ctx)
		require.NoError(t, err)
		defer c.Close()
		var pid int
		require.NoError(t, c.QueryRowContext(ctx, "select pg_backend_pid()").Scan(&pid))
		pids = append(pids, pid)
	}
	return pids
}

func sqlPID(ctx context.Context, db *sql.DB) (int, error) {
	var pid int
	err := db.QueryRowContext(ctx, "select pg_backend_pid()").Scan(&pid)
	return pid, err
}

func TestSQLRecycleLetsWorkInFlightFinish(t *testing.T) {
	dsn, app, ctx := postgres(t), appName(t), testCtx(t)
	s, err := pool.OpenSQL(ctx, openSQL(dsn, app))
	require.NoError(t, err)
	defer s.Close()

	old := s.DB()
	tx, err := old.BeginTx(ctx, nil)
	require.NoError(t, err)
	var txPID int
	require.NoError(t, tx.QueryRowContext(ctx, "select pg_backend_pid()").Scan(&txPID))

	require.NoError(t, s.Recycle(ctx), "recycling does not wait for the transaction")
	require.NotSame(t, old, s.DB())
	pid, err := sqlPID(ctx, s.DB())
	require.NoError(t, err)
	assert.NotEqual(t, txPID, pid, "new work goes to a fresh connection")

	var again int
	require.NoError(t, tx.QueryRowContext(ctx, "select pg_backend_pid()").Scan(&again))
	assert.Equal(t, txPID, again, "the transaction in flight keeps its connection")
	require.NoError(t, tx.Commit())
	assert.Zero(t, old.Stats().OpenConnections, "the old pool closed its last connection")

	require.NoError(t, s.Close())
	assert.ErrorContains(t, old.PingContext(ctx), "sql: database is closed",
		"Close closes the retired pool too")
}

func TestSQLRecycleKeepsOldPoolWhenFreshOneFails(t *testing.T) {
	dsn, app, ctx := postgres(t), appName(t), testCtx(t)
	good := openSQL(dsn, app)
	var failNext bool
	s, err := pool.OpenSQL(ctx, func(ctx context.Context) (*sql.DB, error) {
		if failNext {
			// A server that refuses: nothing listens on port 1.
			refused := "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=5"
			return openSQL(refused, app)(ctx)
		}
		return good(ctx)
	})
	require.NoError(t, err)
	defer s.Close()

	before := s.DB()
	failNext = true
	err = s.Recycle(ctx)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "pool: ping fresh pool: "), err.Error())
	assert.Same(t, before, s.DB(), "the working pool stays")
	_, err = sqlPID(ctx, s.DB())
	require.NoError(t, err)

	require.NoError(t, s.Close())
	assert.ErrorIs(t, s.Recycle(ctx), pool.ErrClosed)
}
