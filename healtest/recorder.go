package healtest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/selfheal/selfheal/heal"
)

// Call is one run (or undo) of a recorded action.
type Call struct {
	Action  string
	Target  string
	Undo    bool
	At      time.Time // on the recorder's clock
	Trigger heal.Trigger
	Err     error // what the action returned
}

// String describes the call for test messages, e.g.
// `ran breaker.trip on "payments" at 15:04:06.000`.
func (c Call) String() string {
	verb := "ran"
	if c.Undo {
		verb = "undid"
	}
	s := fmt.Sprintf("%s %s on %q at %s", verb, c.Action, c.Target, c.At.Format("15:04:05.000"))
	if c.Err != nil {
		s += fmt.Sprintf(" (failed: %v)", c.Err)
	}
	return s
}

// Recorder makes actions that record their calls instead of changing
// anything, and asserts what the supervisor did with them.
//
// A Recorder is safe for concurrent use; make one with [NewRecorder].
type Recorder struct {
	clock heal.Clock

	mu      sync.Mutex
	calls   []Call
	errs    map[string]error
	changed chan struct{} // closed and replaced on every call
}

// NewRecorder returns a recorder that time-stamps calls with clock (nil
// means the system clock).
func NewRecorder(clock heal.Clock) *Recorder {
	if clock == nil {
		clock = heal.SystemClock{}
	}
	return &Recorder{clock: clock, errs: map[string]error{}, changed: make(chan struct{})}
}

// Action returns a reversible action called name that records each run and
// undo.
func (r *Recorder) Action(name string) heal.Reversible {
	return recordedAction{r: r, name: name}
}

// FailWith makes the action called name return err from now on; nil makes
// it succeed again.
func (r *Recorder) FailWith(name string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		delete(r.errs, name)
		return
	}
	r.errs[name] = err
}

// Calls returns every call so far, in order.
func (r *Recorder) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Call(nil), r.calls...)
}

// Count returns how many times action ran on target (undos excluded).
func (r *Recorder) Count(action, target string) int {
	return len(r.matching(action, target, time.Time{}, time.Time{}))
}

// WaitFor blocks until action has run on target at least n times, or ctx
// is done. Actions run on the supervisor's workers, so a test waits for
// that event rather than for time to pass.
func (r *Recorder) WaitFor(ctx context.Context, action, target string, n int) error {
	for {
		r.mu.Lock()
		got := len(r.matchingLocked(action, target, time.Time{}, time.Time{}))
		ch := r.changed
		r.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("healtest: waiting for %s on %q to run %d time(s): %w; %s",
				action, target, n, ctx.Err(), r.describe())
		}
	}
}

// AssertRan checks that action ran on target exactly times times within d
// of since on the recorder's clock. On failure the message says what
// happened instead.
func (r *Recorder) AssertRan(
	t testing.TB, action, target string, times int, since time.Time, d time.Duration,
) bool {
	t.Helper()
	got := r.matching(action, target, since, since.Add(d))
	if len(got) == times {
		return true
	}
	t.Errorf("healtest: want %s on %q %s within %v of %s; got %d.\n%s",
		action, target, timesText(times), d, since.Format("15:04:05.000"), len(got), r.describe())
	return false
}

// AssertNotRan checks that action never ran on target.
func (r *Recorder) AssertNotRan(t testing.TB, action, target string) bool {
	t.Helper()
	if n := r.Count(action, target); n > 0 {
		t.Errorf("healtest: want %s never to run on %q; it ran %s.\n%s",
			action, target, timesText(n), r.describe())
		return false
	}
	return true
}

func timesText(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}

func (r *Recorder) matching(action, target string, from, to time.Time) []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.matchingLocked(action, target, from, to)
}

func (r *Recorder) matchingLocked(action, target string, from, to time.Time) []Call {
	var out []Call
	for _, c := range r.calls {
		if c.Undo || c.Action != action || c.Target != target {
			continue
		}
		if !from.IsZero() && (c.At.Before(from) || c.At.After(to)) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// describe lists every recorded call, for failure messages.
func (r *Recorder) describe() string {
	calls := r.Calls()
	if len(calls) == 0 {
		return "No action ran at all."
	}
	lines := make([]string, len(calls))
	for i, c := range calls {
		lines[i] = "\t" + c.String()
	}
	return "Calls recorded:\n" + strings.Join(lines, "\n")
}

func (r *Recorder) record(name string, t heal.Trigger, undo bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	err := r.errs[name]
	r.calls = append(r.calls, Call{Action: name, Target: t.Target, Undo: undo,
		At: r.clock.Now(), Trigger: t, Err: err})
	close(r.changed)
	r.changed = make(chan struct{})
	return err
}

type recordedAction struct {
	r    *Recorder
	name string
}

func (a recordedAction) Name() string { return a.name }

func (a recordedAction) Run(_ context.Context, t heal.Trigger) error {
	return a.r.record(a.name, t, false)
}

func (a recordedAction) Undo(_ context.Context, t heal.Trigger) error {
	return a.r.record(a.name, t, true)
}
