package heal

import (
	"context"
	"errors"
	"fmt"

	"github.com/selfheal/selfheal/supervisor"
)

// detectedTrigger builds the trigger for an incident that fired a policy.
func (h *Healer) detectedTrigger(inc Incident) supervisor.Trigger {
	b, t := inc.binding, inc.target
	tr := supervisor.Trigger{
		ID: inc.ID, Target: inc.Target, Source: supervisor.SourceDetection, Actor: "system",
		Reason: fmt.Sprintf("%s on %s: %s", inc.Code, inc.Target, inc.Rule),
		Verify: func() bool { return t.cleared(b) },
		Attrs:  inc.attrs(),
	}
	h.applyPolicy(&tr, b, inc.Code)
	return tr
}

// applyPolicy fills in what every trigger of policy b for code c carries.
// A trigger already marked as a dry run stays one.
func (h *Healer) applyPolicy(t *supervisor.Trigger, b *binding, c Code) {
	t.Code, t.Action, t.Policy = string(c), b.action, b.name
	t.DryRun = t.DryRun || b.dryRun
	t.Cooldown, t.Timeout, t.VerifyWindow = b.cooldown, b.timeout, b.verify
	if d, ok := h.tax.Lookup(c); ok {
		t.Runbook, t.Severity = d.Runbook, d.Severity.String()
	}
}

// Fire asks for the actions bound to r.Code to run on r.Target, as an
// operator, a webhook or a probe would: the request passes the same
// guardrails as a detected incident. Fire waits for the supervisor's
// decision until ctx is done (the outcome is audited either way) and
// returns nil when the action ran or was recorded as a dry run.
//
// The error wraps [ErrNotEligible] when the taxonomy does not define the
// code or no policy binds it to an action; such a request is audited as
// rejected. Otherwise it describes the refusal or failure.
func (h *Healer) Fire(ctx context.Context, r Request) error {
	code, replaced, err := h.resolve(r.Code)
	if err != nil {
		h.Reject(r, err.Error())
		return err
	}
	binds := h.bindingsFor(code)
	if len(binds) == 0 {
		err := fmt.Errorf("%w: %s has no policy with an action", ErrNotEligible, code)
		h.Reject(r, err.Error())
		return err
	}
	var errs []error
	for _, b := range binds {
		t := h.requestTrigger(b, code, replaced, r)
		errs = append(errs, h.await(ctx, t))
	}
	return errors.Join(errs...)
}

// resolve maps a requested code to the code that counts, noting the
// deprecated code it replaced.
func (h *Healer) resolve(s string) (code Code, replaced string, err error) {
	c := Code(s)
	def, wasReplaced, ok := h.tax.Resolve(c)
	if !ok {
		return "", "", fmt.Errorf("%w: %q is not in the taxonomy", ErrNotEligible, s)
	}
	if wasReplaced {
		replaced = s
	}
	return def.Code, replaced, nil
}

// requestTrigger builds the trigger of policy b for request r, whose code
// resolved to c, replacing the deprecated code replaced if any.
func (h *Healer) requestTrigger(b *binding, c Code, replaced string, r Request) supervisor.Trigger {
	t := r.trigger()
	if t.Target == "" {
		t.Target = b.target
	}
	t.ReplacedCode = replaced
	h.applyPolicy(&t, b, c)
	return t
}

// await submits t and turns its outcome into an error.
func (h *Healer) await(ctx context.Context, t supervisor.Trigger) error {
	rec, err := h.sup.Do(ctx, t)
	if err != nil {
		return fmt.Errorf("heal: %s on %q: %w", t.Action.Name(), t.Target, err)
	}
	switch rec.Outcome {
	case supervisor.OutcomeOK, supervisor.OutcomeDryRun:
		return nil
	case supervisor.OutcomeSkipped, supervisor.OutcomeRejected:
		return fmt.Errorf("heal: %s on %q %s by guardrail %s", t.Action.Name(), t.Target,
			rec.Outcome, rec.Guardrail)
	}
	return fmt.Errorf("heal: %s on %q %s: %s", t.Action.Name(), t.Target, rec.Outcome, rec.Error)
}

// Reject records in the audit trail that request r was refused before
// reaching any policy, for example a webhook whose code is unknown, and
// why: the supervisor writes one rejected record and runs nothing.
func (h *Healer) Reject(r Request, why string) {
	if err := h.sup.Reject(r.trigger(), why); err != nil {
		h.log.Warn("heal: rejection not audited", "code", r.Code, "error", err)
	}
}

// Note records in the audit trail an event that is not a trigger, such as
// an external alert that resolved: nothing runs and nothing is refused.
func (h *Healer) Note(r Request, note string) {
	t := r.trigger()
	t.DryRun = false // a note runs nothing, so it is not a dry run of anything
	if err := h.sup.Note(t, note); err != nil {
		h.log.Warn("heal: note not audited", "code", r.Code, "error", err)
	}
}
