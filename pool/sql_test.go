package pool_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"

	"github.com/selfheal/selfheal/healtest"
	"github.com/selfheal/selfheal/pool"
)

// memConnector opens SQLite connections, each to a private in-memory
// database: enough to run "select 1" without a server.
type memConnector struct{}

func (memConnector) Connect(context.Context) (driver.Conn, error) {
	return (&sqlite.Driver{}).Open("file::memory:")
}
func (memConnector) Driver() driver.Driver { return &sqlite.Driver{} }

func openMem(context.Context) (*sql.DB, error) { return sql.OpenDB(memConnector{}), nil }

func selectOne(ctx context.Context, db *sql.DB) error {
	var one int
	return db.QueryRowContext(ctx, "select 1").Scan(&one)
}

// TestSQLRetiredPoolTakesLateWork follows a caller that took the pool just
// before a recycle and starts its statement after: the retired pool still
// serves it, keeps no connection afterwards, and is closed by whichever
// comes first of its grace period, the next recycle and Close.
func TestSQLRetiredPoolTakesLateWork(t *testing.T) {
	const grace = time.Minute
	tests := []struct {
		name string
		// end ends the grace of late, the pool the recycle retired.
		end func(t *testing.T, s *pool.SQL, clock *healtest.Clock, late *sql.DB)
	}{
		{"grace passes", func(t *testing.T, s *pool.SQL, clock *healtest.Clock, late *sql.DB) {
			ended := s.RetiredEnded()
			clock.Advance(grace - time.Nanosecond)
			require.NoError(t, selectOne(context.Background(), late),
				"the retired pool works until its grace has passed")
			clock.Advance(time.Nanosecond)
			<-ended // the grace timer fired and the pool is closed
		}},
		{"next recycle", func(t *testing.T, s *pool.SQL, _ *healtest.Clock, _ *sql.DB) {
			require.NoError(t, s.Recycle(context.Background()))
		}},
		{"close", func(t *testing.T, s *pool.SQL, _ *healtest.Clock, _ *sql.DB) {
			require.NoError(t, s.Close())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			clock := healtest.NewClock(time.Time{})
			s, err := pool.NewSQL(ctx, pool.SQLConfig{Open: openMem, Grace: grace, Clock: clock})
			require.NoError(t, err)
			defer func() { assert.NoError(t, s.Close()) }()

			late := s.DB()
			require.NoError(t, s.Recycle(ctx))
			require.NotSame(t, late, s.DB())
			require.NoError(t, selectOne(ctx, late), "late work runs on the retired pool")
			assert.Zero(t, late.Stats().OpenConnections, "its connection closed on return")

			tt.end(t, s, clock, late)
			assert.ErrorContains(t, late.PingContext(ctx), "sql: database is closed")
		})
	}
}

func TestNewSQLWithoutOpen(t *testing.T) {
	_, err := pool.NewSQL(context.Background(), pool.SQLConfig{})
	require.EqualError(t, err, "pool: SQLConfig.Open is nil")
}

func TestSQLRecycleAfterClose(t *testing.T) {
	ctx := context.Background()
	s, err := pool.OpenSQL(ctx, openMem)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "a second Close does nothing")
	assert.ErrorIs(t, s.Recycle(ctx), pool.ErrClosed)
}
