package pool

import (
	"context"
	"fmt"

	"github.com/selfheal/selfheal/heal"
)

// Recycler is a connection pool that can replace all of its connections.
// Recycle must be safe to call while the pool is in use, and must return
// when ctx is done.
type Recycler interface {
	Recycle(ctx context.Context) error
}

// Pinger is a connection pool that can check that the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Recycle returns an action that recycles r, whatever the trigger's target.
// A dry-run trigger leaves the pool alone.
func Recycle(r Recycler) heal.Action {
	return heal.ActionFunc("pool.recycle", func(ctx context.Context, t heal.Trigger) error {
		if t.DryRun {
			return nil
		}
		return r.Recycle(ctx)
	})
}

// RecycleTarget returns an action that recycles the pool named by the
// trigger's target, for services with several databases. A target with no
// pool is an error, so that the audit shows the policy is miswired. The map
// is read, never written, by the action; do not modify it afterwards.
func RecycleTarget(pools map[string]Recycler) heal.Action {
	return heal.ActionFunc("pool.recycle", func(ctx context.Context, t heal.Trigger) error {
		r, ok := pools[t.Target]
		if !ok {
			return fmt.Errorf("pool: no pool named %q to recycle", t.Target)
		}
		if t.DryRun {
			return nil
		}
		return r.Recycle(ctx)
	})
}
