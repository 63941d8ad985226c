package supervisor

import (
	"sync"
	"time"
)

// Outcome says what became of a trigger, or what a non-trigger record
// reports. The first five are the outcomes a trigger can end in; every
// trigger ends in exactly one of them.
type Outcome string

// Outcomes of a trigger: exactly one of these closes every trigger.
const (
	OutcomeOK      Outcome = "ok"      // the action ran and returned nil
	OutcomeFailed  Outcome = "failed"  // the action returned an error, panicked or timed out
	OutcomeSkipped Outcome = "skipped" // a guardrail refused it; Record.Guardrail names which
	OutcomeDryRun  Outcome = "dry_run" // it would have run; nothing ran
	// OutcomeRejected: it could not be taken in: queue full, closed, not
	// undoable.
	OutcomeRejected Outcome = "rejected"
)

// Records that are not the outcome of a trigger.
const (
	// OutcomeStarted is written, durably, before an action runs.
	OutcomeStarted Outcome = "started"
	// OutcomeVerified and OutcomeUnverified report Trigger.Verify's answer
	// once the verify window after a successful action has passed.
	OutcomeVerified   Outcome = "verified"
	OutcomeUnverified Outcome = "unverified"
	// OutcomeGaveUp records that the supervisor stopped automating a target.
	OutcomeGaveUp Outcome = "gave_up"
	// OutcomeRearmed, OutcomeMuted and OutcomeUnmuted record operator
	// controls (and a mute's expiry, with actor "system").
	OutcomeRearmed Outcome = "rearmed"
	// OutcomeNoted records something an operator did, or an outside event,
	// that is not a trigger: a fault injected from a status page, say.
	OutcomeNoted   Outcome = "noted"
	OutcomeMuted   Outcome = "muted"
	OutcomeUnmuted Outcome = "unmuted"
	// OutcomeUnhealthy and OutcomeRecovered are used in notifications when
	// the supervisor's own health changes.
	OutcomeUnhealthy Outcome = "unhealthy"
	OutcomeRecovered Outcome = "recovered"
)

// Guardrail names what made the supervisor skip or reject a trigger.
type Guardrail string

// The guardrails, as recorded in Record.Guardrail.
const (
	GuardCooldown Guardrail = "cooldown" // same action on the same target too recently
	GuardBudget   Guardrail = "budget"   // the global action budget is spent
	GuardMuted    Guardrail = "muted"    // an operator muted all automation
	// GuardGivenUp: the target needed too many actions; a human must re-arm
	// it.
	GuardGivenUp Guardrail = "given_up"
	// GuardUnhealthy: the supervisor's loop stalled or its audit sink fails.
	GuardUnhealthy Guardrail = "unhealthy"
	// GuardNotEligible: no action, or an undo of an action that is not
	// reversible.
	GuardNotEligible Guardrail = "not_eligible"
	GuardQueueFull   Guardrail = "queue_full" // the decision queue was full
	GuardClosed      Guardrail = "closed"     // the supervisor was closed
)

// Record is one line of the audit trail. Every field but Time and Outcome
// may be empty. A Record is a plain value, safe to copy.
type Record struct {
	// Hash, Seq and Prev chain the records of a [FileSink]: Hash is the
	// SHA-256 of the record's line without the hash, which covers Prev, the
	// hash of the record before. Other sinks see them empty.
	Hash string `json:"hash,omitempty"`
	Seq  uint64 `json:"seq,omitempty"`
	Prev string `json:"prev,omitempty"`

	// Time is when the supervisor wrote the record, on its clock.
	Time time.Time `json:"time"`
	// ID identifies the trigger; the started, outcome and verify records of
	// one trigger share it.
	ID        string    `json:"id,omitempty"`
	Outcome   Outcome   `json:"outcome"`
	Guardrail Guardrail `json:"guardrail,omitempty"`

	Code         string `json:"code,omitempty"`
	ReplacedCode string `json:"replaced_code,omitempty"`
	Target       string `json:"target,omitempty"`
	Action       string `json:"action,omitempty"`
	Policy       string `json:"policy,omitempty"`
	Source       Source `json:"source,omitempty"`
	Actor        string `json:"actor,omitempty"`
	Reason       string `json:"reason,omitempty"`
	Runbook      string `json:"runbook,omitempty"`
	// DryRun is set on records of triggers that asked for a dry run, or
	// when the supervisor runs dry.
	DryRun bool `json:"dry_run,omitempty"`
	// Undo is set when the record concerns an operator's undo.
	Undo bool `json:"undo,omitempty"`
	// Duration is how long the action ran, on the supervisor's clock.
	Duration time.Duration `json:"duration_ns,omitempty"`
	// Error is the action's error, or why a record could not be acted on.
	Error string            `json:"error,omitempty"`
	Attrs map[string]string `json:"attrs,omitempty"`
}

// recordFor returns a record describing t at now with outcome o.
func recordFor(t Trigger, now time.Time, o Outcome) Record {
	r := Record{
		Time: now, ID: t.ID, Outcome: o,
		Code: t.Code, ReplacedCode: t.ReplacedCode, Target: t.Target,
		Policy: t.Policy, Source: t.Source, Actor: t.Actor,
		Reason: t.Reason, Runbook: t.Runbook, DryRun: t.DryRun,
		Attrs: t.Attrs,
	}
	if t.Action != nil {
		r.Action = t.Action.Name()
	}
	return r
}

// ring keeps the last records written, for a status page. It is safe for
// concurrent use.
type ring struct {
	mu   sync.Mutex
	buf  []Record
	next int
	full bool
}

func newRing(n int) *ring { return &ring{buf: make([]Record, n)} }

func (r *ring) add(rec Record) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf[r.next] = rec
	r.next = (r.next + 1) % len(r.buf)
	if r.next == 0 {
		r.full = true
	}
}

// list returns the records oldest first.
func (r *ring) list() []Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.full {
		return append([]Record(nil), r.buf[:r.next]...)
	}
	out := append([]Record(nil), r.buf[r.next:]...)
	return append(out, r.buf[:r.next]...)
}
