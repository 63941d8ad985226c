package supervisor

import (
	"context"
	"fmt"
	"time"
)

// job is a started action waiting for, or held by, a worker.
type job struct {
	req request
}

// result is what a worker hands back to the loop.
type result struct {
	job        job
	err        error
	start, end time.Time
	attrs      map[string]string // what the action annotated
}

// worker runs jobs until the loop closes s.jobs. A worker always delivers
// a result, because the loop waits for every job it handed out.
func (s *Supervisor) worker() {
	defer s.wg.Done()
	for j := range s.jobs {
		s.results <- s.run(j)
	}
}

// run calls the action on its own goroutine and waits for it, its
// deadline on the supervisor's clock, or Close, whichever comes first.
// The extra goroutine is the price of abandoning an action that ignores its
// context: the worker moves on, and other targets do not wait behind it.
func (s *Supervisor) run(j job) result {
	start := s.clock.Now()
	timeout := orDur(j.req.t.Timeout, s.cfg.ActionTimeout)
	ctx, cancel := context.WithCancelCause(s.base)
	defer cancel(nil)
	ctx, notes := withAnnotations(ctx)
	// The timer is armed before the action starts, so the deadline is on
	// the clock by the time the action can observe anything.
	timer := s.clock.NewTimer(timeout)
	defer timer.Stop()
	done := make(chan error, 1) // buffered: an abandoned action still exits
	go func() { done <- call(deadlineCtx{ctx, start.Add(timeout)}, j.req) }()

	var err error
	select {
	case err = <-done:
	case <-timer.C():
		cancel(context.DeadlineExceeded)
		err = fmt.Errorf("supervisor: action %q on %q abandoned at its %v deadline",
			j.req.t.Action.Name(), j.req.t.Target, timeout)
	case <-s.base.Done():
		err = fmt.Errorf("supervisor: closed while action %q ran", j.req.t.Action.Name())
	}
	return result{job: j, err: err, start: start, end: s.clock.Now(), attrs: notes.take()}
}

// call runs the action, or its undo, turning a panic into an error.
func call(ctx context.Context, req request) (err error) {
	name := req.t.Action.Name()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("supervisor: action %q panicked: %v", name, p)
		}
	}()
	if req.undo {
		return req.t.Action.(Reversible).Undo(ctx, req.t)
	}
	return req.t.Action.Run(ctx, req.t)
}

// deadlineCtx reports a deadline on the supervisor's clock, which may be a
// fake one, where context.WithDeadline would use the wall clock. Its Err is
// context.DeadlineExceeded once the worker gives up on the action.
type deadlineCtx struct {
	context.Context
	deadline time.Time
}

func (c deadlineCtx) Deadline() (time.Time, bool) { return c.deadline, true }

func (c deadlineCtx) Err() error {
	if c.Context.Err() == nil {
		return nil
	}
	return context.Cause(c.Context)
}
