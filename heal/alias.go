package heal

import (
	"context"

	"github.com/selfheal/selfheal/supervisor"
)

// Clock is the source of time for selfheal; see [supervisor.Clock]. A nil
// Clock in any selfheal configuration means the system clock.
type Clock = supervisor.Clock

// Timer is a timer created by a [Clock].
type Timer = supervisor.Timer

// SystemClock is the process's wall clock.
type SystemClock = supervisor.SystemClock

// Action is pre-authorized recovery work run against a target; see
// [supervisor.Action].
type Action = supervisor.Action

// Reversible is an [Action] that can be undone.
type Reversible = supervisor.Reversible

// Trigger asks the supervisor to run an action; see [supervisor.Trigger].
type Trigger = supervisor.Trigger

// ActionFunc adapts a function to a named [Action].
func ActionFunc(name string, run func(ctx context.Context, t Trigger) error) Action {
	return supervisor.ActionFunc(name, run)
}

// Annotate attaches key=value to the audit record of the action running
// with ctx, such as a command's exit status and output; see
// [supervisor.Annotate]. Outside an action it does nothing.
func Annotate(ctx context.Context, key, value string) { supervisor.Annotate(ctx, key, value) }
