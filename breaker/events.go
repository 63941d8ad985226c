package breaker

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
)

// Kind says what an [Event] reports.
type Kind uint8

// The kinds of [Event].
const (
	// KindStateChange is a transition made by gobreaker's own rules.
	KindStateChange Kind = iota + 1
	// KindForcedOpen is a hold placed by [Breaker.ForceOpen] or
	// [Breaker.ForceOpenAtLeast].
	KindForcedOpen
	// KindHoldExpired is a hold that reached its Until.
	KindHoldExpired
	// KindReset is a [Breaker.Reset].
	KindReset
)

var kindNames = [...]string{"unknown", "state-change", "forced-open", "hold-expired", "reset"}

// String returns the kind's name, such as "forced-open".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return kindNames[0]
}

// Event reports a change of a breaker.
//
// Events are delivered to [Config.OnEvent] in the order they happened, one
// at a time, after every breaker lock is released, so the hook may call
// back into the breaker. The hook runs on the goroutine of a call into the
// breaker (Execute, Do, State, Status, Hold, ForceOpen, ForceOpenAtLeast or
// Reset): usually
// the call that caused the change, or another call already delivering
// events when the change happened. A change made by gobreaker's timers is
// noticed, and delivered, on the next such call. The hook must not block:
// it delays the call that runs it.
type Event struct {
	// Breaker is the breaker's name.
	Breaker string
	Kind    Kind
	// From and To are states: gobreaker's for KindStateChange, effective
	// ones (open while held) for the other kinds.
	From, To gobreaker.State
	// By is who forced the breaker open or reset it; it is also the
	// attribution of the lapsed hold for KindHoldExpired.
	By Attribution
	// Hold is the hold placed or lapsed, for KindForcedOpen and
	// KindHoldExpired.
	Hold *Hold
	// At is when the change happened, by the breaker's clock.
	At time.Time
}

func (b *Breaker) event(k Kind, from, to gobreaker.State, a Attribution) Event {
	return Event{Breaker: b.name, Kind: k, From: from, To: to, By: a, At: b.clock.Now()}
}

// flush delivers queued events. Its fast path is one atomic load, so every
// call into the breaker can afford it.
func (b *Breaker) flush() {
	if b.events.pending.Load() {
		b.events.drain(b.deliver)
	}
}

func (b *Breaker) deliver(e Event) {
	level := slog.LevelDebug
	if e.Kind != KindStateChange || e.To == gobreaker.StateOpen {
		level = slog.LevelInfo
	}
	b.log.Log(context.Background(), level, "breaker: "+e.Kind.String(),
		slog.String("breaker", e.Breaker),
		slog.String("from", e.From.String()), slog.String("to", e.To.String()),
		slog.String("actor", e.By.Actor), slog.String("reason", e.By.Reason))
	if b.cfg.OnEvent != nil {
		b.cfg.OnEvent(e)
	}
}

// queue holds events until they can be delivered without a lock held. It
// is the alternative to a delivery goroutine, which would need a Close
// that every breaker's owner must remember to call.
type queue struct {
	pending    atomic.Bool // events wait; read without mu on the hot path
	mu         sync.Mutex
	events     []Event
	delivering bool // a goroutine is in drain; others leave the work to it
}

// push queues e. It takes only the queue's lock, so gobreaker's state
// change callback may call it.
func (q *queue) push(e Event) {
	q.mu.Lock()
	q.events = append(q.events, e)
	q.pending.Store(true)
	q.mu.Unlock()
}

// drain delivers queued events in order, unless another goroutine already
// is, in which case that one delivers these too.
func (q *queue) drain(deliver func(Event)) {
	q.mu.Lock()
	if q.delivering {
		q.mu.Unlock()
		return
	}
	q.delivering = true
	q.mu.Unlock()

	finished := false
	defer func() {
		if !finished { // the hook panicked: let the next call deliver the rest
			q.stop()
		}
	}()
	for {
		e, ok := q.next()
		if !ok {
			finished = true
			return
		}
		deliver(e)
	}
}

// next pops the oldest event, or ends the drain when there is none.
func (q *queue) next() (Event, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.events) == 0 {
		q.delivering = false
		q.pending.Store(false)
		return Event{}, false
	}
	e := q.events[0]
	q.events[0] = Event{}
	q.events = q.events[1:]
	return e, true
}

func (q *queue) stop() {
	q.mu.Lock()
	q.delivering = false
	q.pending.Store(len(q.events) > 0)
	q.mu.Unlock()
}
