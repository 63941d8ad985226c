package breaker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/selfheal/selfheal/heal"
	"github.com/sony/gobreaker/v2"
)

// Config configures a [Breaker]. The zero value of every field is a working
// default, so Config{} makes a breaker with gobreaker's own defaults.
type Config struct {
	// MaxRequests, Interval, BucketPeriod, Timeout and ReadyToTrip are
	// passed to gobreaker unchanged; see [gobreaker.Settings] for what each
	// means and what its zero value does (one half-open request, counts
	// never cleared while closed, a 60s open period, trip after more than
	// five consecutive failures).
	MaxRequests  uint32
	Interval     time.Duration
	BucketPeriod time.Duration
	Timeout      time.Duration
	ReadyToTrip  func(counts gobreaker.Counts) bool

	// IsFailure reports whether a non-nil error returned by a call counts
	// as a failure of the dependency. Nil means [IsDependencyFailure]: any
	// error except a *heal.Error that is not retryable.
	IsFailure func(err error) bool
	// Exclude reports whether an error says nothing about the dependency,
	// so the call counts neither as a success nor as a failure, and is not
	// reported. Nil means errors.Is(err, context.Canceled): the caller gave
	// up, the dependency did not fail.
	Exclude func(err error) bool

	// Reporter, when set, receives every error a call returns that is not
	// excluded, so that detection rules see the dependency's codes. Calls
	// the breaker rejects are not reported: they are the breaker's doing.
	// Nil reports nothing.
	Reporter heal.Reporter

	// RejectCode, when set, is the code of the *heal.Error returned for a
	// call the breaker rejects (for example "SVC-DEP-002"), with the
	// breaker's name as its Target and gobreaker's ErrOpenState or
	// ErrTooManyRequests as its Cause. Its severity and retryability come
	// from Taxonomy; without a Taxonomy the error is retryable, since an
	// open breaker closes again. Empty means rejected calls return
	// gobreaker's errors themselves. Either way errors.Is(err,
	// gobreaker.ErrOpenState) reports a rejection by an open breaker.
	RejectCode heal.Code
	// Taxonomy defines RejectCode. Nil means no definition is looked up.
	Taxonomy *heal.Taxonomy

	// OnEvent, when set, receives every state change, force-open, hold
	// expiry and reset; see [Event] for which goroutine calls it. Nil
	// means events are only logged.
	OnEvent func(Event)
	// Logger logs force-opens, hold expiries, resets and gobreaker's
	// transitions to open at Info, and gobreaker's other transitions (to
	// half-open and closed) at Debug. Nil means slog.Default().
	Logger *slog.Logger
	// Clock times holds and stamps events. Nil means the system clock.
	// gobreaker's own Interval and Timeout always run on the system clock.
	Clock heal.Clock
}

// IsDependencyFailure is the default [Config.IsFailure]: every error counts
// against the dependency except one whose chain holds a *heal.Error that is
// not retryable, which means the dependency answered and the request itself
// was at fault.
func IsDependencyFailure(err error) bool {
	if e, ok := heal.AsError(err); ok {
		return e.Retryable
	}
	return true
}

func isCanceled(err error) bool { return errors.Is(err, context.Canceled) }

// Attribution says who changed a breaker by hand, and why.
type Attribution struct {
	// Actor is who asked: "system", "human:alice", "webhook:alertmanager".
	Actor string
	// Reason is a short explanation for operators.
	Reason string
}

// Hold describes a force-open in effect.
type Hold struct {
	Attribution
	// Since is when the breaker was forced open.
	Since time.Time
	// Until is when the hold lapses; zero means it lasts until Reset.
	Until time.Time
}

// hold is an immutable force-open, with the error its rejected calls get,
// built once so that rejecting allocates nothing.
type hold struct {
	Hold
	err error
}

// Breaker is a circuit breaker named after the dependency it guards. Make
// one with [New]; the zero value is not usable. A Breaker is safe for
// concurrent use.
type Breaker struct {
	name     string
	cfg      Config
	clock    heal.Clock
	log      *slog.Logger
	settings gobreaker.Settings

	// cb is replaced whole by Reset; gen numbers each instance so that a
	// state change reported by a replaced one is ignored.
	cb   atomic.Pointer[gobreaker.CircuitBreaker[struct{}]]
	gen  atomic.Uint64
	hold atomic.Pointer[hold]

	rejectOpen, rejectBusy error
	events                 queue
}

// New returns a closed breaker named name, configured by cfg.
func New(name string, cfg Config) *Breaker {
	b := &Breaker{name: name, cfg: cfg, clock: cfg.Clock, log: cfg.Logger}
	if b.clock == nil {
		b.clock = heal.SystemClock{}
	}
	if b.log == nil {
		b.log = slog.Default()
	}
	if b.cfg.IsFailure == nil {
		b.cfg.IsFailure = IsDependencyFailure
	}
	if b.cfg.Exclude == nil {
		b.cfg.Exclude = isCanceled
	}
	b.settings = gobreaker.Settings{
		Name:         name,
		MaxRequests:  cfg.MaxRequests,
		Interval:     cfg.Interval,
		BucketPeriod: cfg.BucketPeriod,
		Timeout:      cfg.Timeout,
		ReadyToTrip:  cfg.ReadyToTrip,
		IsSuccessful: b.isSuccessful,
		IsExcluded:   b.isExcluded,
	}
	b.rejectOpen = b.rejection("circuit breaker open", gobreaker.ErrOpenState)
	b.rejectBusy = b.rejection("circuit breaker half-open", gobreaker.ErrTooManyRequests)
	b.renew()
	return b
}

// Name returns the breaker's name.
func (b *Breaker) Name() string { return b.name }

// renew replaces the gobreaker instance with a fresh, closed one.
func (b *Breaker) renew() {
	gen := b.gen.Add(1)
	st := b.settings
	st.OnStateChange = func(_ string, from, to gobreaker.State) {
		// Runs under gobreaker's lock: only queue, never call back.
		if b.gen.Load() == gen {
			b.events.push(b.event(KindStateChange, from, to, Attribution{}))
		}
	}
	b.cb.Store(gobreaker.NewCircuitBreaker[struct{}](st))
}

func (b *Breaker) isSuccessful(err error) bool {
	return err == nil || !b.cfg.IsFailure(err)
}

func (b *Breaker) isExcluded(err error) bool {
	return err != nil && b.cfg.Exclude(err)
}

// rejection builds the error returned when gobreaker refuses a call.
func (b *Breaker) rejection(msg string, cause error) error {
	if b.cfg.RejectCode == "" {
		return cause
	}
	e := b.cfg.Taxonomy.New(b.cfg.RejectCode, b.name, msg)
	if _, ok := b.cfg.Taxonomy.Lookup(b.cfg.RejectCode); !ok {
		e.Retryable = true
	}
	e.Cause = cause
	return e
}

// Execute calls fn if the breaker allows it and returns fn's error, or a
// rejection (see [Config.RejectCode]) without calling fn. A panic in fn
// counts as a failure and is propagated.
func (b *Breaker) Execute(fn func() error) error {
	if h := b.hold.Load(); h != nil && b.held(h) {
		b.flush()
		return h.err
	}
	ran := false
	_, err := b.cb.Load().Execute(func() (struct{}, error) {
		ran = true
		return struct{}{}, fn()
	})
	if err == nil && !b.events.pending.Load() {
		return nil // the common case, kept free of calls
	}
	return b.after(ran, err)
}

// after reports the outcome of a call and delivers queued events. It maps
// gobreaker's refusals to the configured rejection; ran tells them apart
// from the same sentinel returned by fn itself, say from a nested breaker.
func (b *Breaker) after(ran bool, err error) error {
	if err != nil {
		if !ran {
			err = b.refusal(err)
		} else if b.cfg.Reporter != nil && !b.isExcluded(err) {
			b.cfg.Reporter.Report(err)
		}
	}
	b.flush()
	return err
}

func (b *Breaker) refusal(err error) error {
	if err == gobreaker.ErrTooManyRequests {
		return b.rejectBusy
	}
	return b.rejectOpen
}

// Do is [Breaker.Execute] for a function that returns a value: it returns
// fn's result, or T's zero value when the breaker rejects the call.
func Do[T any](b *Breaker, fn func() (T, error)) (T, error) {
	var out T
	err := b.Execute(func() error {
		var err error
		out, err = fn()
		return err
	})
	return out, err
}

// Status is a snapshot of a breaker.
type Status struct {
	// Name is the breaker's name.
	Name string
	// State is the effective state: open while a hold is in effect.
	State gobreaker.State
	// Counts are gobreaker's counts for the current generation.
	Counts gobreaker.Counts
	// Hold is the force-open in effect, or nil.
	Hold *Hold
}

// State returns the effective state: [gobreaker.StateOpen] while a hold is
// in effect, gobreaker's state otherwise.
func (b *Breaker) State() gobreaker.State {
	defer b.flush()
	if h := b.hold.Load(); h != nil && b.held(h) {
		return gobreaker.StateOpen
	}
	return b.cb.Load().State()
}

// Status returns a snapshot of the breaker, with the hold in effect.
func (b *Breaker) Status() Status {
	defer b.flush()
	cb := b.cb.Load()
	s := Status{Name: b.name, State: cb.State(), Counts: cb.Counts()}
	if h := b.hold.Load(); h != nil && b.held(h) {
		hh := h.Hold
		s.State, s.Hold = gobreaker.StateOpen, &hh
	}
	return s
}

// held reports whether h is still in effect, clearing it once it lapses.
// The clock is read only here, so a breaker without a hold never reads it.
func (b *Breaker) held(h *hold) bool {
	if h.Until.IsZero() {
		return true
	}
	now := b.clock.Now()
	if now.Before(h.Until) {
		return true
	}
	if b.hold.CompareAndSwap(h, nil) {
		e := b.event(KindHoldExpired, gobreaker.StateOpen, b.cb.Load().State(), h.Attribution)
		e.At, e.Hold = h.Until, &h.Hold
		b.events.push(e)
	}
	return false
}

// ForceOpen opens the breaker for d, or until [Breaker.Reset] when d <= 0,
// whatever gobreaker's counts say, replacing any hold already in effect,
// even a longer one; [Breaker.ForceOpenAtLeast] keeps a longer hold. Calls
// made meanwhile are rejected without reaching the dependency.
func (b *Breaker) ForceOpen(d time.Duration, a Attribution) Hold {
	defer b.flush()
	h := b.newHold(d, a)
	from := b.State()
	b.hold.Store(h)
	b.pushForced(from, h)
	return h.Hold
}

// ForceOpenAtLeast is [Breaker.ForceOpen] that never shortens a hold: when
// the hold already in effect lasts until Reset, or lapses no earlier than
// the new one would, it keeps that hold and changes nothing. It returns the
// hold in effect afterwards, and whether it is the one placed by this call.
//
// Automated responders use it so that a brief trip cannot cut short a
// longer hold an operator placed. The check and the replacement are one
// atomic step, so a hold placed concurrently is never lost to a shorter one.
func (b *Breaker) ForceOpenAtLeast(d time.Duration, a Attribution) (Hold, bool) {
	defer b.flush()
	h := b.newHold(d, a)
	for {
		cur := b.hold.Load()
		from := gobreaker.StateOpen
		if cur == nil || !b.held(cur) {
			from = b.cb.Load().State()
		} else if cur.outlasts(h.Until) {
			return cur.Hold, false
		}
		// A failed swap means another hold was placed or this one lapsed
		// meanwhile: look again.
		if b.hold.CompareAndSwap(cur, h) {
			b.pushForced(from, h)
			return h.Hold, true
		}
	}
}

// newHold builds a hold for d from now, or until Reset when d <= 0.
func (b *Breaker) newHold(d time.Duration, a Attribution) *hold {
	now := b.clock.Now()
	h := &hold{Hold: Hold{Attribution: a, Since: now}}
	if d > 0 {
		h.Until = now.Add(d)
	}
	h.err = b.heldError(h.Hold)
	return h
}

// outlasts reports whether h lasts at least until until, where a zero
// instant, for either, means until Reset.
func (h *hold) outlasts(until time.Time) bool {
	return h.Until.IsZero() || (!until.IsZero() && !h.Until.Before(until))
}

// pushForced queues the event for hold h, placed over state from.
func (b *Breaker) pushForced(from gobreaker.State, h *hold) {
	e := b.event(KindForcedOpen, from, gobreaker.StateOpen, h.Attribution)
	e.Hold = &h.Hold
	b.events.push(e)
}

// heldError builds the error that calls rejected by hold h return.
func (b *Breaker) heldError(h Hold) error {
	msg := "circuit breaker forced open by " + h.Actor
	if h.Reason != "" {
		msg += ": " + h.Reason
	}
	if b.cfg.RejectCode == "" {
		return fmt.Errorf("breaker %s: %s: %w", b.name, msg, gobreaker.ErrOpenState)
	}
	return b.rejection(msg, gobreaker.ErrOpenState)
}

// Reset clears any hold and replaces gobreaker's state with a fresh closed
// breaker, discarding its counts. Calls in flight finish against the old
// state and are not counted.
func (b *Breaker) Reset(a Attribution) {
	defer b.flush()
	from := b.State()
	b.hold.Store(nil)
	b.renew()
	b.events.push(b.event(KindReset, from, gobreaker.StateClosed, a))
}

// Hold returns the force-open in effect, if any.
func (b *Breaker) Hold() (Hold, bool) {
	defer b.flush()
	if h := b.hold.Load(); h != nil && b.held(h) {
		return h.Hold, true
	}
	return Hold{}, false
}
