package supervisor_test

import (
	"slices"
	"sync"
	"time"

	"github.com/selfheal/selfheal/supervisor"
)

// These tests keep their own fake clock rather than healtest's: healtest
// imports heal, which imports this package, so using it would make this
// package's tests build and fail with every change above it in the import
// graph. The behaviour is the same: timers fire in deadline order during
// Advance and Set, and WaitForTimers synchronises on armed timers.

var epoch = time.Date(2026, time.January, 2, 15, 4, 5, 0, time.UTC)

// fakeClock is a supervisor.Clock that moves only when told to.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	armed   []*fakeTimer
	changed *sync.Cond
}

func newClock() *fakeClock {
	c := &fakeClock{now: epoch}
	c.changed = sync.NewCond(&c.mu)
	return c
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) supervisor.Timer {
	t := &fakeTimer{c: c, ch: make(chan time.Time, 1)}
	t.Reset(d)
	return t
}

// Advance moves the clock by d.
func (c *fakeClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// Set moves the clock to to, firing due timers at their own instants.
func (c *fakeClock) Set(to time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.armed) > 0 && !c.armed[0].when.After(to) {
		t := c.armed[0]
		c.armed = c.armed[1:]
		c.now = t.when
		t.deliver(t.when)
	}
	c.now = to
	c.changed.Broadcast()
}

// WaitForTimers blocks until at least n timers are armed.
func (c *fakeClock) WaitForTimers(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.armed) < n {
		c.changed.Wait()
	}
}

// remove disarms t and reports whether it was armed. c.mu is held.
func (c *fakeClock) remove(t *fakeTimer) bool {
	i := slices.Index(c.armed, t)
	if i < 0 {
		return false
	}
	c.armed = slices.Delete(c.armed, i, i+1)
	c.changed.Broadcast()
	return true
}

type fakeTimer struct {
	c    *fakeClock
	ch   chan time.Time
	when time.Time
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	return t.c.remove(t)
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	was := c.remove(t)
	t.when = c.now.Add(d)
	if d <= 0 {
		t.deliver(c.now)
		return was
	}
	i, _ := slices.BinarySearchFunc(c.armed, t.when, func(x *fakeTimer, w time.Time) int {
		if x.when.After(w) {
			return 1
		}
		return -1 // equal deadlines fire in the order they were armed
	})
	c.armed = slices.Insert(c.armed, i, t)
	c.changed.Broadcast()
	return was
}

// deliver sends without blocking, as a time.Timer's buffered channel does.
func (t *fakeTimer) deliver(at time.Time) {
	select {
	case t.ch <- at:
	default:
	}
}
