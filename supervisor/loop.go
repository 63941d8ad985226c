package supervisor

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// loopState is owned by the decision goroutine; nothing else touches it.
type loopState struct {
	pending  []job // decided, started and waiting for a free worker
	inflight int   // handed to workers, result not yet back
	verifies []verifyItem
	vtimer   Timer
	replies  []reply // answers held until the turn ends
}

// reply is an outcome on its way to a caller of Do or Undo.
type reply struct {
	to  chan Record
	rec Record
}

// turnMark is the loop's heartbeat: which turn it is on, since when.
type turnMark struct {
	n     uint64
	since time.Time
}

// verifyItem is a successful action waiting for its verify window to pass.
type verifyItem struct {
	due time.Time
	t   Trigger
}

// loop is the decision goroutine. Every guardrail decision happens here, one
// at a time, so guardrail state needs no lock order; the store's own lock
// only serves readers such as Snapshot. Each turn is timed for the
// watchdog. Handing a job to a worker is not a turn: it cannot block,
// because the send is one case of the select.
func (s *Supervisor) loop() {
	defer s.wg.Done()
	for {
		// Close comes before any other work, which select alone would
		// pick at random.
		select {
		case <-s.stop:
			s.drain()
			return
		default:
		}
		var jobs chan<- job
		var next job
		if len(s.pending) > 0 {
			jobs, next = s.jobs, s.pending[0]
		}
		select {
		case <-s.stop:
			s.drain()
			return
		case req := <-s.in:
			s.turn(func(now time.Time) { s.decide(req, now) })
		case res := <-s.results:
			s.turn(func(now time.Time) { s.finish(res, now) })
		case <-s.verifyC():
			s.turn(s.verifyDue)
		case jobs <- next:
			s.pending = s.pending[1:]
			s.inflight++
		}
	}
}

// turn runs one step of the loop with the heartbeat marked busy, so the
// watchdog can tell a stalled loop from an idle one. Callers of Do hear of
// their outcome only once the turn is over, so a test that advances a fake
// clock as soon as Do returns does not catch the loop mid-turn.
func (s *Supervisor) turn(step func(now time.Time)) {
	s.beat.Store(&turnMark{n: s.turns.Add(1), since: s.clock.Now()})
	if h := s.cfg.hooks.beforeTurn; h != nil {
		h()
	}
	step(s.clock.Now())
	s.beat.Store(nil)
	s.flushReplies()
}

// flushReplies answers the callers waiting for outcomes decided so far.
func (s *Supervisor) flushReplies() {
	for _, r := range s.replies {
		r.to <- r.rec // buffered, one answer each: never blocks
	}
	s.replies = s.replies[:0]
}

// drain ends the loop for Close: queued triggers are rejected, jobs not yet
// running fail, and the loop waits for the results of those that are.
func (s *Supervisor) drain() {
	defer s.notes.close()
	defer close(s.jobs)
	now := s.clock.Now()
	for len(s.in) > 0 {
		req := <-s.in
		rec := recordFor(req.t, now, OutcomeRejected)
		rec.Guardrail, rec.Undo = GuardClosed, req.undo
		s.conclude(req, rec)
	}
	s.cancel()
	for _, j := range s.pending {
		err := errors.New("supervisor: closed before the action could run")
		s.inflight++ // finish counts it down, though it never reached a worker
		s.finish(result{job: j, err: err, start: now, end: now}, now)
	}
	s.pending = nil
	for s.inflight > 0 {
		s.finish(<-s.results, s.clock.Now())
	}
	s.flushReplies()
}

// decide takes one trigger from queue to outcome or to a worker.
func (s *Supervisor) decide(req request, now time.Time) {
	s.expireMute(now)
	if req.undo {
		s.decideUndo(req, now)
		return
	}
	t := req.t
	dry := t.DryRun || s.cfg.DryRun
	if g, err := s.check(t, now, dry); g != "" {
		s.skip(req, now, g, err)
		return
	}
	if dry {
		s.conclude(req, s.dryRecord(req, now))
		return
	}
	if g, err := s.consume(t, now); g != "" {
		s.skip(req, now, g, err)
		return
	}
	s.start(req, now)
}

// check applies the guardrails that only read state, cheapest and most
// general first, and names the first that refuses t.
func (s *Supervisor) check(t Trigger, now time.Time, dry bool) (Guardrail, error) {
	switch {
	case s.sinkFailing.Load():
		return GuardUnhealthy, nil
	case t.Action == nil:
		return GuardNotEligible, nil
	}
	m, err := s.store.Mute()
	if err != nil {
		return GuardUnhealthy, err
	}
	if m.ActiveAt(now) {
		return GuardMuted, nil
	}
	if g, err := s.checkTarget(t, now, dry); g != "" {
		return g, err
	}
	if s.budget != nil && s.budget.TokensAt(now) < 1 {
		return GuardBudget, nil
	}
	return "", nil
}

// checkTarget applies the give-up, cooldown and intensity guardrails. The
// trigger that would be one action too many gives the target up, unless it
// is a dry run, which must change nothing.
func (s *Supervisor) checkTarget(t Trigger, now time.Time, dry bool) (Guardrail, error) {
	_, gone, err := s.store.GivenUp(t.Target)
	if err != nil {
		return GuardUnhealthy, err
	}
	if gone {
		return GuardGivenUp, nil
	}
	until, err := s.store.CooldownUntil(CooldownKey(t.Action.Name(), t.Target))
	if err != nil {
		return GuardUnhealthy, err
	}
	if now.Before(until) {
		return GuardCooldown, nil
	}
	k := s.cfg.Intensity
	if k.N < 0 {
		return "", nil
	}
	n, err := s.store.Attempts(t.Target, now, k.Per)
	if err != nil {
		return GuardUnhealthy, err
	}
	if n >= k.N {
		if !dry {
			s.giveUp(t, now, n+1)
		}
		return GuardGivenUp, nil
	}
	return "", nil
}

// consume claims the cooldown, spends a token of budget and counts the
// attempt. check has seen all three free; the claim can still be lost to
// a store shared with other processes. They stay spent even if start then
// cannot write the "started" record (see the BUG note in doc.go).
func (s *Supervisor) consume(t Trigger, now time.Time) (Guardrail, error) {
	cd := orDur(t.Cooldown, s.cfg.Cooldown)
	ok, err := s.store.ClaimCooldown(CooldownKey(t.Action.Name(), t.Target), now, now.Add(cd))
	if err != nil {
		return GuardUnhealthy, err
	}
	if !ok {
		return GuardCooldown, nil
	}
	if s.budget != nil && !s.budget.AllowN(now, 1) {
		return GuardBudget, nil
	}
	if s.cfg.Intensity.N < 0 {
		return "", nil // nothing reads the attempts
	}
	if _, err := s.store.AddAttempt(t.Target, now, s.cfg.Intensity.Per); err != nil {
		return GuardUnhealthy, err
	}
	return "", nil
}

// decideUndo handles an operator's undo: health and dry run apply, the
// automation guardrails do not.
func (s *Supervisor) decideUndo(req request, now time.Time) {
	t := req.t
	_, reversible := t.Action.(Reversible)
	switch {
	case s.sinkFailing.Load():
		s.skip(req, now, GuardUnhealthy, nil)
	case !reversible:
		rec := recordFor(t, now, OutcomeRejected)
		rec.Guardrail, rec.Undo = GuardNotEligible, true
		rec.Error = fmt.Sprintf("supervisor: action %q is not reversible", rec.Action)
		s.conclude(req, rec)
	case t.DryRun || s.cfg.DryRun:
		s.conclude(req, s.dryRecord(req, now))
	default:
		s.start(req, now)
	}
}

func (s *Supervisor) dryRecord(req request, now time.Time) Record {
	rec := recordFor(req.t, now, OutcomeDryRun)
	rec.DryRun, rec.Undo = true, req.undo
	return rec
}

// skip concludes req as skipped by guardrail g.
func (s *Supervisor) skip(req request, now time.Time, g Guardrail, err error) {
	rec := recordFor(req.t, now, OutcomeSkipped)
	rec.Guardrail, rec.Undo = g, req.undo
	if err != nil {
		rec.Error = err.Error()
	}
	s.conclude(req, rec)
}

// start writes the durable "started" record and only then queues the job:
// an action the audit cannot see must not run.
func (s *Supervisor) start(req request, now time.Time) {
	rec := recordFor(req.t, now, OutcomeStarted)
	rec.Undo = req.undo
	if err := s.audit(rec); err != nil {
		s.skip(req, now, GuardUnhealthy, err)
		return
	}
	s.pending = append(s.pending, job{req: req})
}

// finish records the result of a job and schedules its verification.
func (s *Supervisor) finish(res result, now time.Time) {
	s.inflight--
	req := res.job.req
	rec := recordFor(req.t, now, OutcomeOK)
	rec.Undo, rec.Duration = req.undo, res.end.Sub(res.start)
	rec.Attrs = mergeAttrs(rec.Attrs, res.attrs)
	if res.err != nil {
		rec.Outcome, rec.Error = OutcomeFailed, res.err.Error()
	}
	// Scheduled before concluding, so that whoever waits for the outcome
	// knows the verification is already on the clock.
	if rec.Outcome == OutcomeOK && !req.undo && req.t.Verify != nil {
		window := orDur(req.t.VerifyWindow, s.cfg.VerifyWindow)
		s.scheduleVerify(verifyItem{due: now.Add(window), t: req.t}, now)
	}
	s.conclude(req, rec)
}

// conclude writes a trigger's one outcome record, answers whoever waits
// for it, and notifies.
func (s *Supervisor) conclude(req request, rec Record) {
	_ = s.audit(rec) // a failure is counted, logged and makes us unhealthy
	if req.reply != nil {
		s.replies = append(s.replies, reply{req.reply, rec})
	}
	switch rec.Outcome {
	case OutcomeOK, OutcomeFailed, OutcomeDryRun:
		s.notes.send(noteFor(rec, req.t.Severity, false))
	default:
		s.log.Debug("supervisor: trigger skipped", "id", rec.ID, "code", rec.Code,
			"target", rec.Target, "action", rec.Action, "outcome", rec.Outcome,
			"guardrail", rec.Guardrail)
	}
}

// giveUp stops automating t.Target and escalates to a human.
func (s *Supervisor) giveUp(t Trigger, now time.Time, n int) {
	reason := fmt.Sprintf("%d actions needed within %v; limit %d", n,
		s.cfg.Intensity.Per, s.cfg.Intensity.N)
	err := s.store.GiveUp(t.Target, GiveUp{At: now, Reason: reason})
	rec := recordFor(t, now, OutcomeGaveUp)
	rec.Reason = reason
	if err != nil {
		rec.Error = err.Error()
	}
	_ = s.audit(rec)
	s.log.Warn("supervisor: gave up on a target; a human must re-arm it",
		"target", t.Target, "code", t.Code, "action", rec.Action, "reason", reason)
	s.notes.send(noteFor(rec, t.Severity, true))
}

// expireMute clears a mute whose time is up, and records that it ended.
func (s *Supervisor) expireMute(now time.Time) {
	s.muteMu.Lock()
	m, err := s.store.Mute()
	if err != nil || m.Until.IsZero() || m.ActiveAt(now) {
		s.muteMu.Unlock()
		return
	}
	err = s.store.SetMute(Mute{})
	s.muteMu.Unlock()
	if err != nil {
		return // the mute is over either way; retried on the next decision
	}
	rec := Record{Time: now, ID: s.newID(), Outcome: OutcomeUnmuted, Actor: "system",
		Reason: "mute expired"}
	_ = s.audit(rec)
	s.log.Info("supervisor: mute expired", "until", m.Until, "reason", m.Reason)
	s.notes.send(noteFor(rec, "", false))
}

// scheduleVerify queues v in due order and arms the verify timer.
func (s *Supervisor) scheduleVerify(v verifyItem, now time.Time) {
	i, _ := slices.BinarySearchFunc(s.verifies, v.due, func(x verifyItem, d time.Time) int {
		return x.due.Compare(d)
	})
	s.verifies = slices.Insert(s.verifies, i, v)
	s.armVerify(now)
}

// armVerify sets the verify timer for the earliest pending verification.
func (s *Supervisor) armVerify(now time.Time) {
	if len(s.verifies) == 0 {
		return
	}
	d := s.verifies[0].due.Sub(now)
	if s.vtimer == nil {
		s.vtimer = s.clock.NewTimer(d)
		return
	}
	s.vtimer.Stop()
	s.vtimer.Reset(d)
}

// verifyC returns the verify timer's channel, nil when nothing is pending.
func (s *Supervisor) verifyC() <-chan time.Time {
	if s.vtimer == nil || len(s.verifies) == 0 {
		return nil
	}
	return s.vtimer.C()
}

// verifyDue asks each verification whose window has passed.
func (s *Supervisor) verifyDue(now time.Time) {
	for len(s.verifies) > 0 && !s.verifies[0].due.After(now) {
		v := s.verifies[0]
		s.verifies = s.verifies[1:]
		s.verify(v.t, now)
	}
	s.armVerify(now)
}

// verify records t.Verify's answer; a condition that did not clear counts
// toward the target's intensity, as one more action would.
func (s *Supervisor) verify(t Trigger, now time.Time) {
	rec := recordFor(t, now, OutcomeVerified)
	if ok, err := callVerify(t.Verify); !ok {
		rec.Outcome = OutcomeUnverified
		if err != nil {
			rec.Error = err.Error()
		}
	}
	_ = s.audit(rec)
	if rec.Outcome == OutcomeVerified {
		return
	}
	s.notes.send(noteFor(rec, t.Severity, false))
	k := s.cfg.Intensity
	if k.N < 0 {
		return
	}
	n, err := s.store.AddAttempt(t.Target, now, k.Per)
	if _, gone, _ := s.store.GivenUp(t.Target); err == nil && !gone && n > k.N {
		s.giveUp(t, now, n)
	}
}

// callVerify calls f, turning a panic into a failed verification.
func callVerify(f func() bool) (ok bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			ok, err = false, fmt.Errorf("supervisor: verify panicked: %v", p)
		}
	}()
	return f(), nil
}
