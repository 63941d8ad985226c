package supervisor

import "time"

// Clock is the source of time for everything selfheal decides. Production
// code uses [SystemClock]; tests substitute a fake clock (see package
// healtest) and advance it explicitly, so no guardrail needs a sleep to test.
//
// Implementations must be safe for concurrent use.
type Clock interface {
	// Now returns the current instant.
	Now() time.Time
	// NewTimer returns a timer that delivers on its channel once d has
	// elapsed on this clock.
	NewTimer(d time.Duration) Timer
}

// Timer is the clock-independent counterpart of [time.Timer].
type Timer interface {
	// C returns the channel on which the timer delivers its instant.
	C() <-chan time.Time
	// Stop prevents the timer from firing. It reports whether the call
	// stopped the timer, as [time.Timer.Stop] does.
	Stop() bool
	// Reset changes the timer to expire after d, as [time.Timer.Reset] does.
	Reset(d time.Duration) bool
}

// SystemClock is the wall clock of the process. Its zero value is ready to
// use and it is safe for concurrent use.
type SystemClock struct{}

// Now returns [time.Now].
func (SystemClock) Now() time.Time { return time.Now() }

// NewTimer returns a [time.Timer] wrapped as a [Timer].
func (SystemClock) NewTimer(d time.Duration) Timer {
	return systemTimer{time.NewTimer(d)}
}

type systemTimer struct{ t *time.Timer }

func (t systemTimer) C() <-chan time.Time        { return t.t.C }
func (t systemTimer) Stop() bool                 { return t.t.Stop() }
func (t systemTimer) Reset(d time.Duration) bool { return t.t.Reset(d) }

// clockOrSystem returns c, or the system clock when c is nil.
func clockOrSystem(c Clock) Clock {
	if c == nil {
		return SystemClock{}
	}
	return c
}
