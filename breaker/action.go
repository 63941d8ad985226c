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
// A d <= 0 holds the breaker open until the action is undone. A trigger
// whose Target names no breaker in set fails with [ErrUnknown]; a dry-run
// trigger changes nothing.
//
// Trip never shortens a hold already in effect (see
// [Breaker.ForceOpenAtLeast]): when an operator's hold lasts until Reset,
// or past the end of d, Trip keeps it, and the audit record says so under
// the key "kept", for example "hold by human:alice until reset".
//
// Undo resets the breaker: it clears whatever hold is current, whoever
// placed it, including one Trip kept rather than placed.
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

// Run forces the target's breaker open, unless a longer hold is in effect.
func (a tripAction) Run(ctx context.Context, t heal.Trigger) error {
	b, err := a.target(ctx, t)
	if err != nil || t.DryRun {
		return err
	}
	if h, placed := b.ForceOpenAtLeast(a.d, attribution(t)); !placed {
		heal.Annotate(ctx, "kept", describe(h))
	}
	return nil
}

// describe says, for the audit record, which hold Trip kept.
func describe(h Hold) string {
	s := "hold by " + h.Actor + " until "
	if h.Until.IsZero() {
		s += "reset"
	} else {
		s += h.Until.UTC().Format(time.RFC3339)
	}
	if h.Reason != "" {
		s += ": " + h.Reason
	}
	return s
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
