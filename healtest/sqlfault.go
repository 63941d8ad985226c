package healtest

import (
	"context"
	"database/sql/driver"
	"errors"
	"sync/atomic"
)

// BreakableConnector wraps a database/sql connector so that a test can break
// every connection opened so far, as a failover, a server restart or
// pg_terminate_backend would: those connections fail each statement with
// the injected error and stay in the pool, while connections opened after
// the break work. Recycling the pool is then what heals it.
//
// Use it with sql.OpenDB. It is safe for concurrent use; make one with
// [NewBreakableConnector].
type BreakableConnector struct {
	inner driver.Connector
	gen   atomic.Int64 // connections opened before generation gen are broken
	err   atomic.Pointer[error]
}

// NewBreakableConnector wraps inner.
func NewBreakableConnector(inner driver.Connector) *BreakableConnector {
	return &BreakableConnector{inner: inner}
}

// Break makes every connection opened so far fail with err.
func (c *BreakableConnector) Break(err error) {
	c.err.Store(&err)
	c.gen.Add(1)
}

// Connect opens a connection of the current generation.
func (c *BreakableConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &breakableConn{Conn: conn, owner: c, gen: c.gen.Load()}, nil
}

// Driver returns the wrapped driver.
func (c *BreakableConnector) Driver() driver.Driver { return c.inner.Driver() }

type breakableConn struct {
	driver.Conn
	owner *BreakableConnector
	gen   int64
}

// broken returns the injected error if the connection predates a break.
func (c *breakableConn) broken() error {
	if c.gen >= c.owner.gen.Load() {
		return nil
	}
	if p := c.owner.err.Load(); p != nil {
		return *p
	}
	return errors.New("healtest: connection broken")
}

func (c *breakableConn) Prepare(query string) (driver.Stmt, error) {
	if err := c.broken(); err != nil {
		return nil, err
	}
	return c.Conn.Prepare(query)
}

func (c *breakableConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := c.broken(); err != nil {
		return nil, err
	}
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return c.Conn.Prepare(query)
}

func (c *breakableConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := c.broken(); err != nil {
		return nil, err
	}
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	//lint:ignore SA1019 the fallback database/sql itself uses for old drivers
	return c.Conn.Begin()
}

func (c *breakableConn) QueryContext(
	ctx context.Context, query string, args []driver.NamedValue,
) (driver.Rows, error) {
	if err := c.broken(); err != nil {
		return nil, err
	}
	if q, ok := c.Conn.(driver.QueryerContext); ok {
		return q.QueryContext(ctx, query, args)
	}
	return nil, driver.ErrSkip
}

func (c *breakableConn) ExecContext(
	ctx context.Context, query string, args []driver.NamedValue,
) (driver.Result, error) {
	if err := c.broken(); err != nil {
		return nil, err
	}
	if e, ok := c.Conn.(driver.ExecerContext); ok {
		return e.ExecContext(ctx, query, args)
	}
	return nil, driver.ErrSkip
}

func (c *breakableConn) Ping(ctx context.Context) error {
	if err := c.broken(); err != nil {
		return err
	}
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// IsValid keeps broken connections in the pool, as a half-dead TCP
// connection stays until something recycles it.
func (c *breakableConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *breakableConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *breakableConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}
