package breaker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/selfheal/selfheal/heal"
)

// TripName is the name of the action [Trip] returns, as it appears in
// cooldowns and audit records.
const TripName = "breaker.trip"

// Trip returns an action that forces open, for d, the breaker in set named
// by the trigger's Target, attributed to the trigger's Actor and Reason.
// A d <= 0 holds the breaker open until the action is undone. Undo resets
// the breaker. A trigger whose Target names no breaker in set fails with
// [ErrUnknown]; a dry-run trigger changes nothing.
//
// It is meant for dependency codes:
//
//	h.On("SVC-DEP-*", heal.AtLeast(20, time.Minute), breaker.Trip(breakers, 30*time.Second))
func Trip(set *Set, d time.Duration) heal.Reversible {
	return tripAction{set: set, d: d}
}

type tripAction struct {
	set *Set
	d   time.Duration
}

func (a tripAction) Name() string { return TripName }

// Run forces the target's breaker open.
func (a tripAction) Run(ctx context.Context, t heal.Trigger) error {
	b, err := a.target(ctx, t)
	if err != nil || t.DryRun {
		return err
	}
	b.ForceOpen(a.d, attribution(t))
	return nil
}

// Undo resets the target's breaker.
func (a tripAction) Undo(ctx context.Context, t heal.Trigger) error {
	b, err := a.target(ctx, t)
	if err != nil || t.DryRun {
		return err
	}
	b.Reset(attribution(t))
	return nil
}

func (a tripAction) target(ctx context.Context, t heal.Trigger) (*Breaker, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("breaker: trip %q: %w", t.Target, err)
	}
	if a.set == nil {
		return nil, errors.New("breaker: trip: nil set")
	}
	return a.set.lookup(t.Target)
}

func attribution(t heal.Trigger) Attribution {
	return Attribution{Actor: t.Actor, Reason: t.Reason}
}
