package healtest_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"

	"github.com/selfheal/selfheal/healtest"
)

func TestDSNConnector(t *testing.T) {
	drv := &sqlite.Driver{}
	c := healtest.DSNConnector(drv, "file:"+filepath.Join(t.TempDir(), "t.db"))
	assert.Same(t, drv, c.Driver())
	conn, err := c.Connect(context.Background())
	require.NoError(t, err)
	require.NoError(t, conn.Close())

	_, err = healtest.DSNConnector(drv, "file:/no/such/dir/t.db?mode=ro").
		Connect(context.Background())
	assert.Error(t, err, "the driver's error comes back")
}

func TestBreakableConnector(t *testing.T) {
	dsn := "file:" + filepath.Join(t.TempDir(), "t.db")
	bc := healtest.NewBreakableConnector(healtest.DSNConnector(&sqlite.Driver{}, dsn))
	db := sql.OpenDB(bc)
	defer db.Close()
	ctx := context.Background()
	db.SetMaxOpenConns(2)

	_, err := db.ExecContext(ctx, "create table t (n int)")
	require.NoError(t, err)
	require.NoError(t, db.PingContext(ctx))

	broken := tax.New("DB-CONN-001", "orders", "connection reset")
	bc.Break(broken)
	_, err = db.ExecContext(ctx, "insert into t values (1)")
	require.ErrorIs(t, err, broken, "connections from before the break fail")
	require.ErrorIs(t, db.PingContext(ctx), broken)

	// A fresh pool over the same connector works: that is what recycling does.
	fresh := sql.OpenDB(bc)
	defer fresh.Close()
	_, err = fresh.ExecContext(ctx, "insert into t values (1)")
	require.NoError(t, err)
	var n int
	require.NoError(t, fresh.QueryRowContext(ctx, "select count(*) from t").Scan(&n))
	require.Equal(t, 1, n)
	tx, err := fresh.BeginTx(ctx, nil)
	require.NoError(t, err)
	require.NoError(t, tx.Rollback())
}

func TestBreakableConnectorBreaksPreparedAndOpen(t *testing.T) {
	dsn := "file:" + filepath.Join(t.TempDir(), "t.db") + "?_pragma=busy_timeout(2000)"
	bc := healtest.NewBreakableConnector(healtest.DSNConnector(&sqlite.Driver{}, dsn))
	db := sql.OpenDB(bc)
	defer db.Close()
	ctx := context.Background()
	_, err := db.ExecContext(ctx, "create table t (n int)")
	require.NoError(t, err)

	// A statement prepared on one connection, a transaction open on
	// another, both working before the break.
	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	count, err := conn.PrepareContext(ctx, "select count(*) from t")
	require.NoError(t, err)
	defer count.Close()
	var n int
	require.NoError(t, count.QueryRowContext(ctx).Scan(&n))
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, "insert into t values (1)")
	require.NoError(t, err)
	txInsert, err := tx.PrepareContext(ctx, "insert into t values (?)")
	require.NoError(t, err)

	broken := tax.New("DB-CONN-001", "orders", "connection reset")
	bc.Break(broken)
	assert.ErrorIs(t, count.QueryRowContext(ctx).Scan(&n), broken, "prepared statement")
	_, err = count.ExecContext(ctx)
	assert.ErrorIs(t, err, broken, "prepared statement")
	_, err = txInsert.ExecContext(ctx, 2)
	assert.ErrorIs(t, err, broken, "statement prepared in the transaction")
	_, err = tx.ExecContext(ctx, "insert into t values (3)")
	assert.ErrorIs(t, err, broken, "open transaction")
	assert.ErrorIs(t, tx.Commit(), broken, "commit")

	// The commit did not happen: a fresh pool sees no rows.
	fresh := sql.OpenDB(bc)
	defer fresh.Close()
	require.NoError(t, fresh.QueryRowContext(ctx, "select count(*) from t").Scan(&n))
	assert.Zero(t, n)
}
