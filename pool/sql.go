package pool

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// ErrClosed is returned by [SQL.Recycle] after [SQL.Close].
var ErrClosed = errors.New("pool: closed")

// SQL is a *sql.DB that can be replaced while in use. Callers take the
// current pool with [SQL.DB] for each unit of work (a query, a
// transaction) rather than keeping it, so that after a recycle new work
// goes to fresh connections at once.
//
// Make one with [OpenSQL]; the zero value is not usable. An SQL is safe for
// concurrent use.
type SQL struct {
	open func(context.Context) (*sql.DB, error)
	db   atomic.Pointer[sql.DB]

	mu     sync.Mutex // serialises Recycle and Close; guards closed
	closed bool
}

// OpenSQL opens the first pool with open and returns an SQL that calls open
// again on each recycle. open should configure the pool (limits, lifetimes)
// as the service wants; it need not connect, since the new pool is pinged
// before it replaces the old.
func OpenSQL(ctx context.Context, open func(context.Context) (*sql.DB, error)) (*SQL, error) {
	s := &SQL{open: open}
	db, err := s.openChecked(ctx)
	if err != nil {
		return nil, err
	}
	s.db.Store(db)
	return s, nil
}

// DB returns the current pool. Do not keep it beyond one unit of work; it
// is closed after the next recycle once its work is done.
func (s *SQL) DB() *sql.DB { return s.db.Load() }

// Ping checks that the current pool reaches the database.
func (s *SQL) Ping(ctx context.Context) error { return s.DB().PingContext(ctx) }

// Recycle opens and pings a fresh pool, swaps it in, and closes the old
// one. If the fresh pool cannot reach the database the old one stays in
// place, since swapping would not help.
//
// Closing the old pool closes its idle connections at once and each
// borrowed connection when it is returned, so queries and transactions in
// flight finish normally. (sql.DB.Close does not wait for them, whatever
// its doc suggests; it refuses new work and drains as connections come
// back, which is exactly what a recycle needs, so Recycle never blocks on
// a stuck query.)
func (s *SQL) Recycle(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	fresh, err := s.openChecked(ctx)
	if err != nil {
		return err
	}
	old := s.db.Swap(fresh)
	// The old pool's connections are the suspect ones; an error closing
	// them says nothing about the fresh pool.
	_ = old.Close()
	return nil
}

// Close closes the current pool. Recycle fails after Close.
func (s *SQL) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.DB().Close()
}

// openChecked opens a pool and checks that it reaches the database.
func (s *SQL) openChecked(ctx context.Context) (*sql.DB, error) {
	db, err := s.open(ctx)
	if err != nil {
		return nil, fmt.Errorf("pool: open: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("pool: ping fresh pool: %w", err)
	}
	return db, nil
}
