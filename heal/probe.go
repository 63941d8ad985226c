package heal

import (
	"context"
	"time"
)

// Reporter receives failures. [*Healer] implements it; adapters such as
// package breaker take a Reporter so that they can report the codes of the
// failures they see without depending on how detection works.
type Reporter interface {
	Report(err error)
}

// Probe is a detector run on an interval: it checks one thing (a pool ping,
// the heap size) and returns an error carrying a taxonomy code when the
// check fails. The Healer reports that error like any other, so the code's
// rules and policies decide what happens next.
//
// Check is called from one goroutine at a time, with a context that is
// cancelled when the Healer closes or the check outlives its interval.
type Probe interface {
	// Name identifies the probe in logs.
	Name() string
	// Interval is how often Check runs.
	Interval() time.Duration
	// Check returns nil when healthy, or an error (ideally wrapping a
	// *Error) describing the failure.
	Check(ctx context.Context) error
}
