package flags

import (
	"context"
	"errors"
	"fmt"

	"github.com/selfheal/selfheal/heal"
)

// KillName is the name of the action [Kill] returns, as it appears in
// cooldowns and audit records.
const KillName = "flags.kill"

// Kill returns an action that kills the flag named by the trigger's Target,
// attributed to the trigger's Actor and Reason. Undo revives it. A trigger
// without a Target fails; a dry-run trigger changes nothing.
//
// It is meant for deploy health codes:
//
//	h.On("DEPLOY-HEALTH-002", heal.Sustained(5, 2*time.Minute), flags.Kill(killSwitch))
func Kill(s *Switch) heal.Reversible { return killAction{s: s} }

type killAction struct{ s *Switch }

func (a killAction) Name() string { return KillName }

// Run kills the target flag.
func (a killAction) Run(ctx context.Context, t heal.Trigger) error {
	if err := a.check(ctx, t); err != nil || t.DryRun {
		return err
	}
	return a.s.Kill(ctx, t.Target, attribution(t))
}

// Undo revives the target flag.
func (a killAction) Undo(ctx context.Context, t heal.Trigger) error {
	if err := a.check(ctx, t); err != nil || t.DryRun {
		return err
	}
	return a.s.Revive(ctx, t.Target, attribution(t))
}

func (a killAction) check(ctx context.Context, t heal.Trigger) error {
	switch {
	case a.s == nil:
		return errors.New("flags: kill: nil switch")
	case t.Target == "":
		return errors.New("flags: kill: trigger names no flag")
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("flags: kill %q: %w", t.Target, err)
	}
	return nil
}

func attribution(t heal.Trigger) Attribution {
	return Attribution{Actor: t.Actor, Reason: t.Reason}
}
