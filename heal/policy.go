package heal

import (
	"fmt"
	"time"
)

// binding is a policy: a pattern and a rule bound to an action. Bindings
// are immutable once [Healer.On] has made them.
type binding struct {
	name    string
	pattern Pattern
	rule    compiled
	action  Action // nil: detect and notify only

	cooldown time.Duration
	timeout  time.Duration
	verify   time.Duration
	quiet    time.Duration
	dryRun   bool
	target   string // for requests that name no target
}

// Option adjusts a policy made by [Healer.On].
type Option func(*binding)

// Name names the policy in audit records and snapshots. Without it the
// policy is named after its pattern and action, e.g. "SVC-DEP-*/trip".
func Name(name string) Option { return func(b *binding) { b.name = name } }

// Cooldown overrides the supervisor's cooldown for this policy's action
// on a target (see [supervisor.Trigger.Cooldown]).
func Cooldown(d time.Duration) Option { return func(b *binding) { b.cooldown = d } }

// Timeout overrides the supervisor's action timeout for this policy.
func Timeout(d time.Duration) Option { return func(b *binding) { b.timeout = d } }

// VerifyWindow overrides the supervisor's verify window for this policy:
// how long after a successful action the incident must have resolved for
// the action to count as verified (see [supervisor.Config.VerifyWindow]).
func VerifyWindow(d time.Duration) Option { return func(b *binding) { b.verify = d } }

// DryRun makes the policy record what it would run without running it.
func DryRun() Option { return func(b *binding) { b.dryRun = true } }

// Quiet sets how long a fired rule must stay below its threshold before
// its incident resolves, and before it may fire again on the same target.
// Without it the quiet period is the rule's window.
func Quiet(d time.Duration) Option { return func(b *binding) { b.quiet = d } }

// DefaultTarget names the target for [Healer.Fire] requests that name
// none. Detected incidents always carry their own target.
func DefaultTarget(target string) Option { return func(b *binding) { b.target = target } }

// newBinding checks a policy and compiles its rule.
func newBinding(pattern string, r Rule, a Action, res time.Duration,
	opts []Option) (*binding, error) {
	p, err := ParsePattern(pattern)
	if err != nil {
		return nil, err
	}
	if err := r.validate(res); err != nil {
		return nil, err
	}
	b := &binding{pattern: p, action: a}
	for _, o := range opts {
		o(b)
	}
	if b.quiet < 0 {
		return nil, fmt.Errorf("heal: policy %s: negative quiet period %v", pattern, b.quiet)
	}
	b.rule = compile(r, res, b.quiet)
	if b.name == "" {
		b.name = p.String() + "/" + actionName(a)
	}
	return b, nil
}

func actionName(a Action) string {
	if a == nil {
		return "notify"
	}
	return a.Name()
}

// checkExact rejects an exact pattern the Healer could never see: a code
// the taxonomy does not define, or a deprecated one, whose reports count
// under its replacement.
func checkExact(tax *Taxonomy, p Pattern) error {
	c, ok := p.Exact()
	if !ok || c == CodeUnclassified {
		return nil
	}
	d, found := tax.Lookup(c)
	switch {
	case !found:
		return fmt.Errorf("heal: pattern %s: code is not defined in the taxonomy", c)
	case d.Deprecated:
		return fmt.Errorf("heal: pattern %s: code is deprecated; bind its replacement %s",
			c, d.ReplacedBy)
	}
	return nil
}

// winners returns the most specific of the bindings matching c: a code
// bound both by "DB-*" and by "DB-CONN-*" follows only the latter. Several
// bindings of equal specificity all apply.
func winners(all []*binding, c Code) []*binding {
	best := 0
	var out []*binding
	for _, b := range all {
		if !b.pattern.Match(c) {
			continue
		}
		switch sp := b.pattern.Specificity(); {
		case sp > best:
			best, out = sp, append(out[:0], b)
		case sp == best:
			out = append(out, b)
		}
	}
	return out
}
