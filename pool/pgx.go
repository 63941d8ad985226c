package pool

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgxpool"
)

// PGX adapts a *pgxpool.Pool to [Recycler] and [Pinger]. The zero value
// has no pool and its methods fail; set Pool. It is safe for concurrent use
// as the pool is.
type PGX struct {
	Pool *pgxpool.Pool
}

var errNoPool = errors.New("pool: no pool configured")

// Recycle closes every connection of the pool while leaving it open: idle
// connections close now, borrowed ones when they are returned, and the
// next acquire dials afresh. It never fails once a pool is set.
func (p PGX) Recycle(context.Context) error {
	if p.Pool == nil {
		return errNoPool
	}
	p.Pool.Reset()
	return nil
}

// Ping acquires a connection and checks that the server answers.
func (p PGX) Ping(ctx context.Context) error {
	if p.Pool == nil {
		return errNoPool
	}
	return p.Pool.Ping(ctx)
}
