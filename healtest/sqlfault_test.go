package healtest_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"

	"github.com/selfheal/selfheal/healtest"
)

type dsnConnector struct {
	d   driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.d }

func TestBreakableConnector(t *testing.T) {
	dsn := "file:" + filepath.Join(t.TempDir(), "t.db")
	bc := healtest.NewBreakableConnector(dsnConnector{&sqlite.Driver{}, dsn})
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
