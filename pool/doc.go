// Package pool recycles database connection pools when DB-CONN codes fire,
// and probes pools so that a dead database is reported as DB-CONN-001.
//
// Recycling replaces every connection of a pool with a fresh one. It heals
// the failures where the server or the network dropped connections that the
// pool still believes are alive: after a failover, a proxy restart, or an
// administrator terminating backends. Two kinds of pool implement
// [Recycler]:
//
//   - [PGX] wraps a *pgxpool.Pool and resets it: idle connections close at
//     once and borrowed ones close when they are returned.
//   - [SQL] holds a *sql.DB that it replaces atomically with one freshly
//     opened: new queries go to the new pool at once, queries in flight
//     finish on the old one, which is then closed, after a grace period
//     for callers that took it just before the swap.
//
// [Recycle] turns a Recycler into the action a policy binds to DB-CONN
// codes, and [NewProbe] pings a pool on an interval:
//
//	db := pool.PGX{Pool: pgxPool}
//	h.On("DB-CONN-*", heal.AtLeast(3, 10*time.Second), pool.Recycle(db))
//	probe := pool.NewProbe(db, pool.ProbeConfig{Target: "orders-db"})
package pool
