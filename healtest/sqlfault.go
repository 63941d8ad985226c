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
// the break work. Recycling the pool is then what heals it. Statements
// prepared and transactions begun on a connection before the break fail
// too, as they would on a server that dropped the session; a transaction's
// Commit rolls it back and fails.
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
	return c.PrepareContext(context.Background(), query)
}

func (c *breakableConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := c.broken(); err != nil {
		return nil, err
	}
	var st driver.Stmt
	var err error
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = c.Conn.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	return &breakableStmt{Stmt: st, conn: c}, nil
}

func (c *breakableConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := c.broken(); err != nil {
		return nil, err
	}
	var tx driver.Tx
	var err error
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		tx, err = b.BeginTx(ctx, opts)
	} else {
		//lint:ignore SA1019 the fallback database/sql itself uses for old drivers
		tx, err = c.Conn.Begin()
	}
	if err != nil {
		return nil, err
	}
	return &breakableTx{Tx: tx, conn: c}, nil
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

// breakableStmt is a statement prepared on a breakable connection: once
// the connection is broken, running it fails with the injected error.
// Statements within a transaction need no wrapper of their own, since
// database/sql runs them through the connection.
type breakableStmt struct {
	driver.Stmt
	conn *breakableConn
}

func (s *breakableStmt) Exec(args []driver.Value) (driver.Result, error) {
	if err := s.conn.broken(); err != nil {
		return nil, err
	}
	//lint:ignore SA1019 the statement's own method, for callers of the old interface
	return s.Stmt.Exec(args)
}

func (s *breakableStmt) Query(args []driver.Value) (driver.Rows, error) {
	if err := s.conn.broken(); err != nil {
		return nil, err
	}
	//lint:ignore SA1019 the statement's own method, for callers of the old interface
	return s.Stmt.Query(args)
}

func (s *breakableStmt) ExecContext(
	ctx context.Context, args []driver.NamedValue,
) (driver.Result, error) {
	if err := s.conn.broken(); err != nil {
		return nil, err
	}
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	vals, err := values(ctx, args)
	if err != nil {
		return nil, err
	}
	//lint:ignore SA1019 the fallback database/sql itself uses for old drivers
	return s.Stmt.Exec(vals)
}

func (s *breakableStmt) QueryContext(
	ctx context.Context, args []driver.NamedValue,
) (driver.Rows, error) {
	if err := s.conn.broken(); err != nil {
		return nil, err
	}
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	vals, err := values(ctx, args)
	if err != nil {
		return nil, err
	}
	//lint:ignore SA1019 the fallback database/sql itself uses for old drivers
	return s.Stmt.Query(vals)
}

// CheckNamedValue asks the statement, then the connection, as database/sql
// does when neither is wrapped. (The deprecated driver.ColumnConverter is
// not passed through.)
func (s *breakableStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := s.Stmt.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return s.conn.CheckNamedValue(nv)
}

// values converts arguments for a statement without context support, as
// database/sql does: such a statement cannot take names.
func values(ctx context.Context, named []driver.NamedValue) ([]driver.Value, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]driver.Value, len(named))
	for i, nv := range named {
		if nv.Name != "" {
			return nil, errors.New("healtest: the driver does not support named arguments")
		}
		out[i] = nv.Value
	}
	return out, nil
}

// breakableTx is a transaction on a breakable connection. Once the
// connection is broken, Commit rolls the transaction back and fails, as
// a server that lost the session would have discarded it, and Rollback
// still releases the driver's transaction but reports the break.
type breakableTx struct {
	driver.Tx
	conn *breakableConn
}

func (t *breakableTx) Commit() error {
	if err := t.conn.broken(); err != nil {
		_ = t.Tx.Rollback()
		return err
	}
	return t.Tx.Commit()
}

func (t *breakableTx) Rollback() error {
	err := t.Tx.Rollback()
	if berr := t.conn.broken(); berr != nil {
		return berr
	}
	return err
}

// DSNConnector returns a connector that opens every connection with
// d.Open(dsn). It lets a driver used through sql.Open be wrapped in a
// [BreakableConnector], which needs a driver.Connector.
func DSNConnector(d driver.Driver, dsn string) driver.Connector {
	return dsnConnector{d: d, dsn: dsn}
}

type dsnConnector struct {
	d   driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.d }
