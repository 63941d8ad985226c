package heal

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// start launches the loop that dispatches incidents, sweeps for
// resolutions and writes summary lines, and, for the system clock, the
// ticker that keeps the detector's coarse time.
func (h *Healer) start(coarse bool) {
	if coarse {
		h.det.cur.Store(h.det.bucket(h.clock.Now()))
		h.wg.Add(1)
		go h.tickCoarse()
	}
	h.wg.Add(1)
	go h.loop()
}

// tickCoarse keeps det.cur at the current bucket, waking at each bucket
// boundary. It runs apart from the loop so that a slow subscriber cannot
// stop time for reporters.
func (h *Healer) tickCoarse() {
	defer h.wg.Done()
	d := h.det
	t := h.clock.NewTimer(d.res)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case now := <-t.C():
			b := d.bucket(now)
			d.cur.Store(b)
			t.Reset(d.timeOf(b + 1).Sub(now))
		}
	}
}

// loop owns the dispatch of events: subscribers are called here, one at a
// time, with no lock of the Healer held.
func (h *Healer) loop() {
	defer h.wg.Done()
	t := h.clock.NewTimer(h.det.res)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-h.q.wake:
			h.drain()
		case <-t.C():
			h.tick()
			t.Reset(h.det.res)
		case done := <-h.flushReq:
			h.tick()
			close(done)
		}
	}
}

// tick resolves quiet incidents and writes due summaries. It reads the
// clock rather than taking the timer's instant, which lags a fake clock
// moved far at once.
func (h *Healer) tick() {
	now := h.clock.Now()
	h.det.sweep(now)
	h.drain()
	h.storm.flush(h.det.bucket(now))
}

// flush makes the loop sweep and dispatch now, and returns once it has:
// the package's tests use it to act deterministically on a fake clock.
func (h *Healer) flush() {
	done := make(chan struct{})
	select {
	case h.flushReq <- done:
		<-done
	case <-h.stop:
	}
}

func (h *Healer) drain() {
	for _, e := range h.q.take() {
		if e.first != nil {
			h.storm.first(e.first)
			continue
		}
		h.dispatch(e.inc)
	}
}

// dispatch tells subscribers of an incident and, when it fires a policy
// with an action, submits the trigger.
func (h *Healer) dispatch(inc Incident) {
	for _, s := range *h.subs.Load() {
		h.call(s, inc)
	}
	if inc.Resolved || inc.binding.action == nil {
		return
	}
	t := h.detectedTrigger(inc)
	if err := h.sup.Submit(t); err != nil {
		// The supervisor has audited the refusal; nobody else will hear.
		h.log.Warn("heal: trigger refused", "id", t.ID, "code", t.Code,
			"target", t.Target, "error", err)
	}
}

func (h *Healer) call(s *subscriber, inc Incident) {
	defer func() {
		if r := recover(); r != nil {
			h.log.Error("heal: subscriber panicked", "incident", inc.ID,
				"panic", fmt.Sprint(r))
		}
	}()
	s.fn(inc)
}

type subscriber struct{ fn func(Incident) }

// Subscribe calls fn with every incident as it fires and again when it
// resolves, and returns a function that stops the calls. fn is called from
// the Healer's loop goroutine, one incident at a time and with no lock
// held; it must not block, since the loop also triggers actions.
//
// The loop hands each incident to the subscribers there were when it
// began to, so fn may be called once more after cancel returns, with an
// incident whose dispatch had begun.
func (h *Healer) Subscribe(fn func(Incident)) (cancel func()) {
	s := &subscriber{fn: fn}
	h.mu.Lock()
	next := append(slices.Clone(*h.subs.Load()), s)
	h.subs.Store(&next)
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		next := slices.DeleteFunc(slices.Clone(*h.subs.Load()),
			func(x *subscriber) bool { return x == s })
		h.subs.Store(&next)
	}
}

// AddProbe runs p every p.Interval() on the Healer's clock until Close,
// reporting the errors it returns like any other. The first check is due
// one interval after AddProbe returns; checks start an interval apart, so
// a slow check does not stretch the schedule.
func (h *Healer) AddProbe(p Probe) {
	every := p.Interval()
	if every <= 0 {
		h.log.Warn("heal: probe has no interval; not run", "probe", p.Name())
		return
	}
	// Armed before AddProbe returns, and re-armed before each check, so a
	// test that advances a fake clock never moves past a tick unseen.
	t := h.clock.NewTimer(every)
	h.wg.Add(1)
	go h.runProbe(p, every, t)
}

func (h *Healer) runProbe(p Probe, every time.Duration, t Timer) {
	defer h.wg.Done()
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C():
			t.Reset(every)
			h.check(p, every)
		}
	}
}

// check runs one probe check, cancelling it when it outlives its interval
// on the Healer's clock.
func (h *Healer) check(p Probe, every time.Duration) {
	ctx, cancel := context.WithCancel(h.ctx)
	defer cancel()
	deadline := h.clock.NewTimer(every)
	defer deadline.Stop()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-deadline.C():
			cancel()
		case <-done:
		}
	}()
	if err := p.Check(ctx); err != nil {
		h.log.Debug("heal: probe failed", "probe", p.Name(), "error", err)
		h.Report(err)
	}
}
