package mem

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/selfheal/selfheal/heal"
)

// Limit is a reversible [heal.Action] that sets the Go runtime's soft
// memory limit and returns freed memory to the operating system. Undo
// restores the limit in force before the first Run. Make one with
// [SetLimit]; the zero value is not usable. A Limit is safe for concurrent
// use.
//
// The soft limit makes the garbage collector work harder as the heap nears
// it, trading CPU for memory; it never makes allocation fail.
//
// The soft limit is one setting for the whole process, and a Limit knows
// only the value it saw before its own first Run. Use one Limit per process
// (several policies may share it), and change the limit nowhere else while
// it is in force. A second Limit would save the first one's value as the
// limit before it, so undoing both would leave that value in force; a call
// to debug.SetMemoryLimit between Run and Undo is overwritten by Undo.
type Limit struct {
	bytes int64

	mu    sync.Mutex
	prev  int64 // the limit before the first Run; valid when saved
	saved bool
}

var _ heal.Reversible = (*Limit)(nil)

// SetLimit returns an action that sets the soft memory limit to bytes. It
// panics if bytes is not positive, which is a programming error.
func SetLimit(bytes int64) *Limit {
	if bytes <= 0 {
		panic(fmt.Sprintf("mem: SetLimit(%d): limit must be positive", bytes))
	}
	return &Limit{bytes: bytes}
}

// Name returns "mem.set-limit".
func (l *Limit) Name() string { return "mem.set-limit" }

// Run sets the soft memory limit and frees memory, unless t.DryRun is set.
// Running again keeps the limit saved by the first Run, so that Undo
// restores the service's own setting and not one of ours.
func (l *Limit) Run(_ context.Context, t heal.Trigger) error {
	if t.DryRun {
		return nil
	}
	l.mu.Lock()
	prev := debug.SetMemoryLimit(l.bytes)
	if !l.saved {
		l.prev, l.saved = prev, true
	}
	l.mu.Unlock()

	// FreeOSMemory forces a collection and returns pages at once, rather
	// than waiting for the background scavenger to catch up.
	debug.FreeOSMemory()
	return nil
}

// Undo restores the soft memory limit saved by the first Run since the
// last Undo. It does nothing when there is nothing to restore, or when
// t.DryRun is set.
func (l *Limit) Undo(_ context.Context, t heal.Trigger) error {
	if t.DryRun {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.saved {
		return nil
	}
	debug.SetMemoryLimit(l.prev)
	l.saved = false
	return nil
}
