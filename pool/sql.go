package pool

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/selfheal/selfheal/heal"
)

// ErrClosed is returned by [SQL.Recycle] after [SQL.Close].
var ErrClosed = errors.New("pool: closed")

// DefaultGrace is how long a pool replaced by [SQL.Recycle] still accepts
// new work when [SQLConfig.Grace] is zero.
const DefaultGrace = 30 * time.Second

// SQLConfig configures an [SQL]. Open is required; the zero value of every
// other field is a working default.
type SQLConfig struct {
	// Open opens a pool. It is called once by [NewSQL] and again on each
	// recycle. It should configure the pool (limits, lifetimes) as the
	// service wants; it need not connect, since each new pool is pinged
	// before it is used.
	Open func(context.Context) (*sql.DB, error)
	// Grace is how long a pool replaced by a recycle still accepts new work
	// from callers that took it from [SQL.DB] just before the recycle. It
	// is closed when Grace has passed, at the next recycle, or at
	// [SQL.Close], whichever comes first. Zero means [DefaultGrace].
	Grace time.Duration
	// Clock times Grace. Nil means the system clock.
	Clock heal.Clock
}

// SQL is a *sql.DB that can be replaced while in use. Callers take the
// current pool with [SQL.DB] for each unit of work (a query, a
// transaction) rather than keeping it, so that after a recycle new work
// goes to fresh connections at once.
//
// Make one with [NewSQL] or [OpenSQL]; the zero value is not usable. An SQL
// is safe for concurrent use.
type SQL struct {
	cfg SQLConfig
	db  atomic.Pointer[sql.DB]

	mu      sync.Mutex // serialises Recycle and Close; guards the fields below
	closed  bool
	retired *retiree // the pool the last recycle replaced, or nil
}

// NewSQL opens the first pool with cfg.Open and returns an SQL that calls
// it again on each recycle.
func NewSQL(ctx context.Context, cfg SQLConfig) (*SQL, error) {
	if cfg.Open == nil {
		return nil, errors.New("pool: SQLConfig.Open is nil")
	}
	if cfg.Grace <= 0 {
		cfg.Grace = DefaultGrace
	}
	if cfg.Clock == nil {
		cfg.Clock = heal.SystemClock{}
	}
	s := &SQL{cfg: cfg}
	db, err := s.openChecked(ctx)
	if err != nil {
		return nil, err
	}
	s.db.Store(db)
	return s, nil
}

// OpenSQL is [NewSQL] with open as [SQLConfig.Open] and every other field
// left at its default.
func OpenSQL(ctx context.Context, open func(context.Context) (*sql.DB, error)) (*SQL, error) {
	return NewSQL(ctx, SQLConfig{Open: open})
}

// DB returns the current pool. Do not keep it beyond one unit of work:
// after a recycle it still accepts new work for [SQLConfig.Grace], though
// on connections it closes as soon as they are returned, and then it is
// closed.
func (s *SQL) DB() *sql.DB { return s.db.Load() }

// Ping checks that the current pool reaches the database.
func (s *SQL) Ping(ctx context.Context) error { return s.DB().PingContext(ctx) }

// Recycle opens and pings a fresh pool, swaps it in, and retires the old
// one. If the fresh pool cannot reach the database the old one stays in
// place, since swapping would not help.
//
// A retired pool keeps no idle connection: the idle ones close at once and
// each borrowed one when it is returned, so queries and transactions in
// flight finish normally on the old pool. It is not closed at once,
// because a caller may have taken it from [SQL.DB] just before the swap
// and not yet started its statement; closing would fail that statement
// with "sql: database is closed". It is closed once [SQLConfig.Grace] has
// passed, or sooner by the next Recycle or by Close. Recycle never waits
// for work in flight, so a stuck query cannot block it.
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
	s.closeRetired()
	s.retired = retire(old, s.cfg.Clock.NewTimer(s.cfg.Grace))
	return nil
}

// Close closes the current pool and any pool a recycle retired. Recycle
// fails after Close.
func (s *SQL) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.closeRetired()
	return s.DB().Close()
}

// closeRetired closes the retired pool, if any, cutting its grace short.
// The caller holds s.mu.
func (s *SQL) closeRetired() {
	if s.retired != nil {
		s.retired.end()
		s.retired = nil
	}
}

// openChecked opens a pool and checks that it reaches the database.
func (s *SQL) openChecked(ctx context.Context) (*sql.DB, error) {
	db, err := s.cfg.Open(ctx)
	if err != nil {
		return nil, fmt.Errorf("pool: open: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("pool: ping fresh pool: %w", err)
	}
	return db, nil
}

// retiree is a replaced pool waiting out its grace period. A goroutine
// waits on the timer and closes the pool when it fires; end closes it
// sooner. The goroutine takes no lock of the SQL, so end may wait for it
// while holding one.
type retiree struct {
	db    *sql.DB
	once  sync.Once
	stop  chan struct{} // closed by end to cut the wait short
	ended chan struct{} // closed when the waiting goroutine has returned
}

// retire stops db from keeping idle connections and starts the wait that
// closes it when t fires.
//
// With no idle slots, database/sql closes every connection as it comes
// back, which also covers connections opened after the swap by late
// callers. A short connection lifetime would add nothing but database/sql's
// cleaner goroutine, so none is set.
func retire(db *sql.DB, t heal.Timer) *retiree {
	db.SetMaxIdleConns(0)
	r := &retiree{db: db, stop: make(chan struct{}), ended: make(chan struct{})}
	go r.wait(t)
	return r
}

func (r *retiree) wait(t heal.Timer) {
	defer close(r.ended)
	defer t.Stop()
	select {
	case <-t.C():
		r.close()
	case <-r.stop:
	}
}

// end closes the pool now and waits for the goroutine to return, so none
// outlives the SQL.
func (r *retiree) end() {
	close(r.stop)
	<-r.ended
	r.close()
}

// close closes the pool once. The old pool's connections are the suspect
// ones; an error closing them says nothing about the fresh pool, and
// sql.DB.Close does not wait for borrowed connections, which close when
// they are returned.
func (r *retiree) close() {
	r.once.Do(func() { _ = r.db.Close() })
}
