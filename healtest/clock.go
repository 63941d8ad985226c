package healtest

import (
	"sort"
	"sync"
	"time"

	"github.com/selfheal/selfheal/supervisor"
)

// Epoch is the instant a [Clock] made by [NewClock] starts at: a fixed,
// recognisable time so test output is stable from run to run.
var Epoch = time.Date(2026, time.January, 2, 15, 4, 5, 0, time.UTC)

// Clock is a fake [supervisor.Clock] that only moves when a test advances
// it. Timers fire, in deadline order, during [Clock.Advance] or [Clock.Set].
//
// The zero value is not usable; make one with [NewClock]. A Clock is safe
// for concurrent use.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*fakeTimer
	changed chan struct{} // closed and replaced whenever timers change
}

// NewClock returns a fake clock reading start, or [Epoch] when start is the
// zero time.
func NewClock(start time.Time) *Clock {
	if start.IsZero() {
		start = Epoch
	}
	return &Clock{now: start, changed: make(chan struct{})}
}

// Now returns the clock's current instant.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Since returns the fake time elapsed since t.
func (c *Clock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// NewTimer returns a timer that fires once the clock has been advanced by d.
// A timer with d <= 0 fires at once.
func (c *Clock) NewTimer(d time.Duration) supervisor.Timer {
	t := &fakeTimer{clock: c, ch: make(chan time.Time, 1)}
	c.mu.Lock()
	c.arm(t, d)
	c.mu.Unlock()
	return t
}

// Advance moves the clock forward by d, firing every timer whose deadline
// falls within the step, each at its own deadline.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	target := c.now.Add(d)
	c.mu.Unlock()
	c.Set(target)
}

// Set moves the clock to t, firing the timers due by then. Moving the clock
// backwards is a test bug and panics.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.Before(c.now) {
		panic("healtest: Clock.Set moves time backwards from " +
			c.now.String() + " to " + t.String())
	}
	for {
		next := c.nextDue(t)
		if next == nil {
			break
		}
		c.now = next.when
		c.fire(next)
	}
	c.now = t
}

// Pending returns how many timers are armed and not yet fired.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// WaitForTimers blocks until at least n timers are armed, so a test can
// advance the clock knowing that a goroutine under test is already waiting
// on it. It synchronises on events, not on the passage of time.
func (c *Clock) WaitForTimers(n int) {
	for {
		c.mu.Lock()
		if len(c.timers) >= n {
			c.mu.Unlock()
			return
		}
		ch := c.changed
		c.mu.Unlock()
		<-ch
	}
}

// nextDue returns the earliest armed timer due at or before t, or nil.
// The caller holds c.mu.
func (c *Clock) nextDue(t time.Time) *fakeTimer {
	if len(c.timers) == 0 || c.timers[0].when.After(t) {
		return nil
	}
	return c.timers[0]
}

// arm schedules t to fire after d. The caller holds c.mu.
func (c *Clock) arm(t *fakeTimer, d time.Duration) {
	t.when = c.now.Add(d)
	if d <= 0 {
		t.send(c.now)
		return
	}
	t.armed = true
	c.timers = append(c.timers, t)
	sort.SliceStable(c.timers, func(i, j int) bool {
		return c.timers[i].when.Before(c.timers[j].when)
	})
	c.notify()
}

// disarm removes t from the schedule and reports whether it was armed.
// The caller holds c.mu.
func (c *Clock) disarm(t *fakeTimer) bool {
	if !t.armed {
		return false
	}
	t.armed = false
	for i, x := range c.timers {
		if x == t {
			c.timers = append(c.timers[:i], c.timers[i+1:]...)
			break
		}
	}
	c.notify()
	return true
}

// fire delivers t at the clock's current instant. The caller holds c.mu.
func (c *Clock) fire(t *fakeTimer) {
	c.disarm(t)
	t.send(c.now)
}

// notify wakes goroutines in WaitForTimers. The caller holds c.mu.
func (c *Clock) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

type fakeTimer struct {
	clock *Clock
	ch    chan time.Time
	when  time.Time
	armed bool // guarded by clock.mu
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	return t.clock.disarm(t)
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	was := t.clock.disarm(t)
	t.clock.arm(t, d)
	return was
}

// send delivers now without blocking, dropping it if the previous instant
// was never received, as a buffered time.Timer channel does.
func (t *fakeTimer) send(now time.Time) {
	select {
	case t.ch <- now:
	default:
	}
}
