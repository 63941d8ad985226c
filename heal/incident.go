package heal

import (
	"strconv"
	"sync"
	"time"
)

// Incident is a rule firing on one (code, target), or, with Resolved set,
// that rule falling quiet again. Subscribers of [Healer.Subscribe] receive
// both; a rule does not fire again on a target until its incident has
// resolved.
type Incident struct {
	// ID is shared by the firing and the resolution of one incident, and
	// becomes the trigger's ID in the audit trail.
	ID string
	// Code and Target are what the rule counted.
	Code   Code
	Target string
	// Rule is the rule that fired, and Policy the name of the policy that
	// holds it.
	Rule   Rule
	Policy string
	// Failures and Successes are the counts within Window when the rule
	// fired (or, on resolution, when it resolved).
	Failures  int64
	Successes int64
	Window    time.Duration
	// FirstSeen is the start of the earliest bucket within the window that
	// held a failure; LastSeen is when the rule fired.
	FirstSeen time.Time
	LastSeen  time.Time
	// Resolved is set on the event that closes the incident, at
	// ResolvedAt.
	Resolved   bool
	ResolvedAt time.Time

	binding *binding
	target  *target
}

// attrs describes the incident for an audit record.
func (i Incident) attrs() map[string]string {
	return map[string]string{
		"rule":       i.Rule.String(),
		"failures":   strconv.FormatInt(i.Failures, 10),
		"successes":  strconv.FormatInt(i.Successes, 10),
		"window":     i.Window.String(),
		"first_seen": i.FirstSeen.Format(time.RFC3339Nano),
		"last_seen":  i.LastSeen.Format(time.RFC3339Nano),
	}
}

// event is work for the Healer's loop: an incident, or the first report
// of a code in a log interval.
type event struct {
	inc   Incident
	first *firstReport
}

// queue hands events from reporters to the loop without blocking them.
// It is unbounded in type but bounded in practice: each (code, target,
// rule) has at most one open incident, so at most two events, and each
// code logs at most one first report per interval.
type queue struct {
	mu    sync.Mutex
	items []event
	wake  chan struct{} // capacity 1: a pending wake-up
}

func newQueue() *queue { return &queue{wake: make(chan struct{}, 1)} }

func (q *queue) push(e event) {
	q.mu.Lock()
	q.items = append(q.items, e)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// take removes and returns every queued event.
func (q *queue) take() []event {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items = nil
	return items
}
