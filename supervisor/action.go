package supervisor

import (
	"context"
	"time"
)

// Action is pre-authorized recovery work with a stable name, run against a
// target: "trip breaker payments for 30s", "kill flag new-checkout". The
// name identifies the action in cooldowns, audit records and notifications,
// so it must not change between releases of a service.
//
// Run is called on one of the supervisor's worker goroutines with a context
// that carries the action's deadline. Run must return when the context is
// done; an action that does not is abandoned at its deadline and recorded as
// failed. A panic in Run is recovered and recorded as a failure.
type Action interface {
	Name() string
	Run(ctx context.Context, t Trigger) error
}

// Reversible is an [Action] that can be undone, for example a flag kill
// that a revive reverses or a breaker trip that a reset reverses.
type Reversible interface {
	Action
	Undo(ctx context.Context, t Trigger) error
}

// ActionFunc adapts a function to an [Action] with the given name.
func ActionFunc(name string, run func(ctx context.Context, t Trigger) error) Action {
	return funcAction{name: name, run: run}
}

type funcAction struct {
	name string
	run  func(context.Context, Trigger) error
}

func (a funcAction) Name() string                             { return a.name }
func (a funcAction) Run(ctx context.Context, t Trigger) error { return a.run(ctx, t) }

// Source says where a trigger came from.
type Source string

// The sources of triggers. Every source passes the same guardrails.
const (
	SourceDetection Source = "detection" // a detection rule fired
	SourceManual    Source = "manual"    // an operator asked
	SourceWebhook   Source = "webhook"   // a signed external alert
	SourceProbe     Source = "probe"     // a built-in probe failed
)

// Trigger asks the supervisor to run one action against one target. The
// supervisor treats Code as an opaque label: matching codes to actions is
// the caller's business (package heal does it through policies).
type Trigger struct {
	// ID identifies the trigger in the audit trail: an incident or alert
	// id. Empty means the supervisor assigns one.
	ID string
	// Code is the error code that caused the trigger, e.g. "SVC-DEP-001".
	Code string
	// ReplacedCode, when set, is the deprecated code the trigger arrived
	// with before it was resolved to Code; the audit records both.
	ReplacedCode string
	// Target is what the action acts on: a dependency, flag, pool or
	// deployment name. Empty means the action has no specific target.
	Target string
	// Action is what to run. A trigger without an action is rejected.
	Action Action
	// Policy names the policy that bound Code to Action, for the audit.
	Policy string
	// Source says where the trigger came from.
	Source Source
	// Actor is who asked: "system" for detection and probes,
	// "human:alice" for an operator, "webhook:alertmanager" for a webhook.
	Actor string
	// Reason is a short human-readable explanation, recorded in the audit.
	Reason string
	// Runbook is the code's runbook link, carried into audit records and
	// notifications.
	Runbook string
	// Severity is the code's severity as text, for notifications.
	Severity string
	// DryRun records what would run without running it.
	DryRun bool
	// Cooldown overrides the supervisor's cooldown for this action and
	// target when positive.
	Cooldown time.Duration
	// Timeout overrides the supervisor's action timeout when positive.
	Timeout time.Duration
	// Verify, when set, reports whether the condition that caused the
	// trigger has cleared. The supervisor calls it from its decision
	// goroutine once the verify window after a successful action has passed;
	// it must be cheap and must not block. A false result is recorded and
	// counts toward escalation.
	Verify func() bool
	// VerifyWindow overrides the supervisor's verify window for this
	// trigger when positive.
	VerifyWindow time.Duration
	// Attrs carries extra context (counts, window, alert labels) into the
	// audit record. The supervisor does not interpret it.
	Attrs map[string]string
}
