package supervisor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Errors returned when a trigger is refused before it reaches the decision
// loop. Each refusal is still audited (except after Close, when the sink may
// be gone).
var (
	// ErrClosed is returned once Close has been called.
	ErrClosed = errors.New("supervisor: closed")
	// ErrUnhealthy is returned while the loop is stalled or the audit sink
	// fails: the supervisor fails closed rather than act unaudited.
	ErrUnhealthy = errors.New("supervisor: unhealthy")
	// ErrQueueFull is returned when the decision queue is full.
	ErrQueueFull = errors.New("supervisor: decision queue full")
)

// Supervisor decides, under guardrails, whether each trigger's action runs,
// runs it on a bounded pool of workers, and audits every decision. Make one
// with [New]; it is safe for concurrent use. Close it to stop its
// goroutines.
type Supervisor struct {
	cfg    Config
	clock  Clock
	log    *slog.Logger
	sink   AuditSink // nil when records are kept in memory only
	file   *FileSink // the sink opened from AuditPath, closed by Close
	store  Store
	budget *rate.Limiter // nil when the budget is unlimited
	recent *ring
	notes  *dispatcher

	// mu orders sends on in against Close: Submit holds it for reading
	// while it sends, Close for writing while it marks the supervisor
	// closed, so nothing is queued after the loop starts draining.
	mu     sync.RWMutex
	closed atomic.Bool

	// muteMu makes reading and clearing an expired mute one step, so that
	// the loop cannot clear a mute an operator set in between.
	muteMu sync.Mutex

	in      chan request
	jobs    chan job
	results chan result
	stop    chan struct{} // closed by Close: the loop drains and exits
	base    context.Context
	cancel  context.CancelFunc // ends every action's context
	wg      sync.WaitGroup

	ids         atomic.Uint64
	beat        atomic.Pointer[turnMark] // the loop's current turn; nil when idle
	turns       atomic.Uint64            // numbers the turns
	stalledTurn atomic.Uint64            // the turn the watchdog found stalled
	sinkFailing atomic.Bool
	auditErrors atomic.Uint64
	sdPings     atomic.Uint64

	loopState // owned by the decision goroutine
}

// request is a trigger on its way to the decision loop.
type request struct {
	t     Trigger
	undo  bool
	reply chan Record // buffered; nil when nobody waits
}

// New starts a supervisor. It opens the audit file and restores the
// guardrail state when cfg names them; a torn tail of the audit file is cut
// off and logged at Warn (see [FileSink.Recovered]).
func New(cfg Config) (*Supervisor, error) {
	cfg = cfg.withDefaults()
	s := &Supervisor{
		cfg: cfg, clock: cfg.Clock, log: cfg.Logger,
		recent:  newRing(cfg.RecentRecords),
		in:      make(chan request, cfg.QueueSize),
		jobs:    make(chan job),
		results: make(chan result),
		stop:    make(chan struct{}),
	}
	if err := s.open(); err != nil {
		return nil, err
	}
	if cfg.Budget.N > 0 {
		every := rate.Every(cfg.Budget.Per / time.Duration(cfg.Budget.N))
		s.budget = rate.NewLimiter(every, cfg.Budget.N)
	}
	s.base, s.cancel = context.WithCancel(context.Background())
	s.notes = newDispatcher(cfg, &s.wg)
	s.launch()
	return s, nil
}

// open opens the audit file and the store that cfg names.
func (s *Supervisor) open() error {
	s.sink = s.cfg.AuditSink
	if p := s.cfg.AuditPath; p != "" {
		f, err := OpenFileSink(p)
		if err != nil {
			return err
		}
		if torn := f.Recovered(); torn != nil {
			s.log.Warn("supervisor: cut a torn record off the audit file",
				"path", p, "err", torn)
		}
		s.file = f
		s.sink = joinSinks(s.cfg.AuditSink, f)
	}
	s.store = s.cfg.Store
	if s.store != nil {
		return nil
	}
	st, err := OpenLocalStore(s.cfg.StatePath)
	if err != nil && s.file != nil {
		s.file.Close()
	}
	s.store = st
	return err
}

// launch starts the loop, the workers and the watchdog.
func (s *Supervisor) launch() {
	s.wg.Add(2 + s.cfg.Workers)
	go s.loop()
	for range s.cfg.Workers {
		go s.worker()
	}
	go s.watchdog()
}

// Submit hands t to the decision loop without waiting for the decision.
// It returns an error, having audited the refusal, when the supervisor is
// unhealthy (wrapping [ErrUnhealthy]) or its queue is full ([ErrQueueFull]),
// and [ErrClosed] after Close. Such a refusal is audited before Submit
// returns, so Submit waits for the audit sink then.
func (s *Supervisor) Submit(t Trigger) error {
	_, err := s.submit(request{t: t})
	return err
}

// Do submits t and waits until its outcome record is written, returning
// that record. The error is non-nil only when no decision could be awaited:
// t was refused before reaching the loop (as for Submit, with the refusal's
// record) or ctx ended first (the outcome is still recorded later).
func (s *Supervisor) Do(ctx context.Context, t Trigger) (Record, error) {
	return s.await(ctx, request{t: t, reply: make(chan Record, 1)})
}

// Undo asks the supervisor to reverse t.Action on t.Target, which must be
// [Reversible] (otherwise the undo is rejected as not eligible). An undo is
// an operator's decision: it passes the health and dry-run guardrails and is
// audited like any action, but cooldown, budget, intensity and mute do not
// hold it back. Undo waits for the outcome as [Supervisor.Do] does.
func (s *Supervisor) Undo(ctx context.Context, t Trigger) (Record, error) {
	return s.await(ctx, request{t: t, undo: true, reply: make(chan Record, 1)})
}

// Reject records a trigger turned away before it reached the guardrails:
// an external request that failed authentication, was malformed, or named
// a code nothing may act on. It writes one rejected record with why as
// its error and runs nothing. The returned error is the audit sink's, or
// [ErrClosed] after Close.
func (s *Supervisor) Reject(t Trigger, why string) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if t.ID == "" {
		t.ID = s.newID()
	}
	rec := recordFor(t, s.clock.Now(), OutcomeRejected)
	rec.Error = why
	return s.audit(rec)
}

// Note records in the audit trail something that is not a trigger, such
// as an operator injecting a fault to test the automation: one noted
// record carrying t's fields, with note as its reason. It runs nothing and
// returns the audit sink's error.
func (s *Supervisor) Note(t Trigger, note string) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if t.ID == "" {
		t.ID = s.newID()
	}
	t.Action, t.Reason = nil, note
	return s.audit(recordFor(t, s.clock.Now(), OutcomeNoted))
}

func (s *Supervisor) await(ctx context.Context, req request) (Record, error) {
	if rec, err := s.submit(req); err != nil {
		return rec, err
	}
	select {
	case rec := <-req.reply:
		return rec, nil
	case <-ctx.Done():
		return Record{}, fmt.Errorf("supervisor: waiting for trigger %s: %w", req.t.ID, ctx.Err())
	}
}

// submit queues req, or audits and returns why it cannot.
func (s *Supervisor) submit(req request) (Record, error) {
	if req.t.ID == "" {
		req.t.ID = s.newID()
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed.Load() {
		return Record{}, ErrClosed
	}
	if h := s.Health(); !h.Healthy {
		rec := s.refuse(req, OutcomeSkipped, GuardUnhealthy)
		return rec, fmt.Errorf("%w: %s", ErrUnhealthy, h.Reason)
	}
	select {
	case s.in <- req:
		return Record{}, nil
	default:
		rec := s.refuse(req, OutcomeRejected, GuardQueueFull)
		return rec, fmt.Errorf("%w (%d waiting)", ErrQueueFull, cap(s.in))
	}
}

// refuse audits a trigger turned away before the loop saw it.
func (s *Supervisor) refuse(req request, o Outcome, g Guardrail) Record {
	rec := recordFor(req.t, s.clock.Now(), o)
	rec.Guardrail, rec.Undo = g, req.undo
	_ = s.audit(rec) // a failure is counted and logged by audit
	return rec
}

// newID returns a process-unique trigger id.
func (s *Supervisor) newID() string {
	return "t" + strconv.FormatUint(s.ids.Add(1), 10)
}

// audit writes rec to the sink and the in-memory tail. A failing sink
// makes the supervisor unhealthy until a later write succeeds.
func (s *Supervisor) audit(rec Record) error {
	s.recent.add(rec)
	if s.sink == nil {
		return nil
	}
	err := s.sink.Write(rec)
	if err != nil {
		s.auditErrors.Add(1)
		if !s.sinkFailing.Swap(true) {
			s.log.Warn("supervisor: audit sink failing; refusing to act", "err", err)
		}
		return err
	}
	if s.sinkFailing.Swap(false) {
		s.log.Info("supervisor: audit sink works again")
	}
	return nil
}

// Recent returns the last records written, oldest first, for a status page.
func (s *Supervisor) Recent() []Record { return s.recent.list() }

// Mute stops all automation until the instant until, recording reason and
// the actor who asked. A later Mute replaces it; it expires by itself.
// The mute takes effect even when it cannot be audited, since stopping is
// the safe direction; the audit error is returned.
func (s *Supervisor) Mute(until time.Time, reason, actor string) error {
	if s.closed.Load() {
		return ErrClosed
	}
	now := s.clock.Now()
	if !until.After(now) {
		return fmt.Errorf("supervisor: mute until %s: not after now (%s)",
			until.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	if err := s.setMute(Mute{Until: until, Reason: reason, By: actor, At: now}); err != nil {
		return fmt.Errorf("supervisor: mute: %w", err)
	}
	s.log.Info("supervisor: automation muted", "until", until, "reason", reason, "by", actor)
	rec := Record{Time: now, ID: s.newID(), Outcome: OutcomeMuted, Actor: actor,
		Reason: reason, Attrs: map[string]string{"until": until.Format(time.RFC3339Nano)}}
	return s.control(rec)
}

// Unmute ends a mute early.
func (s *Supervisor) Unmute(actor string) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if err := s.setMute(Mute{}); err != nil {
		return fmt.Errorf("supervisor: unmute: %w", err)
	}
	s.log.Info("supervisor: automation unmuted", "by", actor)
	return s.control(Record{Time: s.clock.Now(), ID: s.newID(), Outcome: OutcomeUnmuted,
		Actor: actor})
}

func (s *Supervisor) setMute(m Mute) error {
	s.muteMu.Lock()
	defer s.muteMu.Unlock()
	return s.store.SetMute(m)
}

// Rearm resumes automation of a target the supervisor gave up on, and
// forgets the attempts that led there. Re-arming lets actions run again, so
// it happens only once it is audited.
func (s *Supervisor) Rearm(target, actor string) error {
	rec := Record{Time: s.clock.Now(), ID: s.newID(), Outcome: OutcomeRearmed,
		Target: target, Actor: actor}
	if err := s.control(rec); err != nil {
		return err
	}
	if err := s.store.Rearm(target); err != nil {
		return fmt.Errorf("supervisor: rearm %q: %w", target, err)
	}
	s.log.Info("supervisor: target re-armed", "target", target, "by", actor)
	return nil
}

// control audits and announces an operator's control.
func (s *Supervisor) control(rec Record) error {
	if s.closed.Load() {
		return ErrClosed
	}
	s.notes.send(noteFor(rec, "", false))
	if err := s.audit(rec); err != nil {
		return fmt.Errorf("supervisor: audit %s: %w", rec.Outcome, err)
	}
	return nil
}

// Close stops the supervisor. Triggers still queued are rejected, actions
// in flight see their context cancelled and are recorded as failed,
// pending verifications and queued notifications are dropped. Close waits
// for every goroutine the supervisor started, except those of actions that
// ignore their context (see the BUG note in the package documentation).
// Close is idempotent.
func (s *Supervisor) Close() error {
	s.mu.Lock()
	if s.closed.Swap(true) {
		s.mu.Unlock()
		return nil
	}
	close(s.stop) // under the lock: once Submit sees closed, the loop is told
	s.mu.Unlock()
	s.wg.Wait()
	if s.file != nil {
		return s.file.Close()
	}
	return nil
}

// joinSinks returns a sink writing to both, or the one that is not nil.
func joinSinks(a AuditSink, b AuditSink) AuditSink {
	if a == nil {
		return b
	}
	return teeSink{a, b}
}

type teeSink struct{ a, b AuditSink }

func (t teeSink) Write(r Record) error {
	return errors.Join(t.a.Write(r), t.b.Write(r))
}
