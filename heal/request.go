package heal

import (
	"errors"

	"github.com/selfheal/selfheal/supervisor"
)

// ErrNotEligible reports that a trigger named a code that no policy binds,
// or a code the taxonomy does not define, so nothing may run for it.
var ErrNotEligible = errors.New("heal: code is not eligible for automated recovery")

// Request is a trigger from outside detection: an operator, a signed
// webhook or a probe asking for the action bound to Code to run on Target.
// It passes the same policies and guardrails as a detected incident.
type Request struct {
	// Code is the taxonomy code, e.g. "SVC-DEP-001". A deprecated code is
	// resolved to its replacement and the audit records both.
	Code string
	// Target is what to act on; empty means the policy's default target.
	Target string
	// Source says where the request came from.
	Source supervisor.Source
	// Actor is who asked, e.g. "human:alice" or "webhook:alertmanager".
	Actor string
	// Reason is recorded in the audit.
	Reason string
	// DryRun records what would run without running it.
	DryRun bool
	// Attrs carries extra context into the audit record.
	Attrs map[string]string
}

// trigger is r as a trigger before any policy applies to it. A request
// that names no Source is a manual one.
func (r Request) trigger() supervisor.Trigger {
	t := supervisor.Trigger{Code: r.Code, Target: r.Target, Source: r.Source, Actor: r.Actor,
		Reason: r.Reason, DryRun: r.DryRun, Attrs: r.Attrs}
	if t.Source == "" {
		t.Source = supervisor.SourceManual
	}
	return t
}
